"""Search-based discovery end to end: a crawl finds an island copy only with ``--search``,
its outlet joins the trail, and ``provenance discover`` shows queries, results and copies."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import LOOPBACK_SETTINGS, provenance, simulated_web
from tests.simweb import search as sim

SEARX = f"searxng=http://{sim.SEARX}"
GDELT = f"gdelt=http://{sim.GDELT}{sim.GDELT_PATH}"
FAST = ("--set", "PROVENANCE_SEARCH_DELAY=0.05")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, Any]]:
    with simulated_web() as (web, server):
        yield web, server


def _story(web: Any) -> tuple[Any, Any, Any]:
    """An island copy (verbatim), its root, and a credited copy of the root on the web."""
    for copy in web.arts:
        if copy.outlet not in web.islands or copy.form != "e":
            continue
        root = copy.source
        credited = [a for a in web.arts if a.source is root and a.form in "ab"
                    and a.outlet not in web.islands and not a.disallowed]  # fmt: skip
        if credited:
            return copy, root, credited[0]
    raise AssertionError("no island copy of a credited story")


def _crawl(server: Any, db: Path, urls: list[str], *extra: str) -> Any:
    args = ["crawl", *urls, "--db", f"sqlite:///{db}", "--depth", "1", "--quiet"]
    for setting in LOOPBACK_SETTINGS:
        if not setting.startswith("DEPTH_LIMIT"):
            args += ["--set", setting]
    return provenance([*args, *extra], proxy_url=server.url, timeout=600)


def _rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as c:
        return c.execute(sql, params).fetchall()


def _stats(db: Path) -> dict[str, Any]:
    (raw,) = _rows(db, "select stats from crawl_runs order by id desc limit 1")[0]
    return json.loads(raw)


def test_island_copy_is_found_only_by_search(served: Any, tmp_path: Path) -> None:
    web, server = served
    copy, root, credited = _story(web)
    without, with_search = tmp_path / "links.db", tmp_path / "search.db"

    r = _crawl(server, without, [root.url, credited.url])
    assert r.returncode == 0, r.stderr[-2000:]
    assert not _rows(without, "select url from pages where url = ?", copy.url)
    assert not any(k.startswith("search/") for k in _stats(without))

    r = _crawl(server, with_search, [root.url, credited.url], "--search", SEARX,
               "--search", GDELT, *FAST)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    (via,) = _rows(with_search, "select discovered_via from pages where url = ?", copy.url)[0]
    assert via == "search"
    # the copy was matched to the root, and the evidence says how it was found
    pair = _rows(
        with_search,
        "select p.id from reuse_pairs p join articles a on a.id in (p.a_id, p.b_id) "
        "join articles b on b.id in (p.a_id, p.b_id) where a.url = ? and b.url = ?",
        copy.url, root.url,
    )  # fmt: skip
    assert pair
    hits = _rows(with_search, "select backend, query, decision from search_hits where url = ?",
                 copy.url)  # fmt: skip
    assert any(d == "fetched" and q.startswith('"') for _, q, d in hits)
    # the island outlet joined the trail: its home page was crawled
    assert _rows(with_search, "select url from pages where url = ?", copy.outlet.home)
    stats = _stats(with_search)
    assert stats["search/searxng/requests"] >= 1 and stats["search/gdelt/requests"] >= 1
    assert stats["search/copies_confirmed"] >= 1
    queries = _rows(with_search, "select count(*) from search_hits where url is null")[0][0]
    searched = _rows(with_search, "select count(distinct article_id) from search_hits")[0][0]
    assert queries / searched <= 2 * 4  # two backends, at most 4 passages an article

    # discover: the same queries again come from the cache, the copy is confirmed
    r = provenance(["discover", root.url, "--db", f"sqlite:///{with_search}", "--search", SEARX,
                    *FAST, "--json"], proxy_url=server.url, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["queries"] and all(q["status"] in ("cached", "ok") for q in out["queries"])
    assert any(res["url"] == copy.url and res["copy"] for q in out["queries"]
               for res in q["results"])  # fmt: skip
    r = provenance(["discover", root.url, "--db", f"sqlite:///{with_search}", "--search", SEARX,
                    *FAST], proxy_url=server.url, timeout=300)  # fmt: skip
    assert r.returncode == 0 and "copies confirmed:" in r.stdout and copy.url in r.stdout


def test_bad_services_are_counted_and_the_crawl_goes_on(served: Any, tmp_path: Path) -> None:
    web, server = served
    _copy, root, credited = _story(web)
    db = tmp_path / "bad.db"
    r = _crawl(server, db, [root.url, credited.url], "--search",
               f"searxng=http://{sim.SEARX_NOJSON}", *FAST)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    stats = _stats(db)
    assert stats["search/searxng/json_disabled"] >= 1
    assert "json_disabled" in r.stderr
    assert _rows(db, "select count(*) from articles")[0][0] >= 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["discover", "http://nowhere.test/x", "--search", SEARX], "not a stored article"),
        (["crawl", "http://a.test/", "--search", "bing"], "unknown search backend"),
        (["crawl", "http://a.test/", "--search", "searxng"], "needs an endpoint"),
        (["crawl", "http://a.test/", "--search", "brave"], "BRAVE_SEARCH_API_KEY"),
    ],
)
def test_mistakes(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRAVE_SEARCH_API_KEY", raising=False)
    r = provenance([*args, "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert r.returncode == 2
    assert message in r.stderr


@pytest.mark.parametrize("verb", ["crawl", "nightly", "discover"])
def test_search_option_is_documented(verb: str) -> None:
    r = provenance([verb, "--help"])
    assert r.returncode == 0 and "--search NAME[=URL]" in r.stdout
