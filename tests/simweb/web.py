"""The simulated web: every URL's response, seeds and ground truth, rendered lazily."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from . import hostile, render, search
from . import real as real_data
from .islands import make_islands
from .model import Art, Outlet, Response
from .outlets import make_outlets
from .stories import Planner

T0 = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)  # "now" of epoch 0
ARCHIVE_DAYS = 120
PER_PAGE = 12
SITEMAP_CHUNK = 100
HTML = "text/html; charset=utf-8"


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
        self.search = search.SearchEngine(self)
        self.redirect_hosts = {o.domain: o.host for o in self.outlets if o.bare_redirect}
        self.routes: dict[str, tuple[str, Any]] = {}
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


INVALID_SEEDS = ["htp:/broken-url", "not a url at all", "ftp://files.dailyherald.test/x", "http://"]


def generate(seed: int = 7, scale: int = 1, epoch: int = 0, real: str | None = "test") -> SimWeb:
    """The deterministic simulated web: same arguments, same bytes. ``real`` picks the part
    of the real same-event news (``tests.simweb.real``) it carries, None for none."""
    return SimWeb(seed, scale, epoch, real)
