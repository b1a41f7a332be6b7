"""``provenance report --format html``: read what the HTML report needs from the database.

The page itself is written by :mod:`graph.report_html` from graphs and tables; this
module only loads them: articles and copy edges (:func:`crawler.db.records.load_records`),
the database totals of ``provenance stats``, and the shared passages of the copies shown
in the stories view (``reuse_pairs.passages``, character offsets into each article's text).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db.models import Article, CrawlRun, Page
from crawler.db.records import load_records
from crawler.db.reuse_models import ReusePair
from crawler.db.session import describe
from crawler.report import database_totals
from graph.build import build_graphs, stories
from graph.measures import outlet_table
from graph.report_html import write_report

__all__ = ["load_passages", "load_totals", "write_html_report"]

PASSAGE_CHARS = 600  # longer shared passages are cut in the report (the database has all)


class EmptyDatabaseError(LookupError):
    """Nothing to report on."""


def load_totals(session: Session, runs: int = 5) -> dict[str, Any]:
    """What ``provenance stats`` prints, as data: totals, failures by reason, last runs."""
    totals: dict[str, Any] = dict(database_totals(session))
    totals["copy pairs"] = session.scalar(select(func.count()).select_from(ReusePair)) or 0
    totals["copy pairs with a direction"] = (
        session.scalar(
            select(func.count()).select_from(ReusePair).where(ReusePair.source_id.is_not(None))
        )
        or 0
    )
    failures = session.execute(
        select(Page.error, func.count()).where(Page.error.is_not(None)).group_by(Page.error)
    ).all()
    recent = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(runs)).all()
    rows = []
    for run in recent:
        stats = run.stats or {}
        rows.append(
            {
                "run": run.id,
                "started (UTC)": f"{run.started_at:%Y-%m-%d %H:%M:%S}",
                "minutes": round((run.finished_at - run.started_at).total_seconds() / 60, 1)
                if run.finished_at
                else None,
                "pages": sum(
                    stats.get(f"trail/pages/{k}", 0) for k in ("ok", "not_article", "failed")
                ),
                "articles": stats.get("trail/pages/ok", 0),
                "failed": stats.get("trail/pages/failed", 0),
                "status": run.status,
            }
        )
    return {
        "totals": totals,
        "failures": sorted(((r, n) for r, n in failures), key=lambda rn: (-rn[1], rn[0])),
        "runs": rows,
    }


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PASSAGE_CHARS else text[: PASSAGE_CHARS - 1] + "…"


def load_passages(
    session: Session, edges: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Shared passages of each ``(copy_url, source_url)`` edge, as (copy, source) texts."""
    wanted = set(edges)
    urls = {u for e in wanted for u in e}
    if not wanted:
        return {}
    ids: dict[str, int] = {}
    for chunk in _chunks(sorted(urls), 500):
        rows = session.execute(select(Article.url, Article.id).where(Article.url.in_(chunk)))
        ids.update(list(rows.tuples()))
    by_id = {i: u for u, i in ids.items()}
    texts: dict[int, str] = {}
    for chunk in _chunks(sorted(by_id), 500):
        rows = session.execute(select(Article.id, Article.text).where(Article.id.in_(chunk)))
        texts.update(list(rows.tuples()))
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for chunk in _chunks(sorted(by_id), 500):
        pairs = session.scalars(
            select(ReusePair).where(ReusePair.copy_id.in_(chunk), ReusePair.source_id.is_not(None))
        )
        for p in pairs:
            key = (by_id.get(p.copy_id), by_id.get(p.source_id))
            if key not in wanted:
                continue
            a, b = texts.get(p.a_id, ""), texts.get(p.b_id, "")
            shared = []
            for a0, a1, b0, b1 in p.passages or []:
                pa, pb = _cut(a[a0:a1]), _cut(b[b0:b1])
                shared.append((pa, pb) if p.copy_id == p.a_id else (pb, pa))
            out[key] = shared  # type: ignore[index]
    return out


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def write_html_report(
    engine: Engine,
    out_dir: str | Path,
    *,
    since: datetime | None = None,
    max_stories: int = 100,
) -> Path:
    """Write the HTML report of the database (articles published from ``since``, undated
    ones by first seen, as ``provenance export --since``)."""
    with Session(engine) as session:
        records, edges = load_records(session)
        if not records:
            raise EmptyDatabaseError(
                f"no articles in the database ({describe(engine)}): run `provenance crawl` first"
            )
        totals = load_totals(session)
        A, G = build_graphs(records, edges, since=since)
        found = stories(A)
        shown = {n for s in found[:max_stories] if s.size > 1 for n in s.nodes}
        passages = load_passages(session, ((u, v) for u in shown for v in A._succ[u]))
    rows = outlet_table(A, G, found=found)
    return write_report(
        out_dir, A, G, rows=rows, found=found, totals=totals, passages=passages,
        source=describe(engine), max_stories=max_stories,
    )  # fmt: skip
