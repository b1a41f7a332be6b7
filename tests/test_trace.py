"""Explaining one article, and the terminal renderers."""

from __future__ import annotations

import doctest
import json

import networkx as nx
import pytest

import graph.trace
from graph.trace import (
    UnknownArticleError,
    explain,
    render_explain,
    render_outlet_table,
    resolve,
)


def edge(sim: float, conf: float, *, credited: bool = False, lag: float | None = 1.0) -> dict:
    return {
        "similarity": sim,
        "kind": "full",
        "confidence": conf,
        "evidence": ["shingles", "canonical"],
        "credited": credited,
        "lag_hours": lag,
    }


@pytest.fixture
def G() -> nx.DiGraph:
    """wire <- paper <- blog <- agg, plus blog2 and tweet copying paper, and paper
    also partly copying an 'other' page."""
    G = nx.DiGraph()
    for url, outlet, when in [
        ("https://wire/1", "wire", "2024-03-01T08:00:00+00:00"),
        ("https://paper/1", "paper", "2024-03-01T10:00:00+00:00"),
        ("https://other/1", "other", "2024-03-01T07:00:00+00:00"),
        ("https://blog/1", "blog", "2024-03-01T12:00:00+00:00"),
        ("https://blog/2", "blog", "2024-03-01T11:00:00+00:00"),
        ("https://agg/1", "agg", None),
    ]:
        G.add_node(url, outlet=outlet, title=f"Title of {url}", published=when)
    G.add_edge("https://paper/1", "https://wire/1", **edge(0.95, 0.9, lag=2.0))
    G.add_edge("https://paper/1", "https://other/1", **edge(0.4, 0.5, lag=3.0))
    G.add_edge("https://blog/1", "https://paper/1", **edge(0.8, 0.7, credited=True))
    G.add_edge("https://blog/2", "https://paper/1", **edge(0.7, 0.6))
    G.add_edge("https://agg/1", "https://blog/1", **edge(0.99, 0.95, lag=None))
    return G


def test_doctests() -> None:
    assert doctest.testmod(graph.trace).failed == 0


def test_chain_follows_the_most_confident_source(G) -> None:
    data = explain(G, "https://blog/1")
    assert [(s["copy"]["url"], s["source"]["url"]) for s in data["chain"]] == [
        ("https://blog/1", "https://paper/1"),
        ("https://paper/1", "https://wire/1"),
    ]
    assert data["root"] == "https://wire/1" and not data["is_root"] and not data["cycle"]
    step = data["chain"][1]
    assert step["other_sources"] == ["https://other/1"]
    assert (step["similarity"], step["confidence"], step["lag_hours"]) == (0.95, 0.9, 2.0)
    assert step["evidence"] == ["shingles", "canonical"]
    assert step["source"]["published"] == "2024-03-01T08:00:00+00:00"


def test_copied_by_is_a_tree_in_time_order(G) -> None:
    data = explain(G, "https://paper/1")
    assert data["copies_total"] == data["copies_listed"] == 3
    assert [c["url"] for c in data["copied_by"]] == ["https://blog/2", "https://blog/1"]
    blog1 = data["copied_by"][1]
    assert blog1["credited"] is True
    assert [c["url"] for c in blog1["copied_by"]] == ["https://agg/1"]
    json.dumps(data)  # JSON-ready as it is


def test_root_and_limit(G) -> None:
    data = explain(G, "https://wire/1", max_copies=2)
    assert data["is_root"] and data["chain"] == [] and data["root"] == "https://wire/1"
    assert (data["copies_total"], data["copies_listed"]) == (4, 2)
    text = render_explain(data)
    assert "This is a root" in text and "… and 2 more" in text


def test_cycle_is_reported() -> None:
    G = nx.DiGraph([("a", "b"), ("b", "a")])
    data = explain(G, "a")
    assert data["cycle"] and len(data["chain"]) == 2
    assert "loops back" in render_explain(data)


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("https://wire/1", "https://wire/1"),
        ("https://wire/1/", "https://wire/1"),
        ("http://wire/1", "https://wire/1"),
        ("http://wire/1/", "https://wire/1"),
    ],
)
def test_resolve_variants(G, asked, found) -> None:
    assert resolve(G, asked) == found


def test_unknown_url(G) -> None:
    with pytest.raises(UnknownArticleError, match="unknown article: https://nope/") as err:
        explain(G, "https://nope/")
    assert err.value.url == "https://nope/"
    assert isinstance(err.value, LookupError)


def test_render_explain(G) -> None:
    text = render_explain(explain(G, "https://paper/1"))
    lines = text.splitlines()
    assert lines[0].startswith("https://paper/1  [paper, 2024-03-01 10:00]")
    assert "Chain to the root (1 step):" in text
    assert "└─ copies https://wire/1  [wire, 2024-03-01 08:00]" in text
    assert "also copies: https://other/1" in text
    assert "similarity 0.95; full; confidence 0.90; uncredited; +2.0 h" in text
    assert "Copied by 3 articles:" in text
    assert "├─ https://blog/2" in text
    assert "└─ https://blog/1" in text
    assert "   └─ https://agg/1  [agg, date unknown]" in text


def test_render_strips_terminal_escapes() -> None:
    G = nx.DiGraph()
    G.add_node("a", outlet="x", title="evil\x1b[2J\x1b]0;pwned\x07 title\nnext", published=None)
    text = render_explain(explain(G, "a"))
    assert "\x1b" not in text and "\x07" not in text
    assert text.count("\n") == 2  # header, root note, "Copied by"


ROWS = [
    {"outlet": "wire.example", "copied": 1200, "pagerank": 0.25, "uncredited_rate": None},
    {"outlet": "b", "copied": 3, "pagerank": 0.0123, "uncredited_rate": 0.5},
    {"outlet": "c", "copied": 0, "pagerank": 0.001, "uncredited_rate": 1.0},
]


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (
            None,
            [
                "outlet        copied  pagerank  uncredited_rate",
                "wire.example    1200    0.2500                -",
                "b                  3    0.0123           0.5000",
                "c                  0    0.0010           1.0000",
            ],
        ),
        (
            1,
            [
                "outlet        copied  pagerank  uncredited_rate",
                "wire.example    1200    0.2500                -",
            ],
        ),
    ],
)
def test_render_outlet_table(top, expected) -> None:
    cols = ("outlet", "copied", "pagerank", "uncredited_rate")
    assert render_outlet_table(ROWS, top=top, columns=cols).splitlines() == expected


def test_render_outlet_table_default_columns() -> None:
    header = render_outlet_table([]).splitlines()[0].split()
    assert header[0] == "outlet" and "laundered" in header


def test_credit_phrases_are_quoted(G) -> None:
    """``provenance trace`` adds each step's credit sentence; the tree quotes it, cleaned."""
    data = explain(G, "https://blog/1")
    data["chain"][0]["credit_phrase"] = "Originally published at \x1b[31mPaper\x1b[0m."
    data["copied_by"][0]["credit_phrase"] = None
    text = render_explain(data)
    assert 'credit: "Originally published at  [31mPaper [0m."' in text
    assert text.count("credit:") == 1
    assert "\x1b" not in text
