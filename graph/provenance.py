"""Provenance chains (each copy's direct source, each story's root) and the read API.

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

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crawler.db.models import Article, Outlet
from crawler.db.reuse_models import ReusePair, ReuseProvenance
from graph.direction import CREDIT_SIGNALS
from graph.records import ArticleRecord, CopyEdge

__all__ = [
    "Chain",
    "PairView",
    "UndecidedPair",
    "chains",
    "credit_level",
    "load_records",
    "load_undecided",
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


@dataclass(frozen=True, slots=True)
class UndecidedPair:
    """Reuse whose direction the signals do not settle."""

    url_a: str
    url_b: str
    similarity: float
    kind: str
    confidence: float
    signals: tuple[str, ...]


def load_records(session: Session) -> tuple[list[ArticleRecord], list[CopyEdge]]:
    """Every stored article, and the copy -> direct source edges.

    Time windows are applied once, on publication dates, by ``graph.build``. Undecided
    pairs are not edges (see ``load_undecided``).
    """
    rows = session.execute(
        select(Article.id, Article.url, Outlet.domain, Article.title, Article.published,
               Article.first_seen_at, Article.date_precision)
        .join(Outlet, Outlet.id == Article.outlet_id)
        .order_by(Article.url)
    ).all()  # fmt: skip
    records = [
        ArticleRecord(r.url, r.domain, r.title, r.published, r.first_seen_at,
                      r.date_precision if r.published is not None else None)
        for r in rows
    ]  # fmt: skip
    urls = {r.id: r.url for r in rows}
    edges: list[CopyEdge] = []
    prov = session.execute(select(ReuseProvenance.article_id, ReuseProvenance.sources)).all()
    wanted = {(aid, sid) for aid, sources in prov if aid in urls for sid in sources}
    if not wanted:
        return records, edges
    src = aliased(Article)
    for pair, source_url in session.execute(
        select(ReusePair, src.url).join(src, src.id == ReusePair.source_id)
    ):
        if (pair.copy_id, pair.source_id) not in wanted:
            continue
        edges.append(
            CopyEdge(
                copy_url=urls[pair.copy_id],
                source_url=source_url,
                similarity=round(pair.similarity, 4),
                kind=pair.kind,
                confidence=round(pair.confidence, 4),
                evidence=tuple(sorted({s[0] for s in pair.signals if s[1] == pair.source_id})),
                credited=pair.credited,
            )
        )
    edges.sort(key=lambda e: (e.copy_url, e.source_url))
    return records, edges


def load_undecided(session: Session) -> list[UndecidedPair]:
    """Pairs with verified reuse but no decided direction."""
    a, b = aliased(Article), aliased(Article)
    out = [
        UndecidedPair(ua, ub, round(p.similarity, 4), p.kind, p.confidence,
                      tuple(f"{s[0]}->{ua if s[1] == p.a_id else ub}" for s in p.signals))
        for p, ua, ub in session.execute(
            select(ReusePair, a.url, b.url)
            .join(a, a.id == ReusePair.a_id)
            .join(b, b.id == ReusePair.b_id)
            .where(ReusePair.source_id.is_(None))
        )
    ]  # fmt: skip
    return sorted(out, key=lambda u: (u.url_a, u.url_b))
