"""Plain-text summaries of crawl runs and database totals, for people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db.models import Article, CrawlRun, Outlet, Page


def crawl_summary(engine: Engine, run_id: int | None, stats: dict[str, Any]) -> str:
    """What one crawl run fetched and stored, and why pages failed."""
    lines = [f"crawl run {run_id}: {stats.get('finish_reason', 'unknown')}"]
    elapsed = stats.get("elapsed_time_seconds")
    ok = stats.get("trail/pages/ok", 0)
    listing = stats.get("trail/pages/not_article", 0)
    failed = stats.get("trail/pages/failed", 0)
    unchanged = stats.get("trail/pages/not_modified", 0)
    lines.append(
        f"  pages recorded   {ok + listing + failed + unchanged}"
        + (f"  in {elapsed:.0f} s" if isinstance(elapsed, int | float) else "")
    )
    lines.append(f"    articles       {ok}")
    lines.append(f"    other pages    {listing}  (home pages, listings, feeds, sitemaps)")
    if stats.get("trail/pages/not_modified"):
        lines.append(f"    not modified   {stats['trail/pages/not_modified']}  (answered 304)")
    if stats.get("trail/skipped/fresh"):
        lines.append(f"    not due yet    {stats['trail/skipped/fresh']}  (revisit policy)")
    lines.append(f"    failed         {failed}")
    reasons = sorted(
        (
            (k.removeprefix("trail/failed/"), v)
            for k, v in stats.items()
            if k.startswith("trail/failed/")
        ),
        key=lambda kv: (-kv[1], kv[0]),
    )
    for reason, count in reasons:
        lines.append(f"      {reason:<20} {count}")
    skipped = {
        k.removeprefix("trail/skipped/"): v
        for k, v in stats.items()
        if k.startswith("trail/skipped/")
    }
    if skipped:
        lines.append(
            "  not followed     " + ", ".join(f"{k} {v}" for k, v in sorted(skipped.items()))
        )
    if stats.get("trail/seeds/invalid"):
        lines.append(f"  invalid seeds    {stats['trail/seeds/invalid']} (see the log)")
    with Session(engine) as session:
        totals = database_totals(session)
    lines.append("  database now     " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return "\n".join(lines)


def database_totals(session: Session) -> dict[str, int]:
    def count(model: Any) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return {
        "outlets": count(Outlet),
        "pages": count(Page),
        "articles": count(Article),
        "runs": count(CrawlRun),
    }


def database_report(engine: Engine, runs: int = 5) -> str:
    """Totals of everything stored, and the last ``runs`` crawl runs."""
    from crawler.db.reuse_models import ReusePair

    with Session(engine) as session:
        totals = database_totals(session)
        pairs = session.scalar(select(func.count()).select_from(ReusePair)) or 0
        decided = (
            session.scalar(
                select(func.count()).select_from(ReusePair).where(ReusePair.source_id.is_not(None))
            )
            or 0
        )
        failed = session.execute(
            select(Page.error, func.count()).where(Page.error.is_not(None)).group_by(Page.error)
        ).all()
        recent = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(runs)).all()
    lines = [f"database {engine.url.render_as_string(hide_password=True)}"]
    lines += [f"  {name:<16} {value}" for name, value in totals.items()]
    lines.append(f"  {'copy pairs':<16} {pairs} ({decided} with a decided direction)")
    if failed:
        lines.append("  pages not stored as content, by reason:")
        lines += [
            f"    {reason:<20} {count}" for reason, count in sorted(failed, key=lambda r: -r[1])
        ]
    if recent:
        lines.append("  last crawl runs:")
        lines.append(
            f"    {'run':>4}  {'started (UTC)':<19}  {'minutes':>7}  {'pages':>6}  "
            f"{'articles':>8}  {'failed':>6}  status"
        )
        for run in recent:
            stats = run.stats or {}
            pages = sum(stats.get(f"trail/pages/{k}", 0) for k in ("ok", "not_article", "failed"))
            minutes = (
                (run.finished_at - run.started_at).total_seconds() / 60
                if run.finished_at
                else float("nan")
            )
            ok, failed = stats.get("trail/pages/ok", 0), stats.get("trail/pages/failed", 0)
            lines.append(
                f"    {run.id:>4}  {run.started_at:%Y-%m-%d %H:%M:%S}  {minutes:>7.1f}  "
                f"{pages:>6}  {ok:>8}  {failed:>6}  {run.status}"
            )
    return "\n".join(lines)
