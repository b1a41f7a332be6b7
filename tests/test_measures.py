"""Outlet measures on tiny graphs whose answers are known."""

from __future__ import annotations

import doctest

import networkx as nx
import pytest

import graph.measures
from graph.measures import (
    OUTLET_COLUMNS,
    amplifiers,
    communities,
    fastest_copiers,
    laundering_intermediaries,
    most_copied,
    outlet_table,
    pagerank,
    uncredited_rate,
)


def articles(nodes: dict[str, str], edges: list[tuple[str, str, dict]]) -> nx.DiGraph:
    """Article graph: ``nodes`` maps URL -> outlet; edges are (copy, source, attrs)."""
    A = nx.DiGraph()
    A.add_nodes_from((n, {"outlet": o}) for n, o in nodes.items())
    A.add_edges_from(edges)
    return A


def outlets(edges: list[tuple[str, str, int, int]]) -> nx.DiGraph:
    """Outlet graph from (copier, source, credited, uncredited)."""
    G = nx.DiGraph()
    for u, v, c, n in edges:
        G.add_edge(u, v, weight=c + n, credited=c, uncredited=n)
    return G


STAR = outlets([("a", "wire", 3, 1), ("b", "wire", 0, 2), ("c", "wire", 1, 0), ("c", "a", 0, 1)])


def test_doctests() -> None:
    assert doctest.testmod(graph.measures).failed == 0


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (most_copied, [("wire", 7), ("a", 1), ("b", 0), ("c", 0)]),
        (amplifiers, [("a", 4), ("b", 2), ("c", 2), ("wire", 0)]),
    ],
)
def test_degree_rankings(fn, expected) -> None:
    assert fn(STAR) == expected
    assert fn(STAR, top=1) == expected[:1]


def test_degree_rankings_use_the_weight_keyword() -> None:
    assert most_copied(STAR, weight="credited")[:2] == [("wire", 4), ("a", 0)]
    assert amplifiers(STAR, weight=None)[0] == ("c", 2)


def test_pagerank_ranks_sources_first() -> None:
    ranked = pagerank(STAR)
    assert ranked[0][0] == "wire"
    assert ranked[1][0] == "a"
    assert sum(v for _, v in ranked) == pytest.approx(1.0)
    assert pagerank(nx.DiGraph()) == []


def test_uncredited_rate() -> None:
    assert uncredited_rate(STAR) == {"a": 0.25, "wire": None, "b": 1.0, "c": 0.5}


@pytest.mark.parametrize(
    ("nodes", "edges", "expected"),
    [
        # paper copies wire uncredited; blog credits paper: paper launders wire's story
        (
            {"w": "wire", "p": "paper", "b": "blog"},
            [("p", "w", {"credited": False}), ("b", "p", {"credited": True})],
            {"paper": 1},
        ),
        # the credit goes to the root itself: no laundering
        (
            {"w": "wire", "p": "paper", "b": "blog"},
            [("p", "w", {"credited": True}), ("b", "w", {"credited": True})],
            {},
        ),
        # blog copies paper without credit: paper is a relay but is not credited
        (
            {"w": "wire", "p": "paper", "b": "blog"},
            [("p", "w", {"credited": False}), ("b", "p", {"credited": False})],
            {},
        ),
        # wire republishes its own story at a new URL that blog credits: wire originated it
        (
            {"w1": "wire", "w2": "wire", "b": "blog"},
            [("w2", "w1", {"credited": True}), ("b", "w2", {"credited": True})],
            {},
        ),
        # two hops: paper and agg both relay, each credited once
        (
            {"w": "wire", "p": "paper", "g": "agg", "b": "blog"},
            [
                ("p", "w", {"credited": False}),
                ("g", "p", {"credited": True}),
                ("b", "g", {"credited": True}),
            ],
            {"agg": 1, "paper": 1},
        ),
    ],
)
def test_laundering_intermediaries(nodes, edges, expected) -> None:
    assert laundering_intermediaries(articles(nodes, edges)) == expected


def test_communities_are_repeatable() -> None:
    G = outlets([("a", "b", 5, 0), ("b", "a", 5, 0), ("c", "d", 5, 0), ("d", "c", 5, 0)])
    G.add_edge("a", "c", weight=1, credited=0, uncredited=1)
    first = communities(G)
    assert first == communities(G) == communities(G, seed=42)
    assert sorted(sorted(c) for c in first) == [["a", "b"], ["c", "d"]]


def test_fastest_copiers() -> None:
    A = articles(
        {"w": "wire", "w2": "wire", "p1": "paper", "p2": "paper", "p3": "paper", "b": "blog"},
        [
            ("p1", "w", {"lag_hours": 1.0}),
            ("p2", "w", {"lag_hours": 3.0}),
            ("p3", "w", {"lag_hours": None}),  # unknown lag: left out
            ("b", "w", {"lag_hours": 2.5}),
            ("w2", "w", {"lag_hours": 0.1}),  # a self-copy: left out
        ],
    )
    assert fastest_copiers(A) == [("paper", 2.0), ("blog", 2.5)]
    assert fastest_copiers(A, min_copies=2) == [("paper", 2.0)]
    assert fastest_copiers(A, top=1) == [("paper", 2.0)]


def test_outlet_table() -> None:
    A = articles(
        {"w": "wire", "p": "paper", "b": "blog", "b2": "blog"},
        [
            ("p", "w", {"credited": False, "lag_hours": 2.0}),
            ("b", "p", {"credited": True, "lag_hours": 1.0}),
            ("b2", "w", {"credited": True, "lag_hours": 5.0}),
        ],
    )
    rows = outlet_table(A)
    assert [tuple(r) for r in rows] == [OUTLET_COLUMNS] * 3
    by = {r["outlet"]: r for r in rows}
    assert [r["outlet"] for r in rows] == ["wire", "paper", "blog"]
    assert by["wire"] | {"pagerank": None, "community": None} == {
        "outlet": "wire",
        "articles": 1,
        "originated": 1,
        "copied": 2,
        "copies": 0,
        "pagerank": None,
        "uncredited_rate": None,
        "laundered": 0,
        "median_lag_hours": None,
        "community": None,
    }
    assert (by["paper"]["laundered"], by["paper"]["uncredited_rate"]) == (1, 1.0)
    assert (by["blog"]["copies"], by["blog"]["median_lag_hours"]) == (2, 3.0)
    assert by["blog"]["uncredited_rate"] == 0.0
    assert all(isinstance(r["community"], int) for r in rows)
