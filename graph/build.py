"""Build networkx graphs from provenance records: articles, stories and outlets.

Edge direction, for every graph in this project
------------------------------------------------
An edge ``u -> v`` means **u copies v**: ``v`` is ``u``'s direct source. Edges point
from the copy to its source, like a citation, so:

* in-degree counts being copied, out-degree counts copying;
* PageRank flows towards sources, so it ranks the most-copied ones;
* a story's root (where it first appeared) is a node with no outgoing edge;
* ``G.predecessors(v)`` are the pages that copy ``v``; ``G.successors(u)`` are ``u``'s sources.

The outlet graph uses the same direction: ``a -> b`` when outlet ``a`` copies outlet ``b``.
:func:`copy_edge` is the one place that turns a copy and its source into an edge; other
modules import it (or :data:`EDGE_DIRECTION`) rather than restating the rule.
"""

from __future__ import annotations

import functools
import gc
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import chain, filterfalse, repeat
from operator import attrgetter, eq, sub, truediv
from typing import Any, ParamSpec, TypeVar

import networkx as nx

from graph.records import ArticleRecord, CopyEdge

__all__ = [
    "EDGE_DIRECTION",
    "Story",
    "article_time",
    "build_article_graph",
    "build_graphs",
    "build_outlet_graph",
    "copy_edge",
    "gc_paused",
    "label_stories",
    "stories",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def gc_paused(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` with the cyclic garbage collector paused (restored after).

    Building a million-node graph allocates millions of containers that all survive,
    which triggers repeated full collections finding nothing: ~20% of the time in
    ``tests/bench/bench_graph.py``. Reference counting still frees everything.
    """

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return wrapper


EDGE_DIRECTION = "copy -> source"
"""Human-readable edge convention, also written into exported graph metadata."""


def copy_edge(copy: str, source: str) -> tuple[str, str]:
    """Return the edge ``(u, v)`` for "``copy`` copies ``source``": ``(copy, source)``."""
    return (copy, source)


@dataclass(frozen=True, slots=True)
class Story:
    """One weakly connected component of the article graph."""

    id: int  # 1 = largest story
    root: str  # where the story first appeared (earliest root when there are several)
    roots: tuple[str, ...]  # every node with no source; more than one means "ambiguous"
    size: int  # articles
    outlets: tuple[str, ...]  # outlets reached, sorted
    start: str | None  # ISO 8601, earliest published-or-first-seen time
    end: str | None  # ISO 8601, latest
    span_hours: float | None
    nodes: frozenset[str]

    @property
    def ambiguous_root(self) -> bool:
        """True when the story has several roots (no single first appearance)."""
        return len(self.roots) > 1

    def as_row(self) -> dict[str, Any]:
        """A flat, JSON/CSV-friendly row (member URLs left out)."""
        return {
            "story": self.id,
            "root": self.root,
            "roots": list(self.roots),
            "ambiguous_root": self.ambiguous_root,
            "size": self.size,
            "outlet_count": len(self.outlets),
            "outlets": list(self.outlets),
            "start": self.start,
            "end": self.end,
            "span_hours": self.span_hours,
        }


def _as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def article_time(record: ArticleRecord) -> datetime | None:
    """When an article appeared: ``published``, else ``first_seen``, else None."""
    value = record.published or record.first_seen
    return None if value is None else _as_utc(value)


def _bound(value: date | datetime | None, *, upper: bool) -> datetime | None:
    """A filter bound as an aware datetime. A plain date as ``until`` includes that day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _as_utc(value)
    start = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return start + timedelta(days=1) if upper else start


_UNKNOWN = {
    "outlet": None,
    "title": None,
    "published": None,
    "date_precision": None,
    "first_seen": None,
}
LAG_DIGITS = 2  # hours: 36 s is finer than any publication time we can know


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600.0, LAG_DIGITS)


@gc_paused
def build_article_graph(
    records: Iterable[ArticleRecord],
    edges: Iterable[CopyEdge],
    *,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    min_confidence: float = 0.0,
) -> nx.DiGraph:
    """Article graph: one node per URL, an edge ``copy -> source`` per :class:`CopyEdge`.

    Node attributes: ``outlet``, ``title``, ``published`` with its ``date_precision``,
    ``first_seen`` (ISO 8601 or None). Edge attributes: ``similarity``, ``kind``,
    ``confidence``, ``evidence`` (list), ``credited``, ``lag_hours`` (copy's time minus
    source's, None when either is unknown).

    ``since`` (inclusive) and ``until`` (exclusive; a plain date includes that whole day)
    keep the articles published in that window (undated ones by first-seen time), plus
    the direct sources of the copies kept, so no copy loses its source. Articles of
    unknown time are dropped when a window is given. Edges below ``min_confidence`` are
    left out. Edges naming a URL that has no record keep it as a node with
    ``outlet=None``; self-loops are ignored.
    """
    lo, hi = _bound(since, upper=False), _bound(until, upper=True)
    filtered = lo is not None or hi is not None
    if min_confidence > 0:
        edges = [e for e in edges if e.confidence >= min_confidence]
    # A column at a time, each a C-level map or a comprehension, loaded in bulk: this
    # runs over a million articles and edges in tests/bench/bench_graph.py, where a
    # loop per record and per edge cost twice as much.
    records = list(records)
    urls = list(map(attrgetter("url"), records))
    pubs = _utc(list(map(attrgetter("published"), records)))
    seens = _utc(list(map(attrgetter("first_seen"), records)))
    times: dict[str, datetime | None] = dict(zip(urls, map(_first, pubs, seens), strict=True))
    attrs: dict[str, dict[str, Any]] = dict(
        zip(
            urls,
            [
                {
                    "outlet": o,
                    "title": t or None,
                    "published": p,
                    "date_precision": d,
                    "first_seen": s,
                }
                for o, t, p, d, s in zip(
                    map(attrgetter("outlet"), records),
                    map(attrgetter("title"), records),
                    _iso(pubs),
                    map(attrgetter("precision"), records),
                    _iso(seens),
                    strict=True,
                )
            ],
            strict=True,
        )
    )
    del records, urls, pubs, seens

    def in_window(url: str) -> bool:
        t = times.get(url)
        return t is not None and (lo is None or t >= lo) and (hi is None or t < hi)

    keep = {u for u in attrs if in_window(u)} if filtered else attrs
    edges = list(edges)
    copies = list(map(attrgetter("copy_url"), edges))
    sources = list(map(attrgetter("source_url"), edges))
    if filtered or any(map(eq, copies, sources)):  # self-loops, copies outside the window
        edges = [
            e
            for e, c, s in zip(edges, copies, sources, strict=True)
            if c != s and (not filtered or c in keep)
        ]
        copies = list(map(attrgetter("copy_url"), edges))
        sources = list(map(attrgetter("source_url"), edges))
    tcs, tss = list(map(times.get, copies)), list(map(times.get, sources))
    if None in tcs or None in tss:
        pairs = zip(tcs, tss, strict=True)
        lags = [None if c is None or s is None else _hours(c - s) for c, s in pairs]
    else:  # _hours(tc - ts) with every step a C-level map
        secs = map(timedelta.total_seconds, map(sub, tcs, tss))
        lags = list(map(round, map(truediv, secs, repeat(3600.0)), repeat(LAG_DIGITS)))
    del tcs, tss
    data = [
        {
            "similarity": e.similarity,
            "kind": e.kind,
            "confidence": e.confidence,
            "evidence": list(e.evidence),
            "credited": bool(e.credited),
            "lag_hours": lag,
        }
        for e, lag in zip(edges, lags, strict=True)
    ]
    del edges, lags
    ends = {"copy": copies, "source": sources}
    u_end, v_end = copy_edge("copy", "source")  # which column is u, which is v
    us, vs = ends[u_end], ends[v_end]
    # direct sources outside the window, and URLs with no record
    extra = set(filterfalse(keep.__contains__, chain(us, vs)))
    nodes = attrs if keep is attrs else {u: attrs[u] for u in keep}
    nodes.update([(u, dict(attrs.get(u, _UNKNOWN))) for u in extra])
    return _bulk_digraph(nodes, zip(us, vs, data, strict=True), edge_direction=EDGE_DIRECTION)


def _utc(values: list[datetime | None]) -> list[datetime | None]:
    """Each value as aware UTC (:func:`_as_utc`); ``values`` itself when all already are."""
    if set(map(attrgetter("tzinfo"), filter(None, values))) <= {UTC}:
        return values
    return [v if v is None or v.tzinfo is UTC else _as_utc(v) for v in values]


def _iso(values: list[datetime | None]) -> list[str | None]:
    return [None if v is None else v.isoformat() for v in values]


def _first(published: datetime | None, first_seen: datetime | None) -> datetime | None:
    return published or first_seen


def _bulk_digraph(
    nodes: dict[str, dict[str, Any]],
    edges: Iterable[tuple[str, str, dict[str, Any]]],
    **graph_attr: Any,
) -> nx.DiGraph:
    """``DiGraph`` equal to ``add_nodes_from(nodes.items())`` then ``add_edges_from(edges)``.

    Fills networkx's adjacency dicts (``_node``, ``_succ``, ``_pred``: the documented
    data structure of a DiGraph) directly, taking ownership of the attribute dicts instead
    of copying them: about 6 s less per million articles than the public methods, the
    largest cost of the bench. Node ids must be unique and every edge end must be a node;
    ``tests/test_build.py`` checks the result equals the public-API build.
    """
    G = nx.DiGraph(**graph_attr)
    node, succ, pred = G._node, G._succ, G._pred
    node.update(nodes)  # into an empty dict: a copy of the hash table, no insert per node
    empty = repeat((), len(node))
    succ.update(zip(node, map(dict, empty), strict=True))  # an empty dict per node, in C
    pred.update(zip(node, map(dict, repeat((), len(node))), strict=True))
    for u, v, d in edges:
        succ[u][v] = d
        pred[v][u] = d
    return G


def _node_time(d: dict[str, Any]) -> str | None:
    """ISO time of a node's attribute dict: published, else first seen (both are UTC)."""
    return d.get("published") or d.get("first_seen")


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@gc_paused
def stories(G: nx.DiGraph, *, outlet: str = "outlet") -> list[Story]:
    """Split the article graph into stories (weakly connected components).

    Returned largest first (ties: earliest start, then root URL); ``id`` counts from 1.
    A story's roots are its nodes with no outgoing (copy -> source) edge; ``root`` is
    the earliest of them. A story that is one big cycle has no such node: then every
    node is listed as a possible root.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("b", "a"), ("c", "b"), ("y", "x")])
    >>> [(s.id, s.root, s.size) for s in stories(G)]
    [(1, 'a', 3), (2, 'x', 2)]
    """
    found = []
    nodes, succ = G._node, G._succ  # plain dicts: this runs over a million nodes
    for comp in nx.weakly_connected_components(G):
        roots = [n for n in comp if not succ[n]] or list(comp)
        stamps = {n: _node_time(nodes[n]) for n in comp}
        known = sorted(t for t in stamps.values() if t is not None)
        roots.sort(key=lambda n: (stamps[n] is None, stamps[n] or "", n))
        outlets = sorted({o for n in comp if (o := nodes[n].get(outlet)) is not None})
        start, end = (known[0], known[-1]) if known else (None, None)
        span = None
        if known:
            span = _hours(_parse(end) - _parse(start))  # type: ignore[operator]
        found.append((comp, tuple(roots), outlets, start, end, span))
    found.sort(key=lambda f: (-len(f[0]), f[3] is None, f[3] or "", f[1][0]))
    return [
        Story(i, roots[0], roots, len(comp), tuple(outs), start, end, span, frozenset(comp))
        for i, (comp, roots, outs, start, end, span) in enumerate(found, start=1)
    ]


def label_stories(G: nx.DiGraph, found: Iterable[Story], *, attr: str = "story") -> None:
    """Set node attributes ``attr`` (story id) and ``is_root`` in place, e.g. for Gephi."""
    for s in found:
        roots = set(s.roots)
        for n in s.nodes:
            G.nodes[n][attr] = s.id
            G.nodes[n]["is_root"] = n in roots


@gc_paused
def build_outlet_graph(
    A: nx.DiGraph,
    *,
    min_weight: int = 1,
    outlet: str = "outlet",
) -> nx.DiGraph:
    """Outlet graph from an article graph: ``a -> b`` when outlet ``a`` copies outlet ``b``.

    Edge attributes: ``weight`` (article copies), ``credited`` and ``uncredited`` counts,
    ``median_lag_hours`` (None when no lag is known), ``first_seen`` and ``last_seen`` (ISO
    times of the earliest and latest copy). Copies within one outlet, and articles of
    unknown outlet, are left out. Edges lighter than ``min_weight`` are dropped; every
    outlet of the article graph stays a node, with ``articles`` (its article count).

    Examples
    --------
    >>> import networkx as nx
    >>> A = nx.DiGraph()
    >>> A.add_nodes_from([("a1", {"outlet": "wire"}), ("b1", {"outlet": "blog"}),
    ...                   ("b2", {"outlet": "blog"})])
    >>> A.add_edge("b1", "a1", credited=True, lag_hours=2.0)
    >>> A.add_edge("b2", "a1", credited=False, lag_hours=4.0)
    >>> G = build_outlet_graph(A)
    >>> G.edges["blog", "wire"]["weight"], G.edges["blog", "wire"]["median_lag_hours"]
    (2, 3.0)
    """
    counts: dict[str, int] = {}
    outlet_of: dict[str, Any] = {}
    for u, d in A._node.items():  # plain dicts: this runs over a million articles
        o = outlet_of[u] = d.get(outlet)
        if o is not None:
            counts[o] = counts.get(o, 0) + 1
    # acc[ou][ov]: weight, credited, lags, first, last. Nested rather than keyed by pair:
    # no tuple per edge, and the edges below are made in the order the graph iterates
    # them (by outlet, in node order), which keeps every later pass over them in cache.
    acc: dict[str, dict[str, list]] = {}
    for u, nbrs in A._succ.items():
        ou = outlet_of[u]
        if ou is None or not nbrs:
            continue
        t = _node_time(A._node[u])  # the copy's time: the same for all its sources
        out = acc.get(ou)
        if out is None:
            out = acc[ou] = {}
        for v, d in nbrs.items():
            ov = outlet_of[v]
            if ov is None or ov == ou:
                continue
            a = out.get(ov)
            if a is None:
                a = out[ov] = [0, 0, [], None, None]
            a[0] += 1
            if d.get("credited"):
                a[1] += 1
            lag = d.get("lag_hours")
            if lag is not None:
                a[2].append(lag)
            if t is not None:
                if a[3] is None or t < a[3]:
                    a[3] = t
                if a[4] is None or t > a[4]:
                    a[4] = t
    edges = [
        (
            ou,
            ov,
            {
                "weight": w,
                "credited": c,
                "uncredited": w - c,
                "median_lag_hours": round(statistics.median(lags), LAG_DIGITS) if lags else None,
                "first_seen": first,
                "last_seen": last,
            },
        )
        for ou in counts
        for ov, (w, c, lags, first, last) in acc.get(ou, {}).items()
        if w >= min_weight
    ]
    nodes = {o: {"articles": c} for o, c in counts.items()}
    return _bulk_digraph(nodes, edges, edge_direction=EDGE_DIRECTION)


def build_graphs(
    records: Iterable[ArticleRecord],
    edges: Iterable[CopyEdge],
    *,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    min_weight: int = 1,
    min_confidence: float = 0.0,
) -> tuple[nx.DiGraph, nx.DiGraph]:
    """Article graph and outlet graph in one call (see the two builders)."""
    A = build_article_graph(records, edges, since=since, until=until, min_confidence=min_confidence)
    return A, build_outlet_graph(A, min_weight=min_weight)
