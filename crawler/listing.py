"""Pages that are not articles although they have plenty of text: listings and aliases.

A *listing* (paginated home page, tag, category, author or search-results page, HTML
site map) is a list of teasers, each a headline link to another page of the same outlet
followed by a few sentences. trafilatura often takes those teasers for an article, and
on WordPress themes it even keeps the teaser paragraphs while dropping their headline
links, so the extracted text alone does not tell. We decide from the page: find the
teaser blocks in the DOM (a standalone headline link to a same-outlet page, first in a
short block of its own), then ask how much of the extracted main text comes from them.
URL shapes (``/page/2``, ``/tag/``, ``?s=``) only lower the bar.

An *alias* (print or AMP version) names another URL of the same outlet as its
``rel=canonical``: it is that article again, not an article of its own.

trafilatura and courlan have no listing detector of this kind (courlan's URL filters
only look at the URL), hence this module. Pure functions on an lxml tree and strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.html import HtmlElement

__all__ = [
    "ListingSignals",
    "is_alias",
    "is_listing",
    "listing_signals",
    "listing_url_hint",
    "prose_words",
    "teaser_blocks",
]

# Paths and queries of listing pages on common CMSs (WordPress, Drupal, news themes).
_LISTING_URL = re.compile(
    r"/(?:tags?|topics?|category|categories|sections?|authors?|staff|people)/[^/]+/?"
    r"(?:page/\d+/?)?$|/page/\d+/?$|/(?:search|archives?|sitemap)(?:\.html?)?/?$"
    r"|[?&](?:s|q|query|page|paged)=",
    re.IGNORECASE,
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that end a line of text: a link between two of them stands on its own line.
BLOCKS = frozenset({
    "p", "div", "li", "ul", "ol", "td", "th", "tr", "table", "tbody", "article", "section",
    "header", "footer", "main", "aside", "nav", "figure", "figcaption", "blockquote", "dd",
    "dt", "dl", "form", "body", "br", "hr", "img", *HEADINGS,
})  # fmt: skip
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word: two letters or more (dates and "|" are not)

MIN_HEADLINE_WORDS = 3  # "Read more", tag names and author names are not headlines
MAX_HEADLINE_WORDS = 30
MAX_TEASER_WORDS = 150  # a teaser block: headline, a few sentences, date, author
MAX_WORDS_BEFORE_HEADLINE = 15  # a kicker or a date may come first, not a paragraph
MIN_LINE_WORDS = 3  # shorter lines of the main text (menus, dates, "Share") are not weighed
MAX_RUNNING_WORDS = 2  # words beside a link on its line; more and it is inline in a sentence


@dataclass(frozen=True, slots=True)
class ListingSignals:
    """What the listing decision is made from."""

    teasers: int  # teaser blocks on the whole page
    teasers_in_main: int  # of those, how many the extracted main text draws on
    headed_in_main: int  # of those, how many have their headline link in a heading
    coverage: float  # share of the main text's words that come from teaser blocks
    main_words: int


def listing_url_hint(url: str) -> bool:
    """Whether the URL has the shape of a listing (a hint, never a decision).

    >>> listing_url_hint("http://a.test/tag/budget/page/2/"), listing_url_hint("http://a.test/?s=x")
    (True, True)
    >>> listing_url_hint("http://a.test/2025/03/budget-talks-collapse/")
    False
    """
    parts = urlsplit(url)
    return bool(_LISTING_URL.search(parts.path + ("?" + parts.query if parts.query else "")))


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _text(el: HtmlElement) -> str:
    return " ".join(" ".join(el.itertext()).split())


_SPACE = re.compile(r"[\s|]+")  # whitespace and the cell separators of extracted tables


def _squeeze(text: str) -> str:
    """Text without whitespace, so that extracted lines and DOM text compare equal."""
    return _SPACE.sub("", text)


_HERE = object()


def _line_around(a: HtmlElement, block: HtmlElement) -> tuple[str, str]:
    """The text before and after ``a`` on its line inside ``block`` (up to a block or br)."""
    seq: list[object] = []  # text, None for a line boundary, _HERE for the link

    def walk(el: HtmlElement) -> None:
        if el is a:
            seq.append(_HERE)
        elif isinstance(el.tag, str):  # comments and processing instructions: tail only
            boundary = el is not block and el.tag in BLOCKS
            if boundary:
                seq.append(None)
            seq.append(el.text or "")
            for child in el:
                walk(child)
            if boundary:
                seq.append(None)
        if el is not block:
            seq.append(el.tail or "")

    walk(block)
    at = seq.index(_HERE)
    before: list[str] = []
    for x in reversed(seq[:at]):
        if x is None:
            break
        before.append(str(x))
    after: list[str] = []
    for x in seq[at + 1 :]:
        if x is None:
            break
        after.append(str(x))
    return " ".join(reversed(before)), " ".join(after)


def _headline(a: HtmlElement) -> bool | None:
    """Whether a link stands as a headline: True in or around a heading, False alone on
    its line, None when it is no headline (too short or long, or inside a sentence)."""
    words = _words(a.text_content())
    if not MIN_HEADLINE_WORDS <= words <= MAX_HEADLINE_WORDS:
        return None
    if any(anc.tag in HEADINGS for anc in a.iterancestors()) or any(
        el.tag in HEADINGS for el in a.iterdescendants()
    ):
        return True
    block = next((anc for anc in a.iterancestors() if anc.tag in BLOCKS), None)
    if block is None:
        return None
    before, after = _line_around(a, block)
    alone = _words(before) <= MAX_RUNNING_WORDS and _words(after) <= MAX_RUNNING_WORDS
    return False if alone else None


@dataclass(frozen=True, slots=True)
class Teaser:
    text: str  # whitespace removed (see ``_squeeze``)
    headed: bool  # the headline link is in or around an h1-h6


def teaser_blocks(
    tree: HtmlElement, url: str, same_outlet: Callable[[str], str | None]
) -> list[Teaser]:
    """Every teaser block of the page.

    ``same_outlet(href)`` resolves a link and returns its URL when it is another page of
    this outlet (not its home page), else None. A teaser block is the largest element
    around a headline link that holds no other headline target, has the headline near
    its start and is short (``MAX_TEASER_WORDS``).
    """
    heads: list[tuple[HtmlElement, str]] = []
    for a in tree.iter("a"):
        href = a.get("href")
        target = same_outlet(href) if href else None
        if target and target != url and _headline(a) is not None:
            heads.append((a, target))
    targets: dict[HtmlElement, set[str]] = {}
    for a, target in heads:
        for anc in a.iterancestors():
            targets.setdefault(anc, set()).add(target)
    blocks: dict[HtmlElement, Teaser] = {}
    for a, target in heads:
        block = a
        for anc in a.iterancestors():
            if targets[anc] != {target} or anc.tag in ("body", "html"):
                break
            block = anc
        text = _text(block)
        if _words(text) > MAX_TEASER_WORDS:
            continue
        start = text.find(_text(a))
        if start < 0 or _words(text[:start]) > MAX_WORDS_BEFORE_HEADLINE:
            continue
        blocks.setdefault(block, Teaser(_squeeze(text), bool(_headline(a))))
    return list(blocks.values())


def prose_words(lines: Iterable[str]) -> int:
    """Words in lines of running text (three words or more), not menus, dates or labels."""
    return sum(n for n in map(_words, lines) if n >= MIN_LINE_WORDS)


def listing_signals(blocks: list[Teaser], main_lines: Iterable[str]) -> ListingSignals:
    """How much of the extracted main text (its lines) comes from the teaser blocks."""
    total = covered = 0
    hit: set[int] = set()
    for line in main_lines:
        n = _words(line)
        if n < MIN_LINE_WORDS:
            continue
        total += n
        squeezed = _squeeze(line)
        for i, block in enumerate(blocks):
            if squeezed in block.text:
                covered += n
                hit.add(i)
                break
    headed = sum(blocks[i].headed for i in hit)
    return ListingSignals(len(blocks), len(hit), headed, covered / total if total else 0.0, total)


def is_listing(signals: ListingSignals, url_hint: bool = False) -> bool:
    """The decision: the main text is mostly teasers of several other pages.

    Three teasers making 60 % of the text, two making 90 %, or one with a headline in a
    heading making 95 % (a listing of one, or a fragment the extractor kept of a longer
    list). A URL of listing shape lowers the bar: two teasers and half of the text, or
    one teaser and 80 %.

    >>> is_listing(ListingSignals(12, 12, 12, 0.95, 600))
    True
    >>> is_listing(ListingSignals(8, 5, 0, 0.1, 700))  # an article with related stories
    False
    """
    s = signals
    if url_hint and (
        (s.teasers_in_main >= 2 and s.coverage >= 0.5)
        or (s.teasers_in_main >= 1 and s.coverage >= 0.8)
    ):
        return True
    return (
        (s.teasers_in_main >= 3 and s.coverage >= 0.6)
        or (s.teasers_in_main >= 2 and s.coverage >= 0.9)
        or (s.headed_in_main >= 1 and s.coverage >= 0.95)
    )


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').removeprefix('www.')}{parts.path.rstrip('/')}?{parts.query}"


def is_alias(url: str, canonical: str | None, outlet_of: Callable[[str], str]) -> bool:
    """Whether the page at ``url`` names another page of its outlet as its canonical URL.

    Print and AMP versions do; a canonical to the outlet's home page (a common CMS
    misconfiguration) or one that differs only in scheme, ``www.`` or a trailing slash
    does not make an alias.

    >>> from crawler.urls import outlet_of
    >>> is_alias("http://a.test/amp/x", "http://a.test/x", outlet_of)
    True
    >>> is_alias("https://a.test/x/", "http://www.a.test/x", outlet_of)
    False
    """
    if not canonical:
        return False
    parts = urlsplit(canonical)
    if parts.path in ("", "/") and not parts.query:
        return False
    return outlet_of(canonical) == outlet_of(url) and _url_key(canonical) != _url_key(url)
