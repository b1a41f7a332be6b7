"""The WARC evidence archive: valid records, reading back, rotation, cut and corrupt files."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.warcwriter import WARCWriter

from crawler.warc import (
    META_KEY,
    SKIP_META_KEY,
    EvidenceError,
    WarcArchive,
    WarcLocation,
    check_dir,
    check_file,
    location_of,
    read_record,
    repair_file,
)

PAGE = "<html><body><p>Première publication — the original story.</p></body></html>"


def _response(
    url: str,
    body: bytes = PAGE.encode(),
    status: int = 200,
    headers: dict[str, str | list[str]] | None = None,
    method: str = "GET",
    request_body: bytes = b"",
) -> Response:
    request = Request(
        url,
        method=method,
        body=request_body,
        headers={"User-Agent": "provenance-test", "Accept-Encoding": "gzip, deflate"},
    )
    headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    return HtmlResponse(
        url, status=status, headers=headers, body=body, request=request, protocol="HTTP/1.1"
    )


# (id, response): what the downloader hands over, before HttpCompressionMiddleware.
CASES = [
    ("html", _response("https://news.test/2024/story")),
    (
        "gzip-encoded",
        _response(
            "https://news.test/gz",
            gzip.compress(PAGE.encode()),
            headers={"Content-Encoding": "gzip", "Content-Length": "9999"},
        ),
    ),
    ("chunked", _response("https://news.test/chunked", headers={"Transfer-Encoding": "chunked"})),
    ("not-found", _response("https://news.test/gone", b"Not here", status=404)),
    (
        "redirect",
        _response("http://news.test/old", b"", status=301, headers={"Location": "/new"}),
    ),
    ("post", _response("https://api.test/q?x=1", b"{}", method="POST", request_body=b"q=1")),
    ("binary-body", _response("https://news.test/raw", bytes(range(256)) * 4)),
    ("empty", _response("https://news.test/empty", b"")),
    ("fragment", _response("https://news.test/a#comments")),
    (
        "repeated-headers",
        _response("https://news.test/cookies", headers={"Set-Cookie": ["a=1", "b=2"]}),
    ),
]
IDS = [case_id for case_id, _ in CASES]


def _crawler(tmp_path: Path, run_id: int | None = 7, **settings: object):
    crawler = get_crawler(
        settings_dict={
            "PROVENANCE_WARC_DIR": str(tmp_path),
            "USER_AGENT": "provenance-test/1.0",
            "ROBOTSTXT_OBEY": True,
            **settings,
        }
    )
    crawler.stats.set_value("provenance/run_id", run_id)
    return crawler


@pytest.fixture
def archive(tmp_path: Path) -> WarcArchive:
    return WarcArchive.from_crawler(_crawler(tmp_path))


def _records(path: Path) -> list[tuple[str, str | None, dict[str, str], bytes, object]]:
    """(type, target URI, WARC headers, payload, HTTP headers) of every record in a file."""
    out = []
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            headers = dict(record.rec_headers.headers)
            out.append(
                (
                    record.rec_type,
                    headers.get("WARC-Target-URI"),
                    headers,
                    record.raw_stream.read(),
                    record.http_headers,
                )
            )
    return out


def _archive_all(archive: WarcArchive) -> list[WarcLocation]:
    locations = [archive.archive(response) for _, response in CASES]
    archive.close()
    return locations


# ---------------------------------------------------------------------------- writing


def test_file_is_valid_warc_with_warcinfo_then_response_request_pairs(
    archive: WarcArchive, tmp_path: Path
) -> None:
    _archive_all(archive)
    (path,) = tmp_path.glob("*.warc.gz")
    assert path.name == "provenance-7-00000.warc.gz"
    records = _records(path)
    kind, _, info_headers, info, _ = records[0]
    assert kind == "warcinfo"
    assert info_headers["WARC-Filename"] == path.name
    assert b"isPartOf: provenance crawl run 7" in info
    assert b"http-header-user-agent: provenance-test/1.0" in info
    assert b"robots: obey" in info
    assert b"software: provenance-crawler/" in info
    pairs = records[1:]
    assert [r[0] for r in pairs] == ["response", "request"] * len(CASES)
    for (_, response), resp, req in zip(CASES, pairs[::2], pairs[1::2], strict=True):
        assert resp[1] == req[1] == response.url.split("#")[0]
        assert resp[2]["WARC-Payload-Digest"].startswith("sha1:")
        assert "WARC-Date" in resp[2]
        assert resp[3] == response.body
        assert req[2]["WARC-Concurrent-To"] == resp[2]["WARC-Record-ID"]
        assert req[4].protocol == response.request.method
        assert req[4].get_header("Host") == response.url.split("/")[2]
        assert req[4].get_header("User-Agent") == "provenance-test"
        assert req[3] == response.request.body
        http = resp[4]
        assert http.get_statuscode() == str(response.status)
        assert http.get_header("Content-Length") == str(len(response.body))
        assert http.get_header("Transfer-Encoding") is None


@pytest.mark.parametrize("level", [1, 6, 9])
def test_digests_verify(tmp_path: Path, level: int) -> None:
    _archive_all(WarcArchive.from_crawler(_crawler(tmp_path, PROVENANCE_WARC_GZIP_LEVEL=level)))
    (path,) = tmp_path.glob("*.warc.gz")
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh, check_digests="raise")
        digested = 0
        for record in records:
            record.raw_stream.read()  # raises ArchiveLoadFailed on a digest mismatch
            if record.rec_headers.get_header("WARC-Block-Digest"):
                assert record.digest_checker.passed is True  # None: nothing was checked
                assert record.digest_checker.problems == []
                digested += 1
    assert digested >= 2 * len(CASES)  # each response and its request, at least
    # The same archive with one byte of a body changed fails the check.
    tampered = gzip.decompress(path.read_bytes()).replace(b"the original", b"the 0riginal", 1)
    with pytest.raises(ArchiveLoadFailed, match="digest"):
        for record in ArchiveIterator(io.BytesIO(tampered), check_digests="raise"):
            record.raw_stream.read()


@pytest.mark.parametrize(("case_id", "response"), CASES, ids=IDS)
def test_read_record_at_returned_location(tmp_path: Path, case_id: str, response: Response) -> None:
    archive = WarcArchive.from_crawler(_crawler(tmp_path))
    archive.archive(_response("https://news.test/before"))  # not at the start of the file
    location = archive.archive(response)
    archive.close()
    got = read_record(tmp_path, location)
    assert got == read_record(tmp_path, location.file, location.offset)
    assert got.url == response.url.split("#")[0]
    assert got.status == response.status
    assert got.body == response.body
    assert got.payload_digest and got.payload_digest.startswith("sha1:")
    assert got.date.tzinfo is not None
    assert got.header("content-type") == "text/html; charset=utf-8"
    assert got.header("Content-Length") == str(len(response.body))
    assert got.header("Transfer-Encoding") is None
    cookies = [v for k, v in got.headers if k == "Set-Cookie"]
    assert cookies == [v.decode() for v in response.headers.getlist("Set-Cookie")]
    assert got.content() == (PAGE.encode() if case_id == "gzip-encoded" else response.body)
    assert location.length > 0


def test_body_decoded_by_scrapy_is_stored_without_content_encoding(
    archive: WarcArchive, tmp_path: Path
) -> None:
    """HttpCompressionMiddleware drops Content-Encoding itself once it decodes a body."""
    raw = _response(
        "https://news.test/gz", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"}
    )
    middleware = HttpCompressionMiddleware.from_crawler(get_crawler())
    decoded = middleware.process_response(raw.request, raw)
    got = read_record(tmp_path, archive.archive(decoded))
    assert got.header("Content-Encoding") is None
    assert got.body == got.content() == PAGE.encode()


def test_response_without_request_is_written_alone(archive: WarcArchive, tmp_path: Path) -> None:
    location = archive.archive(HtmlResponse("https://news.test/alone", body=b"<p>x</p>"))
    archive.close()
    assert [r[0] for r in _records(tmp_path / location.file)] == ["warcinfo", "response"]
    assert read_record(tmp_path, location).body == b"<p>x</p>"


def test_rotation_past_max_bytes(tmp_path: Path) -> None:
    archive = WarcArchive.from_crawler(_crawler(tmp_path, PROVENANCE_WARC_MAX_BYTES=1500))
    responses = [_response(f"https://news.test/{i}", PAGE.encode() * 5) for i in range(6)]
    locations = [archive.archive(r) for r in responses]
    archive.close()
    names = sorted(p.name for p in tmp_path.glob("*.warc.gz"))
    assert len(names) > 1
    assert names == [f"provenance-7-{n:05d}.warc.gz" for n in range(len(names))]
    assert sorted({loc.file for loc in locations}) == names
    for name in names:
        assert _records(tmp_path / name)[0][0] == "warcinfo"
        assert check_file(tmp_path / name).ok
    for response, location in zip(responses, locations, strict=True):
        assert read_record(tmp_path, location).url == response.url


def test_name_falls_back_to_utc_timestamp_without_run_id(tmp_path: Path) -> None:
    archive = WarcArchive.from_crawler(_crawler(tmp_path, run_id=None))
    location = archive.archive(_response("https://news.test/a"))
    archive.close()
    prefix, stamp, serial = location.file.removesuffix(".warc.gz").split("-")
    assert (prefix, serial) == ("provenance", "00000")
    assert len(stamp) == 16 and stamp.endswith("Z") and stamp[8] == "T"


def test_existing_file_of_an_earlier_crawl_is_never_written(tmp_path: Path) -> None:
    earlier = tmp_path / "provenance-7-00000.warc.gz"
    earlier.write_bytes(b"evidence of another crawl")
    archive = WarcArchive.from_crawler(_crawler(tmp_path))
    location = archive.archive(_response("https://news.test/a"))
    archive.close()
    assert location.file == "provenance-7-00001.warc.gz"
    assert earlier.read_bytes() == b"evidence of another crawl"


def test_switched_off_quietly(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured) as exc:
        WarcArchive.from_crawler(_crawler(tmp_path, PROVENANCE_WARC_ENABLED=False))
    assert str(exc.value) == ""


def test_response_downloaded_signal_archives_and_notes_location(tmp_path: Path) -> None:
    crawler = _crawler(tmp_path)
    archive = WarcArchive.from_crawler(crawler)
    response = _response("https://news.test/a")
    skipped = _response("https://news.test/b")
    skipped.request.meta[SKIP_META_KEY] = True
    for r in (response, skipped):
        crawler.signals.send_catch_log(
            signals.response_downloaded, response=r, request=r.request, spider=None
        )
    location = location_of(response)
    assert location == response.request.meta[META_KEY]
    assert read_record(tmp_path, location).url == response.url
    assert location_of(skipped) is None
    assert crawler.stats.get_value("warc/responses") == 1
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert archive._fh is None
    assert [r[0] for r in _records(tmp_path / location.file)] == [
        "warcinfo",
        "response",
        "request",
    ]


def test_write_error_is_logged_and_stops_using_the_file(tmp_path: Path) -> None:
    crawler = _crawler(tmp_path / "not-a-dir")
    (tmp_path / "not-a-dir").write_text("a file where the directory should be")
    archive = WarcArchive.from_crawler(crawler)  # kept: signals hold weak references
    response = _response("https://news.test/a")
    crawler.signals.send_catch_log(
        signals.response_downloaded, response=response, request=response.request, spider=None
    )
    assert location_of(response) is None
    assert crawler.stats.get_value("warc/errors") == 1
    assert archive._fh is None


# ---------------------------------------------------------------------------- killed runs


def _written(tmp_path: Path, count: int = 3) -> tuple[Path, list[WarcLocation]]:
    archive = WarcArchive.from_crawler(_crawler(tmp_path))
    locations = [archive.archive(_response(f"https://news.test/{i}")) for i in range(count)]
    archive.close()
    return tmp_path / locations[0].file, locations


def _cuts(last: WarcLocation) -> list[tuple[str, int, int]]:
    """(id, cut at, first bad offset) for a file whose last pair starts at ``last``."""
    request_at = last.offset + last.length
    return [
        ("in gzip header of the last response", last.offset + 5, last.offset),
        ("mid last response", last.offset + last.length // 2, last.offset),
        ("one byte short of the last response", request_at - 1, last.offset),
        ("mid last request", request_at + 20, request_at),
    ]


@pytest.mark.parametrize("cut", range(4), ids=[c[0] for c in _cuts(WarcLocation("", 0, 100))])
def test_cut_file_detected_and_repaired(tmp_path: Path, cut: int) -> None:
    path, locations = _written(tmp_path)
    _, cut_at, bad_offset = _cuts(locations[-1])[cut]
    whole = path.read_bytes()
    path.write_bytes(whole[:cut_at])

    found = check_file(path)
    assert not found.ok and found.truncated
    assert found.problem_offset == found.good_end == bad_offset
    assert found.records == 1 + 2 * 2 + (1 if bad_offset > locations[-1].offset else 0)
    if bad_offset == locations[-1].offset:
        with pytest.raises(EvidenceError, match="truncated"):
            read_record(tmp_path, locations[-1])
    else:  # only its request record was cut: the response is whole
        assert read_record(tmp_path, locations[-1]).body == PAGE.encode()

    repaired = repair_file(path)
    assert repaired == found
    assert path.stat().st_size == bad_offset
    assert Path(f"{path}.partial-{bad_offset}").read_bytes() == whole[bad_offset:cut_at]
    assert check_file(path).ok
    assert len(_records(path)) == found.records
    for location in locations[:-1]:
        assert read_record(tmp_path, location).body == PAGE.encode()

    with open(path, "ab") as fh:  # appendable: a later writer's records follow cleanly
        WARCWriter(fh, gzip=True).write_record(
            WARCWriter(None).create_warc_record("urn:test", "resource", payload=io.BytesIO(b"x"))
        )
    after = check_file(path)
    assert after.ok and after.records == found.records + 1
    assert check_dir(tmp_path) == [after]


def test_corrupt_record_is_reported_and_not_cut(tmp_path: Path) -> None:
    path, locations = _written(tmp_path)
    data = bytearray(path.read_bytes())
    middle = locations[1].offset + locations[1].length // 2
    data[middle : middle + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    found = check_file(path)
    assert found.problem and found.problem.startswith("corrupt")
    assert found.problem_offset == locations[1].offset and not found.truncated
    with pytest.raises(EvidenceError, match="corrupt"):
        repair_file(path)
    assert path.read_bytes() == bytes(data)


def test_intact_file_is_left_alone(tmp_path: Path) -> None:
    path, _ = _written(tmp_path)
    before = path.read_bytes()
    assert repair_file(path).ok
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.partial-*"))


# ---------------------------------------------------------------------------- read errors


def _tampered(path: Path, location: WarcLocation) -> None:
    """Change one payload byte and re-gzip the member: valid gzip, wrong digest."""
    data = path.read_bytes()
    member = zlib.decompress(data[location.offset : location.offset + location.length], 31)
    member = member.replace(b"original", b"ORIGINAL")
    path.write_bytes(
        data[: location.offset] + gzip.compress(member) + data[location.offset + location.length :]
    )


def _cut(path: Path, size: int) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(size)


def _append(path: Path, data: bytes) -> WarcLocation:
    with open(path, "ab") as fh:
        offset = fh.tell()
        fh.write(data)
    return WarcLocation(path.name, offset, len(data))


def _request_record(loc: WarcLocation) -> WarcLocation:
    return WarcLocation(loc.file, loc.offset + loc.length, 0)


READ_ERRORS = [
    ("missing file", lambda p, loc: WarcLocation("nope.warc.gz", 0, 0), "not found"),
    ("offset inside a record", lambda p, loc: WarcLocation(loc.file, loc.offset + 1, 0), "no WARC"),
    ("offset past the end", lambda p, loc: WarcLocation(loc.file, 10**9, 0), "has \\d+ bytes"),
    ("not a WARC record", lambda p, loc: _append(p, gzip.compress(b"hello\r\n\r\n")), "corrupt"),
    ("warcinfo offset", lambda p, loc: WarcLocation(loc.file, 0, 0), "warcinfo, not a response"),
    ("request offset", lambda p, loc: _request_record(loc), "request, not a response"),
    ("cut file", lambda p, loc: _cut(p, loc.offset + 50) or loc, "truncated"),
    ("tampered payload", lambda p, loc: _tampered(p, loc) or loc, "digest"),
]


@pytest.mark.parametrize(
    ("make", "message"), [c[1:] for c in READ_ERRORS], ids=[c[0] for c in READ_ERRORS]
)
def test_read_errors(tmp_path: Path, make, message: str) -> None:
    path, locations = _written(tmp_path)
    location = make(path, locations[-1])
    with pytest.raises(EvidenceError, match=message):
        read_record(tmp_path, location)
