"""URL handling: normalisation, outlets, traps (tables of cases)."""

import pytest

from crawler.middlewares import trap_reason
from crawler.urls import (
    has_ignored_extension,
    is_home,
    is_http_url,
    is_platform,
    normalize_url,
    outlet_of,
    trap_pattern,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.test:80/a/../b?z=1&a=2#frag", "http://www.example.test/b?a=2&z=1"),
        ("http://x.test", "http://x.test/"),
        ("https://x.test:443/p", "https://x.test/p"),
        ("http://x.test:8080/p", "http://x.test:8080/p"),
        ("http://x.test/p?sid=abc123&id=4", "http://x.test/p?id=4"),
        ("http://x.test/p?PHPSESSID=1", "http://x.test/p"),
        ("http://x.test/p?utm_source=tw&utm_medium=x&q=a", "http://x.test/p?q=a"),
        ("http://x.test/caf%C3%A9", "http://x.test/caf%C3%A9"),
        ("http://x.test/café", "http://x.test/caf%C3%A9"),
        ("  http://x.test/a  ", "http://x.test/a"),
        # session ids in every place a site puts them
        ("http://x.test/page-7.html?sid=0f1e2d3c4b5a6978", "http://x.test/page-7.html"),
        ("http://x.test/p?JSESSIONID=A1&id=4&SessionID=9", "http://x.test/p?id=4"),
        ("http://x.test/p?cfid=1&cftoken=2&zenid=3&osCsid=4", "http://x.test/p"),
        ("http://x.test/p?ASPSESSIONIDQQGTRBSA=KJH&id=1", "http://x.test/p?id=1"),
        ("http://x.test/a/page.html;jsessionid=0A1B2C3D?x=1", "http://x.test/a/page.html?x=1"),
        ("http://x.test/shop;PHPSESSID=abc/item", "http://x.test/shop/item"),
        ("http://x.test/(S(lit3py55t21z5v55vlm25s55))/page.aspx", "http://x.test/page.aspx"),
        ("http://x.test/p?session=keep", "http://x.test/p?session=keep"),  # not a known id
        ("http://x.test/p?gclid=1&msclkid=2&q=a", "http://x.test/p?q=a"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "outlet"),
    [
        ("http://news.eastbridge.test/a", "eastbridge.test"),
        ("http://www.dailyherald.test/", "dailyherald.test"),
        ("http://dailyherald.test/", "dailyherald.test"),
        ("https://www.bbc.co.uk/news/1", "bbc.co.uk"),
        ("https://edition.cnn.com/x", "cnn.com"),
        ("https://someone.blogspot.com/p", "someone.blogspot.com"),  # private suffix
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("http://localhost/x", "localhost"),
        ("not a url", ""),
    ],
)
def test_outlet_of(url: str, outlet: str) -> None:
    assert outlet_of(url) == outlet


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://x.test/a", True),
        ("https://x.test", True),
        ("ftp://x.test/a", False),
        ("mailto:a@x.test", False),
        ("javascript:void(0)", False),
        ("/relative/path", False),
        ("http://", False),
        ("http://[::1", False),
    ],
)
def test_is_http_url(url: str, ok: bool) -> None:
    assert is_http_url(url) is ok


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://x.test/", True),
        ("http://x.test", True),
        ("http://x.test/?page=2", False),
        ("http://x.test/a", False),
    ],
)
def test_is_home(url: str, expected: bool) -> None:
    assert is_home(url) is expected


@pytest.mark.parametrize(
    ("url", "ignored"),
    [
        ("http://x.test/photo.JPG", True),
        ("http://x.test/report.pdf", True),
        ("http://x.test/video.mp4", True),
        ("http://x.test/2025/03/story.html", False),
        ("http://x.test/story", False),
        ("http://x.test/backup.tar.gz", True),
        ("http://x.test/photo.jpg?size=large#top", True),
        ("http://x.test/photo.jpg/comments", False),
        ("http://x.test/v1.2/story", False),
        ("http://x.test/", False),
        ("http://x.test/report.pdf.html", False),
    ],
)
def test_ignored_extensions(url: str, ignored: bool) -> None:
    assert has_ignored_extension(url) is ignored


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.facebook.com/sharer.php?u=x", True),
        ("https://twitter.com/intent/tweet", True),
        ("https://t.me/channel", True),
        ("http://www.dailyherald.test/", False),
    ],
)
def test_is_platform(url: str, platform: bool) -> None:
    assert is_platform(url) is platform


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://a.test/calendar/2031/07", "http://a.test/calendar/2031/08", True),
        ("http://a.test/archive?sid=1", "http://a.test/archive?sid=2", True),
        ("http://a.test/page/2", "http://a.test/page/3", True),
        (
            "http://a.test/2025/03/03/strike-hits-base",
            "http://a.test/2025/03/04/minister-resigns",
            False,
        ),
        ("http://a.test/?p=12", "http://a.test/?q=12", False),
    ],
)
def test_trap_pattern(a: str, b: str, same: bool) -> None:
    assert (trap_pattern(a) == trap_pattern(b)) is same


@pytest.mark.parametrize(
    ("url", "parent", "chain", "trapped"),
    [
        ("http://a.test/calendar/2031/08", "http://a.test/calendar/2031/07", 59, False),
        ("http://a.test/calendar/2031/08", "http://a.test/calendar/2031/07", 60, True),
        ("http://a.test/story-one", "http://a.test/", 100, False),  # shapes differ
        ("http://a.test/a/b/a/b/a/b", "http://a.test/", 0, True),  # repeating segments
        ("http://a.test/" + "x" * 1200, "http://a.test/", 0, True),  # absurdly long
        ("http://a.test/tag/a/tag/b", "http://a.test/", 0, False),  # twice is normal
    ],
)
def test_trap_reason(url: str, parent: str, chain: int, trapped: bool) -> None:
    assert (trap_reason(url, parent, chain, chain_limit=60) is not None) is trapped
