"""A loopback HTTP forward proxy that answers every request from a SimWeb."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from .model import Response
from .web import SimWeb, norm

log = logging.getLogger(__name__)
STALL_SECONDS = 3600.0
FLAKY_FAILURES = 2


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 256
    owner: SimWebServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are dropped after this
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug(format, *args)

    def setup(self) -> None:
        super().setup()
        self.server.owner._conns.add(self.connection)

    def finish(self) -> None:
        self.server.owner._conns.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_CONNECT(self) -> None:
        self._simple(502, b"CONNECT (https) is not supported by the simulated web\n")
        self.close_connection = True

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        self._simple(405, b"Method not allowed\n")

    def _simple(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _target(self) -> str | None:
        if self.path.startswith("http://"):
            return self.path
        if self.path.startswith("/"):
            host = self.headers.get("Host")
            return f"http://{host}{self.path}" if host else None
        return None

    def _serve(self, head: bool) -> None:
        owner = self.server.owner
        target = self._target()
        if target is None:
            self._simple(400, b"Bad request target\n")
            return
        web = owner.web
        _, url = norm(target)
        started = time.monotonic()
        try:
            if owner.latency:
                owner._stop.wait(owner.latency)
            self._answer(owner, web, url, head)
        finally:
            owner._record(Access(urlsplit(url).hostname or "", url, started, time.monotonic()))

    def _answer(self, owner: SimWebServer, web: SimWeb, url: str, head: bool) -> None:
        resp = web.response(url)
        owner._hit(url)
        if resp is None:
            self._simple(502, b"Bad gateway: host not found\n")
            return
        if resp.behaviour == "stall":
            owner._stop.wait(STALL_SECONDS)
            self.close_connection = True
            return
        if resp.behaviour == "flaky" and owner._flaky_count(url) <= FLAKY_FAILURES:
            resp = Response(503, (("Retry-After", "0"), ("Content-Type", "text/html")), b"busy")
        if resp.status == 200 and _not_modified(resp, self.headers):
            hdrs = [(k, v) for k, v in resp.headers if k in ("ETag", "Last-Modified")]
            resp = Response(304, tuple(hdrs), b"")
        self.send_response(resp.status)
        for k, v in resp.headers:
            self.send_header(k, v)
        if resp.status != 304:
            self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if not head and resp.body:
            try:
                self.wfile.write(resp.body)
            except OSError:
                self.close_connection = True


def _not_modified(resp: Response, req_headers: object) -> bool:
    hdrs = dict(resp.headers)
    inm = req_headers.get("If-None-Match")  # type: ignore[attr-defined]
    if inm:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or hdrs.get("ETag") in tags
    ims = req_headers.get("If-Modified-Since")  # type: ignore[attr-defined]
    if ims and "Last-Modified" in hdrs:
        try:
            return parsedate_to_datetime(hdrs["Last-Modified"]) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


@dataclass(frozen=True, slots=True)
class Access:
    """One request as the server saw it: which host and URL, from when to when
    (``time.monotonic()``), so tests can count fetches and concurrent requests per host."""

    host: str
    url: str
    started: float
    ended: float


class SimWebServer:
    """The proxy running in a background thread; use as a context manager.

    ``latency`` (seconds) delays every answer, as a real server would: the simulated web
    otherwise answers at once, and requests hardly ever overlap in its access log.
    """

    def __init__(
        self, web: SimWeb, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0
    ) -> None:
        if host != "127.0.0.1":
            raise ValueError("the simulated web only listens on 127.0.0.1")
        self.web = web
        self.latency = latency
        self.hits: Counter[str] = Counter()
        self.access_log: list[Access] = []  # every request, in the order they ended
        self._flaky: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def _hit(self, url: str) -> None:
        with self._lock:
            self.hits[url] += 1

    def _record(self, access: Access) -> None:
        with self._lock:
            self.access_log.append(access)

    def _flaky_count(self, url: str) -> int:
        with self._lock:
            self._flaky[url] += 1
            return self._flaky[url]

    def set_web(self, web: SimWeb) -> None:
        """Switch to another web (e.g. the next epoch) without restarting."""
        self.web = web

    def stop(self) -> None:
        """Stop serving; stalled responses and open connections end at once."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._httpd.shutdown()
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimWebServer:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    web: SimWeb,
    host: str = "127.0.0.1",
    port: int = 0,
    prerender: bool = False,
    latency: float = 0.0,
) -> SimWebServer:
    """Start the proxy for ``web`` in a background thread."""
    if prerender:
        web.prerender()
    return SimWebServer(web, host, port, latency)
