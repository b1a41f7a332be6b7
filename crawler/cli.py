"""The ``provenance`` command: crawl, migrate, match, export, explain.

Each verb is one function; shared options are added by small helpers. Errors a user can
fix (a bad database URL, an unreadable seed file) end with one message and exit 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from crawler.db.migrate import ensure_current, upgrade
from crawler.db.session import DatabaseError, describe, make_engine, resolve_db_url

log = logging.getLogger("provenance")


class UsageError(Exception):
    """A mistake on the command line; the message says what to do."""


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="DB_URL",
        help="database URL or SQLite path (default: $PROVENANCE_DB, else data/provenance.db)",
    )


def parse_setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.isupper():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with an upper-case NAME: {text!r}")
    return name, value


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.crawl import crawl_settings, run_crawl
    from crawler.report import crawl_summary

    if not args.urls and not args.seeds:
        raise UsageError("give seed URLs, or --seeds FILE with one URL a line")
    if args.seeds and not Path(args.seeds).is_file():
        raise UsageError(f"seed file not found: {args.seeds}")
    db_url = resolve_db_url(args.db)
    engine = make_engine(db_url)
    ensure_current(engine)  # fails fast, with one message, when the database is unusable
    print(f"crawling into {describe(engine)}", file=sys.stderr)
    settings = crawl_settings(
        db_url,
        max_pages=args.max_pages,
        depth=args.depth,
        overrides=args.set or (),
        progress=0 if args.quiet else args.progress,
        log_level=args.log_level,
    )
    outcome = run_crawl(settings, args.seeds, args.urls)
    print(crawl_summary(engine, outcome.run_id, outcome.stats))
    if outcome.reason == "database_error":
        print("error: the crawl stopped because the database became unusable", file=sys.stderr)
        return 1
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    engine = make_engine(args.db)
    before, after = upgrade(engine)
    if before == after:
        print(f"{describe(engine)} is up to date (revision {after})")
    else:
        print(f"{describe(engine)} migrated from {before or 'empty'} to {after}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="provenance",
        description="Find where news stories first appeared and who republished them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = sub.add_parser("crawl", help="crawl republication trails from seed URLs")
    crawl.add_argument("urls", nargs="*", metavar="URL", help="seed URLs (articles or outlets)")
    crawl.add_argument("--seeds", metavar="FILE", help="file with one seed URL a line, # comments")
    add_db_option(crawl)
    crawl.add_argument("--max-pages", type=int, metavar="N", help="stop after N pages")
    crawl.add_argument("--depth", type=int, metavar="N", help="link hops from the seeds (0: any)")
    crawl.add_argument(
        "--set",
        "-s",
        type=parse_setting,
        action="append",
        metavar="NAME=VALUE",
        help="override a Scrapy or PROVENANCE_* setting (repeatable)",
    )
    crawl.add_argument(
        "--progress",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds between progress lines (default 5)",
    )
    crawl.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    crawl.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    crawl.set_defaults(func=cmd_crawl)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="migrate the database schema to the latest revision")
    add_db_option(up)
    up.set_defaults(func=cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    if args.command != "crawl":  # the crawl configures logging through Scrapy
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
        logging.basicConfig(handlers=[handler], format="%(levelname)s %(name)s: %(message)s")
    try:
        return func(args)
    except (UsageError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
