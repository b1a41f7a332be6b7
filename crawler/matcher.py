"""Matcher processes: work the match queue until stopped (``provenance match --follow``).

Each matcher registers in ``processes`` (role ``matcher``) with a heartbeat, claims
batches of queued articles, matches them (``crawler.db.matching.match_batch``: one
transaction to index, one to record) and writes the crawlers' outbox. SIGINT or SIGTERM
stops it after the batch in hand; claims it did not finish go back to the queue, and so
do the claims of a matcher killed with SIGKILL (stale heartbeat, or a dead pid on this
host). The crawl starts its own matchers with ``start_local`` (``crawler.matchers``).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.db import match_queue, processes
from crawler.db.session import make_engine

log = logging.getLogger(__name__)

BATCH = 50  # articles claimed at once: one claim, three transactions per batch
POLL = 0.5  # seconds between looks at an empty queue
LINGER = 2.0  # seconds a following matcher lets the queue fill after a batch not full
HEARTBEAT = 5.0  # seconds between heartbeats (and between checks for dead matchers)


class Matcher:
    """One matcher: claims, matches and records batches until ``stop`` is set."""

    def __init__(
        self,
        engine: Engine,
        batch: int = BATCH,
        announce: bool = True,
        reader: Engine | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader or engine  # reads and alignment outside SQLite's write lock
        self.batch = batch
        self.announce = announce
        self.id = processes.new_process_id()
        self.stop = threading.Event()
        self.matched = 0
        self.errors = 0

    def _tx(self, fn: Callable, *args: object) -> object:
        with Session(self.engine) as s, s.begin():
            return fn(s.connection(), *args)

    def _registry(self, fn: Callable, *args: object) -> object:
        with Session(self.engine) as s, s.begin():
            return fn(s, *args)

    def _heartbeat(self) -> None:
        while not self.stop.wait(HEARTBEAT):
            try:
                if not self._registry(processes.heartbeat, self.id):  # judged dead: join again
                    self._registry(processes.register, self.id, "matcher", None)
                self._registry(match_queue.release_stale)
            except SQLAlchemyError as exc:
                log.warning("matcher heartbeat failed: %s", str(exc).splitlines()[0][:200])

    def run(self, follow: bool = True) -> int:
        """Match until the queue is empty (``follow`` False) or until stopped."""
        from crawler.db.matching import match_batch

        self._registry(processes.register, self.id, "matcher", None)
        self._registry(match_queue.release_stale)
        beat = threading.Thread(target=self._heartbeat, name="matcher-heartbeat", daemon=True)
        beat.start()
        try:
            while not self.stop.is_set():
                try:
                    ids = self._tx(match_queue.claim, self.id, self.batch)
                    if not ids:
                        if not follow:
                            break
                        self.stop.wait(POLL)
                        continue
                    match_batch(self.engine, ids, self.id, self.announce, self.reader)  # type: ignore[arg-type]
                    self.matched += len(ids)  # type: ignore[arg-type]
                    if follow and len(ids) < self.batch:  # type: ignore[arg-type]
                        # Keeping up with the crawl: let the next batch fill. A batch's
                        # fixed cost (three transactions, the counts of its candidates'
                        # fingerprints, directions and chains of the stories it touches)
                        # is paid once for many articles: 12.9 ms an article in batches
                        # of 10, 10.0 in batches of 50 (match_pending on a scale-3 web).
                        self.stop.wait(LINGER)
                except SQLAlchemyError as exc:
                    # The claims stay ours until released below or by a live matcher.
                    self.errors += 1
                    log.error("matching failed: %s", str(exc).splitlines()[0][:300])
                    self._release()
                    self.stop.wait(min(30.0, 2.0**self.errors))
        finally:
            self.stop.set()
            self._release(unregister=True)
        return self.matched

    def _release(self, unregister: bool = False) -> None:
        try:
            self._tx(match_queue.release, self.id)
            if unregister:
                self._registry(processes.forget, [self.id])
        except SQLAlchemyError as exc:  # dead database: the claims return once we are stale
            log.warning("could not release claims: %s", str(exc).splitlines()[0][:200])


def run_matcher(db: str, follow: bool, batch: int = BATCH, announce: bool = True) -> int:
    """Run one matcher in this process; SIGINT/SIGTERM stop it after its batch in hand."""
    engine = make_engine(db, writer=True)
    reader = make_engine(db) if engine.dialect.name == "sqlite" else engine
    matcher = Matcher(engine, batch, announce, reader)

    def stop(_sig: int, _frame: object) -> None:
        matcher.stop.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    profile = os.environ.get("PROVENANCE_MATCH_PROFILE")  # a path: cProfile stats written there
    try:
        if profile:
            import cProfile

            prof = cProfile.Profile()
            n = prof.runcall(matcher.run, follow)
            prof.dump_stats(f"{profile}.{os.getpid()}")
            return n
        return matcher.run(follow)
    finally:
        engine.dispose()
        reader.dispose()


def spawn(
    db: str | None,
    workers: int,
    nice: int = 0,
    parent: int | None = None,
    batch: int = BATCH,
    env: dict[str, str] | None = None,
) -> list[subprocess.Popen]:
    """Start ``workers`` matcher processes (``python -m crawler.matcher``); without
    ``db`` they read ``PROVENANCE_DB`` from ``env``."""
    cmd = [sys.executable, "-m", "crawler.matcher", "--batch", str(batch)]
    if db is not None:
        cmd += ["--db", db]
    if parent is not None:
        cmd += ["--parent", str(parent)]
    if nice:
        cmd += ["--nice", str(nice)]
    return [
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, env=env) for _ in range(max(1, workers))
    ]


def stop_all(procs: list[subprocess.Popen], timeout: float = 60.0) -> None:
    """SIGTERM the matchers, wait for them to finish their batch, then SIGKILL."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    end = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_workers(db: str, workers: int, follow: bool, batch: int = BATCH) -> int:
    """``provenance match --follow --workers N``: N matcher processes until SIGINT/SIGTERM."""
    if workers <= 1:
        return run_matcher(db, follow, batch)
    procs = spawn(db, workers, parent=os.getpid(), batch=batch)
    stopping = threading.Event()

    def stop(_sig: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping.is_set() and any(p.poll() is None for p in procs):
        stopping.wait(0.5)
    stop_all(procs)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one matcher process (started by the crawl)")
    parser.add_argument("--db", help="database URL (default: $PROVENANCE_DB)")
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--parent", type=int, help="exit when this process is gone")
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s [matcher] %(message)s")
    if args.parent:
        from crawler.parent import exit_with_parent

        exit_with_parent(args.parent)
    if args.nice > 0:
        os.nice(args.nice)
    db = args.db or os.environ.get("PROVENANCE_DB")
    if not db:
        parser.error("no database: --db or PROVENANCE_DB")
    run_matcher(db, follow=True, batch=args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
