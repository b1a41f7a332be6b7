"""Seed files: valid URLs kept in order, everything else rejected with a reason."""

import pytest

from crawler.seeds import check_seed, parse_seeds


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("http://x.test/a", None),
        ("https://www.x.test/", None),
        ("x.test/a", "no scheme"),
        ("www.example.com", "no scheme"),
        ("ftp://x.test/", "unsupported scheme"),
        ("javascript:alert(1)", "unsupported scheme"),
        ("http://", "no valid host"),
        ("http://localhost/", "no valid host"),
        ("not a url", "white space"),
        ("http://x.test/a b", "white space"),
        ("http://[::1/", "unparsable"),
    ],
)
def test_check_seed(text: str, fragment: str | None) -> None:
    reason = check_seed(text)
    assert (reason is None) if fragment is None else (fragment in (reason or ""))


def test_parse_seeds_keeps_order_drops_comments_and_repeats() -> None:
    lines = [
        "# seeds for the demo",
        "",
        "http://b.test/story  # the story that started it",
        "http://a.test/",
        "HTTP://B.test/story#comments",
        "not a url",
        "   ",
        "ftp://c.test/",
    ]
    urls, rejected = parse_seeds(lines)
    assert urls == ["http://b.test/story", "http://a.test/"]
    assert [(r.line_no, r.text) for r in rejected] == [(6, "not a url"), (8, "ftp://c.test/")]
