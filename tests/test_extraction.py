"""Page analysis: decoding, binary bodies, article fields, link classes, dates."""

from datetime import UTC, datetime

import pytest
from lxml.html import document_fromstring

from crawler.dates import DATE, DATETIME, LOCAL, parse_iso, structured_published
from crawler.extraction import analyse_html, analyse_page, decode_html, looks_binary
from crawler.kinds import LinkKind

PARAGRAPHS = [
    "The argument over the air strike on the military base near the river has taken a "
    "strange and worrying turn, officials in three capitals said on Tuesday evening.",
    "The defence ministry has categorically denied that any of its aircraft were involved, "
    "although it admitted that its aircraft were in the area at the time of the strike.",
    "Analysts said the statement raised more questions than it answered, and that the "
    "coming days would show whether the coalition intends to open a formal inquiry.",
]


def page(
    body: str = "", head: str = "", lang: str = "en", charset: str = "utf-8", credit: str = ""
) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<html lang="{lang}"><head><meta charset="{charset}"><title>Strike | Herald</title>{head}'
        '</head><body><nav><a href="/">Home</a> <a href="/world">World</a> '
        '<a href="http://partner.test/">Partner</a></nav><article><h1>Strike raises questions</h1>'
        f"{paragraphs}{body}{credit}</article><footer>(c) Herald</footer></body></html>"
    )


def test_article_fields_and_link_classes() -> None:
    html = page(
        head='<link rel="canonical" href="http://source.test/a/1">'
        '<meta property="article:published_time" content="2025-03-03T14:20:00+03:00">'
        '<meta name="author" content="Jane Roe"><meta name="syndication-source" '
        'content="http://source.test/a/1"><link rel="alternate" type="application/rss+xml" '
        'href="/feed">',
        body='<p>See <a href="http://other.test/report">the report</a> for details.</p>',
        credit='<p>This post first appeared on <a href="http://source.test/a/1">Source</a></p>',
    )
    result = analyse_html(html.encode(), "http://copy.test/x", "text/html; charset=utf-8")
    art = result.article
    assert art is not None
    assert art.title == "Strike raises questions"
    assert art.author == "Jane Roe"
    assert art.published == datetime(2025, 3, 3, 11, 20, tzinfo=UTC)
    assert art.date_precision == DATETIME
    assert art.language == "en"
    assert art.canonical_url == "http://source.test/a/1"
    assert PARAGRAPHS[1] in art.text and "(c) Herald" not in art.text
    kinds = {(ln.url, ln.kind) for ln in result.links}
    assert ("http://source.test/a/1", LinkKind.ATTRIBUTION) in kinds
    assert ("http://source.test/a/1", LinkKind.CANONICAL) in kinds
    assert ("http://source.test/a/1", LinkKind.SYNDICATION_SOURCE) in kinds
    assert ("http://other.test/report", LinkKind.BODY) in kinds
    assert ("http://partner.test/", LinkKind.BOILERPLATE) in kinds
    assert "http://copy.test/world" in result.nav_links
    assert result.feeds == ["http://copy.test/feed"]


def test_home_and_short_pages_are_not_articles() -> None:
    html = page().encode()
    assert analyse_html(html, "http://copy.test/", "text/html").article is None
    short = b"<html><body><p>Just a few words here.</p></body></html>"
    assert analyse_html(short, "http://copy.test/a", "text/html").article is None


@pytest.mark.parametrize(
    ("text", "declared_header", "meta", "encoding"),
    [
        ("Министр заявил, что удар был ошибкой", "utf-8", "windows-1251", "cp1251"),
        ("Le café du marché à côté", "utf-8", "utf-8", "latin-1"),
        ("plain ascii text", None, "utf-8", "ascii"),
        ("Grüße aus Köln", None, None, "utf-8"),
    ],
)
def test_decode_html_survives_lying_charsets(
    text: str, declared_header: str | None, meta: str | None, encoding: str
) -> None:
    meta_tag = f'<meta charset="{meta}">' if meta else ""
    body = f"<html><head>{meta_tag}</head><body><p>{text}</p></body></html>".encode(encoding)
    header = f"text/html; charset={declared_header}" if declared_header else "text/html"
    decoded, _ = decode_html(body, header)
    assert text in decoded


@pytest.mark.parametrize(
    ("body", "binary"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, True),
        (b"%PDF-1.7\n...", True),
        (b"\x1f\x8b\x08\x00compressed", True),
        (bytes(range(0, 32)) * 100, True),
        (b"<html><body>hello</body></html>", False),
        ("<p>Привет</p>".encode("cp1251"), False),
    ],
)
def test_looks_binary(body: bytes, binary: bool) -> None:
    assert looks_binary(body) is binary


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not_html"),
        (b"", "unparsable_html"),
    ],
)
def test_analyse_page_turns_bad_bodies_into_reasons(body: bytes, error: str) -> None:
    result = analyse_page(body, "http://x.test/a", "text/html")
    assert result.error == error
    assert result.content_hash is not None and result.raw is not None


def test_malformed_html_still_yields_the_article() -> None:
    html = page().replace("</p>", "").replace("<article>", "<article><div><span></b></i>")
    result = analyse_html(html.encode(), "http://x.test/a", "text/html")
    assert result.article is not None
    assert "worrying turn" in result.article.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-03T14:20:00+03:00", (datetime(2025, 3, 3, 11, 20, tzinfo=UTC), DATETIME)),
        ("2025-03-03T14:20:00Z", (datetime(2025, 3, 3, 14, 20, tzinfo=UTC), DATETIME)),
        ("2025-03-03 14:20", (datetime(2025, 3, 3, 14, 20, tzinfo=UTC), LOCAL)),
        ("2025-03-03", (datetime(2025, 3, 3, tzinfo=UTC), DATE)),
        ("March 3, 2025", None),
        ("", None),
    ],
)
def test_parse_iso(value: str, expected: tuple[datetime, str] | None) -> None:
    assert parse_iso(value) == expected


@pytest.mark.parametrize(
    ("head", "precision"),
    [
        ('<script type="application/ld+json">{"@type": "NewsArticle", '
         '"datePublished": "2025-03-03T09:00:00-05:00"}</script>', DATETIME),
        ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
         '{"@type": "Article", "datePublished": "2025-03-03"}]}</script>', DATE),
        ('<meta itemprop="datePublished" content="2025-03-03T10:00:00">', LOCAL),
        ('<script type="application/ld+json">{not json</script>', None),
        ('</head><body><aside><time datetime="2025-01-01">x</time></aside><div class="byline">'
         '<time datetime="2025-02-24T20:31:00+05:30">24 Feb</time></div><head>', DATETIME),
        ('</head><body><div class="comments"><time datetime="2025-03-01T10:00:00Z">x</time>'
         '</div><head>', None),
        ("", None),
    ],
)  # fmt: skip
def test_structured_published(head: str, precision: str | None) -> None:
    tree = document_fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>")
    found = structured_published(tree)
    assert (found[1] if found else None) == precision


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<title>T<body><p>x</p>", "<title>T</title><body><p>x</p>"),
        ("<title>T</title><body>", "<title>T</title><body>"),
        ("<TITLE lang=en>T<p>x", "<TITLE lang=en>T</title><p>x"),
        ("<body>no title</body>", "<body>no title</body>"),
    ],
)
def test_repair_title(html: str, expected: str) -> None:
    from crawler.extraction import repair_title

    assert repair_title(html) == expected


@pytest.mark.parametrize(
    "byline",
    [
        '<a rel="author">Jane Roe</a>', '<span id="author">Jane Roe</span>',
        '<p class="author">Jane Roe</p>', '<span itemprop="author name">Jane Roe</span>',
        "<div><rel>me</rel></div>", '<div data-testid="AuthorCard">Jane Roe</div>',
        '<span class="post-AuthorName">Jane Roe</span>', "<author>Jane Roe</author>",
        '<p class="byline">Jane Roe</p>', '<p class="username">Jane Roe</p>',
        '<p class="BBL">Jane Roe</p>', '<span itemprop="creator author">Jane Roe</span>',
        '<span id="post-zuozhe">Jane Roe</span>', '<span class="journalist-name">Jane Roe</span>',
        '<span class="posted-by">Jane Roe</span>', '<b data-component="TextByline">Jane Roe</b>',
        '<b id="Author-box">Jane Roe</b>', '<b class="screenname">Jane Roe</b>',
        '<b class="writer">Jane Roe</b>', '<b class="Byline">Jane Roe</b>',
    ],
)  # fmt: skip
def test_author_shortcut_never_hides_an_author(byline: str) -> None:
    """``_may_name_author`` may skip trafilatura's ``extract_author`` only on pages where it
    finds nothing: every kind of element its XPaths accept keeps it on."""
    from trafilatura.metadata import extract_author

    from crawler.extraction import _AUTHOR_SHORTCUT, _may_name_author

    assert _AUTHOR_SHORTCUT  # else trafilatura's XPaths changed: re-read them, new digest
    tree = document_fromstring(f"<html><body><article>{byline}<p>Text.</p></article></body></html>")
    assert _may_name_author(tree)
    plain = document_fromstring('<html><body><p class="meta">By Jane Roe</p></body></html>')
    assert not _may_name_author(plain) and extract_author(plain) is None
