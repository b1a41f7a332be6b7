"""hostile.test: pages that break naive crawlers, each with the reason code it should get."""

from __future__ import annotations

import hashlib
import random
import re
import threading
import zlib
from html import escape
from typing import TYPE_CHECKING, Any

from .model import Response
from .text import Writer, make_event

if TYPE_CHECKING:
    from .web import SimWeb

HOST = "hostile.test"
HOME = f"http://{HOST}/"
H = f"http://{HOST}"
HTML = "text/html; charset=utf-8"
BIG_SIZE = 20 * 1024 * 1024
BOMB_SIZE = 210 * 1024 * 1024
CHAIN = 30

NEWS = 10
SESSION_PAGES = 1000
# The entry point of every trap shape (the truth's ``prefix`` is what it may expand to).
TRAPS = {
    "/session/page-1.html?sid=0f1e2d3c4b5a6978": "/session/",  # session ids, random pages
    "/list/page/1": "/list/",  # endless pagination
    "/search/news?page=1": "/search/",  # random page numbers out of a million
    "/deep/": "/deep/",  # a path segment repeated without end
}
# Every kind of private address, in the forms a hostile page can write it.
PRIVATE_LINKS = (
    "http://127.0.0.1/admin",  # loopback
    "http://127.0.0.1:6379/",  # loopback, a local service's port
    "http://localhost/",
    "http://printer.localhost/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://nas.local/",
    "http://10.0.0.1/",  # private
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
    "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
    "http://224.0.0.1/",  # multicast
    "http://240.0.0.1/",  # reserved
    "http://0.0.0.0/",  # unspecified
    "http://2130706433/",  # 127.0.0.1 in decimal
    "http://0x7f.1/",  # in hex, two parts
    "http://0177.0.0.1/",  # in octal
    "http://127.1/",  # two parts
    "http://[::1]/",  # IPv6 loopback
    "http://[fe80::1]/",  # IPv6 link-local
    "http://[fd00::1]/",  # IPv6 unique local
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[ff02::1]/",  # IPv6 multicast
)
PRIVATE_REDIRECTS = {
    "/go/metadata": "http://169.254.169.254/latest/meta-data/iam/",
    "/go/local": "http://127.0.0.1:8080/",
    "/go/decimal": "http://3232235777/",  # 192.168.1.1
}

_lock = threading.Lock()
_blobs: dict[str, bytes] = {}


def _blob(name: str) -> bytes:
    """The 20 MB page and the gzip bomb, built once per process on first use."""
    with _lock:
        if name not in _blobs:
            if name == "bomb":
                z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
                zero = bytes(1024 * 1024)
                parts = [z.compress(b"<html><body>")]
                parts += [z.compress(zero) for _ in range(BOMB_SIZE // len(zero))]
                parts.append(z.flush())
                _blobs[name] = b"".join(parts)
            else:
                para = b"<p>" + b"All work and no play makes a very large page. " * 40 + b"</p>\n"
                body = b"<html><head><title>Huge</title></head><body>"
                body += para * (BIG_SIZE // len(para) + 1)
                _blobs[name] = body + b"</body></html>"
        return _blobs[name]


def _html(title: str, body: str, lang: str = "en", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}">'
        f"<title>{escape(title)}</title></head><body>{body}</body></html>"
    )


def _plain(status: int, body: bytes, ctype: str = HTML, extra: tuple = ()) -> Response:
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    headers = (
        ("Content-Type", ctype),
        ("ETag", etag),
        ("Last-Modified", "Thu, 20 Mar 2025 06:00:00 GMT"),
    ) + extra
    return Response(status, headers, body)


class Hostile:
    """The hostile site's fixed pages, its endless traps and their ground truth."""

    def __init__(self, web: SimWeb) -> None:
        rng = random.Random(f"hostile:{web.seed}")
        self.static: dict[str, Response] = {}
        self.truth: dict[str, dict[str, Any]] = {}
        en = Writer(random.Random(rng.random()), make_event(rng, "hostile-en"))
        ru = Writer(random.Random(rng.random()), make_event(rng, "hostile-ru", "ru"))

        def add(path: str, resp: Response, expect: str, **kw: str) -> None:
            self.static[H + path] = resp
            self.truth[H + path] = {"expect": expect, **kw}

        paras = en.body(400, 600, quote=False)
        snippet = " ".join(paras[1].split()[:10])
        broken = (
            '<html><head><title>Broken but readable<body><div class="wrap"><div class="x">'
            f"<h1>{escape(en.title())}</div></div></div></span></td>"
            + "".join(
                f"<p>{escape(p)}" + ("<b><i>note</b></i>" if i % 3 == 0 else "</div>")
                for i, p in enumerate(paras)
            )
            + "<table><tr><td>footer</p></font>"
        )
        add("/malformed", _plain(200, broken.encode()), "ok", must_contain=snippet)

        ru_paras = ru.body(400, 600, quote=False)
        ru_snip = " ".join(ru_paras[0].split()[:6])
        ru_page = _html(
            ru.title(),
            "<article>" + "".join(f"<p>{escape(p)}</p>" for p in ru_paras) + "</article>",
            "ru",
            "windows-1251",
        )
        add("/cp1251", _plain(200, ru_page.encode("cp1251")), "ok", must_contain=ru_snip)

        lat = (
            "<h1>Le café du port</h1><article>"
            + "".join(f"<p>{escape(p)}</p>" for p in en.body(400, 500, quote=False))
            + "<p>Au café du port, the mayor said the façade will reopen in Zürich style.</p>"
            + "</article>"
        )
        add(
            "/latin1",
            _plain(200, _html("Le café", lat).encode("latin-1")),
            "ok",
            must_contain="café",
        )

        add("/huge", Response(200, (("Content-Type", HTML),), b"", "huge"), "too_large")
        add(
            "/bomb",
            Response(200, (("Content-Type", HTML), ("Content-Encoding", "gzip")), b"", "bomb"),
            "too_large",
        )
        png = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(30000))
        add("/image-as-html", _plain(200, png), "not_html")
        self.static[H + "/loop-b"] = _redir(H + "/loop-a")
        add("/loop-a", _redir(H + "/loop-b"), "redirect_loop")
        for i in range(CHAIN):
            self.static[H + f"/chain/{i + 1}"] = _redir(H + f"/chain/{i + 2}")
        self.static[H + f"/chain/{CHAIN + 1}"] = _plain(200, _html("End", "<p>end</p>").encode())
        add("/chain/0", _redir(H + "/chain/1"), "too_many_redirects")
        self.truth[H + "/calendar/2025/01"] = {"expect": "trap", "prefix": H + "/calendar/"}
        self.truth[H + "/archive?sid=a1b2c3d4e5f60718"] = {
            "expect": "trap",
            "prefix": H + "/archive",
        }
        add("/stall", Response(200, (("Content-Type", HTML),), b"", "stall"), "timeout")
        fl = en.body(400, 500, quote=False)
        flaky = _html(
            "Flaky", "<article>" + "".join(f"<p>{escape(p)}</p>" for p in fl) + "</article>"
        ).encode()
        add(
            "/flaky",
            Response(200, _plain(200, flaky).headers, flaky, "flaky"),
            "ok",
            must_contain=" ".join(fl[0].split()[:10]),
        )
        add("/error", _plain(500, b"<html><body>Internal Server Error</body></html>"), "http_500")
        self.truth[H + "/gone"] = {"expect": "http_404"}
        secret = _html("Secret", "<p>" + escape(en.paragraph()) + "</p>").encode()
        add("/private/secret", _plain(200, secret), "robots")
        self.static[H + "/robots.txt"] = _plain(
            200, b"User-agent: *\nDisallow: /private/\n", "text/plain"
        )
        self._add_news(web.seed, add)
        self._add_traps()
        self._add_private(add)
        links = "".join(f'<li><a href="{u}">{u}</a></li>' for u in self.truth)
        self.static[HOME] = _plain(200, _html("Hostile", f"<ul>{links}</ul>").encode())

    def _add_news(self, seed: int, add: Any) -> None:
        """Ordinary articles, which a trap on the same site must not starve."""
        rng = random.Random(f"hostile-news:{seed}")
        for i in range(NEWS):
            w = Writer(random.Random(rng.random()), make_event(rng, f"hostile-news-{i}"))
            title = w.title()
            paras = w.body(300, 450, quote=False)
            slug = "-".join(re.findall(r"[a-z]+", title.lower())[:6]) or "story"
            body = (
                f"<article><h1>{escape(title)}</h1>"
                + "".join(f"<p>{escape(p)}</p>" for p in paras)
                + "</article>"
            )
            page = _plain(200, _html(title, body).encode())
            add(f"/news/{slug}.html", page, "ok", must_contain=" ".join(paras[0].split()[:10]))

    def _add_traps(self) -> None:
        """Entry points of the endless traps, one per shape (served by ``response``)."""
        for path, prefix in TRAPS.items():
            self.truth[H + path] = {"expect": "trap", "prefix": H + prefix}

    def _add_private(self, add: Any) -> None:
        """Links and redirects to private addresses: none may be requested."""
        for url in PRIVATE_LINKS:
            self.truth[url] = {"expect": "private_address"}
        for path, to in PRIVATE_REDIRECTS.items():
            add(path, _redir(to), "private_address", target=to)

    def response(self, url: str) -> Response | None:
        """Fixed pages, the endless traps, or a 404."""
        r = self.static.get(url)
        if r is not None:
            if r.behaviour in ("huge", "bomb"):
                return Response(r.status, r.headers, _blob(r.behaviour), r.behaviour)
            return r
        path = url[len(H) :]
        if path.startswith("/calendar/"):
            return _calendar(path)
        if path.startswith("/session/"):
            return _session(path)
        if path.startswith("/list/page/"):
            return _pagination(path)
        if path.startswith("/search/news"):
            return _search(path)
        if path.startswith("/deep/"):
            return _deep(path)
        if path.startswith("/archive"):
            sid = path.partition("sid=")[2] or "0"
            nxt = hashlib.sha1(sid.encode()).hexdigest()[:16]
            body = _html(
                "Archive",
                f'<p>Archive session {escape(sid)}</p><a href="/archive?sid={nxt}">Next page</a>',
            )
            return _plain(200, body.encode())
        return _plain(404, b"<html><body>Not found</body></html>")


def _links(title: str, hrefs: list[str]) -> Response:
    items = "".join(f'<li><a href="{escape(h)}">{escape(h)}</a></li>' for h in hrefs)
    return _plain(200, _html(title, f"<h1>{escape(title)}</h1><ul>{items}</ul>").encode())


def _draw(key: str, n: int, top: int) -> list[int]:
    """``n`` page numbers in 1..top, fixed by ``key`` (the same page links the same)."""
    rng = random.Random(key)
    return [rng.randrange(1, top + 1) for _ in range(n)]


def _session(path: str) -> Response:
    """Each page links to five fresh ``page-N.html?sid=...``: up to 1,000 pages once the
    session id is dropped, endless with it."""
    hrefs = [
        f"/session/page-{n}.html?sid={hashlib.sha1(f'{path}:{n}'.encode()).hexdigest()[:16]}"
        for n in _draw(path, 5, SESSION_PAGES)
    ]
    return _links("Session page", hrefs)


def _pagination(path: str) -> Response:
    """Endless pagination: page N links to N+1 (and to the first page)."""
    try:
        n = int(path.rstrip("/").rsplit("/", 1)[1])
    except (IndexError, ValueError):
        n = 1
    return _links(f"List page {n}", ["/list/page/1", f"/list/page/{n + 1}"])


def _search(path: str) -> Response:
    """Random page numbers: every results page links to five of a million."""
    return _links("Search results", [f"/search/news?page={n}" for n in _draw(path, 5, 10**6)])


def _deep(path: str) -> Response:
    """A relative link that adds a path segment on every page (a broken ``<base>``)."""
    return _links("Deeper", ["more/", "../"])


def _redir(to: str) -> Response:
    return Response(302, (("Location", to), ("Content-Type", HTML)), b"")


def _calendar(path: str) -> Response:
    parts = path.strip("/").split("/")
    try:
        y, m = int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        y, m = 2025, 1
    prev = (y, m - 1) if m > 1 else (y - 1, 12)
    nxt = (y, m + 1) if m < 12 else (y + 1, 1)
    days = "".join(f"<td>{d}</td>" for d in range(1, 29))
    body = _html(
        f"Events {y}-{m:02d}",
        f"<h1>Events in {y}-{m:02d}</h1><table><tr>{days}</tr></table>"
        f'<a href="/calendar/{prev[0]}/{prev[1]:02d}">Previous month</a> '
        f'<a href="/calendar/{nxt[0]}/{nxt[1]:02d}">Next month</a>',
    )
    return _plain(200, body.encode())
