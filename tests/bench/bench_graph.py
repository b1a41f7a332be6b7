"""Graph layer at scale: build and export synthetic provenance data (issue 4 target).

    python -m tests.bench.bench_graph                 # 1M article edges, 10k outlets
    python -m tests.bench.bench_graph --edges 100000  # quicker
    python -m tests.bench.bench_graph --networkx 100000  # also time networkx's own writers

Prints, per step, wall time, CPU time (this process only: the figure to trust on a shared,
busy machine) and the process's peak resident memory during that step
(Linux: VmHWM after resetting it through /proc/self/clear_refs; elsewhere the lifetime
peak from getrusage). tracemalloc is not used: it slows a million-object build several
times over. Target: every step together under 60 s and 4 GiB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx

from graph.build import build_article_graph, build_outlet_graph, stories
from graph.export import FORMATS, write_graph, write_stories, write_table
from graph.measures import outlet_table
from graph.records import ArticleRecord, CopyEdge

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SIGNALS = ("shingles", "minhash", "alignment", "canonical", "attribution_link", "quote")


def synthetic(
    n_edges: int, n_outlets: int, *, seed: int = 7
) -> tuple[list[ArticleRecord], list[CopyEdge]]:
    """Stories of ~10 articles: a Zipf-popular outlet breaks it, others copy within hours."""
    rng = random.Random(seed)
    outlets = [f"outlet{i:05d}.example" for i in range(n_outlets)]
    cum, total = [], 0.0
    for i in range(n_outlets):
        total += 1.0 / (i + 1)
        cum.append(total)
    records: list[ArticleRecord] = []
    edges: list[CopyEdge] = []
    story = 0
    while len(edges) < n_edges:
        story += 1
        size = min(1 + int(rng.expovariate(1 / 9)), 1 + n_edges - len(edges))
        picks = rng.choices(outlets, cum_weights=cum, k=size)
        t0 = EPOCH + timedelta(seconds=rng.randrange(365 * 86400))
        members: list[tuple[str, datetime]] = []
        for j, outlet in enumerate(picks):
            url = f"https://{outlet}/news/{story}/{j}"
            if j == 0:
                t = t0
            else:
                src, ts = members[0] if rng.random() < 0.7 else rng.choice(members)
                t = ts + timedelta(minutes=rng.expovariate(1 / 300))
                edges.append(
                    CopyEdge(
                        url,
                        src,
                        similarity=round(rng.uniform(0.5, 1.0), 3),
                        kind="full" if rng.random() < 0.6 else "partial",
                        confidence=round(rng.uniform(0.6, 1.0), 3),
                        evidence=tuple(rng.sample(SIGNALS, 2)),
                        credited=rng.random() < 0.4,
                    )
                )
            unknown = rng.random() < 0.05
            records.append(
                ArticleRecord(
                    url,
                    outlet,
                    title=f'Story {story} "part" {j} & more',
                    published=None if unknown else t,
                    first_seen=t + timedelta(hours=1),
                )
            )
            members.append((url, t))
    return records, edges


def _peak_reset() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 / (1024 if sys.platform == "darwin" else 1)


def step(name: str, fn: Callable[[], Any], log: list[tuple[str, float, float, float]]) -> Any:
    """Run ``fn``, print and record its wall time, CPU time and peak RSS."""
    _peak_reset()
    t, c = time.perf_counter(), time.process_time()
    result = fn()
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    peak = _peak_mib()
    log.append((name, elapsed, cpu, peak))
    print(f"{name:<34} {elapsed:7.2f} s wall {cpu:7.2f} s cpu  peak {peak:6.0f} MiB", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--outlets", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, help="keep the files here (default: a temp dir)")
    ap.add_argument(
        "--networkx",
        type=int,
        metavar="N",
        default=0,
        help="also time nx.write_gexf/nx.write_graphml on the first N article edges",
    )
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_graph_"))
    log: list[tuple[str, float, float, float]] = []
    print(f"{args.edges:,} article edges, {args.outlets:,} outlets -> {out}")
    data: dict[str, Any] = {}
    data["in"] = step(
        "generate records", lambda: synthetic(args.edges, args.outlets, seed=args.seed), log
    )
    print(f"  {len(data['in'][0]):,} articles, {len(data['in'][1]):,} copy edges")
    A = step("build article graph", lambda: build_article_graph(*data.pop("in")), log)
    found = step("stories", lambda: stories(A), log)
    OG = step("build outlet graph", lambda: build_outlet_graph(A), log)
    print(
        f"  {len(found):,} stories, outlet graph {OG.number_of_nodes():,} nodes "
        f"{OG.number_of_edges():,} edges"
    )
    rows = step("outlet table (all measures)", lambda: outlet_table(A, OG, found=found), log)
    for fmt in FORMATS:
        step(f"write articles.{fmt}", lambda f=fmt: write_graph(A, out / f"articles.{f}"), log)
    for fmt in FORMATS:
        step(f"write outlets.{fmt}", lambda f=fmt: write_graph(OG, out / f"outlets.{f}"), log)
    for fmt in ("json", "csv"):
        step(f"write stories.{fmt}", lambda f=fmt: write_stories(found, out / f"stories.{f}"), log)
        step(f"write outlet_table.{fmt}", lambda f=fmt: write_table(rows, out / f"table.{f}"), log)
    extra = ("generate records", "outlet table (all measures)")
    work = [entry for entry in log if entry[0] not in extra]
    wall, cpu = sum(e[1] for e in work), sum(e[2] for e in work)
    peak = max(e[3] for e in log)
    print(f"{'TOTAL build + export':<34} {wall:7.2f} s wall {cpu:7.2f} s cpu  peak {peak:6.0f} MiB")
    table = next(e for e in log if e[0] == extra[1])
    print(
        f"{'TOTAL with the outlet table':<34} {wall + table[1]:7.2f} s wall "
        f"{cpu + table[2]:7.2f} s cpu"
    )
    sizes = sorted((p.stat().st_size, p.name) for p in out.iterdir())
    print("files: " + ", ".join(f"{n} {s / 2**20:.0f} MiB" for s, n in sizes))
    if args.networkx:
        sub = A.edge_subgraph(list(A.edges)[: args.networkx]).copy()
        for _, _, d in sub.edges(data=True):
            d["evidence"] = ";".join(d["evidence"])
            if d["lag_hours"] is None:
                del d["lag_hours"]
        for _, d in sub.nodes(data=True):
            for k in [k for k, v in d.items() if v is None]:
                del d[k]
        m = sub.number_of_edges()
        step(f"nx.write_gexf ({m:,} edges)", lambda: nx.write_gexf(sub, out / "nx.gexf"), log)
        step(
            f"nx.write_graphml ({m:,} edges)",
            lambda: nx.write_graphml(sub, out / "nx.graphml"),
            log,
        )
        step(f"ours gexf ({m:,} edges)", lambda: write_graph(sub, out / "ours.gexf"), log)
        step(f"ours graphml ({m:,} edges)", lambda: write_graph(sub, out / "ours.graphml"), log)
    if args.out is None:
        shutil.rmtree(out)
    ok = cpu < 60 and peak < 4096
    print("target (<60 s cpu, <4 GiB):", "met" if ok else "MISSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
