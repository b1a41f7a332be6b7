"""Article, story and outlet graphs built from hand-made records with known answers."""

from __future__ import annotations

import doctest
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import networkx as nx
import pytest

import graph.build
from graph.build import (
    EDGE_DIRECTION,
    build_article_graph,
    build_graphs,
    build_outlet_graph,
    copy_edge,
    label_stories,
    stories,
)
from graph.records import ArticleRecord, CopyEdge

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def rec(url: str, outlet: str, hours: float | None, *, seen: float | None = None, title=None):
    published = None if hours is None else T0 + timedelta(hours=hours)
    first_seen = None if seen is None else T0 + timedelta(hours=seen)
    return ArticleRecord(url, outlet, title=title, published=published, first_seen=first_seen,
                         precision=None if published is None else "datetime")  # fmt: skip


def copy(u: str, v: str, *, credited: bool = False, sim: float = 0.9) -> CopyEdge:
    return CopyEdge(u, v, similarity=sim, kind="full", confidence=0.8, evidence=("shingles",),
                    credited=credited)  # fmt: skip


# wire/1 breaks the story; paper/1 copies it; blog/1 and blog/2 copy paper/1; x/1 alone.
RECORDS = [
    rec("https://wire/1", "wire", 0, title="Quake hits"),
    rec("https://paper/1", "paper", 2),
    rec("https://blog/1", "blog", 5),
    rec("https://blog/2", "blog", None, seen=30),
    rec("https://x/1", "x", 100),
]
EDGES = [
    copy("https://paper/1", "https://wire/1"),
    copy("https://blog/1", "https://paper/1", credited=True),
    copy("https://blog/2", "https://paper/1"),
]


def test_doctests() -> None:
    assert doctest.testmod(graph.build).failed == 0


def test_edge_points_from_copy_to_source() -> None:
    G = build_article_graph(RECORDS, EDGES)
    assert copy_edge("c", "s") == ("c", "s")
    assert G.has_edge("https://paper/1", "https://wire/1")
    assert not G.has_edge("https://wire/1", "https://paper/1")
    assert G.graph["edge_direction"] == EDGE_DIRECTION
    assert list(G.predecessors("https://paper/1")) == ["https://blog/1", "https://blog/2"]


def test_article_attributes() -> None:
    G = build_article_graph(RECORDS, EDGES)
    assert G.nodes["https://wire/1"] == {
        "outlet": "wire",
        "title": "Quake hits",
        "published": "2024-03-01T08:00:00+00:00",
        "date_precision": "datetime",
        "first_seen": None,
    }
    e = G.edges["https://blog/1", "https://paper/1"]
    assert e == {
        "similarity": 0.9,
        "kind": "full",
        "confidence": 0.8,
        "evidence": ["shingles"],
        "credited": True,
        "lag_hours": 3.0,
    }
    # blog/2 has no published date: its first_seen time is used
    assert G.edges["https://blog/2", "https://paper/1"]["lag_hours"] == 28.0


@pytest.mark.parametrize(
    ("copy_time", "source_time", "lag"),
    [
        (datetime(2024, 1, 1, 12, tzinfo=UTC), datetime(2024, 1, 1, 10, tzinfo=UTC), 2.0),
        (datetime(2024, 1, 1, 12), datetime(2024, 1, 1, 10, tzinfo=UTC), 2.0),  # naive = UTC
        (
            datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))),
            datetime(2024, 1, 1, 10, tzinfo=UTC),
            0.0,
        ),  # fmt: skip
        (None, datetime(2024, 1, 1, 10, tzinfo=UTC), None),
        (datetime(2024, 1, 1, 9, tzinfo=UTC), datetime(2024, 1, 1, 10, tzinfo=UTC), -1.0),
    ],
)
def test_lag_hours(copy_time, source_time, lag) -> None:
    G = build_article_graph(
        [
            ArticleRecord("c", "o1", published=copy_time),
            ArticleRecord("s", "o2", published=source_time),
        ],
        [copy("c", "s")],
    )
    assert G.edges["c", "s"]["lag_hours"] == lag


def test_unknown_urls_and_self_loops() -> None:
    G = build_article_graph([rec("a", "o", 0)], [copy("a", "ghost"), copy("a", "a")])
    assert G.nodes["ghost"]["outlet"] is None
    assert not G.has_edge("a", "a")
    assert G.number_of_edges() == 1


@pytest.mark.parametrize(
    ("since", "until", "nodes", "edges"),
    [
        (None, None, 5, 3),
        # blog/1 (13:00) is kept with its direct source paper/1 (10:00), outside the window
        (datetime(2024, 3, 1, 11, tzinfo=UTC), datetime(2024, 3, 1, 14, tzinfo=UTC), 2, 1),
        (date(2024, 3, 1), date(2024, 3, 1), 3, 2),  # a date as until includes the whole day
        (date(2024, 3, 2), None, 3, 1),  # blog/2 (first seen 3/2 14:00) + paper/1, and x/1
        (None, datetime(2024, 3, 1, 8, tzinfo=UTC), 0, 0),  # until is exclusive
    ],
)
def test_time_window(since, until, nodes, edges) -> None:
    G = build_article_graph(RECORDS, EDGES, since=since, until=until)
    assert (G.number_of_nodes(), G.number_of_edges()) == (nodes, edges)


@pytest.mark.parametrize(
    ("min_confidence", "edges"),
    [(0.0, 3), (0.5, 3), (0.8, 3), (0.81, 1), (0.95, 0)],
)
def test_min_confidence(min_confidence: float, edges: int) -> None:
    weighted = [*EDGES[:2], replace(EDGES[2], confidence=0.9)]
    A, O = build_graphs(RECORDS, weighted, min_confidence=min_confidence)  # noqa: E741
    assert A.number_of_edges() == edges
    # outlet edges are made of the article edges that pass
    assert sum(d["weight"] for *_, d in O.edges(data=True)) == edges


def test_rounded_median_lag() -> None:
    records = [rec("s", "wire", 0), rec("c1", "blog", 1 / 3), rec("c2", "blog", 31.2)]
    _, O = build_graphs(records, [copy("c1", "s"), copy("c2", "s")])  # noqa: E741
    assert O.edges["blog", "wire"]["median_lag_hours"] == 15.76  # not 15.765000000000001


def test_stories() -> None:
    found = stories(build_article_graph(RECORDS, EDGES))
    first, second = found
    assert (first.id, first.root, first.roots, first.size) == (
        1,
        "https://wire/1",
        ("https://wire/1",),
        4,
    )
    assert first.outlets == ("blog", "paper", "wire")
    assert (first.start, first.end, first.span_hours) == (
        "2024-03-01T08:00:00+00:00",
        "2024-03-02T14:00:00+00:00",
        30.0,
    )
    assert not first.ambiguous_root
    assert (second.root, second.size, second.span_hours) == ("https://x/1", 1, 0.0)
    row = first.as_row()
    assert row["roots"] == ["https://wire/1"] and row["outlet_count"] == 3


@pytest.mark.parametrize(
    ("edges", "roots"),
    [
        ([("b", "a"), ("c", "b")], ("a",)),
        ([("c", "a"), ("c", "b")], ("a", "b")),  # c copies two sources: two roots
        ([("a", "b"), ("b", "a")], ("a", "b")),  # a cycle: every node may be the root
    ],
)
def test_story_roots(edges, roots) -> None:
    (story,) = stories(nx.DiGraph(edges))
    assert story.roots == roots
    assert story.ambiguous_root == (len(roots) > 1)


def test_label_stories() -> None:
    G = build_article_graph(RECORDS, EDGES)
    label_stories(G, stories(G))
    assert G.nodes["https://blog/2"]["story"] == 1 and not G.nodes["https://blog/2"]["is_root"]
    assert G.nodes["https://x/1"]["story"] == 2 and G.nodes["https://x/1"]["is_root"]


def test_outlet_graph() -> None:
    A, O = build_graphs(RECORDS, EDGES)  # noqa: E741
    assert sorted(O.edges) == [("blog", "paper"), ("paper", "wire")]
    assert O.edges["blog", "paper"] == {
        "weight": 2,
        "credited": 1,
        "uncredited": 1,
        "median_lag_hours": 15.5,
        "first_seen": "2024-03-01T13:00:00+00:00",
        "last_seen": "2024-03-02T14:00:00+00:00",
    }
    assert O.nodes["blog"]["articles"] == 2
    assert "x" in O and O.degree("x") == 0


def test_outlet_graph_skips_self_copies_and_light_edges() -> None:
    records = [rec("w1", "wire", 0), rec("w2", "wire", 1), rec("p1", "paper", 2)]
    A = build_article_graph(records, [copy("w2", "w1"), copy("p1", "w1")])
    assert sorted(build_outlet_graph(A).edges) == [("paper", "wire")]
    assert build_outlet_graph(A, min_weight=2).number_of_edges() == 0


def test_bulk_load_equals_the_public_api() -> None:
    G = build_article_graph(RECORDS, [*EDGES, copy("https://x/1", "https://ghost/9")])
    H = nx.DiGraph(**G.graph)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from(G.edges(data=True))
    assert nx.utils.graphs_equal(G, H)
    assert list(G.nodes) == list(H.nodes) and list(G.edges) == list(H.edges)
    assert dict(G.in_degree) == dict(H.in_degree)
    G.add_edge("https://x/1", "https://wire/1")  # still a normal, mutable DiGraph
    assert G.has_edge("https://x/1", "https://wire/1") and "https://x/1" in G.pred["https://wire/1"]
