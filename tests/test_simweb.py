"""The simulated syndication web: determinism, ground truth, proxy server, epochs."""

from __future__ import annotations

import hashlib
import html
import json
import re
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.robotparser import RobotFileParser

import pytest

from tests.simweb import SimWeb, generate, serve
from tests.simweb.text import STOCK_DE, STOCK_EN, STOCK_RU, words_of


@pytest.fixture(scope="module")
def web() -> SimWeb:
    return generate()


@pytest.fixture(scope="module")
def truth(web: SimWeb) -> dict[str, Any]:
    return web.truth


def _digest(w: SimWeb) -> dict[str, str]:
    return {u: hashlib.sha256(w.responses[u].body).hexdigest() for u in w.routes}


def test_same_arguments_same_bytes(web: SimWeb) -> None:
    again = generate()
    assert again.seeds == web.seeds
    assert _digest(again) == _digest(web)
    for url, r in web.hostile.static.items():
        assert again.hostile.static[url] == r
    other = generate(seed=8)
    assert other.responses[other.arts[0].url].body != web.responses[web.arts[0].url].body


def test_truth_is_json_and_complete(truth: dict[str, Any]) -> None:
    json.dumps(truth)
    for key in (
        "seeds",
        "invalid_seeds",
        "outlets",
        "articles",
        "copies",
        "stories",
        "outlet_edges",
        "hostile",
        "boilerplate",
        "independent_groups",
        "reachable",
    ):
        assert truth[key], key
    assert len(truth["outlets"]) >= 15
    assert set(truth["invalid_seeds"]) < set(truth["seeds"])
    forms = Counter(c["form"] for c in truth["copies"])
    assert set(forms) == set("abcdefgh")
    licence = [d for d, b in truth["boilerplate"].items() if any("backlink" in s for s in b)]
    assert licence
    shared = Counter(s for b in truth["boilerplate"].values() for s in b)
    assert max(shared.values()) >= 2  # the syndication-network line
    hosts = [h for o in truth["outlets"].values() for h in o["hosts"]]
    assert any(h.startswith("www.") for h in hosts) and any(h.startswith("news.") for h in hosts)


def test_copies_sources_roots_and_edges(truth: dict[str, Any]) -> None:
    arts = truth["articles"]
    edges: Counter[tuple[str, str]] = Counter()
    for c in truth["copies"]:
        copy, src = arts[c["copy"]], arts[c["source"]]
        assert copy["source"] == c["source"] and copy["form"] == c["form"]
        root = arts[copy["root"]]
        assert root["source"] is None and root["form"] in ("original", "independent")
        assert copy["story"] == src["story"] == root["story"]
        if copy["published"] and src["published"] and copy["date_precision"] == "datetime":
            assert datetime.fromisoformat(copy["published"]) > datetime.fromisoformat(
                src["published"]
            )
        edges[(copy["outlet"], src["outlet"])] += 1
        if c["form"] == "c":
            assert c["kind"] == "partial" and sum(len(p.split()) for p in copy["paragraphs"]) >= 50
        if c["form"] == "h":
            assert copy["published"] is None
    assert {(e["copier"], e["source"]): e["weight"] for e in truth["outlet_edges"]} == edges
    for e in truth["outlet_edges"]:
        assert e["credited"] + e["uncredited"] == e["weight"]
    chains = [c for c in truth["copies"] if c["form"] == "f" and c["credited"]]
    assert chains and all(arts[c["source"]]["form"] == "f" for c in chains)
    for sid, st in truth["stories"].items():
        assert st["root"] in st["members"] and arts[st["root"]]["story"] == sid


def test_articles_are_news_sized(web: SimWeb, truth: dict[str, Any]) -> None:
    for url, a in truth["articles"].items():
        size = len(web.responses[url].body)
        assert 40_000 <= size <= 120_000, url
        real = a["event"].startswith("ecb:")  # real reports (ECB+) are as long as they are
        if a["kind"] != "partial" and a["form"] != "g":
            low, high = (80, 3000) if real else (400, 1400)
            assert low <= sum(len(p.split()) for p in a["paragraphs"]) <= high, url
    langs = Counter(a["language"] for a in truth["articles"].values())
    assert langs["de"] and langs["ru"]
    assert any(a["published"] is None for a in truth["articles"].values())
    assert any(a["author"] is None for a in truth["articles"].values())
    assert Counter(a["date_precision"] for a in truth["articles"].values())["date"]


def _stock_grams() -> set[tuple[str, ...]]:
    """Eight-grams of the stock sentences and agency datelines every outlet writes."""
    out: set[tuple[str, ...]] = set()
    for line in [*STOCK_EN, *STOCK_DE, *STOCK_RU]:
        ws = words_of(line)
        out |= {tuple(ws[i : i + 8]) for i in range(len(ws) - 7)}
    return out


def test_stories_share_eight_words_only_as_reports_of_one_event_do(
    truth: dict[str, Any],
) -> None:
    """Stories of different events share eight words only in stock phrases (and the few
    that the small German and Russian grammars repeat); reports of one event share
    quotes and background facts, as real reporting does."""
    stock = _stock_grams()
    owner: dict[tuple[str, ...], str] = {}
    shared_by_event: Counter[str] = Counter()
    across: Counter[tuple[str, str]] = Counter()
    for url, a in truth["articles"].items():
        if a["source"]:
            continue
        ws = words_of(" ".join(a["paragraphs"]))
        for i in range(len(ws) - 7):
            g = tuple(ws[i : i + 8])
            other = owner.setdefault(g, url)
            if other == url or g in stock:
                continue
            ev, other_ev = a["event"], truth["articles"][other]["event"]
            if ev == other_ev:
                shared_by_event[ev] += 1
            else:
                across[(url, other)] += 1
    assert max(across.values(), default=0) < 8, across.most_common(3)
    generated = [e for e in shared_by_event if not e.startswith("ecb:")]
    assert generated, "generated reports of one event share no quote"


def test_independent_groups_are_not_copies(truth: dict[str, Any]) -> None:
    arts = truth["articles"]
    for g in truth["independent_groups"]:
        assert len(g) >= 2 and len({arts[u]["outlet"] for u in g}) == len(g)
        assert all(arts[u]["form"] == "independent" and arts[u]["source"] is None for u in g)


def test_disallowed_and_orphans(web: SimWeb, truth: dict[str, Any]) -> None:
    arts = truth["articles"]
    dis = [u for u, a in arts.items() if a["disallowed"]]
    assert dis
    for u in dis:
        o = truth["outlets"][arts[u]["outlet"]]
        rp = RobotFileParser()
        rp.parse(web.responses[o["home"] + "robots.txt"].body.decode().splitlines())
        assert not rp.can_fetch("*", u) and not arts[u]["reachable"]
        assert u not in truth["reachable"]
    assert any(not a["reachable"] and not a["disallowed"] for a in arts.values())  # orphans
    reach = set(truth["reachable"])
    assert {a for a, v in arts.items() if v["reachable"]} <= reach
    assert all(o["home"] in reach for o in truth["outlets"].values())


LISTING_KINDS = {"home", "section", "tag", "author", "search", "sitemap"}


def test_listings_and_alternate_versions_in_truth(web: SimWeb, truth: dict[str, Any]) -> None:
    """Every listing kind, print and AMP versions: reachable, known, never an article."""
    non = truth["non_articles"]
    assert not set(non) & set(truth["articles"])
    assert {v["listing"] for v in non.values() if v["kind"] == "listing"} == LISTING_KINDS
    reach = set(truth["reachable"])
    for kind in ("print", "amp"):
        alts = {u: v for u, v in non.items() if v["kind"] == kind}
        assert len(alts) >= 20 and sum(u in reach for u in alts) >= 0.8 * len(alts), kind
        for url, v in alts.items():
            body = web.responses[url].body.decode()
            assert f'<link rel="canonical" href="{v["article"]}">' in body
            art = truth["articles"][v["article"]]
            assert art["outlet"] == v["outlet"]
            paras = art["paragraphs"][:2]  # the same article (quotes come HTML-escaped)
            assert all(html.escape(p, quote=True) in body for p in paras), url
    assert all(u in reach for u, v in non.items() if v["kind"] == "listing")
    size = len(web.routes)
    assert len(non) < 0.5 * size, "listings must not swamp the crawl"


def test_articles_link_their_listings_and_versions(web: SimWeb, truth: dict[str, Any]) -> None:
    """Article pages link to their section, tag and author pages and to print/AMP versions."""
    non = truth["non_articles"]
    linked: Counter[str] = Counter()
    for url in truth["articles"]:
        body = web.responses[url].body.decode()
        for href in re.findall(r'<a [^>]*?href="([^"]+)"', body) + re.findall(
            r'<link rel="amphtml" href="([^"]+)"', body
        ):
            target = href.replace("&amp;", "&")
            if not target.startswith("http"):
                target = "http://" + url.split("/")[2] + target
            info = non.get(target)
            if info:
                linked[info.get("listing") or info["kind"]] += 1
    assert set(linked) == LISTING_KINDS - {"search"} | {"print", "amp"}, linked
    searches = [u for u, v in non.items() if v.get("listing") == "search"]
    homes = [o["home"] for o in truth["outlets"].values()]
    linked_from_home = "".join(web.responses[h].body.decode() for h in homes)
    assert all(f'href="{u}"' in linked_from_home for u in searches)  # "Popular searches"


def test_listing_teasers_and_markup(web: SimWeb, truth: dict[str, Any]) -> None:
    """Teasers of 25-60 words from the article's start; markup differs between templates."""
    from tests.simweb.render import teaser

    for a in web.arts:
        n = len(teaser(a).split())
        assert 25 <= n <= 61, a.url
        assert teaser(a).split()[:5] == " ".join(a.paragraphs).split()[:5]
    non = truth["non_articles"]
    classes: dict[int, set[str]] = {}
    wrapped = 0
    for url, v in non.items():
        if v["kind"] != "listing" or v["listing"] != "tag":
            continue
        body = web.responses[url].body.decode()
        variant = web.by_domain[v["outlet"]].variant
        main = body[body.index("</header>") :]
        found = set(re.findall(r'class="([^"]+)"', main))
        classes[variant] = classes.get(variant, found) & found
        wrapped += "<article" in main
    assert len(classes) == 4
    common = set.intersection(*classes.values())
    assert not common, f"one class name marks every template's listings: {common}"
    assert wrapped >= 5  # WordPress-like themes wrap each teaser in <article>


def test_comments_quote_the_article(web: SimWeb, truth: dict[str, Any]) -> None:
    """Some reader comments quote a sentence of the article, in quotation marks."""
    quoting = 0
    for url in list(truth["articles"])[:120]:
        body = web.responses[url].body.decode()
        if 'id="comments"' not in body:
            continue
        comments = html.unescape(body[body.index('id="comments"') :])
        quoted = re.findall(r"\u201c(.+?)\u201d \u2014", comments)
        paragraphs = " ".join(truth["articles"][url]["paragraphs"])
        assert all(" ".join(q.split()[:6]) in paragraphs for q in quoted), url
        quoting += bool(quoted)
    assert quoting >= 20


def test_hostile_truth(web: SimWeb, truth: dict[str, Any]) -> None:
    codes = {v["expect"] for v in truth["hostile"].values()}
    assert codes >= {
        "ok",
        "too_large",
        "not_html",
        "redirect_loop",
        "too_many_redirects",
        "trap",
        "timeout",
        "http_500",
        "http_404",
        "robots",
    }
    home = web.responses["http://hostile.test/"].body.decode()
    for url, v in truth["hostile"].items():
        assert url in home
        if v["expect"] == "ok" and "cp1251" in url:
            assert v["must_contain"].encode("cp1251") in web.responses[url].body
    cal = web.response("http://hostile.test/calendar/2025/01")
    assert cal is not None and b"/calendar/2025/02" in cal.body
    page = web.response("http://hostile.test/archive?sid=a1b2c3d4e5f60718")
    assert page is not None
    nxt = re.search(rb"sid=([0-9a-f]{16})", page.body)
    assert nxt and nxt.group(1) != b"a1b2c3d4e5f60718"


def _opener(port: int) -> urllib.request.OpenerDirector:
    proxy = urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"})
    return urllib.request.build_opener(proxy)


def _status(opener: urllib.request.OpenerDirector, req: str | urllib.request.Request) -> int:
    try:
        with opener.open(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_server_is_a_forward_proxy(web: SimWeb) -> None:
    art = web.arts[0]
    with serve(web) as srv:
        op = _opener(srv.port)
        with op.open(art.url, timeout=5) as r:
            body, etag = r.read(), r.headers["ETag"]
            assert body == web.responses[art.url].body and r.headers["Last-Modified"]
        assert srv.hits[art.url] == 1
        req = urllib.request.Request(art.url, headers={"If-None-Match": etag})
        assert _status(op, req) == 304
        lm = web.responses[art.url].headers[2][1]
        req = urllib.request.Request(art.url, headers={"If-Modified-Since": lm})
        assert _status(op, req) == 304
        # bare host redirects to www, followed by urllib
        o = next(o for o in web.outlets if o.bare_redirect)
        with op.open(f"http://{o.domain}/", timeout=5) as r:
            assert r.url == o.home
        assert _status(op, "http://nowhere.test/") == 502
        assert _status(op, "http://hostile.test/error") == 500
        assert _status(op, "http://hostile.test/gone") == 404
        # redirect loop: urllib gives up with the last redirect status
        assert _status(op, "http://hostile.test/loop-a") in (301, 302)
        assert srv.hits["http://hostile.test/loop-b"] >= 1
        assert [_status(op, "http://hostile.test/flaky") for _ in range(3)] == [503, 503, 200]


def test_server_origin_form_and_live_epoch_switch(web: SimWeb) -> None:
    import http.client

    with serve(web) as srv:
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        o = web.outlets[2]
        c.request("GET", "/robots.txt", headers={"Host": o.host})
        r = c.getresponse()
        assert r.status == 200 and b"Sitemap:" in r.read()
        c.request("GET", o.feed)  # keep-alive: same connection, absolute form
        r = c.getresponse()
        assert r.status == 200 and b"<rss" in r.read()
        c.request("CONNECT", "www.dailyherald.test:443")
        assert c.getresponse().status == 502
        c.close()
        srv.set_web(generate(epoch=1))
        with _opener(srv.port).open(o.feed, timeout=5) as r:
            assert r.read() == srv.web.responses[o.feed].body


def test_stop_ends_stalled_requests(web: SimWeb) -> None:
    import threading
    import time

    srv = serve(web)
    result: list[object] = []

    def fetch() -> None:
        try:
            _opener(srv.port).open("http://hostile.test/stall", timeout=30)
        except Exception as e:  # noqa: BLE001
            result.append(e)

    t = threading.Thread(target=fetch)
    t.start()
    time.sleep(0.3)
    start = time.monotonic()
    srv.stop()
    t.join(5)
    assert not t.is_alive() and result and time.monotonic() - start < 5


def test_scale_12_has_enough_pages() -> None:
    assert len(generate(scale=12).fetchable()) >= 5000


def test_epoch_1_adds_and_edits(web: SimWeb) -> None:
    nxt = generate(epoch=1)
    old = {a.url: a for a in web.arts}
    new = {a.url: a for a in nxt.arts}
    assert set(old) < set(new)
    added = len(new) - len(old)
    assert 0.03 * len(old) <= added <= 0.08 * len(old)
    changed = 0
    for url in old:
        a, b = web.responses[url].body, nxt.responses[url].body
        if a != b:
            changed += 1
            assert new[url].modified == 1
        else:
            assert web.responses[url].headers == nxt.responses[url].headers
    assert 0.01 * len(old) <= changed <= 0.03 * len(old)
    assert any(a.source for a in nxt.arts if a.epoch == 1)
    assert nxt.responses[web.outlets[0].feed].body != web.responses[web.outlets[0].feed].body
