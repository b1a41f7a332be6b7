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


def queue_report(engine: Engine, frontier: str | None = None) -> str:
    """Work waiting and who does it: the frontier (database rows, and the shared Redis
    queue when ``frontier`` is given), the match queue and the registered processes."""
    from crawler.db.models import FrontierEntry
    from crawler.db.processes import live_processes
    from crawler.db.reuse_models import MatchQueueEntry

    with Session(engine) as session:
        rows, claimed = session.execute(
            select(func.count(), func.count(FrontierEntry.claimed_by))
        ).one()
        queued, matching = session.execute(
            select(func.count(), func.count(MatchQueueEntry.claimed_by))
        ).one()
        procs = live_processes(session)
    lines = ["work waiting:"]
    lines.append(f"  {'frontier rows':<16} {rows} ({claimed} claimed by a process, "
                 f"{rows - claimed} unclaimed)")  # fmt: skip
    if frontier:
        lines.append(f"  {'shared frontier':<16} {_redis_counts(engine, frontier)}")
    lines.append(f"  {'match queue':<16} {queued} articles ({matching} being matched)")
    lines.append(f"  processes        {len(procs)}")
    if procs:
        lines.append(f"    {'role':<8}  {'host':<24}  {'pid':>7}  {'heartbeat':>9}  run")
        for proc, age in procs:
            lines.append(f"    {proc.role:<8}  {proc.host[:24]:<24}  {proc.pid:>7}  "
                         f"{age:>7.1f} s  {proc.crawl_run_id or '-'}")  # fmt: skip
    return "\n".join(lines)


def _redis_counts(engine: Engine, frontier: str) -> str:
    """The shared queue's length and the requests in flight, or why they cannot be read."""
    from redis import Redis
    from redis.exceptions import RedisError

    from crawler.sharedfrontier import RedisFrontier, frontier_prefix

    try:
        server = Redis.from_url(frontier, socket_connect_timeout=5)
        shared = RedisFrontier(server, frontier_prefix(str(engine.url)), "stats")
        return (f"{shared.queued()} requests queued, {len(shared.in_flight())} in flight "
                f"({frontier})")  # fmt: skip
    except (RedisError, ValueError) as exc:
        return f"unreachable ({frontier}: {exc})"
