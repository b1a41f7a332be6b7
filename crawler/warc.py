"""Extension and tools: the WARC evidence archive of every response a crawl fetches.

Researchers must be able to show, long after a crawl, exactly what a server sent. The
``WarcArchive`` extension writes every downloaded response (redirects, error pages and
robots.txt included) as a ``response`` + ``request`` record pair to per-run
``.warc.gz`` files, as received from the network: before ``HttpCompressionMiddleware``,
so the payload keeps its ``Content-Encoding`` and its digest is that of the bytes sent.
Where each response went (``WarcLocation``) is left in ``request.meta["warc_location"]``
for the spider to store with the page.

Each record is its own gzip member (level 6: level 9 costs four times the CPU on the
reactor thread for under 1 % of size), written with one ``write`` and flushed, so a
killed crawl loses at most the record being written. ``check_file`` finds such a cut
record and ``repair_file`` removes it; ``read_record`` reads one response back and
checks its digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.timeutils import iso_date_to_datetime
from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:  # Scrapy is imported only by the writer: reading needs warcio alone
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.http.headers import Headers
    from scrapy.statscollectors import StatsCollector

__all__ = [
    "META_KEY",
    "SKIP_META_KEY",
    "ArchivedResponse",
    "EvidenceError",
    "FileCheck",
    "WarcArchive",
    "WarcLocation",
    "check_dir",
    "check_file",
    "location_of",
    "read_record",
    "repair_file",
    "target_uri",
]

log = logging.getLogger(__name__)

META_KEY = "warc_location"  # request.meta key holding the WarcLocation of its response
SKIP_META_KEY = "dont_archive"  # request.meta flag: do not archive this response
GZIP_LEVEL = 6
CHUNK = 1 << 16
RECORD_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError)
DROPPED_HEADERS = frozenset({b"transfer-encoding", b"content-length"})  # both rewritten


class EvidenceError(Exception):
    """A WARC file or record cannot be read: missing, not a record, truncated or corrupt."""


@dataclass(frozen=True, slots=True)
class WarcLocation:
    """Where a response record is: file relative to the WARC directory, byte range."""

    file: str
    offset: int
    length: int


@dataclass(slots=True)
class ArchivedResponse:
    """A response read back from the archive; ``body`` is the payload as received."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    date: datetime
    payload_digest: str | None = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def content(self) -> bytes:
        """The body with its ``Content-Encoding`` (gzip, deflate, br) undone."""
        encoding = (self.header("Content-Encoding") or "").strip().lower()
        if encoding in ("", "identity"):
            return self.body
        if encoding == "x-gzip":
            encoding = "gzip"
        try:
            reader = DecompressingBufferedReader(io.BytesIO(self.body), decomp_type=encoding)
            return reader.read()
        except Exception as exc:  # unknown encoding, or brotli not installed
            raise EvidenceError(f"cannot decode Content-Encoding {encoding!r}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class FileCheck:
    """What ``check_file`` found: complete records, and the first bad one if any."""

    path: str
    size: int
    records: int  # complete, digest-checked records (warcinfo, request, response)
    good_end: int  # offset just after the last complete record
    problem: str | None = None  # "truncated record" (killed writer) or "corrupt ...: why"
    problem_offset: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def truncated(self) -> bool:
        """The file ends in a cut record: ``repair_file`` may remove it safely."""
        return self.problem == "truncated record"


def target_uri(url: str) -> str:
    """The URL as fetched: without its ``#fragment``, which is never sent."""
    return urldefrag(url).url


def location_of(request_or_response: Request | Response) -> WarcLocation | None:
    """The archived location of the response to a request (or of a response), if any."""
    return request_or_response.meta.get(META_KEY)


# ---------------------------------------------------------------------------- writing


def _software() -> str:
    import scrapy
    import warcio

    try:
        ours = version("provenance-crawler")
    except PackageNotFoundError:
        ours = "dev"
    warcio_version = getattr(warcio, "__version__", None) or version("warcio")
    return f"provenance-crawler/{ours} (Scrapy {scrapy.__version__}; warcio {warcio_version})"


def _gzip(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def _headers(headers: Headers, body_length: int) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` as (name, value) pairs, with a Content-Length true to the body.

    Transfer-Encoding goes: the body is stored de-chunked. Content-Encoding stays: it
    still describes the body (Scrapy removes it itself once it decodes a body).
    """
    pairs = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        if name.lower() not in DROPPED_HEADERS
        for value in values
    ]
    pairs.append(("Content-Length", str(body_length)))
    return pairs


class WarcArchive:
    """Writes responses to ``<dir>/<prefix>-<run>-<serial:05d>.warc.gz``, one file at a time.

    Settings: ``PROVENANCE_WARC_ENABLED`` (True), ``PROVENANCE_WARC_DIR`` ("data/warc"),
    ``PROVENANCE_WARC_MAX_BYTES`` (1 GiB: a new file once past it),
    ``PROVENANCE_WARC_PREFIX`` ("provenance"), ``PROVENANCE_WARC_GZIP_LEVEL`` (6; 1 takes
    a third of the CPU for files about 25 % larger).
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        prefix: str = "provenance",
        max_bytes: int = 1 << 30,
        gzip_level: int = GZIP_LEVEL,
        info: dict[str, str] | None = None,
        run_id: Callable[[], object] = lambda: None,
        stats: StatsCollector | None = None,
        on_error: Callable[[OSError], None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.gzip_level = gzip_level
        self.info = info or {}
        self.run_id = run_id
        self.stats = stats
        self.on_error = on_error
        self.run_label: str | None = None  # fixed when the first file opens
        self._serial = 0
        self._fh: IO[bytes] | None = None
        self._name = ""
        self._buffer = io.BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchive:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        settings = crawler.settings
        if not settings.getbool("PROVENANCE_WARC_ENABLED", True):
            raise NotConfigured
        info = {
            "software": _software(),
            "format": "WARC File Format 1.0",
            "hostname": socket.gethostname(),
            "operator": settings.get("PROVENANCE_CONTACT_URL") or "",
            "http-header-user-agent": settings.get("USER_AGENT") or "",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        }

        def stop_crawl(exc: OSError) -> None:
            """No evidence, no crawl: stop rather than fetch pages nobody can show later."""
            try:
                engine = crawler.engine
            except RuntimeError:  # not crawling (yet)
                return
            if engine is not None:
                asyncio.get_event_loop().create_task(engine.close_spider_async(reason="warc_error"))

        ext = cls(
            settings.get("PROVENANCE_WARC_DIR") or "data/warc",
            prefix=settings.get("PROVENANCE_WARC_PREFIX") or "provenance",
            max_bytes=settings.getint("PROVENANCE_WARC_MAX_BYTES", 1 << 30),
            gzip_level=settings.getint("PROVENANCE_WARC_GZIP_LEVEL", GZIP_LEVEL),
            info=info,
            run_id=lambda: crawler.stats.get_value("provenance/run_id"),
            stats=crawler.stats,
            on_error=stop_crawl,
        )
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.close, signal=signals.spider_closed)
        crawler.signals.connect(ext.close, signal=signals.engine_stopped)
        return ext

    def response_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        """Signal handler: archive the response as received, note where in ``request.meta``."""
        if request.meta.get(SKIP_META_KEY):
            return
        try:
            request.meta[META_KEY] = self.archive(response, request)
        except OSError as exc:
            log.error("cannot write the WARC archive in %s: %s", self.directory, exc)
            self._inc("warc/errors")
            if self.on_error is not None:
                self.on_error(exc)

    def archive(self, response: Response, request: Request | None = None) -> WarcLocation:
        """Append a ``response`` record, then its ``request`` record; where the response went.

        The location's byte range covers the response record; its request record follows
        at ``offset + length``. ``request`` defaults to ``response.request``; without one
        only the response is written.
        """
        request = request or response.request
        resp = self._response_record(response)
        data = self._member(resp)
        resp_length = len(data)
        if request is not None:
            resp_id = resp.rec_headers.get_header("WARC-Record-ID")
            data += self._member(self._request_record(request, resp_id))
        fh = self._file()
        offset = fh.tell()
        try:
            fh.write(data)
            fh.flush()
        except OSError:
            self._abandon(offset)
            raise
        self._inc("warc/responses")
        self._inc("warc/bytes", len(data))
        return WarcLocation(self._name, offset, resp_length)

    def close(self) -> None:
        """Close the current file; the next record opens a new one."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    # -- internals

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)

    def _member(self, record: ArcWarcRecord) -> bytes:
        """One record serialised as its own gzip member."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)
        return _gzip(self._buffer.getvalue(), self.gzip_level)

    def _response_record(self, response: Response) -> ArcWarcRecord:
        body: bytes = response.body
        protocol = response.protocol or "HTTP/1.1"
        if protocol == "h2":
            protocol = "HTTP/2"
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = ""
        http = StatusAndHeaders(
            f"{response.status} {phrase}".rstrip(),
            _headers(response.headers, len(body)),
            protocol=protocol,
        )
        record = self._writer.create_warc_record(
            target_uri(response.url),
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
        )
        if response.ip_address is not None:
            record.rec_headers.add_header("WARC-IP-Address", str(response.ip_address))
        if "dataloss" in response.flags:  # body cut short (DOWNLOAD_FAIL_ON_DATALOSS off)
            record.rec_headers.add_header("WARC-Truncated", "disconnect")
        return record

    def _request_record(self, request: Request, concurrent_to: str) -> ArcWarcRecord:
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body: bytes = request.body or b""
        headers = [("Host", parts.netloc)] + _headers(request.headers, len(body))
        if not body:
            headers.pop()  # no Content-Length on a GET without body
        http = StatusAndHeaders(
            f"{request.method} {target} HTTP/1.1", headers, is_http_request=True
        )
        record = self._writer.create_warc_record(
            target_uri(request.url),
            "request",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
        )
        record.rec_headers.add_header("WARC-Concurrent-To", concurrent_to)
        return record

    def _file(self) -> IO[bytes]:
        """The open file, rotated once past ``max_bytes``; opened with its warcinfo."""
        if self._fh is not None and self._fh.tell() >= self.max_bytes:
            self.close()
            self._serial += 1
        if self._fh is None:
            self._open()
        assert self._fh is not None
        return self._fh

    def _open(self) -> None:
        if self.run_label is None:
            run = self.run_id()
            self.run_label = (
                str(run) if run is not None else datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:  # never write into a file of an earlier crawl
            name = f"{self.prefix}-{self.run_label}-{self._serial:05d}.warc.gz"
            if not (self.directory / name).exists():
                break
            self._serial += 1
        self._name = name
        self._fh = open(self.directory / name, "ab")  # noqa: SIM115 (open for the run)
        info = {**self.info, "isPartOf": f"{self.prefix} crawl run {self.run_label}"}
        data = self._member(self._writer.create_warcinfo_record(name, info))
        try:
            self._fh.write(data)
            self._fh.flush()
        except OSError:
            self._abandon(0)
            raise
        self._inc("warc/files")

    def _abandon(self, offset: int) -> None:
        """After a failed write: cut the partial record, stop using this file."""
        assert self._fh is not None
        try:
            self._fh.truncate(offset)
        except OSError as exc:
            log.error("cannot cut the partial record from %s: %s", self._name, exc)
        with contextlib.suppress(OSError):
            self._fh.close()
        self._fh = None
        self._serial += 1


# ---------------------------------------------------------------------------- reading


class _Truncated(Exception):
    pass


def _read_member(fh: IO[bytes], offset: int) -> tuple[bytes, int]:
    """The decompressed gzip member at ``offset`` and its compressed length."""
    fh.seek(offset)
    decompressor = zlib.decompressobj(31)
    parts: list[bytes] = []
    used = 0
    while not decompressor.eof:
        chunk = fh.read(CHUNK)
        if not chunk:
            raise _Truncated
        parts.append(decompressor.decompress(chunk))  # zlib.error when not gzip
        used += len(chunk)
    return b"".join(parts), used - len(decompressor.unused_data)


def _parse_record(data: bytes) -> tuple[ArcWarcRecord, bytes]:
    """The WARC record in a decompressed member and its payload, digests checked."""
    records = ArchiveIterator(io.BytesIO(data), check_digests="raise")
    try:
        record = next(records)
    except StopIteration:
        raise ArchiveLoadFailed("empty gzip member") from None
    if record.format != "warc":
        raise ArchiveLoadFailed(f"not a WARC record ({record.format})")
    payload = record.raw_stream.read()
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise ArchiveLoadFailed("record shorter than its Content-Length")
    return record, payload


def read_record(
    warc_dir: str | Path, location_or_file: WarcLocation | str, offset: int | None = None
) -> ArchivedResponse:
    """The response archived at a ``WarcLocation`` (or at ``file``, ``offset``).

    Raises ``EvidenceError`` when the file is missing, there is no response record at
    the offset, or the record is truncated or fails its digest.
    """
    if isinstance(location_or_file, WarcLocation):
        name, offset = location_or_file.file, location_or_file.offset
    else:
        name = location_or_file
        if offset is None:
            raise TypeError("read_record(warc_dir, file, offset): offset missing")
    path = Path(warc_dir) / name
    where = f"{name} at offset {offset}"
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, io.SEEK_END)
            if not 0 <= offset < size:
                raise EvidenceError(f"no WARC record in {where}: the file has {size} bytes")
            data, _ = _read_member(fh, offset)
    except FileNotFoundError:
        raise EvidenceError(f"WARC file not found: {path}") from None
    except OSError as exc:
        raise EvidenceError(f"cannot read {path}: {exc}") from None
    except _Truncated:
        raise EvidenceError(f"truncated record in {where}") from None
    except zlib.error:
        raise EvidenceError(f"no WARC record in {where}") from None
    try:
        record, body = _parse_record(data)
    except RECORD_ERRORS as exc:
        raise EvidenceError(f"corrupt record in {where}: {exc}") from None
    if record.rec_type != "response" or record.http_headers is None:
        raise EvidenceError(f"the record in {where} is a {record.rec_type}, not a response")
    http = record.http_headers
    return ArchivedResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode()),
        headers=list(http.headers),
        body=body,
        date=iso_date_to_datetime(record.rec_headers.get_header("WARC-Date"), tz_aware=True),
        payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
    )


# ---------------------------------------------------------------------------- checking


def check_file(path: str | Path) -> FileCheck:
    """Read every record of a ``.warc.gz`` file; report the first cut or corrupt one."""
    path = Path(path)
    size = path.stat().st_size
    records = offset = 0
    problem: str | None = None
    with open(path, "rb") as fh:
        while offset < size:
            try:
                data, used = _read_member(fh, offset)
                _parse_record(data)
            except _Truncated:
                problem = "truncated record"
            except zlib.error as exc:
                problem = f"corrupt gzip data: {exc}"
            except RECORD_ERRORS as exc:
                problem = f"corrupt record: {str(exc).strip()[:200]}"
            if problem:
                break
            records += 1
            offset += used
    return FileCheck(str(path), size, records, offset, problem, offset if problem else None)


def repair_file(path: str | Path) -> FileCheck:
    """Cut a file that ends in a truncated record back to its last complete record.

    Returns the check made before the cut (``good_end`` is the new size). The cut bytes
    are kept next to the file as ``<file>.partial-<offset>``. A file with a corrupt record
    is left alone (``EvidenceError``): good records may follow it. Never run it on a file
    a running crawl is still writing.
    """
    check = check_file(path)
    if check.ok:
        return check
    if not check.truncated:
        raise EvidenceError(f"{path}: {check.problem} at offset {check.problem_offset}")
    with open(path, "r+b") as fh:
        fh.seek(check.good_end)
        Path(f"{path}.partial-{check.good_end}").write_bytes(fh.read())
        fh.truncate(check.good_end)
    log.warning("%s: cut %d bytes of a truncated record", path, check.size - check.good_end)
    return check


def check_dir(warc_dir: str | Path) -> list[FileCheck]:
    """``check_file`` for every ``*.warc.gz`` in ``warc_dir``, by name."""
    return [check_file(p) for p in sorted(Path(warc_dir).glob("*.warc.gz"))]
