"""Items passed from the spider to the pipelines: plain dataclasses, no Scrapy objects.

The database layer reads these, so this module imports nothing from Scrapy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class FoundLink:
    url: str  # normalised absolute URL
    kind: str  # a ``crawler.kinds.LinkKind`` value
    anchor: str | None = None
    context: str | None = None  # text around the link that carries a credit phrase


@dataclass(slots=True)
class ArticleData:
    """What trafilatura (and our date reader) extracted from an article page."""

    title: str | None
    author: str | None
    published: datetime | None
    published_raw: str | None
    date_precision: str | None
    canonical_url: str | None
    site_name: str | None
    language: str | None
    text: str
    text_hash: str
    word_count: int


@dataclass(slots=True)
class PageItem:
    """The outcome of fetching one URL: content and links, or a failure with its reason."""

    url: str  # as requested (normalised), before redirects
    outlet: str  # registered domain of ``final_url`` (or of ``url`` when nothing was fetched)
    fetch_status: str  # a ``crawler.kinds.FetchStatus`` value
    fetched_at: datetime
    final_url: str | None = None
    error: str | None = None  # short reason code: "robots", "timeout", "http_404", ...
    error_detail: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    content_length: int | None = None
    content_hash: str | None = None
    raw: bytes | None = field(default=None, repr=False)  # zlib-compressed body
    depth: int | None = None
    via: str | None = None  # the ``RequestKind`` that led here
    etag: str | None = None  # validators for the next conditional request
    last_modified: str | None = None
    warc_file: str | None = None  # where the archived response is
    warc_offset: int | None = None
    article: ArticleData | None = field(default=None, repr=False)
    links: list[FoundLink] = field(default_factory=list, repr=False)
    # Requests this page led to: (url, kind, depth), written to the frontier with the page.
    discovered: list[tuple[str, str, int]] = field(default_factory=list, repr=False)
    article_id: int | None = None  # set by the store pipeline
