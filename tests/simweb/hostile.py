"""hostile.test: pages that break naive crawlers, each with the reason code it should get."""

from __future__ import annotations

import hashlib
import random
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
        links = "".join(f'<li><a href="{u}">{u}</a></li>' for u in self.truth)
        self.static[HOME] = _plain(200, _html("Hostile", f"<ul>{links}</ul>").encode())

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
        if path.startswith("/archive"):
            sid = path.partition("sid=")[2] or "0"
            nxt = hashlib.sha1(sid.encode()).hexdigest()[:16]
            body = _html(
                "Archive",
                f'<p>Archive session {escape(sid)}</p><a href="/archive?sid={nxt}">Next page</a>',
            )
            return _plain(200, body.encode())
        return _plain(404, b"<html><body>Not found</body></html>")


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
