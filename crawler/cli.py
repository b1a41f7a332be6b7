"""The ``provenance`` command: crawl, migrate, match, export, explain.

Each verb is one function; shared options are added by small helpers. Errors a user can
fix (a bad database URL, an unreadable seed file) end with one message and exit 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.db.migrate import check_writable, ensure_current, upgrade
from crawler.db.session import DatabaseError, describe, make_engine, resolve_db_url
from graph.export import ExportError

if TYPE_CHECKING:
    import networkx as nx
    from scrapy.settings import Settings

log = logging.getLogger("provenance")


class UsageError(Exception):
    """A mistake on the command line; the message says what to do."""


class Parser(argparse.ArgumentParser):
    """argparse with mistakes answered in one line (``prog: error: ...``) and exit 2,
    as every other mistake of this command; ``--help`` still prints the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive(text: str) -> int:
    """An integer of 1 or more (``--max-pages``, ``--top``)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _not_negative(text: str) -> int:
    """An integer of 0 or more (``--depth``: 0 means no limit)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def _share(text: str) -> float:
    """A number from 0 to 1 (``--min-confidence``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="DB_URL",
        help="database URL or SQLite path (default: $PROVENANCE_DB, else data/provenance.db)",
    )


def add_crawl_options(parser: argparse.ArgumentParser, progress: float) -> None:
    """Options shared by the verbs that crawl (``crawl``, ``nightly``)."""
    add_db_option(parser)
    parser.add_argument("--max-pages", type=_positive, metavar="N", help="stop after N pages")
    parser.add_argument("--depth", type=_not_negative, metavar="N",
                        help="link hops from the seeds (0: any)")  # fmt: skip
    parser.add_argument("--set", "-s", type=parse_setting, action="append", metavar="NAME=VALUE",
                        help="override a Scrapy or PROVENANCE_* setting (repeatable); "
                        "unknown names and values of the wrong type are refused")  # fmt: skip
    parser.add_argument("--progress", type=_seconds, default=progress, metavar="SECONDS",
                        help=f"seconds between progress lines (default {progress:g})")  # fmt: skip
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    parser.add_argument("--log-level", default="WARNING", type=str.upper, choices=LOG_LEVELS,
                        help="Scrapy log level (default WARNING)")  # fmt: skip
    add_search_option(parser)
    add_frontier_option(parser)


def add_frontier_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--frontier",
        metavar="redis://HOST:PORT/N",
        help="share the frontier with other crawler processes through this Redis "
        "(needs a PostgreSQL --db; default $PROVENANCE_FRONTIER)",
    )


def frontier_url(args: argparse.Namespace, db_url: str, *, ping: bool = True) -> str | None:
    """The shared frontier's Redis URL (``--frontier``, ``--set PROVENANCE_FRONTIER=``,
    ``$PROVENANCE_FRONTIER``), checked: a URL Redis answers at, and a shared database."""
    given = dict(getattr(args, "set", None) or ()).get("PROVENANCE_FRONTIER")
    url = getattr(args, "frontier", None) or given or os.environ.get("PROVENANCE_FRONTIER")
    if not url:
        return None
    from crawler.sharedfrontier import FrontierError, check_frontier_url

    try:
        check_frontier_url(url)
    except FrontierError as exc:
        raise UsageError(str(exc)) from None
    if make_url(db_url).get_backend_name() != "postgresql":
        raise UsageError("a shared frontier (--frontier) needs a shared database: give "
                         "--db postgresql://USER@HOST/NAME, not a SQLite file")  # fmt: skip
    if ping:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            Redis.from_url(url, socket_connect_timeout=5).ping()
        except (RedisError, ValueError) as exc:
            raise UsageError(f"the shared frontier {url} cannot be reached: {exc}") from None
    return url


def add_search_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--search",
        action="append",
        metavar="NAME[=URL]",
        help="find uncredited copies through a search service: searxng=URL, gdelt[=URL], "
        "brave[=URL] (repeatable; default $PROVENANCE_SEARCH)",
    )


def search_overrides(args: argparse.Namespace) -> list[tuple[str, str]]:
    """``--search`` as the ``PROVENANCE_SEARCH`` setting (checked before any crawl)."""
    if not getattr(args, "search", None):
        return []
    from crawler.search.backends import BackendError, parse_specs

    spec = ",".join(args.search)
    try:
        parse_specs(spec)
    except BackendError as exc:
        raise UsageError(str(exc)) from exc
    return [("PROVENANCE_SEARCH", spec)]


def parse_setting(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` for a known Scrapy or project setting, its value of the right type."""
    from crawler.crawl import SettingError, check_setting

    name, sep, value = text.partition("=")
    if not sep or not name.isupper():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with an upper-case NAME: {text!r}")
    try:
        check_setting(name, value)
    except SettingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return name, value


def cmd_crawl(args: argparse.Namespace) -> int:
    if not args.urls and not args.seeds:
        raise UsageError("give seed URLs, or --seeds FILE with one URL a line")
    if args.seeds and not Path(args.seeds).is_file():
        raise UsageError(f"seed file not found: {args.seeds}")
    _check_seeds(args.urls, args.seeds)
    db_url = _db_url(args.db)
    args.frontier = frontier_url(args, db_url)
    engine = make_engine(db_url)
    ensure_current(engine)  # fails fast, with one message, when the database is unusable
    check_writable(engine)
    urls = list(args.urls)
    if not args.no_resume:
        from crawler.watch import pending_frontier

        with Session(engine) as session:
            left = pending_frontier(session)
        if left:
            print(f"resuming {len(left)} URLs an earlier run left unfinished", file=sys.stderr)
            urls += left
    print(f"crawling into {describe(engine)}", file=sys.stderr)
    return _run(args, db_url, engine, args.seeds, urls)


def _check_seeds(urls: list[str], seeds_file: str | None) -> None:
    """Refuse a crawl whose seeds hold no usable URL (the first reason given)."""
    from crawler.seeds import parse_seeds

    lines = list(urls)
    if seeds_file:
        try:
            lines += Path(seeds_file).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            raise UsageError(f"cannot read the seed file {seeds_file}: {exc.strerror}") from None
    good, rejected = parse_seeds(lines)
    if not good:
        where = f" in {seeds_file}" if seeds_file else ""
        why = f": {rejected[0].text!r} {rejected[0].reason}" if rejected else ""
        raise UsageError(f"no valid seed URL{where}{why}")


def _placeholder_warning(settings: Settings, urls: Sequence[str], seeds: str | None) -> str | None:
    """A warning when the contact URL is the placeholder and the crawl leaves ``*.test``."""
    from crawler.crawl import PLACEHOLDER_CONTACT_URL
    from crawler.seeds import parse_seeds

    if settings.get("PROVENANCE_CONTACT_URL") != PLACEHOLDER_CONTACT_URL:
        return None
    lines = list(urls)
    if seeds:
        lines += Path(seeds).read_text(encoding="utf-8", errors="replace").splitlines()
    hosts = {(urlsplit(u).hostname or "") for u in parse_seeds(lines)[0]}
    real = sorted(h for h in hosts if not (h == "test" or h.endswith(".test")))
    if not real:
        return None
    return (
        f"the User-Agent names the placeholder contact URL {PLACEHOLDER_CONTACT_URL} while "
        f"crawling real sites ({real[0]}{', ...' if len(real) > 1 else ''}): site owners "
        "cannot reach you and may block the crawler; set PROVENANCE_CONTACT_URL"
    )


def _run(args: argparse.Namespace, db_url: str, engine: Engine, seeds: str | None,
         urls: list[str]) -> int:  # fmt: skip
    from crawler.crawl import crawl_settings, run_crawl
    from crawler.report import crawl_summary

    settings = crawl_settings(
        db_url,
        max_pages=args.max_pages,
        depth=args.depth,
        overrides=[*(args.set or ()), *search_overrides(args)],
        progress=0 if args.quiet else args.progress,
        log_level=args.log_level,
        frontier=getattr(args, "frontier", None),
    )
    warning = _placeholder_warning(settings, urls, seeds)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    outcome = run_crawl(settings, seeds, urls)
    print(crawl_summary(engine, outcome.run_id, outcome.stats))
    if warning:
        print(f"  warning          {warning}")
    if outcome.reason == "database_error":
        print("error: the crawl stopped because the database became unusable", file=sys.stderr)
        return 1
    if outcome.reason in ("shared_state_lost", "frontier_error"):  # budgets' or queue's Redis
        lost = outcome.stats.get("shared/redis_lost_reason", "") or "unusable"
        print(f"error: the crawl stopped because the shared Redis was lost ({lost}); "
              "the next start resumes its work", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    """Search for copies of one stored article; show queries, results and confirmed copies."""
    import os

    from crawler.crawl import crawl_settings, run_crawl
    from crawler.db.models import Article
    from crawler.db.search import discovery_report
    from crawler.urls import normalize_url

    db_url = resolve_db_url(args.db)
    engine = make_engine(db_url)
    ensure_current(engine)
    check_writable(engine)
    url = normalize_url(args.url)
    with Session(engine) as session:
        article_id = session.scalar(select(Article.id).where(Article.url == url))
    if article_id is None:
        raise UsageError(f"not a stored article: {url} (crawl it first)")
    overrides = search_overrides(args)
    if not overrides and not os.environ.get("PROVENANCE_SEARCH"):
        raise UsageError("give a search service: --search searxng=URL, gdelt or brave "
                         "(or set PROVENANCE_SEARCH)")  # fmt: skip
    settings = crawl_settings(
        db_url,
        overrides=[
            *(args.set or ()),
            *overrides,
            ("PROVENANCE_SEARCH_ARTICLE", url),
            ("PROVENANCE_SEARCH_FOLLOW_OUTLETS", "False"),
        ],  # fmt: skip
        progress=0,
        log_level=args.log_level,
    )
    started = datetime.now(UTC)
    outcome = run_crawl(settings, None, [url])
    with Session(engine) as session:
        queries = discovery_report(session, article_id, started)
    searches = {k: v for k, v in outcome.stats.items() if k.startswith("search/")}
    if args.json:
        print(json.dumps({"article": url, "queries": queries, "stats": searches}, indent=1))
        return 0
    print(f"article: {url}")
    for q in queries:
        print(f"\n[{q['backend']}] {q['query']}  ({q['status']}, {len(q['results'])} results)")
        for r in q["results"]:
            tail = ""
            if r["decision"] == "fetched":
                tail = f"  fetch={r['fetch']}" + ("  COPY" if r.get("copy") else "")
            print(f"  {r['rank']:>2}. {r['decision']:<11} overlap={r['overlap']:.2f}  "
                  f"{r['url']}{tail}")  # fmt: skip
    copies = sorted({r["url"] for q in queries for r in q["results"] if r.get("copy")})
    print(f"\nqueries sent: {len(queries)}; copies confirmed: {len(copies)}")
    for c in copies:
        print(f"  {c}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    engine = make_engine(_db_url(args.db))
    before, after = upgrade(engine)
    if before == after:
        print(f"{describe(engine)} is up to date (revision {after})")
    else:
        print(f"{describe(engine)} migrated from {before or 'empty'} to {after}")
    return 0


def _db_url(db: str | None) -> str:
    """The URL of ``--db``, refused unless SQLite or PostgreSQL (the backends we migrate)."""
    url = resolve_db_url(db)
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise UsageError(f"unsupported database {backend!r}: give a SQLite file path or a "
                         "postgresql:// URL")  # fmt: skip
    return url


def _must_exist(url: str) -> None:
    """Refuse a SQLite path with no file: a mistyped ``--db`` must not become a new one."""
    path = make_url(url).database
    local = url.startswith("sqlite") and path not in (None, "", ":memory:")
    if local and not Path(path).is_file():  # type: ignore[arg-type]
        raise UsageError(f"no database at {path}: check --db (or $PROVENANCE_DB), or "
                         "create one with `provenance crawl`")  # fmt: skip


def _engine(args: argparse.Namespace, *, create: bool = False) -> Engine:
    """The database of ``--db``, migrated to the current schema (clear error if unusable).

    Unless ``create``, a SQLite file must exist already: a mistyped path is answered, not
    turned into a new, empty database.
    """
    url = _db_url(args.db)
    if not create:
        _must_exist(url)
    engine = make_engine(url)
    ensure_current(engine)
    return engine


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day_or_time(text: str) -> date | datetime:
    """A plain date (``2024-03-01``: the whole day, as ``--until`` includes it) or a time."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else _date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date: {text!r}") from None


def _progress(step: str, done: int, total: int) -> None:
    print(f"\r{step}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr)


def cmd_match(args: argparse.Namespace) -> int:
    from crawler.db.matching import match_pending, rebuild

    engine = _engine(args)
    check_writable(engine)
    progress = None if args.quiet else _progress
    if args.follow:
        from crawler.matcher import run_workers

        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        run_workers(url, args.workers, follow=True)
        return 0
    if args.rebuild:
        counts = rebuild(engine, progress)
        print("rebuilt: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    else:
        print(f"matched {match_pending(engine, progress)} new or changed articles")
    return 0


def _graphs(
    args: argparse.Namespace, engine: Engine | None = None
) -> tuple[nx.DiGraph, nx.DiGraph]:
    from crawler.db.records import load_records
    from graph.build import build_graphs

    engine = engine or _engine(args)
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    with Session(engine) as session:
        records, edges = load_records(session)
    if not records:
        raise UsageError(f"no articles in the database ({describe(engine)}): run "
                         "`provenance crawl` first")  # fmt: skip
    articles, outlets = build_graphs(
        records,
        edges,
        since=since,
        until=until,
        min_weight=getattr(args, "min_weight", 1),
        min_confidence=getattr(args, "min_confidence", 0.0),
    )
    if not articles and (since or until):
        raise UsageError("no article published in that date range (undated articles count "
                         f"by first seen); {len(records)} articles in the database")  # fmt: skip
    return articles, outlets


def cmd_export(args: argparse.Namespace) -> int:
    from graph.build import label_stories, stories
    from graph.export import format_for, is_stdout, write_graph, write_stories
    from graph.measures import label_outlets, outlet_table

    tables = ("json", "csv") if args.level == "story" else ("json", "gexf", "graphml", "csv")
    fmt = format_for(args.output, args.format, tables)  # before the database is read
    articles, outlets = _graphs(args)
    found = stories(articles)
    if args.level == "story":
        written = [write_stories(found, args.output, fmt)]
    elif args.level == "article":
        label_stories(articles, found)
        written = write_graph(articles, args.output, fmt, label="title",
                              node_time=("published", "first_seen"))  # fmt: skip
    else:
        label_outlets(outlets, outlet_table(articles, outlets, found=found))
        written = write_graph(outlets, args.output, fmt, edge_time=("first_seen",))
    if not is_stdout(args.output):
        print("wrote " + ", ".join(str(p) for p in written if p), file=sys.stderr)
    return 0


def _article_url(engine: Engine, G: nx.DiGraph, url: str) -> str:
    """The article node for ``url``: as given, or the page it redirected to."""
    from graph.trace import UnknownArticleError, resolve

    try:
        return resolve(G, url)
    except UnknownArticleError:
        pass
    from sqlalchemy import or_

    from crawler.db.models import Page
    from crawler.urls import normalize_url

    with Session(engine) as session:
        final = session.scalars(
            select(Page.final_url).where(or_(Page.url == normalize_url(url),
                                             Page.url == url)).limit(1)
        ).first()  # fmt: skip
    return resolve(G, final) if final else resolve(G, url)


def _credit_phrases(engine: Engine, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The credit sentence (link context) each copy gives for its source, when stored."""
    from sqlalchemy import or_

    from crawler.db.models import Link, Page

    out: dict[tuple[str, str], str] = {}
    if not pairs:
        return out
    copies = sorted({c for c, _ in pairs})
    with Session(engine) as session:
        rows = session.execute(
            select(Page.final_url, Page.url, Link.to_url, Link.context, Link.anchor_text)
            .join(Link, Link.page_id == Page.id)
            .where(or_(Page.final_url.in_(copies), Page.url.in_(copies)))
            .where(Link.kind == "attribution")
        ).all()
    wanted = set(pairs)
    for final, url, to_url, context, anchor in rows:
        for copy in (final, url):
            for source in (to_url, to_url.rstrip("/"), to_url + "/"):
                if (copy, source) in wanted and (context or anchor):
                    out.setdefault((copy, source), (context or anchor).strip())
    return out


def cmd_trace(args: argparse.Namespace) -> int:
    from graph.trace import explain, render_explain

    engine = _engine(args)
    articles, _ = _graphs(args, engine)
    node = _article_url(engine, articles, args.url)
    data = explain(articles, node, max_copies=args.max_copies)
    items = [(step, step["copy"]["url"], step["source"]["url"]) for step in data["chain"]]
    stack = [(c, node) for c in data["copied_by"]]
    while stack:  # every listed copier, with the page it copies
        item, parent = stack.pop()
        items.append((item, item["url"], parent))
        stack += [(c, item["url"]) for c in item["copied_by"]]
    phrases = _credit_phrases(engine, [(c, src) for _, c, src in items])
    for item, c, src in items:
        item["credit_phrase"] = phrases.get((c, src))
    print(json.dumps(data, indent=2, default=str) if args.json else render_explain(data))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from crawler.compare import compare_pair, render_compare

    engine = _engine(args)
    with Session(engine) as session:
        data = compare_pair(session, args.url_a, args.url_b, context=args.context)
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        print(render_compare(data, width=args.width, color=_color(args.color)))
    return 0


def _color(choice: str) -> bool:
    if choice == "auto":
        return sys.stdout.isatty()
    return choice == "always"


def cmd_outlets(args: argparse.Namespace) -> int:
    from graph.measures import OUTLET_LEGEND, outlet_table
    from graph.trace import render_outlet_table

    articles, outlets = _graphs(args)
    rows = outlet_table(articles, outlets)
    if args.json:
        print(json.dumps(rows[: args.top] if args.top else rows, indent=2, default=str))
    else:
        print(render_outlet_table(rows, top=args.top))
        print("\n" + "; ".join(f"{k}: {v}" for k, v in OUTLET_LEGEND.items() if k != "outlet"))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from crawler.report import database_report, queue_report

    engine = _engine(args)
    frontier = args.frontier or os.environ.get("PROVENANCE_FRONTIER")
    if frontier:
        from crawler.sharedfrontier import FrontierError, check_frontier_url

        try:
            check_frontier_url(frontier)
        except FrontierError as exc:
            raise UsageError(str(exc)) from None
    print(database_report(engine, runs=args.runs))
    print(queue_report(engine, frontier))
    return 0


def cmd_nightly(args: argparse.Namespace) -> int:
    from crawler.lock import AlreadyRunning, run_lock
    from crawler.watch import nightly_seeds

    db_url = _db_url(args.db)
    _must_exist(db_url)  # a nightly run continues a database; it never starts one
    args.frontier = frontier_url(args, db_url)
    engine = make_engine(db_url)
    # With a shared frontier, the processes of one nightly run start the same command.
    lock = nullcontext() if args.frontier else run_lock(engine)
    try:
        with lock:
            ensure_current(engine)  # a database migrated by an older version is upgraded
            check_writable(engine)
            notes = repair_warc_files(db_url, shared=bool(args.frontier))
            with Session(engine) as session:
                seeds = nightly_seeds(session)
            if not seeds:
                raise UsageError("nothing to revisit: crawl a trail first, or add outlets "
                                 "with `provenance watch add URL`")  # fmt: skip
            print(f"nightly run from {len(seeds)} outlets, open trails and due pages into "
                  f"{describe(engine)}", file=sys.stderr)  # fmt: skip
            args.set = [*(args.set or []), ("PROVENANCE_RUN_NOTES", json.dumps(notes))]
            code = _run(args, db_url, engine, None, seeds)
    except AlreadyRunning as exc:
        print(f"error: {exc}; this run exits without crawling", file=sys.stderr)
        return 3
    if code == 0 and not args.quiet:
        print("\nmorning report: provenance report --since-last-run")
    return code


def repair_warc_files(db_url: str, *, shared: bool = False) -> dict[str, int]:
    """Close the records of runs that were killed, and cut their WARC files' last record.

    Only a run that never recorded its end can have left a record half-written, so only
    its files are read (finished runs' archives can be large). With a shared frontier,
    the runs of registered processes are running, not killed.
    """
    from crawler.crawl import warc_dir_for
    from crawler.db.models import CrawlRun
    from crawler.warc import check_file, repair_file

    notes = {"warc/checked_files": 0, "warc/repaired_files": 0, "warc/corrupt_files": 0,
             "runs/found_killed": 0}  # fmt: skip
    warc_dir = warc_dir_for(db_url)
    engine = make_engine(db_url)
    with Session(engine) as session, session.begin():
        unfinished = select(CrawlRun).where(CrawlRun.finished_at.is_(None))
        if shared:
            from crawler.db.models import WorkerProcess

            running = select(WorkerProcess.crawl_run_id).where(
                WorkerProcess.crawl_run_id.is_not(None)
            )
            unfinished = unfinished.where(CrawlRun.id.not_in(running))
        killed = session.scalars(unfinished).all()
        for run in killed:
            notes["runs/found_killed"] += 1
            for path in sorted(warc_dir.glob(f"*-{run.id}-*.warc.gz")):
                check = check_file(path)
                notes["warc/checked_files"] += 1
                if check.truncated:
                    repair_file(path)
                    notes["warc/repaired_files"] += 1
                    print(f"repaired a WARC file cut short by killed run {run.id}: {path}",
                          file=sys.stderr)  # fmt: skip
                elif not check.ok:
                    notes["warc/corrupt_files"] += 1
                    print(f"warning: corrupt WARC file left as it is: {path} ({check.problem})",
                          file=sys.stderr)  # fmt: skip
            run.status = "killed"
            run.finished_at = run.finished_at or datetime.now(UTC)
    engine.dispose()
    return notes


def cmd_watch(args: argparse.Namespace) -> int:
    from crawler.urls import is_http_url
    from crawler.watch import add_watch, list_watches, remove_watch

    if args.action != "list" and not args.url:
        raise UsageError(f"watch {args.action} needs a URL")
    if args.action == "list" and args.url:
        raise UsageError("watch list takes no URL")
    engine = _engine(args, create=args.action == "add")
    with Session(engine) as session, session.begin():
        if args.action == "add":
            if not is_http_url(args.url or ""):
                raise UsageError(f"not an http(s) URL: {args.url!r}")
            row = add_watch(session, args.url)
            print(f"watching {row.outlet.domain} from {row.url}")
        elif args.action == "remove":
            if not remove_watch(session, args.url):
                raise UsageError(f"not watched: {args.url}")
            print(f"no longer watching {args.url}")
        else:
            for row in list_watches(session):
                print(f"{row.outlet.domain:<32} {row.url:<48} {row.added_by:<6} "
                      f"{row.added_at:%Y-%m-%d}")  # fmt: skip
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from crawler.db.records import last_run_start, load_records, outlets_since
    from graph.changes import changes_since, render_markdown

    engine = _engine(args)
    if args.format == "html":  # the whole database (or copies since --since), as a page
        from crawler.report_html import write_html_report

        path = write_html_report(engine, args.output or "out/report", since=args.since)
        print(f"wrote {path} (open it in a browser: {path.resolve().as_uri()})")
        return 0
    with Session(engine) as session:
        since = args.since or last_run_start(session)
        if since is None:
            raise UsageError("no crawl run in the database yet")
        records, edges = load_records(session)
        report = changes_since(records, edges, since, outlets_since(session, since))
    print(json.dumps(report, indent=2) if args.format == "json" else render_markdown(report))
    return 0


def cmd_evidence(args: argparse.Namespace) -> int:
    from crawler.crawl import warc_dir_for
    from crawler.warc import EvidenceError, check_dir, read_record, repair_file

    db_url = _db_url(args.db)
    warc_dir = warc_dir_for(db_url)
    if args.check or args.repair:
        problems = 0
        for check in check_dir(warc_dir):
            if check.ok:
                continue
            problems += 1
            print(f"{check.path}: {check.problem} at byte {check.problem_offset}")
            if args.repair and check.truncated:
                repair_file(check.path)
                print(f"  repaired: cut to the last complete record ({check.good_end} bytes)")
        print(f"{problems} WARC files with problems in {warc_dir}")
        return 1 if problems and not args.repair else 0
    if not args.url:
        raise UsageError("give the URL of a crawled page, or --check")
    from sqlalchemy import or_, select

    from crawler.db.models import Page
    from crawler.urls import normalize_url

    engine = _engine(args)
    url = normalize_url(args.url)
    with Session(engine) as session:
        page = session.scalars(
            select(Page).where(or_(Page.url == url, Page.final_url == url)).order_by(Page.id)
        ).first()
    if page is None:
        raise UsageError(f"not crawled: {args.url}")
    if page.warc_file is None or page.warc_offset is None:
        raise UsageError(f"no archived response for {args.url} (crawled with WARC off?)")
    try:
        record = read_record(warc_dir, page.warc_file, page.warc_offset)
    except EvidenceError as exc:
        raise UsageError(f"the archived response of {args.url} cannot be read: {exc}") from None
    body = record.content()
    if args.output:
        Path(args.output).write_bytes(body)
    if args.body and not args.output:
        sys.stdout.buffer.write(body)
        return 0
    print(f"{record.url}\narchived {record.date} in {warc_dir / page.warc_file} at byte "
          f"{page.warc_offset}\nHTTP {record.status}")  # fmt: skip
    for name, value in record.headers:
        print(f"{name}: {value}")
    print(f"\n({len(body)} bytes of body" + (f", written to {args.output})" if args.output
          else "; --body prints it, -o FILE saves it)"))  # fmt: skip
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="provenance",
        description="Find where news stories first appeared and who republished them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = sub.add_parser("crawl", help="crawl republication trails from seed URLs")
    crawl.add_argument("urls", nargs="*", metavar="URL", help="seed URLs (articles or outlets)")
    crawl.add_argument("--seeds", metavar="FILE", help="file with one seed URL a line, # comments")
    add_crawl_options(crawl, progress=5.0)
    crawl.add_argument(
        "--no-resume",
        action="store_true",
        help="do not add the URLs an earlier, stopped run left unfinished",
    )
    crawl.set_defaults(func=cmd_crawl)

    discover = sub.add_parser("discover", help="search for copies of one article nothing links to")
    discover.add_argument("url", metavar="URL", help="a stored article")
    add_db_option(discover)
    add_search_option(discover)
    discover.add_argument("--set", "-s", type=parse_setting, action="append",
                          metavar="NAME=VALUE", help="override a setting (repeatable)")  # fmt: skip
    discover.add_argument("--json", action="store_true", help="machine-readable output")
    discover.add_argument("--log-level", default="WARNING", type=str.upper, choices=LOG_LEVELS,
                          help="Scrapy log level (default WARNING)")  # fmt: skip
    discover.set_defaults(func=cmd_discover)

    nightly = sub.add_parser("nightly", help="revisit watched outlets and open trails (cron)")
    add_crawl_options(nightly, progress=30.0)
    nightly.set_defaults(func=cmd_nightly)

    watch = sub.add_parser("watch", help="the outlets every nightly run revisits")
    watch.add_argument("action", choices=("add", "list", "remove"))
    watch.add_argument("url", nargs="?", metavar="URL", help="an outlet URL (or domain, to remove)")
    add_db_option(watch)
    watch.set_defaults(func=cmd_watch)

    evidence = sub.add_parser("evidence", help="the archived response (WARC) of a crawled page")
    evidence.add_argument("url", nargs="?", metavar="URL")
    add_db_option(evidence)
    evidence.add_argument("--body", action="store_true", help="print the body only")
    evidence.add_argument("-o", "--output", metavar="FILE", help="save the body to FILE")
    evidence.add_argument("--check", action="store_true", help="check every WARC file")
    evidence.add_argument(
        "--repair",
        action="store_true",
        help="cut truncated WARC files (from killed runs) to their last record",
    )
    evidence.set_defaults(func=cmd_evidence)

    report = sub.add_parser("report", help="what the last run added (the morning report)")
    add_db_option(report)
    window = report.add_mutually_exclusive_group()
    window.add_argument(
        "--since-last-run",
        action="store_true",
        help="changes since the latest crawl run started (the default)",
    )
    window.add_argument("--since", type=_date, metavar="DATE", help="changes since DATE instead")
    report.add_argument("--format", choices=("md", "json", "html"), default="md")
    report.add_argument("-o", "--output", metavar="DIR",
                        help="html: the folder for index.html (default out/report)")  # fmt: skip
    report.set_defaults(func=cmd_report)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="migrate the database schema to the latest revision")
    add_db_option(up)
    up.set_defaults(func=cmd_db_upgrade)

    match = sub.add_parser("match", help="find copies and decide provenance over the database")
    add_db_option(match)
    match.add_argument(
        "--rebuild",
        action="store_true",
        help="recompute the whole index and every decision (after a threshold change)",
    )
    match.add_argument(
        "--follow",
        action="store_true",
        help="keep matching what crawlers queue until SIGINT/SIGTERM (a matcher process)",
    )
    match.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="matcher processes with --follow (default 1)",
    )
    match.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    match.set_defaults(func=cmd_match)

    export = sub.add_parser("export", help="write the article, outlet or story graph")
    add_db_option(export)
    export.add_argument("--level", choices=("article", "outlet", "story"), default="outlet")
    export.add_argument(
        "--format",
        choices=("json", "gexf", "graphml", "csv"),
        help="default: from the -o file name's extension; json on standard output",
    )
    export.add_argument(
        "--since",
        type=_day_or_time,
        metavar="DATE",
        help="articles published from DATE on (undated articles: by first seen)",
    )
    export.add_argument(
        "--until",
        type=_day_or_time,
        metavar="DATE",
        help="articles published before DATE (a plain date includes that day; undated "
        "articles: by first seen)",
    )
    export.add_argument(
        "--min-weight",
        type=_positive,
        default=1,
        metavar="N",
        help="outlet edges with at least N copied articles",
    )
    export.add_argument(
        "--min-confidence",
        type=_share,
        default=0.0,
        metavar="X",
        help="copy edges whose decision confidence is at least X (0-1); outlet edges are "
        "made of the article edges kept",
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write; - or none: standard output (not csv, which writes "
        "PATH.nodes.csv and PATH.edges.csv)",
    )
    export.set_defaults(func=cmd_export)

    trace = sub.add_parser("trace", help="where an article came from and who copied it")
    trace.add_argument("url", metavar="URL", help="any URL of the page, before or after redirects")
    add_db_option(trace)
    trace.add_argument("--json", action="store_true", help="machine-readable output")
    trace.add_argument("--max-copies", type=_positive, default=200, metavar="N",
                       help="list at most N copies (default 200)")  # fmt: skip
    trace.set_defaults(func=cmd_trace)

    compare = sub.add_parser(
        "compare", help="the passages two articles share, side by side, and the decision"
    )
    compare.add_argument("url_a", metavar="URL", help="one article (any URL of its page)")
    compare.add_argument("url_b", metavar="URL", help="the other")
    add_db_option(compare)
    compare.add_argument("--json", action="store_true", help="machine-readable output")
    compare.add_argument("--context", type=_not_negative, default=60, metavar="CHARS",
                         help="characters shown around each passage (default 60)")  # fmt: skip
    compare.add_argument("--width", type=_positive, default=100, metavar="COLUMNS",
                         help="output width (default 100)")  # fmt: skip
    compare.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="highlight shared text (default: on a terminal)")  # fmt: skip
    compare.set_defaults(func=cmd_compare)

    from graph.measures import OUTLET_LEGEND

    outlets = sub.add_parser(
        "outlets",
        help="sources, amplifiers, uncredited copying, communities",
        epilog="columns: " + "; ".join(f"{k}: {v}" for k, v in OUTLET_LEGEND.items()),
    )
    add_db_option(outlets)
    outlets.add_argument("--top", type=_positive, metavar="N", help="the N most-copied outlets")
    outlets.add_argument("--json", action="store_true", help="machine-readable output")
    outlets.set_defaults(func=cmd_outlets)

    stats = sub.add_parser("stats", help="database totals and the last crawl runs")
    add_db_option(stats)
    stats.add_argument("--runs", type=_not_negative, default=5, metavar="N",
                       help="crawl runs to list")  # fmt: skip
    add_frontier_option(stats)
    stats.set_defaults(func=cmd_stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except BrokenPipeError:  # --help into a pager that quit
        return _quiet_exit()
    func: Callable[[argparse.Namespace], int] = args.func
    if args.command not in ("crawl", "discover"):  # these configure logging through Scrapy
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
        logging.basicConfig(handlers=[handler], format="%(levelname)s %(name)s: %(message)s")
    try:
        return func(args)
    except BrokenPipeError:
        return _quiet_exit()
    except (UsageError, DatabaseError, ExportError, LookupError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:  # e.g. a database locked by another writer
        first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"error: the database cannot be used: {first}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _quiet_exit() -> int:
    """The reader of our output left (``provenance outlets | head``): end quietly, as
    Unix tools do, with nothing more written to the closed pipe (Python's recipe)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a tool ended by the pipe


if __name__ == "__main__":
    sys.exit(main())
