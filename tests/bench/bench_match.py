"""Matcher throughput on PostgreSQL with 1 and 2 matcher processes (``make bench-match``).

By default (``--matchers 1,2 --size 100000``): synthetic articles (below) are stored in
a scratch PostgreSQL database (``prov_m_bench_<size>``, dropped at the end) and queued,
then ``python -m crawler.matcher`` processes (what ``provenance match --follow
--workers N`` and the crawl run) drain the queue; reported for each count: docs/s from
start to an empty queue, and the matchers' CPU seconds per document. Between counts
the reuse tables are emptied and every article queued again.

``--per-document`` gives the earlier figures instead (matching cost per document at
10k and 100k, in one process on SQLite):

Each size runs in a fresh subprocess (clean peak memory) on a fresh SQLite database.
Synthetic articles (300-800 words, Zipf vocabulary, per-outlet boilerplate lines,
~20% copies: verbatim, edited, excerpts) are stored in batches of 500 and each one
goes through ``crawler.db.matching.match_article``, the code path the crawl uses, in the
batch's transaction. Reported per size: docs/s over the whole run, docs/s over the
last 10% of the run (the marginal cost at that size), peak RSS.

The naive baseline compares every new document with every stored one, with the same
exact alignment (``graph.align.align``) on pre-tokenized texts; its cost per document
at 10k is measured on a sample of pairs and extrapolated: prep + (N/2) * pair cost.
The cheapest conceivable all-pairs test (a set intersection of fingerprints) is
printed too, as a lower bound.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from crawler.db import match_queue
from crawler.db.matching import _clear, match_article
from crawler.db.migrate import upgrade
from crawler.db.models import Article, Outlet, Page
from crawler.db.session import make_engine
from graph.align import align
from graph.shingles import fingerprints

VOCAB = 40_000
N_OUTLETS_PER_1K = 2  # 20 outlets at 10k, 200 at 100k
COPY_SHARE = 0.2
BATCH = 500


class Corpus:
    """Deterministic synthetic news articles with copies and outlet boilerplate.

    Only a recipe per document is kept (outlet, source, seed): texts are regenerated
    when a copy needs its source, so the benchmark's own memory stays small and the
    peak RSS is the matcher's.
    """

    def __init__(self, n: int, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        syl = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "pa", "di", "gu", "re", "fo", "na"]
        words = {
            "".join(self.rng.choice(syl) for _ in range(self.rng.randint(1, 4)))
            for _ in range(VOCAB * 2)
        }
        self.vocab = sorted(words)[:VOCAB]
        self.rng.shuffle(self.vocab)
        self.cum = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(self.vocab))))
        self.n_outlets = max(5, n * N_OUTLETS_PER_1K // 1000)
        self.boiler = [
            [self._sentence(self.rng, 25), self._sentence(self.rng, 15)]
            for _ in range(self.n_outlets)
        ]
        self.recipes: list[tuple[int, int, int]] = []  # (outlet, source index or -1, seed)

    def _sentence(self, rng: random.Random, n: int) -> str:
        top = self.cum[-1]
        ws = [self.vocab[bisect.bisect(self.cum, rng.random() * top)] for _ in range(n)]
        return " ".join(ws).capitalize() + "."

    def _paragraphs(self, rng: random.Random) -> list[str]:
        total = rng.randint(300, 800)
        out = []
        while total > 0:
            k = min(total, rng.randint(40, 90))
            out.append(self._sentence(rng, k))
            total -= k
        return out

    def _render(self, i: int) -> list[str]:
        _outlet, src, seed = self.recipes[i]
        rng = random.Random(seed)
        if src < 0:
            return self._paragraphs(rng)
        paras = self._render(src)
        r = rng.random()
        if r < 0.3:
            paras = paras[: rng.randint(2, 3)]  # excerpt
        elif r < 0.6:
            paras = [self._sentence(rng, 30)] + [
                p if rng.random() < 0.7 else p.replace(" ", " x ", 2) for p in paras
            ]  # intro and edits
        if rng.random() < 0.5:
            paras = paras + self.boiler[self.recipes[src][0]]  # the source's licence too
        return paras

    def next(self) -> tuple[int, str]:
        i = len(self.recipes)
        outlet = self.rng.randrange(self.n_outlets)
        src = self.rng.randrange(i) if i and self.rng.random() < COPY_SHARE else -1
        self.recipes.append((outlet, src, self.rng.getrandbits(64)))
        return outlet, "\n\n".join(self._render(i) + self.boiler[outlet])


def _pragmas(engine) -> None:  # noqa: ANN001
    @event.listens_for(engine, "connect")
    def _cache(dbapi_conn, _rec) -> None:  # noqa: ANN001
        dbapi_conn.execute("PRAGMA cache_size=-262144")  # 256 MB page cache


def run_size(n: int) -> dict:
    """Ingest ``n`` documents through the online path; return timings."""
    corpus = Corpus(n)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        _pragmas(engine)
        upgrade(engine)
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        with Session(engine) as s, s.begin():
            s.execute(
                insert(Outlet),
                [
                    {"id": i + 1, "domain": f"o{i}.test", "first_seen_at": t0}
                    for i in range(corpus.n_outlets)
                ],
            )
        times: list[float] = []
        gen_time = 0.0
        start = time.perf_counter()
        for b in range(0, n, BATCH):
            g = time.perf_counter()
            rows = [corpus.next() for _ in range(min(BATCH, n - b))]
            gen_time += time.perf_counter() - g
            t_batch = time.perf_counter()
            with Session(engine) as s, s.begin():
                ids = list(range(b + 1, b + len(rows) + 1))
                s.execute(
                    insert(Page),
                    [
                        {
                            "id": i,
                            "url": f"http://o{o}.test/a/{i}",
                            "final_url": f"http://o{o}.test/a/{i}",
                            "outlet_id": o + 1,
                            "fetch_status": "ok",
                            "first_fetched_at": t0,
                            "fetched_at": t0,
                        }
                        for i, (o, _) in zip(ids, rows, strict=True)
                    ],
                )
                s.execute(
                    insert(Article),
                    [
                        {
                            "id": i,
                            "url": f"http://o{o}.test/a/{i}",
                            "page_id": i,
                            "outlet_id": o + 1,
                            "text": text,
                            "text_hash": hashlib.sha256(text.encode()).hexdigest(),
                            "word_count": len(text.split()),
                            "published": t0 + timedelta(minutes=i),
                            "date_precision": "datetime",
                            "first_seen_at": t0,
                            "updated_at": t0,
                        }
                        for i, (o, text) in zip(ids, rows, strict=True)
                    ],
                )
                for i in ids:
                    match_article(s, i)
            times.append((time.perf_counter() - t_batch) / len(rows))
        total = time.perf_counter() - start - gen_time
        engine.dispose()
    tail = times[-max(1, len(times) // 10) :]
    return {
        "n": n,
        "docs_per_s": n / total,
        "tail_docs_per_s": 1.0 / (sum(tail) / len(tail)),
        "seconds": total,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def naive(n: int, sample_pairs: int = 400) -> dict:
    """All-pairs cost per document at ``n``, measured on a sample and extrapolated."""
    corpus = Corpus(n)
    texts = [corpus.next()[1] for _ in range(min(n, 400))]
    t = time.perf_counter()
    prepared = [fingerprints(x) for x in texts]
    prep = (time.perf_counter() - t) / len(texts)
    rng = random.Random(2)
    pairs = [rng.sample(range(len(prepared)), 2) for _ in range(sample_pairs)]
    t = time.perf_counter()
    for i, j in pairs:
        (ta, ha, _), (tb, hb, _) = prepared[i], prepared[j]
        align(ha, hb, len(ta), len(tb))
    pair_align = (time.perf_counter() - t) / sample_pairs
    sets = [frozenset(h for _, h in p[2]) for p in prepared]
    t = time.perf_counter()
    for _ in range(20):
        for i, j in pairs:
            _ = len(sets[i] & sets[j])
    pair_set = (time.perf_counter() - t) / (20 * sample_pairs)
    return {
        "n": n,
        "align_cost_per_doc": prep + (n / 2) * pair_align,
        "set_cost_per_doc": prep + (n / 2) * pair_set,
        "pair_align_s": pair_align,
        "pair_set_s": pair_set,
    }


PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _fill(engine, n: int) -> None:  # noqa: ANN001
    """Store ``n`` synthetic articles (pages, outlets) in batches; nothing matched."""
    corpus = Corpus(n)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with Session(engine) as s, s.begin():
        s.execute(insert(Outlet), [{"id": i + 1, "domain": f"o{i}.test", "first_seen_at": t0}
                                   for i in range(corpus.n_outlets)])  # fmt: skip
    for b in range(0, n, BATCH):
        rows = [corpus.next() for _ in range(min(BATCH, n - b))]
        ids = list(range(b + 1, b + len(rows) + 1))
        with Session(engine) as s, s.begin():
            s.execute(insert(Page), [
                {"id": i, "url": f"http://o{o}.test/a/{i}", "final_url": f"http://o{o}.test/a/{i}",
                 "outlet_id": o + 1, "fetch_status": "ok", "first_fetched_at": t0,
                 "fetched_at": t0} for i, (o, _) in zip(ids, rows, strict=True)])  # fmt: skip
            s.execute(insert(Article), [
                {"id": i, "url": f"http://o{o}.test/a/{i}", "page_id": i, "outlet_id": o + 1,
                 "text": text, "text_hash": hashlib.sha256(text.encode()).hexdigest(),
                 "word_count": len(text.split()), "published": t0 + timedelta(minutes=i),
                 "date_precision": "datetime", "first_seen_at": t0, "updated_at": t0}
                for i, (o, text) in zip(ids, rows, strict=True)])  # fmt: skip


def _cpu_of(pids: list[int]) -> float:
    import os

    total = 0.0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    return total


def throughput(n: int, counts: list[int]) -> list[dict]:
    """Docs/s of ``k`` matcher processes draining ``n`` queued articles, for each k."""
    import os

    from sqlalchemy import create_engine, delete, select, text

    from crawler.db.models import WorkerProcess
    from crawler.matcher import spawn, stop_all

    name = f"prov_m_bench_{n}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    out = []
    try:
        engine = make_engine(url)
        upgrade(engine)
        g = time.perf_counter()
        _fill(engine, n)
        print(f"{n} documents stored in {time.perf_counter() - g:.0f} s", flush=True)
        for k in counts:
            with Session(engine) as s, s.begin():
                _clear(s)
                s.execute(delete(WorkerProcess))
                ids = list(s.scalars(select(Article.id)))
                match_queue.enqueue(s.connection(), ids)
            env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
            start = time.perf_counter()
            procs = spawn(url, k, env=env)
            cpu = 0.0
            while True:
                time.sleep(1.0)
                cpu = max(cpu, _cpu_of([p.pid for p in procs]))
                with Session(engine) as s:
                    if not match_queue.depth(s.connection()):
                        break
                if not any(p.poll() is None for p in procs):
                    raise SystemExit("every matcher died")
            seconds = time.perf_counter() - start
            cpu = max(cpu, _cpu_of([p.pid for p in procs]))
            stop_all(procs)
            r = {"n": n, "matchers": k, "seconds": seconds, "docs_per_s": n / seconds,
                 "cpu_ms_per_doc": cpu / n * 1000}  # fmt: skip
            print(f"{n:>8} docs  {k} matcher(s)  {r['docs_per_s']:7.1f} docs/s  {seconds:7.1f} s"
                  f"  CPU {r['cpu_ms_per_doc']:.1f} ms/doc", flush=True)  # fmt: skip
            out.append(r)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    if len(out) > 1:
        print(f"speed-up with {out[-1]['matchers']} matchers: "
              f"{out[-1]['docs_per_s'] / out[0]['docs_per_s']:.2f}x")  # fmt: skip
    return out


def _subprocess(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_match", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_match", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--size", type=int, default=100_000, help="documents for the throughput")
    ap.add_argument("--matchers", default="1,2", help="matcher process counts to measure")
    ap.add_argument(
        "--per-document", action="store_true", help="the per-document cost figures instead"
    )
    ap.add_argument(
        "--sizes", default="10000,100000", help="with --per-document: comma-separated sizes"
    )
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--naive", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_size(args.one)))
        return 0
    if args.naive:
        print(json.dumps(naive(args.naive)))
        return 0
    if not args.per_document:
        throughput(args.size, [int(x) for x in args.matchers.split(",")])
        return 0
    sizes = [int(x) for x in args.sizes.split(",")]
    results = {}
    for n in sizes:
        r = _subprocess(["--one", str(n)])
        results[n] = r
        print(
            f"{n:>8} docs  {r['docs_per_s']:7.1f} docs/s overall  "
            f"{r['tail_docs_per_s']:7.1f} docs/s "
            f"in the last 10%  {r['seconds']:7.1f} s  peak RSS {r['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    base = min(sizes)
    nv = _subprocess(["--naive", str(base)])
    ours = 1.0 / results[base]["tail_docs_per_s"]
    print(
        f"naive all-pairs at {base}: {1 / nv['align_cost_per_doc']:.2f} docs/s with alignment "
        f"({nv['pair_align_s'] * 1e6:.0f} us/pair, extrapolated from a sample), "
        f"{1 / nv['set_cost_per_doc']:.1f} docs/s with a bare set intersection "
        f"({nv['pair_set_s'] * 1e6:.1f} us/pair)"
    )
    print(
        f"speed-up over all-pairs alignment at {base}: "
        f"{nv['align_cost_per_doc'] / ours:.0f}x (target >= 50x)"
    )
    print(
        f"speed-up over all-pairs set intersection at {base}: {nv['set_cost_per_doc'] / ours:.1f}x"
    )
    for n in sizes:
        if n != base:
            ratio = results[base]["tail_docs_per_s"] / results[n]["tail_docs_per_s"]
            print(f"cost per document at {n} / at {base}: {ratio:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
