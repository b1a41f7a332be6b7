"""Direction signals, their combination, and provenance chains, on tables of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from graph.direction import (
    ESTIMATE,
    WEIGHTS,
    Facts,
    Signal,
    date_interval,
    decide,
    direction_signals,
    p_before,
    url_key,
)
from graph.provenance import PairView, chains, credit_level, direct_sources

T0 = datetime(2026, 3, 3, 12, tzinfo=UTC)


def _f(url: str, **kw) -> Facts:  # noqa: ANN003
    domain = url.split("/")[2].removeprefix("www.")
    return Facts(url=url, domain=domain, **kw)


X = "https://src.org/story"
Y = "https://copy.net/story"


@pytest.mark.parametrize(
    ("name", "x", "y", "cx", "cy", "expected"),
    [
        ("no signal", {}, {}, 0.9, 0.9, set()),
        (
            "attribution to page",
            {},
            {"links": (("attribution", X),)},
            0.9,
            0.9,
            {("attribution", "x")},
        ),
        (
            "attribution via other scheme and www",
            {},
            {"links": (("attribution", "http://www.src.org/story/"),)},
            0.9,
            0.9,
            {("attribution", "x")},
        ),
        (
            "attribution to outlet home",
            {},
            {"links": (("attribution", "https://src.org/"),)},
            0.9,
            0.9,
            {("attribution_outlet", "x")},
        ),
        (
            "attribution to outlet subdomain",
            {},
            {"links": (("attribution", "https://news.src.org/"),)},
            0.9,
            0.9,
            {("attribution_outlet", "x")},
        ),
        (
            "canonical cross-site",
            {},
            {"links": (("canonical", X),)},
            0.9,
            0.9,
            {("canonical", "x")},
        ),
        (
            "syndication source",
            {},
            {"links": (("syndication_source", X),)},
            0.9,
            0.9,
            {("syndication_source", "x")},
        ),
        (
            "original source",
            {},
            {"links": (("original_source", X),)},
            0.9,
            0.9,
            {("original_source", "x")},
        ),
        ("og:url", {}, {"links": (("og_url", X),)}, 0.9, 0.9, {("og_url", "x")}),
        ("body link", {}, {"links": (("body", X),)}, 0.9, 0.9, {("body", "x")}),
        ("boilerplate link ignored", {}, {"links": (("boilerplate", X),)}, 0.9, 0.9, set()),
        (
            "redirect alias",
            {"aliases": frozenset({"src.org/s?id=1"})},
            {"links": (("attribution", "https://src.org/s?id=1"),)},
            0.9,
            0.9,
            {("attribution", "x")},
        ),
        (
            "credit the other way",
            {"links": (("attribution", Y),)},
            {},
            0.9,
            0.9,
            {("attribution", "y")},
        ),
        (
            "exact times",
            {"published": T0, "precision": "datetime"},
            {"published": T0 + timedelta(hours=1), "precision": "datetime"},
            0.9,
            0.9,
            {("published", "x")},
        ),
        (
            "same day, day precision",
            {"published": T0, "precision": "date"},
            {"published": T0, "precision": "date"},
            0.9,
            0.9,
            set(),
        ),
        (
            "next day, day precision: likely earlier",
            {"published": T0, "precision": "date"},
            {"published": T0 + timedelta(days=1), "precision": "date"},
            0.9,
            0.9,
            {("published", "x")},
        ),
        (
            "three days apart, day precision",
            {"published": T0, "precision": "date"},
            {"published": T0 + timedelta(days=3), "precision": "date"},
            0.9,
            0.9,
            {("published", "x")},
        ),
        (
            "local time, 10 h apart: likely earlier",
            {"published": T0, "precision": "local"},
            {"published": T0 + timedelta(hours=10), "precision": "local"},
            0.9,
            0.9,
            {("published", "x")},
        ),
        (
            "local time, 1 h apart: unknown zone",
            {"published": T0, "precision": "local"},
            {"published": T0 + timedelta(hours=1), "precision": "local"},
            0.9,
            0.9,
            set(),
        ),
        (
            "year only (1 January) vs 3 March: March is probably earlier",
            {"published": datetime(2026, 1, 1, tzinfo=UTC), "precision": "date"},
            {"published": T0, "precision": "datetime"},
            0.9,
            0.9,
            {("published", "y")},
        ),
        (
            "nothing is published after we saw it",
            {
                "published": datetime(2026, 1, 1, tzinfo=UTC),
                "precision": "date",
                "first_seen": datetime(2026, 1, 20, tzinfo=UTC),
            },
            {"published": T0, "precision": "datetime"},
            0.9,
            0.9,
            {("published", "x")},
        ),
        (
            "local vs exact, 2 days",
            {"published": T0, "precision": "local"},
            {"published": T0 + timedelta(days=2), "precision": "datetime"},
            0.9,
            0.9,
            {("published", "x")},
        ),
        ("one date missing", {"published": T0}, {}, 0.9, 0.9, set()),
        ("excerpt is the copy", {}, {}, 0.3, 0.95, {("excerpt", "x")}),
        ("no excerpt when both contain", {}, {}, 0.7, 0.95, set()),
        (
            "first seen long before",
            {"first_seen": T0},
            {"first_seen": T0 + timedelta(days=1)},
            0.9,
            0.9,
            {("first_seen", "x")},
        ),
        (
            "first seen in one crawl",
            {"first_seen": T0},
            {"first_seen": T0 + timedelta(minutes=5)},
            0.9,
            0.9,
            set(),
        ),
    ],
)
def test_direction_signals(
    name: str, x: dict, y: dict, cx: float, cy: float, expected: set
) -> None:
    got = direction_signals(_f(X, **x), _f(Y, **y), cx, cy)
    assert {(s.name, s.favours) for s in got} == expected, name


@pytest.mark.parametrize(
    ("x", "y", "p"),
    [
        ((0, 0), (5, 5), 1.0),
        ((5, 5), (0, 0), 0.0),
        ((3, 3), (3, 3), 0.5),
        ((0, 10), (0, 10), 0.5),
        ((0, 10), (10, 20), 1.0),
        ((0, 10), (5, 5), 0.5),
        ((0, 10), (2.5, 2.5), 0.25),
        ((0, 10), (5, 15), 0.875),
    ],
)
def test_p_before(x: tuple, y: tuple, p: float) -> None:
    assert p_before(x, y) == pytest.approx(p)


def test_date_weight_grows_with_separation() -> None:
    weights = [
        direction_signals(
            _f(X, published=T0, precision="date"),
            _f(Y, published=T0 + timedelta(days=d), precision="date"),
            0.9,
            0.9,
        )[0].weight
        for d in (1, 2, 3)
    ]
    assert weights[0] < weights[1] <= weights[2] == WEIGHTS["published"]


def test_outlet_credit_needs_another_outlet() -> None:
    a, b = (
        _f("https://src.org/a"),
        _f("https://src.org/b", links=(("attribution", "https://src.org/"),)),
    )
    assert direction_signals(a, b, 0.9, 0.9) == []


@pytest.mark.parametrize(
    ("name", "signals", "source"),
    [
        ("nothing", [], None),
        ("credit alone", [("attribution", "x")], "x"),
        ("canonical alone", [("canonical", "y")], "y"),
        ("dates alone", [("published", "x")], "x"),
        ("excerpt alone is too weak", [("excerpt", "x")], None),
        ("first seen alone is too weak", [("first_seen", "x")], None),
        ("dates and excerpt agree", [("published", "x"), ("excerpt", "x")], "x"),
        ("mutual credit", [("attribution", "x"), ("attribution", "y")], None),
        ("credit vs clearly earlier date", [("attribution", "x"), ("published", "y")], None),
        ("outlet credit vs dates", [("attribution_outlet", "x"), ("published", "y")], None),
        ("dates beat first seen", [("published", "x"), ("first_seen", "y")], "x"),
        (
            "credits vs dates still conflict",
            [("attribution", "x"), ("canonical", "x"), ("published", "y")],
            None,
        ),
    ],
)
def test_decide(name: str, signals: list, source: str | None) -> None:
    from graph.direction import WEIGHTS

    d = decide([Signal(n, f, WEIGHTS[n]) for n, f in signals])
    assert d.source == source, name
    assert 0.0 <= d.confidence <= 1.0


def test_credited_flag() -> None:
    from graph.direction import WEIGHTS

    assert decide([Signal("attribution", "x", WEIGHTS["attribution"])]).credited
    assert not decide([Signal("published", "x", WEIGHTS["published"])]).credited


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.a.org/x/", "a.org/x"),
        ("http://a.org/x#frag", "a.org/x"),
        ("https://a.org/x?utm_source=t&id=3", "a.org/x?id=3"),
        ("https://A.ORG:443/x", "a.org/x"),
    ],
)
def test_url_key(url: str, key: str) -> None:
    assert url_key(url) == key


def test_date_interval_day_covers_all_zones() -> None:
    lo, hi = date_interval(T0, "date")
    assert hi - lo == timedelta(days=1, hours=26)
    assert date_interval(T0, "datetime") == (T0, T0)


def test_credit_level() -> None:
    assert credit_level([["attribution", 1, 0.95]], 1) == 2
    assert credit_level([["attribution_outlet", 1, 0.7]], 1) == 1
    assert credit_level([["published", 1, 0.6], ["attribution", 2, 0.95]], 1) == 0


def _pv(src: int, cp: int, contained: float = 1.0, credit: int = 0, spans=((0, 100),)) -> PairView:  # noqa: ANN001
    return PairView(src, cp, contained, contained, 0.9, credit, spans)


ORDER = {i: (f"2026-01-0{i}", "", f"u{i}") for i in range(1, 8)}


@pytest.mark.parametrize(
    ("name", "pairs", "expected"),
    [
        # A=1 original; B=2 copies A; C=3 credits B and is as similar to A: C -> B, root A
        (
            "laundering",
            [_pv(1, 2), _pv(2, 3, credit=2), _pv(1, 3)],
            {3: ((2,), 1), 2: ((1,), 1), 1: ((), 1)},
        ),
        # uncredited siblings: both copy the earliest, not each other
        ("siblings", [_pv(1, 2), _pv(1, 3), _pv(2, 3)], {3: ((1,), 1), 2: ((1,), 1)}),
        # C is closer to an edited B than to A: C -> B
        ("edited chain", [_pv(1, 2, 0.95), _pv(2, 3, 1.0), _pv(1, 3, 0.95)], {3: ((2,), 1)}),
        # outlet credit beats similarity
        ("outlet credit", [_pv(1, 3, 1.0), _pv(2, 3, 0.9, credit=1)], {3: ((2,), 2)}),
        # two excerpts of two stories: two direct sources
        (
            "two sources",
            [_pv(1, 3, 0.5, spans=((0, 100),)), _pv(2, 3, 0.5, spans=((200, 300),))],
            {3: ((1, 2), 1)},
        ),
        # conflicting decisions forming a cycle: earliest is the root
        ("cycle", [_pv(1, 2), _pv(2, 1)], {1: ((2,), 1), 2: ((1,), 1)}),
    ],
)
def test_chains(name: str, pairs: list, expected: dict) -> None:
    got = chains(pairs, ORDER)
    for node, (sources, root) in expected.items():
        assert (got[node].sources, got[node].root) == (sources, root), name


def test_direct_sources_ranked_by_credit_first() -> None:
    ranked = direct_sources([_pv(1, 3, 1.0), _pv(2, 3, 0.8, credit=2)], ORDER)
    assert [p.source for p in ranked] == [2]


@pytest.mark.parametrize(
    ("dated_hours", "favours"),
    [
        (-48, "x"),  # the dated page is two days before the undated page's Last-Modified
        (-13, "x"),
        (-6, None),  # inside the estimate's span: the undated page may be the earlier one
        (0, None),
        (2, "y"),  # after the Last-Modified: the undated page existed before it
    ],
)
def test_an_estimated_time_is_an_upper_bound(dated_hours: int, favours: str | None) -> None:
    x = _f(X, published=T0 + timedelta(hours=dated_hours), precision="datetime")
    y = _f(Y, published=T0, precision=ESTIMATE)
    sig = [s for s in direction_signals(x, y, 0.9, 0.9) if s.name.startswith("published")]
    assert [s.favours for s in sig] == ([favours] if favours else [])
    assert all(s.name == "published_estimate" for s in sig)
