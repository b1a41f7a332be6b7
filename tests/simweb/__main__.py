"""Command line: ``python -m tests.simweb serve|truth|stats``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from .server import serve
from .web import SimWeb, generate


def _web(args: argparse.Namespace) -> SimWeb:
    return generate(seed=args.seed, scale=args.scale, epoch=args.epoch)


def _write_truth(web: SimWeb, path: str) -> None:
    Path(path).write_text(json.dumps(web.truth, ensure_ascii=False, indent=1), "utf-8")


def cmd_serve(args: argparse.Namespace) -> int:
    web = _web(args)
    if args.truth:
        _write_truth(web, args.truth)
    if args.seeds_file:
        Path(args.seeds_file).write_text("\n".join(web.seeds) + "\n", "utf-8")
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    server = serve(web, port=args.port, prerender=not args.lazy)
    print(f"simweb serving on {server.url}", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


def cmd_truth(args: argparse.Namespace) -> int:
    _write_truth(_web(args), args.output)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    t = time.perf_counter()
    web = _web(args)
    gen = time.perf_counter() - t
    t = time.perf_counter()
    total = web.prerender()
    rend = time.perf_counter() - t
    forms = Counter(a.form for a in web.arts)
    sizes = sorted(len(web.responses[a.url].body) for a in web.arts)
    print(f"outlets            {len(web.outlets)}")
    print(f"articles           {len(web.arts)}")
    print(f"copies             {sum(1 for a in web.arts if a.source)}")
    for f in sorted(forms):
        print(f"  form {f:<12} {forms[f]}")
    print(f"fetchable pages    {len(web.fetchable())}")
    print(f"hostile pages      {len(web.hostile.truth)}")
    print(f"bytes (fetchable)  {total}")
    print(f"article page bytes min {sizes[0]} median {sizes[len(sizes) // 2]} max {sizes[-1]}")
    print(f"generate {gen:.2f}s, render {rend:.2f}s")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.simweb", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--seed", type=int, default=7)
        sp.add_argument("--scale", type=int, default=1)
        sp.add_argument("--epoch", type=int, default=0)

    s = sub.add_parser("serve", help="serve the web as an HTTP proxy on 127.0.0.1")
    common(s)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--truth", help="write the ground truth JSON here")
    s.add_argument("--seeds-file", help="write the seed lines here")
    s.add_argument("--lazy", action="store_true", help="render pages on demand, not upfront")
    s.set_defaults(func=cmd_serve)
    t = sub.add_parser("truth", help="write the ground truth JSON")
    common(t)
    t.add_argument("-o", "--output", required=True)
    t.set_defaults(func=cmd_truth)
    st = sub.add_parser("stats", help="print counts and sizes")
    common(st)
    st.set_defaults(func=cmd_stats)
    args = p.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
