"""One nightly run at a time per database: a PostgreSQL advisory lock, or a lock file.

The lock is held by the process (a session or a file descriptor), so a run killed with
SIGKILL releases it at once: the next run never waits on a dead one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from crawler.db.session import describe

LOCK_KEY = 0x70726F76  # "prov": the advisory lock id on PostgreSQL


class AlreadyRunning(RuntimeError):
    """Another run holds the lock."""


@contextmanager
def run_lock(engine: Engine, name: str = "nightly") -> Iterator[None]:
    """Hold the run lock of ``engine``'s database, or raise ``AlreadyRunning`` at once."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
                raise AlreadyRunning(f"another {name} run is using {describe(engine)}")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        return
    database = engine.url.database or "memory"
    path = Path(f"{database}.{name}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise AlreadyRunning(
                f"another {name} run (pid {holder}) is using {describe(engine)}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
