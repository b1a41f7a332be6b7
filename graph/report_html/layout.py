"""Positions of the outlet network, computed once in Python so the page only draws.

A force layout of the whole graph costs O(n²) per iteration in networkx, far too slow
for 10,000 outlets. Communities are laid out instead: first the graph of communities
(a few hundred nodes at most) with networkx's spring layout, each community given a disc
whose area grows with its size; then the outlets inside each disc, by spring layout when
the community is small and on a sunflower spiral (most copied at the centre) when large.
Outlets with no link at all share one disc at the edge.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx

__all__ = ["community_layout", "separate", "sunflower"]

GOLDEN = math.pi * (3 - math.sqrt(5))


def sunflower(n: int) -> list[tuple[float, float]]:
    """``n`` points spread evenly over the unit disc, the first at the centre.

    Examples
    --------
    >>> sunflower(1)
    [(0.0, 0.0)]
    >>> all(x * x + y * y <= 1.0 + 1e-9 for x, y in sunflower(50))
    True
    """
    if n <= 1:
        return [(0.0, 0.0)] * n
    return [
        (
            math.sqrt(i / (n - 1)) * math.cos(i * GOLDEN),
            math.sqrt(i / (n - 1)) * math.sin(i * GOLDEN),
        )
        for i in range(n)
    ]


def separate(
    centres: Mapping[Hashable, tuple[float, float]],
    radius: Mapping[Hashable, float],
    *,
    gap: float = 0.5,
    rounds: int = 60,
) -> dict[Hashable, tuple[float, float]]:
    """Move discs apart until none overlaps (or ``rounds`` passes): each overlapping pair
    is pushed apart along the line joining them, half the overlap each.

    Vectorised with numpy over all pairs: O(c²) per round, for c communities (hundreds).

    Examples
    --------
    >>> out = separate({"a": (0.0, 0.0), "b": (0.1, 0.0)}, {"a": 1.0, "b": 1.0}, gap=0)
    >>> round(out["b"][0] - out["a"][0], 3)
    2.0
    """
    import numpy as np

    keys = list(centres)
    if len(keys) < 2:
        return dict(centres)
    P = np.array([centres[k] for k in keys], dtype=float)
    R = np.array([radius[k] for k in keys], dtype=float)
    need = R[:, None] + R[None, :] + gap
    np.fill_diagonal(need, 0.0)
    jitter = np.random.default_rng(0).normal(scale=1e-3, size=P.shape)
    P += jitter  # coincident centres need a direction to part in
    for _ in range(rounds):
        D = P[:, None, :] - P[None, :, :]
        dist = np.sqrt((D**2).sum(axis=2))
        np.fill_diagonal(dist, np.inf)
        over = np.clip(need - dist, 0.0, None)
        if not over.any():
            break
        push = (D / dist[:, :, None]) * (over / 2)[:, :, None]
        P += push.sum(axis=1)
    return {k: (float(x), float(y)) for k, (x, y) in zip(keys, P, strict=True)}


def _unit(pos: Mapping[Any, Any]) -> dict[Any, tuple[float, float]]:
    """Positions centred and scaled into the unit disc."""
    if not pos:
        return {}
    xs = [float(p[0]) for p in pos.values()]
    ys = [float(p[1]) for p in pos.values()]
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    r = max(math.hypot(x - cx, y - cy) for x, y in zip(xs, ys, strict=True)) or 1.0
    return {n: ((float(p[0]) - cx) / r, (float(p[1]) - cy) / r) for n, p in pos.items()}


def community_layout(
    G: nx.DiGraph,
    groups: Mapping[Hashable, Hashable],
    *,
    weight: str = "weight",
    rank: Mapping[Hashable, float] | None = None,
    seed: int = 42,
    max_spring: int = 300,
) -> dict[Hashable, tuple[float, float]]:
    """``(x, y)`` of every node of ``G``: communities apart, their members within.

    ``groups`` maps a node to its community (nodes missing from it are alone);
    ``rank`` orders members of large communities from the centre out (highest first).
    Deterministic for a given ``seed``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("c", "d")])
    >>> pos = community_layout(G, {"a": 1, "b": 1, "c": 2, "d": 2})
    >>> sorted(pos) == ["a", "b", "c", "d"]
    True
    """
    rank = rank or {}
    members: dict[Hashable, list[Hashable]] = {}
    lonely: list[Hashable] = []
    for n in G:
        if G.degree(n) == 0:
            lonely.append(n)
        else:
            members.setdefault(groups.get(n, ("alone", n)), []).append(n)
    between = nx.Graph()
    between.add_nodes_from(members)
    for u, v, w in G.edges(data=weight, default=1):
        cu, cv = groups.get(u, ("alone", u)), groups.get(v, ("alone", v))
        if cu != cv:
            old = between.get_edge_data(cu, cv, {"weight": 0})["weight"]
            between.add_edge(cu, cv, weight=old + (w or 1))
    radius = {c: math.sqrt(len(ms)) for c, ms in members.items()}
    if len(members) == 1:
        centres = {c: (0.0, 0.0) for c in members}
    else:
        spread = nx.spring_layout(between, weight="weight", seed=seed, iterations=80)
        centres = _unit(spread)
    # Scale the community map to about the size of the discs together (total area: the
    # node count), then push overlapping discs apart.
    area = sum(math.pi * r * r for r in radius.values()) or 1.0
    scale = math.sqrt(area / math.pi)
    centres = separate({c: (x * scale, y * scale) for c, (x, y) in centres.items()}, radius)
    scale = max((math.hypot(x, y) + radius[c] for c, (x, y) in centres.items()), default=1.0)
    pos: dict[Hashable, tuple[float, float]] = {}
    for c in sorted(members, key=lambda c: (-len(members[c]), str(c))):
        ms = members[c]
        cx, cy = centres[c]
        if len(ms) <= max_spring:
            # A plain small graph, not a view of the big one: spring_layout's conversion
            # to a matrix walks a view's filters on every access (3x slower here).
            sub = nx.Graph()
            sub.add_nodes_from(ms)
            sub.add_weighted_edges_from(
                (u, v, d.get(weight, 1)) for u, v, d in G.subgraph(ms).edges(data=True)
            )
            local = _unit(nx.spring_layout(sub, seed=seed, iterations=50))
        else:
            ordered = sorted(ms, key=lambda n: (-rank.get(n, 0.0), str(n)))
            local = dict(zip(ordered, sunflower(len(ordered)), strict=True))
        r = radius[c]
        for n, (x, y) in local.items():
            pos[n] = (cx + x * r, cy + y * r)
    if lonely:  # one disc beside the map, most copied first
        r = math.sqrt(len(lonely))
        ordered = sorted(lonely, key=lambda n: (-rank.get(n, 0.0), str(n)))
        ox = scale + 2 * r if pos else 0.0
        for n, (x, y) in zip(ordered, sunflower(len(ordered)), strict=True):
            pos[n] = (ox + x * r, y * r)
    return {n: (round(x, 3), round(y, 3)) for n, (x, y) in pos.items()}
