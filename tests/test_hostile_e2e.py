"""End to end on the hostile site alone: traps, private addresses and redirect loops.

Two crawls in a subprocess, each from the hostile site's home page only: one with a
page budget (``--max-pages``) far smaller than its traps, which must still reach every
ordinary page of the site; one without, in which every trap must be cut off within its
per-shape budget. The simulated server counts every request it receives.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.addresses import private_reason
from crawler.db.models import CrawlRun, Page
from crawler.db.session import make_engine
from crawler.settings import CONCURRENT_REQUESTS, PROVENANCE_MAX_PAGES_PER_SHAPE
from crawler.traps import shape_of
from crawler.urls import normalize_url
from tests.harness import ROOT, crawl_args, provenance, simulated_web
from tests.simweb import hostile

pytestmark = pytest.mark.e2e

MAX_PAGES = 80  # a single trap has 1,000 pages (session ids) or endless ones
# Requests of a shape already on their way when its budget is found spent.
IN_FLIGHT = CONCURRENT_REQUESTS


@dataclass
class HostileCrawl:
    truth: dict[str, Any]  # the hostile site's cases
    db: str
    engine: Engine
    run: Any  # CompletedProcess
    hits: Any  # the server's request counter
    stats_output: str


def _crawl(tmp: Path, *extra: str) -> Iterator[HostileCrawl]:
    db = f"sqlite:///{tmp / 'hostile.db'}"
    seeds = tmp / "seeds.txt"
    seeds.write_text(hostile.HOME + "\n", encoding="utf-8")
    with simulated_web() as (web, server):
        run = provenance(crawl_args(db, seeds, *extra), proxy_url=server.url)
        shown = provenance(["stats", "--db", db])
        engine = make_engine(db)
        yield HostileCrawl(web.truth["hostile"], db, engine, run, server.hits, shown.stdout)
        engine.dispose()


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    # A per-site delay, as on the live web (1 s by default): the scheduler's queue fills
    # faster than it drains, so its order decides what the budget is spent on.
    tmp = tmp_path_factory.mktemp("hostile-bounded")
    yield from _crawl(tmp, "--max-pages", str(MAX_PAGES), "--set", "DOWNLOAD_DELAY=0.1")


@pytest.fixture(scope="module")
def unbounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    yield from _crawl(tmp_path_factory.mktemp("hostile-unbounded"))


def _run(crawl: HostileCrawl) -> CrawlRun:
    with Session(crawl.engine) as s:
        run = s.scalars(select(CrawlRun)).one()
    return run


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _ordinary(truth: dict[str, Any]) -> list[str]:
    """The cases a crawler must request: all but traps, private links and robots refusals."""
    skip = {"trap", "private_address", "robots"}
    return [url for url, spec in truth.items() if spec["expect"] not in skip]


def test_a_budget_smaller_than_the_traps_still_reaches_every_ordinary_page(
    bounded: HostileCrawl,
) -> None:
    assert bounded.run.returncode == 0, bounded.run.stderr[-3000:]
    run = _run(bounded)
    assert run.status == "closespider_pagecount"  # the budget was spent, not the site
    ordinary = _ordinary(bounded.truth)
    assert len(ordinary) >= 20
    missed = [url for url in ordinary if bounded.hits.get(url, 0) == 0]
    assert not missed, f"never requested within --max-pages {MAX_PAGES}: {missed}"
    news = [u for u in ordinary if "/news/" in u]
    with Session(bounded.engine) as s:
        stored = set(s.scalars(select(Page.url).where(Page.fetch_status == "ok")))
    assert len(news) == hostile.NEWS and set(news) <= stored


def test_every_trap_is_cut_off_within_its_shape_budget(unbounded: HostileCrawl) -> None:
    assert unbounded.run.returncode == 0, unbounded.run.stderr[-3000:]
    assert _run(unbounded).status == "finished"
    limit = PROVENANCE_MAX_PAGES_PER_SHAPE + IN_FLIGHT
    for spec in unbounded.truth.values():
        if spec["expect"] != "trap":
            continue
        fetched = sum(n for u, n in unbounded.hits.items() if u.startswith(spec["prefix"]))
        assert 1 <= fetched <= limit, f"{spec['prefix']}: {fetched} requests"
    with Session(unbounded.engine) as s:
        trapped = list(s.scalars(select(Page.url).where(Page.error == "trap")))
    shapes = [shape_of(u) for u in trapped]
    assert len(shapes) == len(set(shapes)), "a trap is recorded once"
    endless = ("/session/", "/search/", "/list/", "/calendar/", "/deep/")
    for part in endless:
        assert any(part in u for u in trapped), f"no trap recorded under {part}"
    stats = _run(unbounded).stats
    assert stats["trail/skipped/trap"] >= len(endless)
    assert "trap" in unbounded.stats_output


@pytest.mark.parametrize("crawl", ["bounded", "unbounded"])
def test_no_private_address_is_requested_and_each_is_recorded(
    crawl: str, request: pytest.FixtureRequest
) -> None:
    done: HostileCrawl = request.getfixturevalue(crawl)
    hosts = {url.split("/")[2] for url in done.hits}
    assert hosts == {hostile.HOST}, f"requests reached {sorted(hosts - {hostile.HOST})}"
    with Session(done.engine) as s:
        rows = s.execute(
            select(Page.url, Page.error_detail).where(Page.error == "private_address")
        ).all()
    refused = {url: detail for url, detail in rows}
    private = [u for u, spec in done.truth.items() if spec["expect"] == "private_address"]
    links = [u for u in private if not u.startswith(hostile.H)]
    redirects = [u for u in private if u.startswith(hostile.H)]
    assert len(links) >= 20 and len(redirects) >= 3
    refused_hosts = {_host(u) for u in refused}
    assert not [u for u in links if _host(u) not in refused_hosts]
    for url in redirects:  # recorded under the URL that redirected
        assert done.truth[url]["target"] in (refused.get(normalize_url(url)) or "")
    stats = _run(done).stats
    assert stats["trail/failed/private_address"] == len(refused)
    assert stats["trail/refused/private_address"] >= len(refused)
    assert "private_address" in done.stats_output


def test_a_redirect_loop_costs_two_requests(bounded: HostileCrawl) -> None:
    a, b = hostile.H + "/loop-a", hostile.H + "/loop-b"
    assert bounded.hits[a] == 1 and bounded.hits[b] == 1
    with Session(bounded.engine) as s:
        page = s.scalars(select(Page).where(Page.url == a)).one()
        pages = s.scalar(select(func.count()).select_from(Page).where(Page.url == b))
    assert page.error == "redirect_loop" and "loop-b -> " in (page.error_detail or "")
    assert pages == 0  # the hop is part of A's record, not a page of its own
    assert _run(bounded).stats["trail/failed/redirect_loop"] == 1
    assert "redirect_loop" in bounded.stats_output


# A spider that fetches one URL directly (no proxy) with the product's resolver and
# address middleware, and prints how the request ended. Seeds need a dotted host name,
# and the only names that resolve to private addresses here are local ones.
_DIRECT = """
import json, sys
from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from crawler.addresses import resolved_private
from crawler.failures import reason_for

class One(Spider):
    name = "one"
    async def start(self):
        yield Request(sys.argv[1], callback=self.done, errback=self.failed)
    def done(self, response):
        print(json.dumps({"status": response.status}))
    def failed(self, failure):
        reason = reason_for(failure.value, failure.request.meta, failure.request.url)[0]
        private = resolved_private(failure.request.url)
        print(json.dumps({"reason": reason, "resolved": private}))

process = CrawlerProcess({
    "TWISTED_DNS_RESOLVER": "crawler.addresses.PrivateAddressResolver",
    "DOWNLOADER_MIDDLEWARES": {"crawler.addresses.PrivateAddressMiddleware": 50},
    "PROVENANCE_ALLOW_PRIVATE_ADDRESSES": sys.argv[2] == "allow",
    "RETRY_ENABLED": False, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
})
process.crawl(One)
process.start()
"""


def _own_name_resolving_to_a_private_address() -> str | None:
    """This machine's name, when only its address gives it away (it usually does)."""
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        return None
    if private_reason(f"http://{name}/") or not private_reason(f"http://{address}/"):
        return None  # refused by name already, or public: nothing for the resolver to do
    return name


@pytest.mark.parametrize("allow", [False, True])
def test_without_a_proxy_a_name_resolving_to_a_private_address_is_refused(allow: bool) -> None:
    name = _own_name_resolving_to_a_private_address()
    if name is None:
        pytest.skip("this machine's name does not resolve to a private address")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT)
    with simulated_web() as (_, server):  # it answers (and counts) direct requests too
        run = subprocess.run(
            [sys.executable, "-c", _DIRECT, f"http://{name}:{server.port}/page",
             "allow" if allow else "refuse"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        hits = sum(server.hits.values())
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    if allow:  # the control: with the setting, the same request reaches the server
        assert hits == 1 and outcome == {"reason": "http_502", "resolved": None}
    else:
        assert hits == 0 and outcome["reason"] == "dns_error" and outcome["resolved"]
