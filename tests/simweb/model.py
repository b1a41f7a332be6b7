"""Plain data records of the simulated web: outlets, articles, credits, responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .text import Event


@dataclass(frozen=True)
class Response:
    """One pre-rendered answer. ``behaviour`` marks answers the server acts out itself."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    behaviour: str | None = None  # "stall" | "flaky" | "bomb" | None


@dataclass
class Outlet:
    """A fictional news site and the knobs of its template."""

    domain: str  # registered domain, e.g. "dailyherald.test"
    name: str
    host: str  # canonical host serving the pages
    lang: str
    tz_minutes: int
    variant: int  # page structure family, 0..3
    px: str  # class-name prefix
    url_style: str
    feed_path: str
    page_style: str  # "path" (/page/2) or "query" (/?page=2)
    date_fmt: str  # visible date format, "none" for no visible date
    meta: frozenset[str]  # "article_time", "jsonld", "time_tag", "og"
    date_only: bool = False
    author_rate: float = 0.85
    disallow: str | None = None
    sitemap_index: bool = False
    langs: tuple[str, ...] = ()
    bare_redirect: bool = False  # bare domain answers 301 to ``host``
    licence: bool = False  # origin outlet with a republication licence in every article
    network: bool = False  # member of the shared syndication network footer
    origin_weight: float = 1.0
    copy_weight: float = 1.0
    sections: tuple[str, ...] = ("World", "Politics", "Economy", "Military", "Society")
    boilerplate: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        """Every host name that answers for this outlet."""
        return [self.host] + ([self.domain] if self.bare_redirect else [])

    @property
    def home(self) -> str:
        return f"http://{self.host}/"

    @property
    def feed(self) -> str:
        return f"http://{self.host}{self.feed_path}"

    @property
    def sitemap(self) -> str:
        return f"http://{self.host}/sitemap.xml"

    @property
    def robots(self) -> str:
        return f"http://{self.host}/robots.txt"


@dataclass
class Credit:
    """A visible credit line in a copy's body: ``text`` holds ``{a}`` for the link."""

    text: str
    href: str
    anchor: str
    top: bool


@dataclass
class Art:
    """One article page and everything its page and the ground truth need."""

    id: int
    outlet: Outlet
    url: str
    story: str
    event: Event
    title: str
    dek: str
    section: str
    author: str | None
    time: datetime  # when it really appeared (also for pages that show no date)
    published: datetime | None  # the date the page shows, None when it shows none
    precision: str | None
    lang: str
    form: str
    paragraphs: list[str]
    source: Art | None = None
    root: Art | None = None
    credited: bool = False
    kind: str | None = None
    credit: Credit | None = None
    meta_src: dict[str, str] = field(default_factory=dict)
    listed: bool = True  # on home pages, feed and sitemap
    linked_only: bool = False  # linked from home pages only (robots-disallowed pages)
    disallowed: bool = False
    epoch: int = 0  # night it appeared
    modified: int = 0  # last night its page changed
    related: list[Art] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def root_url(self) -> str:
        return (self.root or self).url
