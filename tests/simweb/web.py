"""The simulated web: every URL's response, seeds and ground truth, rendered lazily."""

from __future__ import annotations

import hashlib
import random
import zlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

from . import hostile, render, search
from . import real as real_data
from .islands import make_islands
from .model import Art, Outlet, Response
from .outlets import make_outlets
from .stories import Planner
from .text import slugify

T0 = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)  # "now" of epoch 0
ARCHIVE_DAYS = 120
PER_PAGE = 12
SITEMAP_CHUNK = 100
HTML = "text/html; charset=utf-8"
# Listing pages by template variant: no single path or class name gives them away.
LISTING_PATHS: dict[int, dict[str, str]] = {
    0: {"section": "/category/{slug}/", "tag": "/tag/{slug}/", "author": "/author/{slug}/",
        "search": "/?s={q}", "sitemap": "/sitemap.html"},
    1: {"section": "/{slug}/", "tag": "/tag/{slug}/", "author": "/author/{slug}/",
        "search": "/search?q={q}", "sitemap": "/archive/"},
    2: {"section": "/sections/{slug}/", "tag": "/topic/{slug}", "author": "/staff/{slug}",
        "search": "/search?query={q}", "sitemap": "/archive/"},
    3: {"section": "/section/{slug}", "tag": "/tags/{slug}", "author": "/people/{slug}",
        "search": "/search?q={q}", "sitemap": "/sitemap.html"},
}  # fmt: skip
# Which sections, tags and authors have a page: fixed per outlet and name, so that article
# pages (which link them) do not change when a later night adds articles.
SECTION_PAGES = 3  # the first sections of the menu
TAG_EVERY, AUTHOR_EVERY = 16, 5  # one tag name in 16, one author in 5 (by a stable hash)
# Print and AMP versions, by variant: (print style, amp style); None: the outlet has none.
ALT_STYLES = {0: ("query", "path"), 1: ("path", "query"), 2: ("query", None), 3: (None, "path")}
ALT_SHARE = 8  # one article in ALT_SHARE has its print / AMP version


def ok(body: bytes, ctype: str, modified: datetime) -> Response:
    """A 200 response with validators (ETag from the body, Last-Modified)."""
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    return Response(
        200,
        (
            ("Content-Type", ctype),
            ("ETag", etag),
            ("Last-Modified", format_datetime(modified.astimezone(UTC), usegmt=True)),
            ("Cache-Control", "max-age=300"),
        ),
        body,
    )


def redirect(location: str, status: int = 301) -> Response:
    return Response(status, (("Location", location), ("Content-Type", HTML)), b"")


def norm(url: str) -> tuple[str, str]:
    """(host, 'http://host/path?query') with the host lower-cased and port 80 dropped."""
    u = urlsplit(url)
    host = (u.hostname or "").lower()
    if u.port and u.port != 80:
        host = f"{host}:{u.port}"
    path = u.path or "/"
    return host, f"http://{host}{path}" + (f"?{u.query}" if u.query else "")


class _Responses(Mapping[str, Response]):
    """Read-only mapping view: absolute URL -> Response, rendered on first access."""

    def __init__(self, web: SimWeb) -> None:
        self.web = web

    def __getitem__(self, url: str) -> Response:
        r = self.web.response(url)
        if r is None:
            raise KeyError(url)
        return r

    def __iter__(self) -> Iterator[str]:
        return iter(self.web.urls)

    def __len__(self) -> int:
        return len(self.web.urls)


class SimWeb:
    """The web as it stands after ``epoch`` nights."""

    def __init__(
        self, seed: int = 7, scale: int = 1, epoch: int = 0, real: str | None = "test"
    ) -> None:
        self.seed, self.scale, self.epoch, self.real = seed, scale, epoch, real
        self.now = T0 + timedelta(days=epoch)
        self.outlets: list[Outlet] = make_outlets(seed, scale)
        self.by_domain = {o.domain: o for o in self.outlets}
        n = len(self.outlets)
        self.partners = {
            o.domain: [self.outlets[(i + d) % n] for d in (1, 2, 5, 9) if d % n]
            for i, o in enumerate(self.outlets)
        }
        planner = Planner(seed, self.outlets, T0)
        start = T0 - timedelta(days=ARCHIVE_DAYS)
        real_events = real_data.events(real) if real else {}
        planner.night(random.Random(f"night:{seed}:{scale}:0"), 0, scale, start, T0, real_events)
        # islands: uncredited copies on outlets no link reaches (found by search only)
        self.islands, island_arts = make_islands(seed, scale, list(planner.arts))
        for k in range(1, epoch + 1):
            rng = random.Random(f"night:{seed}:{scale}:{k}")
            planner.night(rng, k, scale, self.epoch_time(k - 1), self.epoch_time(k))
        self.arts: list[Art] = planner.arts
        self.by_url: dict[str, Art] = planner.by_url
        self.indep_groups: list[list[Art]] = planner.indep_groups
        self.arts += island_arts
        self.by_url.update((a.url, a) for a in island_arts)
        self.partners.update((o.domain, []) for o in self.islands)
        self.by_domain.update((o.domain, o) for o in self.islands)
        self.search = search.SearchEngine(self)
        self.redirect_hosts = {o.domain: o.host for o in self.outlets if o.bare_redirect}
        self.routes: dict[str, tuple[str, Any]] = {}
        # (outlet domain, "section" | "tag" | "author" | "search" | "sitemap", name) -> URL
        self.listing_urls: dict[tuple[str, str, str], str] = {}
        self.popular: dict[str, tuple[str, str]] = {}  # domain -> (search term, its URL)
        self.alt_urls: dict[str, dict[str, str]] = {}  # article URL -> {"print"/"amp": URL}
        self._build_routes()
        self.hostile = hostile.Hostile(self)
        self.hosts = {o.host for o in self.outlets + self.islands} | set(self.redirect_hosts)
        self.hosts.add(hostile.HOST)
        self._cache: dict[str, Response] = {}
        self.responses: Mapping[str, Response] = _Responses(self)

    def epoch_time(self, k: int) -> datetime:
        return T0 + timedelta(days=k)

    # -- routes -------------------------------------------------------------------------
    def _build_routes(self) -> None:
        by_outlet: dict[str, list[Art]] = {o.domain: [] for o in self.outlets + self.islands}
        for a in self.arts:
            by_outlet[a.outlet.domain].append(a)
            self.routes[a.url] = ("article", a)
        for o in self.outlets + self.islands:
            arts = sorted(by_outlet[o.domain], key=lambda a: (a.time, a.id), reverse=True)
            listed = [a for a in arts if a.listed or a.linked_only]
            pages = max(1, -(-len(listed) // PER_PAGE))
            for p in range(1, pages + 1):
                url = o.home if p == 1 else self.page_url(o, p)
                chunk = listed[(p - 1) * PER_PAGE : p * PER_PAGE]
                self.routes[url] = ("home", (o, p, chunk, pages))
            fed = [a for a in arts if a.listed]
            self.routes[o.feed] = ("feed", (o, fed[:15]))
            if o.sitemap_index:
                kids = []
                for i in range(0, max(1, len(fed)), SITEMAP_CHUNK):
                    kid = f"http://{o.host}/sitemap-posts-{i // SITEMAP_CHUNK + 1}.xml"
                    kids.append(kid)
                    self.routes[kid] = ("sitemap", (o, fed[i : i + SITEMAP_CHUNK]))
                self.routes[o.sitemap] = ("sitemap_index", (o, kids))
            else:
                self.routes[o.sitemap] = ("sitemap", (o, fed))
            self.routes[o.robots] = ("robots", o)
            self.routes[f"http://{o.host}/about"] = ("about", o)
            self._listing_routes(o, [a for a in arts if a.listed and not a.disallowed])
        for a in self.arts:
            self._alt_routes(a)

    def _listing_routes(self, o: Outlet, arts: list[Art]) -> None:
        """Section, tag, author, search and HTML-sitemap pages: teasers, not articles."""
        paths = LISTING_PATHS[o.variant]
        groups: dict[tuple[str, str], list[Art]] = {}
        for a in arts:
            groups.setdefault(("section", a.section), []).append(a)
            for t in a.tags:
                groups.setdefault(("tag", t), []).append(a)
            if a.author:
                groups.setdefault(("author", a.author), []).append(a)
        for s in o.sections[:SECTION_PAGES]:
            groups.setdefault(("section", s), [])
        for (kind, name), members in groups.items():
            if not has_page(o, kind, name):
                continue
            base = f"http://{o.host}" + paths[kind].format(slug=slug(name))
            if base in self.routes:
                continue
            pages = max(1, -(-len(members) // PER_PAGE))
            self.listing_urls[(o.domain, kind, name)] = base
            for p in range(1, pages + 1):
                url = base if p == 1 else listing_page_url(base, p)
                chunk = members[(p - 1) * PER_PAGE : p * PER_PAGE]
                self.routes[url] = ("listing", (o, kind, name, p, chunk, pages, base))
        if arts:  # "popular searches": a tag of the oldest article (the same every night)
            q = arts[-1].tags[0]
            url = f"http://{o.host}" + paths["search"].format(q=quote_plus(q.lower()))
            self.listing_urls[(o.domain, "search", q)] = url
            self.popular[o.domain] = (q, url)
            self.routes[url] = (
                "listing",
                (o, "search", q, 1, groups[("tag", q)][:PER_PAGE], 1, url),
            )
        url = f"http://{o.host}" + paths["sitemap"]
        self.listing_urls[(o.domain, "sitemap", "")] = url
        self.routes[url] = ("listing", (o, "sitemap", "", 1, arts, 1, url))

    def _alt_routes(self, a: Art) -> None:
        """Print and AMP versions of one article in ALT_SHARE (same article, other URL)."""
        if not a.listed or a.disallowed:
            return
        styles = ALT_STYLES[a.outlet.variant]
        for which, style in zip(("print", "amp"), styles, strict=True):
            if style is None or random.Random(f"{which}:{self.seed}:{a.id}").randrange(ALT_SHARE):
                continue
            url = alt_url(a.url, which, style)
            if url not in self.routes:
                self.alt_urls.setdefault(a.url, {})[which] = url
                self.routes[url] = (which, a)

    def page_url(self, o: Outlet, p: int) -> str:
        return f"http://{o.host}/page/{p}" if o.page_style == "path" else f"{o.home}?page={p}"

    @cached_property
    def urls(self) -> list[str]:
        """Every URL with a fixed response (not the endless trap pages nor bare-host paths)."""
        out = list(self.routes) + list(self.hostile.static)
        out += [f"http://{h}/" for h in self.redirect_hosts]
        return out

    # -- responses ----------------------------------------------------------------------
    def _render(self, kind: str, arg: Any) -> Response:
        if kind == "article":
            a: Art = arg
            mod = a.time if a.modified == a.epoch else self.epoch_time(a.modified)
            return ok(render.article_html(self, a), HTML, mod)
        if kind == "home":
            o, p, chunk, pages = arg
            mod = max((a.time for a in chunk), default=T0)
            return ok(render.home_html(self, o, p, chunk, pages), HTML, mod)
        if kind == "listing":
            o, lk, name, p, chunk, pages, base = arg
            mod = max((a.time for a in chunk), default=T0)
            body = render.listing_html(self, o, lk, name, p, chunk, pages, base)
            return ok(body, HTML, mod)
        if kind in ("print", "amp"):
            a = arg
            mod = a.time if a.modified == a.epoch else self.epoch_time(a.modified)
            return ok(render.alt_html(self, a, kind), HTML, mod)
        if kind == "feed":
            o, items = arg
            mod = max((a.time for a in items), default=T0)
            return ok(render.feed_xml(self, o, items), "application/rss+xml; charset=utf-8", mod)
        if kind == "sitemap":
            o, items = arg
            edited = {a.url: self.epoch_time(a.modified) for a in items if a.modified != a.epoch}
            mod = max([a.time for a in items] + list(edited.values()), default=T0)
            return ok(render.sitemap_xml(items, edited), "application/xml", mod)
        if kind == "sitemap_index":
            o, kids = arg
            return ok(render.sitemap_index_xml(kids), "application/xml", self.now)
        start = T0 - timedelta(days=ARCHIVE_DAYS)
        if kind == "robots":
            return ok(render.robots_txt(arg), "text/plain; charset=utf-8", start)
        if kind == "about":
            return ok(render.about_html(self, arg), HTML, start)
        raise ValueError(kind)

    def response(self, url: str) -> Response | None:
        """The response for an absolute URL, or None for a host that does not exist."""
        host, key = norm(url)
        if host in search.HOSTS:
            return self.search.response(key)
        if host in self.redirect_hosts:
            return redirect(key.replace(f"//{host}", f"//{self.redirect_hosts[host]}", 1))
        r = self._cache.get(key)
        if r is not None:
            return r
        route = self.routes.get(key)
        if route is not None:
            r = self._render(*route)
            self._cache[key] = r
            return r
        if host == hostile.HOST:
            return self.hostile.response(key)
        if host in self.hosts:
            return Response(404, (("Content-Type", HTML),), b"<html><body>Not found</body></html>")
        return None

    def prerender(self) -> int:
        """Render every fixed page now (so serving costs no CPU); returns total bytes."""
        return sum(len(self.response(u).body) for u in self.routes)  # type: ignore[union-attr]

    def fetchable(self) -> list[str]:
        """URLs of the regular sites that answer 200 (articles, listings, feeds, ...)."""
        return list(self.routes)

    # -- seeds and truth ----------------------------------------------------------------
    @cached_property
    def seeds(self) -> list[str]:
        """Seed file lines: a few outlets' home pages, the hostile site and bad lines."""
        picks = [self.outlets[0], self.outlets[1], self.outlets[7], self.outlets[15]]
        lines = [f"http://{o.domain}/" if o.bare_redirect else o.home for o in picks]
        lines.insert(2, hostile.HOME)
        return lines[:3] + INVALID_SEEDS[:2] + lines[3:] + INVALID_SEEDS[2:]

    @cached_property
    def truth(self) -> dict[str, Any]:
        from .truth import build_truth

        return build_truth(self)


def has_page(o: Outlet, kind: str, name: str) -> bool:
    """Whether the outlet has a listing page for this section, tag or author."""
    if kind == "section":
        return name in o.sections[:SECTION_PAGES]
    every = TAG_EVERY if kind == "tag" else AUTHOR_EVERY
    return zlib.crc32(f"{o.domain}:{kind}:{name}".encode()) % every == 0


def slug(name: str) -> str:
    """URL slug of a tag, section or person (a hash for names without ASCII letters)."""
    s = slugify(name)
    return s if s != "story" else "t-" + hashlib.sha1(name.encode()).hexdigest()[:8]


def listing_page_url(base: str, p: int) -> str:
    """Page ``p`` of a listing: ``base/page/p/`` for folder-like paths, else ``?page=p``."""
    return f"{base}page/{p}/" if base.endswith("/") else f"{base}?page={p}"


def alt_url(url: str, which: str, style: str) -> str:
    """The print or AMP version of an article URL, as query (``?print=1``) or path."""
    u = urlsplit(url)
    if style == "query" or (which == "amp" and u.query):
        query = "&".join(sorted([*filter(None, u.query.split("&")), f"{which}=1"]))
        return urlunsplit((u.scheme, u.netloc, u.path, query, ""))
    if which == "amp":  # WordPress AMP plugin: /slug/amp/
        return url + ("amp/" if url.endswith("/") else "/amp")
    return urlunsplit((u.scheme, u.netloc, "/print" + u.path, u.query, ""))


INVALID_SEEDS = ["htp:/broken-url", "not a url at all", "ftp://files.dailyherald.test/x", "http://"]


def generate(seed: int = 7, scale: int = 1, epoch: int = 0, real: str | None = "test") -> SimWeb:
    """The deterministic simulated web: same arguments, same bytes. ``real`` picks the part
    of the real same-event news (``tests.simweb.real``) it carries, None for none."""
    return SimWeb(seed, scale, epoch, real)
