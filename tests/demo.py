"""``make demo``: the main job on the embedded default, offline.

Serves the bundled simulated web on loopback, crawls it from its seeds into a SQLite
database through ``http_proxy``, then writes the exports, prints the outlet table and
one story's trail, and ends by writing the HTML report and printing where it is. Every
step is a real ``provenance`` command, printed before it runs so it can be pasted and
re-run by hand.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys

from tests.harness import PROVENANCE, ROOT, crawl_args, proxy_env, simulated_web, write_seeds


def run(args: list[str], env: dict[str, str] | None = None, proxy: str | None = None) -> None:
    shown = " ".join(shlex.quote(a) for a in args)
    print(f"\n$ {'http_proxy=' + proxy + ' ' if proxy else ''}provenance {shown}", flush=True)
    done = subprocess.run([*PROVENANCE, *args], cwd=ROOT, env=env)
    if done.returncode != 0:
        raise SystemExit(f"demo step failed (exit {done.returncode}): provenance {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="data/demo.db", help="SQLite path or database URL")
    parser.add_argument("--out", default="out/demo", help="folder for the exports")
    parser.add_argument("--scale", type=int, default=1, help="size of the simulated web")
    args = parser.parse_args(argv)
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    db = args.db

    run(["db", "upgrade", "--db", db])
    with simulated_web(scale=args.scale) as (web, server):
        print(f"\nsimulated web: {len(web.truth['outlets'])} outlets, "
              f"{len(web.truth['articles'])} articles, served at {server.url} "
              f"(ground truth: {out / 'truth.json'})")  # fmt: skip
        (out / "truth.json").write_text(json.dumps(web.truth, indent=1))
        seeds = write_seeds(web, out / "seeds.txt")
        crawl = crawl_args(db, seeds)
        crawl.remove("--quiet")
        run(crawl, env=proxy_env(server.url), proxy=server.url)
    run(["match", "--db", db, "--quiet"])
    graph_formats = ("gexf", "json", "csv")
    for level, formats in (("outlet", graph_formats), ("article", graph_formats),
                           ("story", ("json", "csv"))):  # fmt: skip
        for fmt in formats:
            run(["export", "--db", db, "--level", level, "--format", fmt,
                 "-o", str(out / f"{level}.{fmt}")])  # fmt: skip
    run(["outlets", "--db", db, "--top", "20"])
    # The most republished story of the simulated web, as a researcher would pick it.
    biggest = max(web.truth["stories"].values(), key=lambda st: len(st["members"]))
    run(["trace", biggest["root"], "--db", db, "--max-copies", "15"])
    run(["stats", "--db", db, "--runs", "3"])
    report = out / "report"
    run(["report", "--db", db, "--format", "html", "-o", str(report)])
    print(f"\nexports in {out}: open outlet.gexf in Gephi; the database is {db}.")
    print(f"the report (no server needed): {(report / 'index.html').resolve().as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
