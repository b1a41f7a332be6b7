"""Ground truth: what a perfect crawler and provenance analysis would report."""

from __future__ import annotations

import re
from collections import deque
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from . import hostile
from .model import Art

if TYPE_CHECKING:
    from .web import SimWeb

HREF = re.compile(rb"<a\s[^>]*?href=\"([^\"]+)\"")
XML_LINK = re.compile(rb"<(?:link|loc)>([^<]+)</(?:link|loc)>")
SITEMAP_LINE = re.compile(rb"(?im)^sitemap:\s*(\S+)")


def _iso(a: Art) -> str | None:
    if a.published is None:
        return None
    if a.precision == "date":
        return a.published.replace(hour=0, minute=0, second=0, microsecond=0).isoformat()
    return a.published.isoformat()


def disallowed(web: SimWeb, url: str) -> bool:
    """Whether the outlet's robots.txt forbids ``url``."""
    u = urlsplit(url)
    host = u.hostname or ""
    if host == hostile.HOST:
        return u.path.startswith("/private/")
    o = next((o for o in web.outlets + web.islands if o.host == host), None)
    return bool(o and o.disallow and u.path.startswith(o.disallow))


def reachable(web: SimWeb) -> set[str]:
    """Plain BFS over links, feeds, sitemaps and robots Sitemap lines from the seeds."""
    seen: set[str] = set()
    hosts: set[str] = set()
    queue: deque[str] = deque(s for s in web.seeds if s.startswith("http://") and len(s) > 8)

    def push(url: str) -> None:
        url = url.split("#", 1)[0]
        if url.startswith("http://") and url not in seen and not disallowed(web, url):
            queue.append(url)

    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        if url in web.hostile.truth:
            continue  # hostile cases, links to private addresses among them, lead nowhere
        host = urlsplit(url).hostname or ""
        if host not in hosts:
            hosts.add(host)
            push(f"http://{host}/")
            push(f"http://{host}/robots.txt")
        if url in web.hostile.truth or url.startswith(hostile.H) and url != hostile.HOME:
            continue
        r = web.response(url)
        if r is None:
            continue
        if r.status in (301, 302):
            push(dict(r.headers)["Location"])
            continue
        if r.status != 200:
            continue
        ctype = dict(r.headers).get("Content-Type", "")
        if "html" in ctype:
            for m in HREF.finditer(r.body):
                push(urljoin(url, m.group(1).decode().replace("&amp;", "&")))
        elif "xml" in ctype:
            for m in XML_LINK.finditer(r.body):
                push(m.group(1).decode().replace("&amp;", "&"))
        elif url.endswith("/robots.txt"):
            for m in SITEMAP_LINE.finditer(r.body):
                push(m.group(1).decode())
    return {u for u in seen if web.response(u) is not None} - set(web.hostile.truth)


def build_truth(web: SimWeb) -> dict[str, Any]:
    """The JSON-serialisable ground truth of ``web``."""
    reach = reachable(web)
    articles: dict[str, Any] = {}
    copies = []
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    stories: dict[str, dict[str, Any]] = {}
    for a in web.arts:
        src = a.source
        articles[a.url] = {
            "outlet": a.outlet.domain,
            "story": a.story,
            "event": a.event.key,
            "title": a.title,
            "author": a.author,
            "published": _iso(a),
            "date_precision": a.precision,
            "language": a.lang,
            "form": a.form,
            "source": src.url if src else None,
            "root": a.root_url,
            "credited": a.credited,
            "kind": a.kind,
            "reachable": a.url in reach,
            "disallowed": a.disallowed,
            "paragraphs": a.paragraphs,
            "epoch": a.epoch,
            "modified_epoch": a.modified,
            "credit_via": "meta" if a.meta_src else "visible" if a.credit else None,
        }
        st = stories.setdefault(a.story, {"root": a.root_url, "members": []})
        st["members"].append(a.url)
        if src is not None:
            copies.append(
                {
                    "copy": a.url,
                    "source": src.url,
                    "form": a.form,
                    "kind": a.kind,
                    "credited": a.credited,
                }
            )
            key = (a.outlet.domain, src.outlet.domain)
            ed = edges.setdefault(
                key,
                {"copier": key[0], "source": key[1], "weight": 0, "credited": 0, "uncredited": 0},
            )
            ed["weight"] += 1
            ed["credited" if a.credited else "uncredited"] += 1
    outlets, islands = (
        {
            o.domain: {
                "hosts": o.hosts,
                "name": o.name,
                "home": o.home,
                "feed": o.feed,
                "sitemap": o.sitemap,
                "robots_disallow": [o.disallow] if o.disallow else [],
                "language": o.lang,
            }
            for o in group
        }
        for group in (web.outlets, web.islands)
    )
    return {
        "non_articles": non_articles(web),
        "seed": web.seed,
        "scale": web.scale,
        "epoch": web.epoch,
        "now": web.now.isoformat(),
        "seeds": web.seeds,
        "invalid_seeds": [s for s in web.seeds if not _valid(s)],
        "outlets": outlets,
        "articles": articles,
        "copies": copies,
        "stories": stories,
        "outlet_edges": sorted(edges.values(), key=lambda d: (d["copier"], d["source"])),
        "hostile": web.hostile.truth,
        "boilerplate": {o.domain: o.boilerplate for o in web.outlets + web.islands},
        "independent_groups": [[a.url for a in g] for g in web.indep_groups],
        "reachable": sorted(reach),
        "islands": islands,  # outlets no link reaches: their copies are found by search
    }


def non_articles(web: SimWeb) -> dict[str, dict[str, Any]]:
    """Every HTML page of the regular sites that a naive extractor may take for an article.

    Listings: ``{"kind": "listing", "listing": home|section|tag|author|search|sitemap,
    "outlet": d, "teasers": n}`` (``n`` articles listed, 0 for an empty section). The
    other versions of an article, each with ``rel=canonical`` to it: ``{"kind": "print" or
    "amp", "article": URL, "outlet": d}``.
    """
    out: dict[str, dict[str, Any]] = {}
    islands = {o.domain for o in web.islands}  # no link reaches them: see the discovery table
    for url, (kind, arg) in web.routes.items():
        if kind in ("home", "listing") and arg[0].domain in islands:
            continue
        if kind in ("print", "amp") and arg.outlet.domain in islands:
            continue
        if kind == "home":
            o, _page, chunk, _pages = arg
            out[url] = {"kind": "listing", "listing": "home", "outlet": o.domain}
            out[url]["teasers"] = len(chunk)
        elif kind == "listing":
            o, listing, _name, _page, chunk, _pages, _base = arg
            out[url] = {"kind": "listing", "listing": listing, "outlet": o.domain}
            out[url]["teasers"] = len(chunk)
        elif kind in ("print", "amp"):
            out[url] = {"kind": kind, "article": arg.url, "outlet": arg.outlet.domain}
    return out


def non_article_urls(truth: dict[str, Any]) -> set[str]:
    """URLs that must never be stored as articles (listings, print and AMP versions)."""
    return set(truth["non_articles"])


def _valid(line: str) -> bool:
    u = urlsplit(line)
    return u.scheme == "http" and bool(u.hostname) and " " not in line
