"""Provenance chains: each copy's direct source, each story's root.

A copy is usually similar to its source's source too (laundering: C credits B, B copied
A), so "similar to an earlier article" is not "copied from it". Direct sources are
chosen per copy among its decided sources, best first: credited page, then credited
outlet, then the source that contains most of the copy's text (an uncredited copy of an
edited copy is closer to it than to the original), then the earliest; a further source is kept only
if most of the text it shares with the copy is not already explained by a better one
(a piece quoting two different stories has two sources). The root is reached by
following primary sources. Everything here is a pure function of the stored pairs,
so the order in which articles arrived does not matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph.direction import CREDIT_SIGNALS

__all__ = [
    "Chain",
    "PairView",
    "chains",
    "credit_level",
]

EXPLAINED = 0.5  # a further source must bring at least this share of new shared text
CLOSER = 0.02  # a source is closer only if it holds this much more of the copy's text


@dataclass(frozen=True, slots=True)
class PairView:
    """A decided pair as chains need it."""

    source: int
    copy: int
    similarity: float
    contained: float  # share of the copy's text found in the source
    confidence: float
    credit: int  # 2: credits the page, 1: credits the outlet, 0: no credit
    copy_spans: tuple[tuple[int, int], ...]  # shared passages, offsets in the copy


@dataclass(frozen=True, slots=True)
class Chain:
    sources: tuple[int, ...]  # direct sources, primary first
    root: int
    depth: int
    confidence: float  # weakest decision on the way to the root


def credit_level(signals: Iterable[list | tuple], source_id: int) -> int:
    """2 if a signal says the copy credits the source page, 1 its outlet, else 0."""
    level = 0
    for name, favours, _w in signals:
        if favours != source_id:
            continue
        if name in CREDIT_SIGNALS:
            return 2
        if name == "attribution_outlet":
            level = 1
    return level


def _covered(spans: tuple[tuple[int, int], ...], taken: list[tuple[int, int]]) -> float:
    total = sum(e - s for s, e in spans)
    if not total:
        return 1.0
    inside = 0
    for s, e in spans:
        for ts, te in taken:
            inside += max(0, min(e, te) - max(s, ts))
    return inside / total


def direct_sources(candidates: list[PairView], order: dict[int, tuple]) -> list[PairView]:
    """The copy's direct sources among all pairs where it is the copy, best first."""
    best = {c: max(p.contained for p in candidates if p.credit == c) for c in {0, 1, 2}
            if any(p.credit == c for p in candidates)}  # fmt: skip

    def key(p: PairView) -> tuple:
        near = p.contained >= best[p.credit] - CLOSER  # ties within CLOSER: earliest wins
        return (-p.credit, not near, order.get(p.source, ()), -p.contained, p.source)

    ranked = sorted(candidates, key=key)
    chosen: list[PairView] = []
    taken: list[tuple[int, int]] = []
    for p in ranked:
        if chosen and _covered(p.copy_spans, taken) > 1 - EXPLAINED:
            continue
        chosen.append(p)
        taken.extend(p.copy_spans)
    return chosen


def chains(pairs: list[PairView], order: dict[int, tuple]) -> dict[int, Chain]:
    """Direct sources and root of every article in ``pairs``.

    ``order`` gives each article a sort key (earliest possible publication, first
    seen, URL) used to break ties and cycles the same way on every run.
    """
    by_copy: dict[int, list[PairView]] = {}
    nodes: set[int] = set()
    for p in pairs:
        by_copy.setdefault(p.copy, []).append(p)
        nodes.update((p.source, p.copy))
    direct = {c: direct_sources(ps, order) for c, ps in by_copy.items()}
    out: dict[int, Chain] = {}
    for node in sorted(nodes):
        path = [node]
        seen = {node}
        conf = 1.0
        cur = node
        while direct.get(cur):
            step = direct[cur][0]
            if step.source in seen:  # a cycle of conflicting decisions: earliest wins
                cycle = path[path.index(step.source) :]
                cur = min(cycle, key=lambda a: (order.get(a, ()), a))
                break
            conf = min(conf, step.confidence)
            cur = step.source
            path.append(cur)
            seen.add(cur)
        srcs = tuple(p.source for p in direct.get(node, []))
        depth = path.index(cur) if cur in path else len(path) - 1
        out[node] = Chain(srcs, cur, depth, conf if srcs else 1.0)
    return out
