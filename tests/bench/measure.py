"""Wall time and peak memory of a command and all its child processes (Linux /proc)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    seconds: float
    peak_rss_mib: float  # the largest sum of RSS over the process tree, sampled
    returncode: int
    stdout: str
    stderr: str


def _tree_rss(root: int) -> int:
    """Sum of resident set sizes (bytes) of ``root`` and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text().split()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid, ppid = int(entry.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(statm[1]) * page
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_measured(
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    timeout: float,
    on_start: Callable[[subprocess.Popen[str]], None] | None = None,
) -> Measured:
    """Run ``cmd``; sample its process tree's memory every 0.25 s. ``on_start`` gets the
    process as soon as it runs (to signal it, say)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    if on_start is not None:
        on_start(proc)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.25):
            peak = max(peak, _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        stop.set()
        sampler.join()
    return Measured(time.perf_counter() - start, peak / 2**20, proc.returncode, out, err)
