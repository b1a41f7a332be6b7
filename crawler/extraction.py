"""Turn one fetched body into what we store: decoded text, article fields and links.

Everything here is CPU work on plain values (bytes in, dataclasses out), so it runs in
worker processes (see ``crawler.extractor``) while the crawl process only does I/O.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import zlib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

import trafilatura
from charset_normalizer import from_bytes
from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlElement, document_fromstring
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.utils import HTML_PARSER, load_html
from trafilatura.xml import xmltotxt
from trafilatura.xpaths import AUTHOR_XPATHS
from w3lib.encoding import html_body_declared_encoding, html_to_unicode

from crawler.attribution import classify_anchor
from crawler.dates import fallback_day, structured_published
from crawler.items import ArticleData, FoundLink
from crawler.kinds import LinkKind
from crawler.listing import (
    is_alias,
    is_listing,
    listing_signals,
    listing_url_hint,
    prose_words,
    teaser_blocks,
)
from crawler.urls import (
    has_ignored_extension,
    home_url,
    is_home,
    is_http_url,
    normalize_url,
    outlet_of,
)

# Magic numbers of formats that are served as text/html by broken or hostile servers.
BINARY_SIGNATURES = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x1f\x8b",
                     b"RIFF", b"\x00\x00\x01\x00", b"OggS", b"ID3")  # fmt: skip

HEAD_LINKS = (
    (LinkKind.CANONICAL, "//link[contains(concat(' ', normalize-space(@rel), ' '),"
                         " ' canonical ')]/@href"),
    (LinkKind.OG_URL, "//meta[@property='og:url']/@content"),
    (LinkKind.SYNDICATION_SOURCE, "//meta[@name='syndication-source']/@content"
                                  " | //link[@rel='syndication-source']/@href"),
    (LinkKind.ORIGINAL_SOURCE, "//meta[@name='original-source']/@content"
                               " | //link[@rel='original-source']/@href"),
)  # fmt: skip

DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}

FEED_XPATH = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"
    "[contains(@type, 'rss') or contains(@type, 'atom')]/@href"
)


# lxml.html picks each element's class in a Python callback, called for every element
# object lxml hands out: 7.5M calls on the 2,462 pages of a scale-3 web, ~6% of
# extraction. The C-level default lookup gives the same HtmlElement for every tag; only
# form controls lose lxml.html's form helpers, which trafilatura and we never use. Set
# on trafilatura's own parser (the one that parses every page we analyse), in the
# extraction workers and the crawl process alike.
HTML_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)


class NotHTML(ValueError):
    """The body is not an HTML document."""


@dataclass(slots=True)
class Analysis:
    """What one HTML body yields. ``error`` is set when it cannot be used as content."""

    encoding: str | None = None
    article: ArticleData | None = None
    links: list[FoundLink] = field(default_factory=list)  # stored: head, main text, cross-outlet
    nav_links: list[str] = field(default_factory=list)  # same-outlet links outside the main text
    feeds: list[str] = field(default_factory=list)
    error: str | None = None
    error_detail: str | None = None
    reason: str | None = None  # why a usable page is not an article: "listing", "alias"
    raw: bytes | None = None  # zlib-compressed body, as stored
    content_hash: str | None = None


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def looks_binary(body: bytes) -> bool:
    """True for images, archives and other non-text bodies, whatever their Content-Type."""
    head = body[:4096]
    if head.startswith(BINARY_SIGNATURES) or b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return len(head) > 0 and control / len(head) > 0.05


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML body: HTTP header, then BOM, then ``<meta charset>`` (w3lib's order).

    Servers lie: a cp1251 page sent as ``utf-8``, latin-1 declared as utf-8. When the
    chosen charset leaves replacement characters we try, in order, the page's own
    declaration, windows-1252 (what browsers assume for broken "utf-8" in Western text)
    when the result reads as Western text, and charset detection; the first strict
    decode that works wins.
    """
    encoding, text = html_to_unicode(content_type, body)
    if "\ufffd" not in text:
        return text, encoding
    for candidate in _fallback_encodings(body, encoding):
        try:
            return body.decode(candidate), candidate
        except (LookupError, UnicodeDecodeError):
            continue
    return text, encoding


def _fallback_encodings(body: bytes, failed: str) -> Iterator[str]:
    declared = html_body_declared_encoding(body)
    if declared and _codec(declared) not in (None, _codec(failed)):
        yield declared
    western = body.decode("cp1252", errors="replace")
    letters = [c for c in western if c.isalpha()]
    if letters and sum(ord(c) > 127 for c in letters) / len(letters) < 0.1:
        yield "cp1252"
    best = from_bytes(body[:200_000]).best()
    if best is not None:
        yield best.encoding


def repair_title(text: str) -> str:
    """Close a ``<title>`` that is never closed.

    An unclosed title is raw text to the end of the document for HTML parsers (lxml and
    browsers alike), which hides the whole article; closing it at the next tag is the
    one repair lxml's own recovery does not make.
    """
    head = text[:20_000]
    match = re.search(r"<title[^>]*>", head, re.IGNORECASE)
    if match is None or re.search(r"</title\s*>", text, re.IGNORECASE):
        return text
    end = text.find("<", match.end())
    if end < 0:
        return text
    return text[:end] + "</title>" + text[end:]


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _xpath(path: str) -> etree.XPath:
    """A compiled XPath whose strings are plain ``str``, not lxml's "smart" strings that
    carry their element (one element proxy less per result); their text is the same."""
    return etree.XPath(path, smart_strings=False)


_HEAD_LINK_XPATHS = tuple((kind, _xpath(path)) for kind, path in HEAD_LINKS)
_FEEDS = _xpath(FEED_XPATH)
_HREFS = _xpath("//a/@href")
_HTML_LANG = _xpath("/html/@lang | /html/@xml:lang")
_META_LANG = _xpath(
    "//meta[@http-equiv='content-language']/@content | //meta[@property='og:locale']/@content"
)


def _first(tree: HtmlElement, xpath: etree.XPath) -> str | None:
    for value in xpath(tree):
        value = str(value).strip()
        if value:
            return value
    return None


def _language(tree: HtmlElement) -> str | None:
    lang = _first(tree, _HTML_LANG) or _first(tree, _META_LANG)
    if not lang:
        return None
    return lang.replace("_", "-").split("-")[0].lower()[:16] or None


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


def _absolute(base: str, href: str) -> str | None:
    href = href.strip()
    if href.startswith("/") or _SCHEME.match(href):
        # Such a link resolves the same against the page's origin as against the page
        # itself, and an outlet's pages share most of their links: resolve it once.
        return _resolve_from_origin(home_url(base), href)
    return _resolve(base, href)  # relative to this page: not worth a cache entry


def _resolve(base: str, href: str) -> str | None:
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    return _crawlable(url)


_resolve_from_origin = lru_cache(maxsize=131072)(_resolve)


# The outlet of each link target (stored URLs, which recur across an outlet's pages): a
# page has ~150 links, and outlet_of splits each URL again.
_outlet_of = lru_cache(maxsize=131072)(outlet_of)


@lru_cache(maxsize=131072)
def _outlet_unless_home(url: str) -> str | None:
    """The outlet of a link target, None for a home page (never a teaser's target)."""
    return None if is_home(url) else outlet_of(url)


@lru_cache(maxsize=131072)  # navigation and sidebar links recur on every page of an outlet
def _crawlable(url: str) -> str | None:
    """The stored form of an absolute URL, or None when it is not an http(s) HTML page."""
    if not is_http_url(url) or has_ignored_extension(url):
        return None
    return normalize_url(url)


# ``extract_author`` copies the whole tree, prunes it and runs three XPaths whose regex
# tests call back into Python for each element: 5 ms, a sixth of a page's analysis. On a
# third of the pages it is asked about nothing on the page can match, and it returns None.
# Every element those XPaths accept is named ``author`` or has a ``rel`` child, or has one
# of these six attributes holding one of these literal parts of their tests ('uthor' for
# author/Author/AuthorName, 'yline' for Byline). Pruning only removes elements, so when the
# whole tree has none, the pruned copy has none either and the answer is None.
_AUTHOR_ATTRS = etree.XPath(
    "//@class | //@id | //@rel | //@itemprop | //@data-testid | //@data-component",
    smart_strings=False,
)
_AUTHOR_HINT = re.compile(
    "uthor|byl|yline|BBL|username|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by"
    "|journalist-name|screenname|writer"
)
# The digest of the XPaths the two above were read off; other ones (a trafilatura upgrade)
# turn the shortcut off rather than risk a missed author.
_AUTHOR_XPATHS_READ = "52b3a4d1177c18bb839ab532764865e4c94e3c73bf81fb9d72f0cae1ab4e47d4"


def _xpaths_digest(xpaths: list[etree.XPath]) -> str:
    return hashlib.sha256("\n".join(" ".join(x.path.split()) for x in xpaths).encode()).hexdigest()


_AUTHOR_SHORTCUT = _xpaths_digest(AUTHOR_XPATHS) == _AUTHOR_XPATHS_READ


def _may_name_author(tree: HtmlElement) -> bool:
    """False only when trafilatura's ``extract_author`` is sure to find nothing (0.3 ms)."""
    if not _AUTHOR_SHORTCUT:
        return True
    return (
        _AUTHOR_HINT.search("\n".join(_AUTHOR_ATTRS(tree))) is not None
        or next(tree.iter("author", "rel"), None) is not None
    )


def _metadata(tree: HtmlElement, url: str, date_wanted: bool) -> Document:
    """Title, author, site name and (when ``date_wanted``) htmldate's date of a page.

    trafilatura's ``extract_metadata`` without the fields we never store: categories,
    tags and licence cost a tenth of a page's extraction (profile of the simulated web's
    pages), and htmldate is not run on a page whose date its markup gives (we take that
    one first). The steps it keeps are trafilatura's own, in its order; this reads the
    tree only, so the one parsed tree serves both.
    """
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    with suppress(Exception):  # trafilatura's own guard: bugs in its JSON-LD code
        meta = extract_meta_json(tree, meta)
    if not meta.title:
        meta.title = extract_title(tree)
    if not meta.author:
        meta.author = extract_author(tree) if _may_name_author(tree) else None
    if not meta.url:
        meta.url = extract_url(tree, url)
    if date_wanted:
        meta.date = find_date(tree, **DATE_PARAMS, url=meta.url)
    if not meta.sitename:
        meta.sitename = extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url and (found := META_URL.match(meta.url)):
        meta.sitename = found[1]
    return meta


def analyse_html(body: bytes, url: str, content_type: str | None, min_words: int = 50) -> Analysis:
    """Decode, extract the article (trafilatura) and classify every link of one page."""
    if looks_binary(body):
        raise NotHTML("binary content served as HTML")
    text, encoding = decode_html(body, content_type)
    text = repair_title(text)
    result = Analysis(encoding=encoding)
    # One parse serves trafilatura and our own reading of the page: trafilatura's loader
    # (its parser options and repairs), and bare_extraction copies a tree it is given.
    tree = load_html(text)
    extractable = tree is not None
    if tree is None:  # trafilatura finds no document; its links may still be read
        try:
            tree = document_fromstring(text)
        except (etree.ParserError, ValueError) as exc:
            result.error, result.error_detail = "unparsable_html", str(exc)[:500]
            return result
    page_outlet = outlet_of(url)
    for kind, xpath in _HEAD_LINK_XPATHS:
        href = _first(tree, xpath)
        target = _absolute(url, href) if href else None
        if target:
            result.links.append(FoundLink(target, kind))
    result.feeds = [u for h in _FEEDS(tree) if (u := _absolute(url, str(h)))]

    # deduplicate=False: trafilatura's dedup deletes repeated text, which is our evidence.
    # extensive_search=False: htmldate's free-text search takes a footer's copyright year
    # for the publication date; its markup, URL and byline-element search stays on.
    structured = structured_published(tree)
    meta = _metadata(tree, url, date_wanted=structured is None)
    doc = trafilatura.bare_extraction(
        tree, url=url, include_links=True, include_comments=False, include_tables=True,
        deduplicate=False, with_metadata=False,
    ) if extractable else None  # fmt: skip
    main_urls: set[str] = set()
    words = link_words = 0
    body_text = ""
    if doc is not None and doc.body is not None:
        for ref in doc.body.iter("ref"):
            target = _absolute(url, ref.get("target") or "")
            if not target:
                continue
            anchor = " ".join("".join(ref.itertext()).split())
            parent = ref.getparent()
            before = _text_before(parent, ref) if parent is not None else ""
            is_credit, _label, context = classify_anchor(before, anchor)
            kind = LinkKind.ATTRIBUTION if is_credit else LinkKind.BODY
            result.links.append(FoundLink(target, kind, anchor[:500], context[:500]))
            main_urls.add(target)
            link_words += len(anchor.split())
        etree.strip_tags(doc.body, "ref")
        body_text = xmltotxt(doc.body, include_formatting=False).strip()
        words = len(body_text.split())

    resolved: dict[str, str | None] = {}  # href -> target, again in the listing check
    for href in _HREFS(tree):
        target = resolved[href] = _absolute(url, href)
        if not target or target in main_urls:
            continue
        if _outlet_of(target) == page_outlet:
            result.nav_links.append(target)
        else:
            result.links.append(FoundLink(target, LinkKind.BOILERPLATE))
    result.nav_links = list(dict.fromkeys(result.nav_links))
    result.links = _unique_links(result.links)

    if doc is None or words < min_words:
        result.reason = "listing" if is_home(url) else None
        return result  # too little text: not an article
    canonical = next((ln.url for ln in result.links if ln.kind == LinkKind.CANONICAL), None)
    if is_alias(url, canonical, outlet_of):
        result.reason = "alias"  # a print or AMP version: its canonical is the article
        return result
    lines = body_text.splitlines()
    if is_home(url) or link_words > words / 2 or _is_listing(tree, url, lines, resolved):
        result.reason = "listing"
        return result
    if prose_words(lines) < min_words:
        return result  # mostly menu items and labels, little running text: not an article
    published = structured
    if published is None and meta.date:
        published = fallback_day(meta.date)
    result.article = ArticleData(
        title=(meta.title or None) and meta.title[:1000],
        author=(meta.author or None) and meta.author[:1000],
        published=published[0] if published else None,
        published_raw=published[2] if published else None,
        date_precision=published[1] if published else None,
        canonical_url=canonical,
        site_name=meta.sitename or None,
        language=_language(tree),
        text=body_text,
        text_hash=hashlib.sha256(body_text.encode()).hexdigest(),
        word_count=words,
    )
    return result


def _is_listing(
    tree: HtmlElement, url: str, lines: list[str], resolved: dict[str, str | None] | None = None
) -> bool:
    """Whether the page's main text is mostly teasers of other pages of its outlet.

    ``resolved`` maps hrefs of the page to ``_absolute(url, href)``, as already computed.
    """
    outlet = outlet_of(url)
    resolved = {} if resolved is None else resolved

    def same_outlet(href: str) -> str | None:
        target = resolved[href] if href in resolved else _absolute(url, href)
        return target if target and _outlet_unless_home(target) == outlet else None

    blocks = teaser_blocks(tree, url, same_outlet)
    if not blocks:
        return False
    return is_listing(listing_signals(blocks, lines), listing_url_hint(url))


def _text_before(parent: etree._Element, ref: etree._Element) -> str:
    parts = [parent.text or ""]
    for child in parent:
        if child is ref:
            break
        parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _unique_links(links: list[FoundLink]) -> list[FoundLink]:
    seen: dict[tuple[str, str], FoundLink] = {}
    for link in links:
        seen.setdefault((link.url, link.kind), link)
    return list(seen.values())


def compress(body: bytes) -> bytes:
    """Raw bodies are kept zlib-compressed: pages vanish and evidence must remain.

    Level 3: on the simulated web's pages, half the CPU of level 6 for 11 % more bytes.
    """
    return zlib.compress(body, 3)


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def analyse_page(body: bytes, url: str, content_type: str | None, min_words: int = 50) -> Analysis:
    """``analyse_html`` plus the stored form of the body; never raises (worker entry point).

    Whatever goes wrong becomes an ``error`` code, so one hostile page cannot stop a crawl.
    """
    try:
        result = analyse_html(body, url, content_type, min_words)
    except NotHTML as exc:
        result = Analysis(error="not_html", error_detail=str(exc))
    except RecursionError:
        result = Analysis(error="unparsable_html", error_detail="nesting too deep")
    except Exception as exc:  # noqa: BLE001 - recorded with its reason, the crawl goes on
        result = Analysis(error="extract_error", error_detail=f"{type(exc).__name__}: {exc}"[:500])
    result.raw = compress(body)
    result.content_hash = sha256(body)
    return result
