"""Copy-detection quality against the simulated web's ground truth (``make eval``).

Serves the simulated web, crawls it with the product in a subprocess (matching online,
as a real crawl does), runs ``crawler.db.matching.rebuild`` and scores the database:

* story clusters, pairwise: two crawled articles are in one cluster when reuse links
  them (directly or through others); truth: they belong to one story;
* root accuracy: the root we give each article of a story whose root we crawled;
* direct-source accuracy where it is determinable: credited and canonical copies;
* outlet edges (copier outlet -> source outlet), as sets;
* false links between different stories, and those caused by shared boilerplate;
* links and outlet edges between independent reports of the same event (they share
  quotes and stock phrases, not copied text);
* pages stored as articles that are not articles (listings, print and AMP versions);
* dates: undated pages stored with a date, and root accuracy of undated copies;
* one row per republication form (a)-(h) and for independent reports;
* a reliability table: direction decisions bucketed by confidence, and how many in each
  bucket are right (the decided source is the copy's source or an ancestor of it).

The simulated web carries real same-event news from one half of the ECB+ topics
(``--real test``, the default; ``--real tune`` is the half thresholds are tuned on).

Floors live in ``tests/eval_floors.json``; a missed floor exits with status 1, like
trafilatura's quality gate. ``--db`` scores an existing database instead of crawling.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.db.matching import rebuild
from crawler.db.models import Article, Page
from crawler.db.records import load_records
from crawler.db.reuse_models import ReusePair, ReuseProvenance
from crawler.db.session import make_engine
from graph.direction import url_key

FLOORS = Path(__file__).with_name("eval_floors.json")


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _snapshot(engine: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """What the database says, with article ids mapped to truth URLs."""
    by_key = {url_key(u): u for u in truth["articles"]}
    with Session(engine) as s:
        arts = s.execute(select(Article.id, Article.url, Article.text, Article.published)).all()
        redirects = s.execute(select(Page.url, Page.final_url)).all()
        aliases: dict[str, set[str]] = defaultdict(set)
        for pu, fu in redirects:
            if fu:
                aliases[fu].add(pu)
        id_to_truth: dict[int, str] = {}
        texts: dict[int, str] = {}
        for aid, url, text, _ in arts:
            texts[aid] = text
            for u in [url, *aliases[url]]:
                if url_key(u) in by_key:
                    id_to_truth[aid] = by_key[url_key(u)]
                    break
        pairs = [
            (p.a_id, p.b_id, p.source_id, p.copy_id, p.passages, p.confidence)
            for p in s.scalars(select(ReusePair))
        ]
        prov = {p.article_id: (p.sources, p.root_id) for p in s.scalars(select(ReuseProvenance))}
        _, edges = load_records(s)
    url_to_id = {url: aid for aid, url, *_ in arts}
    return {
        "ids": id_to_truth,
        "stored": {aid: url for aid, url, *_ in arts},
        "dated": {aid for aid, _u, _t, published in arts if published is not None},
        "texts": texts,
        "pairs": pairs,
        "prov": prov,
        "edges": [
            (id_to_truth.get(url_to_id[e.copy_url]), id_to_truth.get(url_to_id[e.source_url]))
            for e in edges
        ],
        "edge_confidence": [e.confidence for e in edges],
        "edge_evidence": [e.evidence for e in edges],
    }


def score(engine: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """All metrics, as a flat dict plus per-form rows."""
    snap = _snapshot(engine, truth)
    art = truth["articles"]
    ids: dict[int, str] = snap["ids"]
    crawled = set(ids.values())
    tid = {v: k for k, v in ids.items()}

    # story clusters, pairwise
    uf = _UnionFind()
    for a, b, *_ in snap["pairs"]:
        if a in ids and b in ids:
            uf.union(ids[a], ids[b])
    by_story: dict[str, list[str]] = defaultdict(list)
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for u in sorted(crawled):
        by_story[art[u]["story"]].append(u)
        by_cluster[uf.find(u)].append(u)
    truth_pairs = {(a, b) for m in by_story.values() for a in m for b in m if a < b}
    pred_pairs = {(a, b) for m in by_cluster.values() for a in m for b in m if a < b}
    pp, pr, pf = _prf(
        len(truth_pairs & pred_pairs), len(pred_pairs - truth_pairs), len(truth_pairs - pred_pairs)
    )

    # roots and direct sources
    def root_of(u: str) -> str:
        p = snap["prov"].get(tid[u])
        return ids.get(p[1], "?") if p else u

    def sources_of(u: str) -> list[str]:
        p = snap["prov"].get(tid[u])
        return [ids.get(s, "?") for s in p[0]] if p else []

    rooted = [
        u for u in crawled if len(by_story[art[u]["story"]]) > 1 and art[u]["root"] in crawled
    ]
    root_ok = [u for u in rooted if root_of(u) == art[u]["root"]]
    determinable = [
        u
        for u in crawled
        if art[u]["source"] in crawled and (art[u]["credited"] or art[u]["form"] == "b")
    ]
    direct_ok = [u for u in determinable if sources_of(u)[:1] == [art[u]["source"]]]

    # outlet edges
    t_edges = {
        (art[c["copy"]]["outlet"], art[c["source"]]["outlet"])
        for c in truth["copies"]
        if c["copy"] in crawled and c["source"] in crawled
    }
    p_edges = {(art[c]["outlet"], art[s]["outlet"]) for c, s in snap["edges"] if c and s}
    op, orr, of = _prf(len(t_edges & p_edges), len(p_edges - t_edges), len(t_edges - p_edges))

    # false links, and those made of boilerplate
    boiler = [line for lines in truth["boilerplate"].values() for line in lines]
    false_links = bp_links = 0
    for a, b, _s, _c, passages, _conf in snap["pairs"]:
        if a not in ids or b not in ids or art[ids[a]]["story"] == art[ids[b]]["story"]:
            continue
        false_links += 1
        shared = " ".join(snap["texts"][a][p[0] : p[1]] for p in passages)
        if any(line[:40] in shared for line in boiler):
            bp_links += 1

    # independent reports of one event linked (pairs) and joined by outlet edges
    def event(u: str) -> str:
        return art[u].get("event") or art[u]["story"]

    same_event_links = sum(
        1
        for a, b, *_ in snap["pairs"]
        if a in ids and b in ids and art[ids[a]]["story"] != art[ids[b]]["story"]
        and event(ids[a]) == event(ids[b])
    )  # fmt: skip
    same_event_edges = sum(
        1 for c, s_ in snap["edges"]
        if c and s_ and art[c]["story"] != art[s_]["story"] and event(c) == event(s_)
    )  # fmt: skip

    # pages stored as articles that are not articles (hostile pages are scored elsewhere)
    not_articles = sorted(
        url
        for aid, url in snap["stored"].items()
        if aid not in ids and not any(url.startswith(h) for h in _hostile_prefixes(truth))
    )

    # dates: an undated page must not get a date (a copyright year is not one)
    undated = [u for u in crawled if art[u]["published"] is None]
    undated_dated = sum(1 for u in undated if tid[u] in snap["dated"])
    undated_copies = [u for u in undated if art[u]["source"] and art[u]["root"] in crawled]
    undated_root_ok = sum(1 for u in undated_copies if root_of(u) == art[u]["root"])

    reliability = _reliability(snap, ids, art)

    forms: dict[str, dict[str, Any]] = {}
    for form in [*"abcdefgh", "independent"]:
        members = [u for u in crawled if art[u]["form"] == form]
        if form == "independent":
            wrong = sum(
                1 for u in members if len(by_cluster[uf.find(u)]) > len(by_story[art[u]["story"]])
            )
            forms[form] = {"n": len(members), "linked_wrongly": wrong}
            continue
        with_src = [u for u in members if art[u]["source"] in crawled]
        forms[form] = {
            "n": len(members),
            "found": sum(1 for u in with_src if uf.find(u) == uf.find(art[u]["source"])),
            "n_src": len(with_src),
            "direct": sum(1 for u in with_src if sources_of(u)[:1] == [art[u]["source"]]),
            "root": sum(
                1 for u in members if art[u]["root"] in crawled and root_of(u) == art[u]["root"]
            ),
            "n_root": sum(1 for u in members if art[u]["root"] in crawled),
        }
    lettered = [forms[f] for f in "abcdefgh" if forms[f]["n_src"]]
    uncredited = [forms[f] for f in "eg" if forms[f]["n_src"]]
    return {
        "articles_crawled": len(crawled),
        "form_found_min": min((r["found"] / r["n_src"] for r in lettered), default=1.0),
        "form_root_min": min(
            (r["root"] / r["n_root"] for r in lettered if r["n_root"]), default=1.0
        ),  # fmt: skip
        "direct_uncredited_min": min((r["direct"] / r["n_src"] for r in uncredited), default=1.0),
        "pair_precision": pp,
        "pair_recall": pr,
        "pair_f1": pf,
        "root_accuracy": len(root_ok) / len(rooted) if rooted else 1.0,
        "root_n": len(rooted),
        "direct_source_accuracy": len(direct_ok) / len(determinable) if determinable else 1.0,
        "direct_n": len(determinable),
        "outlet_edge_precision": op,
        "outlet_edge_recall": orr,
        "outlet_edge_f1": of,
        "false_links": false_links,
        "boilerplate_links": bp_links,
        "same_event_links": same_event_links,
        "same_event_edges": same_event_edges,
        "not_articles_stored": len(not_articles),
        "not_article_examples": not_articles[:5],
        "undated_with_date": undated_dated,
        "undated_n": len(undated),
        "undated_root_accuracy": undated_root_ok / len(undated_copies) if undated_copies else 1.0,
        "undated_root_n": len(undated_copies),
        "reliability": reliability,
        "high_confidence_accuracy": _share_right(reliability, 0.9),
        "calibration_gap": max(
            (abs(r["right"] / r["n"] - r["mean"]) for r in reliability if r["n"] >= 10), default=0.0
        ),  # fmt: skip
        "forms": forms,
    }


BUCKETS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


def _hostile_prefixes(truth: dict[str, Any]) -> list[str]:
    hosts = {u.split("/")[2] for u in truth["hostile"]} if truth.get("hostile") else set()
    return [f"http://{h}/" for h in hosts]


def _ancestors(u: str, art: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    while art[u]["source"] and art[u]["source"] not in out:
        u = art[u]["source"]
        out.add(u)
    return out


def _reliability(snap: dict[str, Any], ids: dict[int, str], art: dict[str, Any]) -> list[dict]:
    """Copy decisions (the exported edges: copy -> direct source, with the confidence a
    researcher sees) bucketed by confidence: how many are right in each bucket.

    An edge is right when its copy really copies its source, directly or through
    others; an edge between articles that are not copies is wrong.
    """
    rows = [{"lo": lo, "hi": hi, "n": 0, "right": 0, "sum": 0.0}
            for lo, hi in zip(BUCKETS, BUCKETS[1:], strict=False)]  # fmt: skip
    for (copy, source), conf in zip(snap["edges"], snap["edge_confidence"], strict=True):
        if copy is None or source is None:
            continue
        row = next((r for r in rows if r["lo"] <= conf < r["hi"]), rows[0])
        row["n"] += 1
        row["sum"] += conf
        row["right"] += source in _ancestors(copy, art)
    return [{"lo": r["lo"], "hi": min(r["hi"], 1.0), "n": r["n"], "right": r["right"],
             "mean": r["sum"] / r["n"] if r["n"] else 0.0} for r in rows]  # fmt: skip


def _share_right(rows: list[dict], lo: float) -> float:
    n = sum(r["n"] for r in rows if r["lo"] >= lo)
    return sum(r["right"] for r in rows if r["lo"] >= lo) / n if n else 1.0


def print_table(m: dict[str, Any]) -> None:
    rows = [
        ("articles crawled", f"{m['articles_crawled']}"),
        (
            "story pairs  P / R / F1",
            f"{m['pair_precision']:.3f} / {m['pair_recall']:.3f} / {m['pair_f1']:.3f}",
        ),
        ("root accuracy", f"{m['root_accuracy']:.3f}  (n={m['root_n']})"),
        ("direct source (credited)", f"{m['direct_source_accuracy']:.3f}  (n={m['direct_n']})"),
        (
            "outlet edges P / R / F1",
            f"{m['outlet_edge_precision']:.3f} / {m['outlet_edge_recall']:.3f} / "
            f"{m['outlet_edge_f1']:.3f}",
        ),
        ("false links (other story)", f"{m['false_links']}"),
        ("  of them boilerplate", f"{m['boilerplate_links']}"),
        ("  same-event reports", f"{m['same_event_links']} pairs, {m['same_event_edges']} edges"),
        ("not articles stored as such", f"{m['not_articles_stored']}"),
        ("undated pages given a date", f"{m['undated_with_date']} of {m['undated_n']}"),
        ("root accuracy, undated copies",
         f"{m['undated_root_accuracy']:.3f}  (n={m['undated_root_n']})"),
        ("decisions >= 0.9 right", f"{m['high_confidence_accuracy']:.3f}"),
        ("calibration gap (n >= 10)", f"{m['calibration_gap']:.3f}"),
        ("forms a-h: min found / root",
         f"{m['form_found_min']:.3f} / {m['form_root_min']:.3f}"),
        ("direct source, uncredited e/g", f"{m['direct_uncredited_min']:.3f}"),
    ]  # fmt: skip
    for k, v in rows:
        print(f"{k:<28}{v}")
    print(f"{'confidence':<14}{'n':>5}{'right':>7}{'share':>7}{'mean':>7}")
    for r in m["reliability"]:
        share = f"{r['right'] / r['n']:.3f}" if r["n"] else "-"
        print(f"{r['lo']:.1f}-{r['hi']:.1f}{'':<7}{r['n']:>5}{r['right']:>7}{share:>7}"
              f"{r['mean']:>7.3f}")  # fmt: skip
    print(f"{'form':<14}{'n':>4}{'found':>8}{'direct':>8}{'root':>8}")
    for form, r in m["forms"].items():
        if form == "independent":
            print(f"{form:<14}{r['n']:>4}   linked wrongly: {r['linked_wrongly']}")
            continue
        print(
            f"{form:<14}{r['n']:>4}{r['found']:>4}/{r['n_src']:<3}{r['direct']:>4}/{r['n_src']:<3}"
            f"{r['root']:>4}/{r['n_root']:<3}"
        )


def discovery(engine: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """Search-based discovery (issue 14): island copies found, and at what cost.

    An island copy is *on the trail* when its source was crawled; it is *found* when it
    is stored and paired with an article of its story. Cost as PAN measures it: queries
    per searched article, and downloads of search results per confirmed copy (a result
    page that was paired with an article of the searched story).
    """
    from crawler.db.search_models import SearchHit

    art = truth["articles"]
    islands = set(truth.get("islands", {}))
    by_key = {url_key(u): u for u in art}
    with Session(engine) as s:
        stored = {aid: by_key.get(url_key(url)) for aid, url in s.execute(
            select(Article.id, Article.url))}  # fmt: skip
        pairs = [(a, b) for a, b in s.execute(select(ReusePair.a_id, ReusePair.b_id))]
        via = dict(s.execute(select(Page.final_url, Page.discovered_via)).all())
        hits = s.execute(select(SearchHit.article_id, SearchHit.url, SearchHit.decision)).all()
    crawled = {u for u in stored.values() if u}
    paired: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        ua, ub = stored.get(a), stored.get(b)
        if ua and ub:
            paired[ua].add(ub)
            paired[ub].add(ua)
    on_trail = [u for u, a in art.items() if a["outlet"] in islands and a["source"] in crawled]
    found = [u for u in on_trail if any(art[o]["story"] == art[u]["story"] for o in paired[u])]
    reachable = [u for u, a in art.items() if a["outlet"] in islands and a["reachable"]]
    searched = {h[0] for h in hits}
    queries = sum(1 for h in hits if h[1] is None)
    by_search = {by_key.get(url_key(u)) or u for u, v in via.items() if v == "search" and u}
    confirmed = {u for u in by_search if u in art and paired[u]}
    false_edges = sum(
        1
        for u in by_search
        if u in art
        for o in paired[u]
        if art[o]["story"] != art[u]["story"]
    )  # fmt: skip
    return {
        "island_copies_on_trail": len(on_trail),
        "island_copies_found": len(found),
        "island_recall": len(found) / len(on_trail) if on_trail else 0.0,
        "island_copies_reachable_by_links": len(reachable),
        "articles_searched": len(searched),
        "queries": queries,
        "queries_per_article": queries / len(searched) if searched else 0.0,
        "search_downloads": len(by_search),
        "copies_confirmed": len(confirmed),
        "downloads_per_copy": len(by_search) / len(confirmed) if confirmed else 0.0,
        "false_search_edges": false_edges,
    }


def print_discovery(d: dict[str, Any]) -> None:
    rows = [
        ("island copies on the trail", f"{d['island_copies_on_trail']}"),
        ("  reachable by links", f"{d['island_copies_reachable_by_links']}"),
        ("  found (recall)", f"{d['island_copies_found']}  ({d['island_recall']:.3f})"),
        ("articles searched", f"{d['articles_searched']}"),
        ("queries per article", f"{d['queries_per_article']:.2f}  ({d['queries']} queries)"),
        ("downloads per copy", f"{d['downloads_per_copy']:.2f}  "
         f"({d['search_downloads']} downloads, {d['copies_confirmed']} copies)"),
        ("false edges from search", f"{d['false_search_edges']}"),
    ]  # fmt: skip
    print("discovery by search")
    for k, v in rows:
        print(f"{k:<28}{v}")


def check_floors(m: dict[str, Any], floors: dict[str, float]) -> list[str]:
    missed = []
    for key, floor in floors.items():
        if key.endswith("_max"):
            name = key.removesuffix("_max")
            if m[name] > floor:
                missed.append(f"{name} = {m[name]} > {floor}")
        elif m[key] < floor:
            missed.append(f"{key} = {m[key]:.3f} < {floor}")
    return missed


# the simulated SearXNG engine, paced for loopback (the product's default is 1 s)
SEARCH_ARGS = ("--search", "searxng=http://searx.search.test",
               "--set", "PROVENANCE_SEARCH_DELAY=0.1",
               "--set", "PROVENANCE_SEARCH_MAX_QUERIES=5000")  # fmt: skip
# issue 14's targets for search-based discovery (checked when the crawl searched)
DISCOVERY_TARGETS = {"island_recall": 0.9, "queries_per_article_max": 5.0,
                     "downloads_per_copy_max": 3.0, "false_search_edges_max": 0}  # fmt: skip


def crawl(
    db_url: str, seed: int, scale: int, real: str | None = "test", search: bool = True
) -> dict[str, Any]:
    """Crawl the simulated web into ``db_url``; return its truth."""
    from tests.harness import crawl_args, provenance, simulated_web, write_seeds

    web_cm = simulated_web(seed=seed, scale=scale, real=real)
    with web_cm as (web, server), tempfile.TemporaryDirectory() as d:
        seeds = write_seeds(web, Path(d) / "seeds.txt")
        t = time.perf_counter()
        extra = SEARCH_ARGS if search else ()
        r = provenance(crawl_args(db_url, seeds, *extra), proxy_url=server.url, timeout=1800)
        if r.returncode != 0:
            sys.stderr.write(r.stdout[-2000:] + r.stderr[-4000:])
            raise SystemExit(f"crawl failed with status {r.returncode}")
        print(f"crawled in {time.perf_counter() - t:.0f} s")
        return web.truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.eval", description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="score this database (already crawled) instead of crawling")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument(
        "--real", default="test", choices=["test", "tune", "none"],
        help="which half of the real same-event news the web carries (tune on 'tune')",
    )  # fmt: skip
    ap.add_argument(
        "--no-rebuild", action="store_true", help="score the online results as they are"
    )
    ap.add_argument("--json", help="also write the metrics here")
    ap.add_argument("--keep", help="crawl into this SQLite file and keep it (for --db later)")
    ap.add_argument("--no-search", action="store_true", help="crawl without search discovery")
    args = ap.parse_args(argv)
    real = None if args.real == "none" else args.real
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            from tests.simweb import generate

            saved = Path(args.db.removeprefix("sqlite:///") + ".truth.json")
            db_url = args.db
            truth = (
                json.loads(saved.read_text())
                if saved.exists()
                else generate(seed=args.seed, scale=args.scale, real=real).truth
            )
        else:
            db_path = Path(args.keep or Path(tmp) / "eval.db").resolve()
            db_url = f"sqlite:///{db_path}"
            truth = crawl(db_url, args.seed, args.scale, real, search=not args.no_search)
            if args.keep:  # the simulated web may change with the code: keep its truth
                Path(f"{db_path}.truth.json").write_text(json.dumps(truth))
        engine = make_engine(db_url)
        online = score(engine, truth)
        if not args.no_rebuild:
            t = time.perf_counter()
            rebuild(engine)
            print(f"rebuilt in {time.perf_counter() - t:.1f} s")
        m = score(engine, truth)
        found = discovery(engine, truth)
        engine.dispose()
    same = {k: v for k, v in online.items() if k != "forms"} == {
        k: v for k, v in m.items() if k != "forms"
    }
    print_table(m)
    print(f"online results equal rebuild: {'yes' if same else 'NO'}")
    print_discovery(found)
    if args.json:
        Path(args.json).write_text(json.dumps(m | {"discovery": found}, indent=1))
    missed = check_floors(m, json.loads(FLOORS.read_text()))
    if found["articles_searched"]:
        missed += check_floors(found, DISCOVERY_TARGETS)
    for line in missed:
        print(f"FLOOR MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
