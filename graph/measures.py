"""Who gets copied, who copies, and how: measures on the article and outlet graphs.

Edges follow :data:`graph.build.EDGE_DIRECTION` (``u -> v``: u copies v). ``A`` is an
article graph, ``G`` an outlet graph, both from :mod:`graph.build`. Functions returning
rankings give ``(outlet, value)`` pairs, best first, ties broken by outlet name.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

import networkx as nx

from graph.build import Story, build_outlet_graph, gc_paused, stories

__all__ = [
    "OUTLET_COLUMNS",
    "amplifiers",
    "communities",
    "OUTLET_LEGEND",
    "fastest_copiers",
    "label_outlets",
    "laundering_intermediaries",
    "most_copied",
    "outlet_table",
    "pagerank",
    "uncredited_rate",
]

OUTLET_COLUMNS = (
    "outlet",
    "articles",
    "originated",
    "copied",
    "copies",
    "pagerank",
    "uncredited_rate",
    "laundered",
    "median_lag_hours",
    "community",
)
"""Columns of :func:`outlet_table`, in order."""

OUTLET_LEGEND = {
    "outlet": "registered domain",
    "articles": "articles stored",
    "originated": "stories it is the root of (published first)",
    "copied": "its articles copied by other outlets (weighted in-degree)",
    "copies": "articles it copied from other outlets (weighted out-degree)",
    "pagerank": "PageRank on the copy -> source graph: high for the sources of sources",
    "uncredited_rate": "share of its copies that do not credit their source",
    "laundered": "copies crediting it in stories another outlet began (it hides the origin)",
    "median_lag_hours": "median hours between a source and its copy by this outlet",
    "community": "Louvain community of the outlet graph (1 = largest)",
}
"""What each column of :func:`outlet_table` means (``provenance outlets``, the export)."""


def _ranked(values: dict[Any, float], top: int | None) -> list[tuple[Any, float]]:
    ranked = sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return ranked if top is None else ranked[:top]


def most_copied(G: nx.DiGraph, *, weight: str = "weight", top: int | None = None):
    """Outlets ranked by weighted in-degree: how many articles others copied from them.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("blog", "wire", 5), ("paper", "wire", 2),
    ...                            ("blog", "paper", 1)])
    >>> most_copied(G)
    [('wire', 7), ('paper', 1), ('blog', 0)]
    """
    return _ranked(dict(G.in_degree(weight=weight)), top)


def amplifiers(G: nx.DiGraph, *, weight: str = "weight", top: int | None = None):
    """Outlets ranked by weighted out-degree: how many articles they copied from others.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("blog", "wire", 5), ("blog", "paper", 1),
    ...                            ("paper", "wire", 2)])
    >>> amplifiers(G, top=2)
    [('blog', 6), ('paper', 2)]
    """
    return _ranked(dict(G.out_degree(weight=weight)), top)


def pagerank(G: nx.DiGraph, *, weight: str = "weight", alpha: float = 0.85, top: int | None = None):
    """Outlets ranked by PageRank; since edges point copy -> source, rank flows to sources.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("blog", "wire", 5), ("paper", "wire", 2)])
    >>> [name for name, _ in pagerank(G)]
    ['wire', 'blog', 'paper']
    """
    if G.number_of_nodes() == 0:
        return []
    return _ranked(nx.pagerank(G, alpha=alpha, weight=weight), top)


def uncredited_rate(
    G: nx.DiGraph, *, credited: str = "credited", uncredited: str = "uncredited"
) -> dict[str, float | None]:
    """Share of each outlet's copies that do not credit their source (None: copies nothing).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_edge("blog", "wire", credited=1, uncredited=3)
    >>> G.add_edge("blog", "paper", credited=0, uncredited=1)
    >>> G.add_edge("paper", "wire", credited=2, uncredited=0)
    >>> uncredited_rate(G)
    {'blog': 0.8, 'wire': None, 'paper': 0.0}
    """
    rates: dict[str, float | None] = {}
    for n in G:
        c = u = 0
        for _, _, d in G.out_edges(n, data=True):
            c += d.get(credited, 0)
            u += d.get(uncredited, 0)
        rates[n] = u / (c + u) if c + u else None
    return rates


def laundering_intermediaries(
    A: nx.DiGraph,
    *,
    outlet: str = "outlet",
    credited: str = "credited",
    found: Iterable[Story] | None = None,
) -> dict[str, int]:
    """Outlets credited for stories they did not originate.

    Counts, per outlet, the credited cross-outlet copies of its articles in stories whose
    root belongs to another outlet: the outlet is a direct source but not the origin, so
    its readers and copiers see it, not the origin, as where the story came from. Pass
    ``found`` (from :func:`graph.build.stories`) to reuse stories already computed.

    Examples
    --------
    >>> import networkx as nx
    >>> A = nx.DiGraph()
    >>> A.add_nodes_from([("w", {"outlet": "wire"}), ("p", {"outlet": "paper"}),
    ...                   ("b", {"outlet": "blog"}), ("c", {"outlet": "blog"})])
    >>> A.add_edge("p", "w", credited=False)   # paper copies wire without credit
    >>> A.add_edge("b", "p", credited=True)    # blog credits paper
    >>> A.add_edge("c", "p", credited=True)
    >>> laundering_intermediaries(A)
    {'paper': 2}
    """
    nodes = A._node
    counts: dict[str, int] = {}
    for s in found if found is not None else stories(A, outlet=outlet):
        if s.size < 3:
            continue  # a relay needs an origin, itself and a copier
        origin = {nodes[r].get(outlet) for r in s.roots}
        for v in s.nodes:
            ov = nodes[v].get(outlet)
            if ov is None or ov in origin:
                continue
            for u, d in A._pred[v].items():
                if d.get(credited) and nodes[u].get(outlet) not in (None, ov):
                    counts[ov] = counts.get(ov, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def communities(
    G: nx.DiGraph, *, weight: str = "weight", resolution: float = 1.0, seed: int = 42
) -> list[set[str]]:
    """Louvain communities of the outlet graph, largest first (fixed ``seed``: repeatable).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("a", "b", 9), ("b", "a", 9), ("c", "d", 9),
    ...                            ("d", "c", 9), ("a", "c", 1)])
    >>> sorted(sorted(c) for c in communities(G))
    [['a', 'b'], ['c', 'd']]
    """
    found = nx.community.louvain_communities(G, weight=weight, resolution=resolution, seed=seed)
    return sorted(found, key=lambda c: (-len(c), min(c, default="")))


def fastest_copiers(
    A: nx.DiGraph,
    *,
    outlet: str = "outlet",
    lag: str = "lag_hours",
    min_copies: int = 1,
    top: int | None = None,
) -> list[tuple[str, float]]:
    """Outlets ranked by median lag (hours) of their cross-outlet copies, fastest first.

    Only copies with a known lag count; outlets with fewer than ``min_copies`` of them
    are left out.

    Examples
    --------
    >>> import networkx as nx
    >>> A = nx.DiGraph()
    >>> A.add_nodes_from([("w", {"outlet": "wire"}), ("b", {"outlet": "blog"}),
    ...                   ("p", {"outlet": "paper"})])
    >>> A.add_edge("b", "w", lag_hours=1.5)
    >>> A.add_edge("p", "w", lag_hours=6.0)
    >>> fastest_copiers(A)
    [('blog', 1.5), ('paper', 6.0)]
    """
    medians = {o: m for o, m in _median_lags(A, outlet=outlet, lag=lag, min_copies=min_copies)}
    ranked = sorted(medians.items(), key=lambda kv: (kv[1], kv[0]))
    return ranked if top is None else ranked[:top]


def _median_lags(A: nx.DiGraph, *, outlet: str, lag: str, min_copies: int = 1):
    nodes = A._node
    lags: dict[str, list[float]] = {}
    for u, v, value in A.edges(data=lag):
        ou = nodes[u].get(outlet)
        if value is None or ou is None or ou == nodes[v].get(outlet):
            continue
        lags.setdefault(ou, []).append(value)
    for o, values in lags.items():
        if len(values) >= min_copies:
            yield o, statistics.median(values)


@gc_paused
def outlet_table(
    A: nx.DiGraph,
    outlets: nx.DiGraph | None = None,
    *,
    weight: str = "weight",
    outlet: str = "outlet",
    seed: int = 42,
    found: Iterable[Story] | None = None,
) -> list[dict[str, Any]]:
    """One row per outlet combining every measure, most-copied first.

    Columns (:data:`OUTLET_COLUMNS`): ``articles`` stored, ``originated`` (stories it is the
    root of), ``copied`` (weighted in-degree), ``copies`` (weighted out-degree),
    ``pagerank``, ``uncredited_rate``, ``laundered`` (see
    :func:`laundering_intermediaries`), ``median_lag_hours`` and Louvain ``community``
    (1 = largest). ``outlets`` (the outlet graph)
    is built from ``A`` when not given.

    Examples
    --------
    >>> import networkx as nx
    >>> A = nx.DiGraph()
    >>> A.add_nodes_from([("w", {"outlet": "wire"}), ("b", {"outlet": "blog"})])
    >>> A.add_edge("b", "w", credited=False, lag_hours=2.0)
    >>> rows = outlet_table(A)
    >>> [(r["outlet"], r["copied"], r["copies"], r["originated"]) for r in rows]
    [('wire', 1, 0, 1), ('blog', 0, 1, 0)]
    """
    G = outlets if outlets is not None else build_outlet_graph(A, outlet=outlet)
    found = list(found) if found is not None else stories(A, outlet=outlet)
    originated: dict[str, int] = {}
    for s in found:
        o = A._node[s.root].get(outlet)
        if o is not None:
            originated[o] = originated.get(o, 0) + 1
    copied = dict(G.in_degree(weight=weight))
    copies = dict(G.out_degree(weight=weight))
    ranks = dict(pagerank(G, weight=weight))
    rates = uncredited_rate(G)
    laundered = laundering_intermediaries(A, outlet=outlet, found=found)
    lags = dict(_median_lags(A, outlet=outlet, lag="lag_hours"))
    groups = {o: i for i, c in enumerate(communities(G, weight=weight, seed=seed), 1) for o in c}
    rows = [
        {
            "outlet": o,
            "articles": G.nodes[o].get("articles", 0),
            "originated": originated.get(o, 0),
            "copied": copied[o],
            "copies": copies[o],
            "pagerank": round(ranks.get(o, 0.0), 6),
            "uncredited_rate": None if rates[o] is None else round(rates[o], 4),
            "laundered": laundered.get(o, 0),
            "median_lag_hours": None if o not in lags else round(lags[o], 2),
            "community": groups.get(o),
        }
        for o in G
    ]
    rows.sort(key=lambda r: (-r["copied"], -r["pagerank"], r["outlet"]))
    return rows


def label_outlets(G: nx.DiGraph, rows: Iterable[dict[str, Any]]) -> None:
    """Set the measures of :func:`outlet_table` rows as outlet node attributes, in place
    (colour or size by them in Gephi)."""
    for r in rows:
        if r["outlet"] in G:
            G.nodes[r["outlet"]].update((k, v) for k, v in r.items() if k != "outlet")
