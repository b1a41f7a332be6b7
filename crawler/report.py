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
    lines.append(
        f"  pages recorded   {ok + listing + failed}"
        + (f"  in {elapsed:.0f} s" if isinstance(elapsed, int | float) else "")
    )
    lines.append(f"    articles       {ok}")
    lines.append(f"    other pages    {listing}  (home pages, listings, feeds, sitemaps)")
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
