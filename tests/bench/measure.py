"""Wall time and peak memory of a command and all its child processes (Linux /proc)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Measured:
    seconds: float
    peak_rss_mib: float  # the largest sum of RSS over the process tree, sampled
    returncode: int
    stdout: str
    stderr: str
    # CPU seconds by kind of process in the tree (the last sample of each process):
    # "crawl" (the command itself), "extraction" (multiprocessing workers), "matching"
    # (crawler.matcher processes), "other"
    cpu: dict[str, float] = field(default_factory=dict)


def _kind(root: int, pid: int, cmdline: str) -> str:
    if pid == root:
        return "crawl"
    if "crawler.matcher" in cmdline:
        return "matching"
    if "multiprocessing" in cmdline or "forkserver" in cmdline:
        return "extraction"
    return "other"


def _tree_rss(root: int, cpu: dict[int, tuple[str, float]] | None = None) -> int:
    """Sum of resident set sizes (bytes) of ``root`` and its descendants; ``cpu`` gets
    each descendant's kind and CPU seconds so far."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, float] = {}
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
        ticks[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
        if cpu is not None and pid in ticks:
            if pid not in cpu:
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    cmd = ""
                cpu[pid] = (_kind(root, pid, cmd), ticks[pid])
            else:
                cpu[pid] = (cpu[pid][0], ticks[pid])
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
    cpu: dict[int, tuple[str, float]] = {}

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.25):
            peak = max(peak, _tree_rss(proc.pid, cpu))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        stop.set()
        sampler.join()
    by_kind: dict[str, float] = {}
    for kind, seconds in cpu.values():
        by_kind[kind] = by_kind.get(kind, 0.0) + seconds
    return Measured(time.perf_counter() - start, peak / 2**20, proc.returncode, out, err, by_kind)
