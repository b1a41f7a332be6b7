"""Child processes that leave with their parent (extraction workers, matchers)."""

from __future__ import annotations

import os
import threading
import time


def exit_with_parent(parent_pid: int, interval: float = 1.0) -> None:
    """Leave when the process ``parent_pid`` is gone.

    A crawl killed with SIGKILL cannot shut its children down, and idle workers block on
    a queue whose other end they hold themselves, so without this they would live on.
    """

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
