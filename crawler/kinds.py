"""What the crawl's stages share: why a URL is requested, how a fetch ended, what a link is.

Extraction, the frontier policy and storage all speak these; this module imports nothing
of the project, so the dependency arrows run one way.
"""

from __future__ import annotations

import enum

__all__ = ["FetchStatus", "LinkKind", "RequestKind"]


class FetchStatus(enum.StrEnum):
    """Outcome of fetching one URL."""

    OK = "ok"  # HTML fetched and extracted
    NOT_ARTICLE = "not_article"  # fetched, but no main text (home pages, listings)
    NOT_MODIFIED = "not_modified"  # conditional request answered 304: stored content holds
    FAILED = "failed"  # not recorded as content; ``error`` says why


class LinkKind(enum.StrEnum):
    """How a link relates its page to the target URL, strongest provenance signal first."""

    ATTRIBUTION = "attribution"  # credit phrase + link in the main text ("first appeared on")
    CANONICAL = "canonical"  # <link rel=canonical>
    OG_URL = "og_url"  # <meta property=og:url>
    SYNDICATION_SOURCE = "syndication_source"  # <meta name=syndication-source>
    ORIGINAL_SOURCE = "original_source"  # <meta name=original-source>
    BODY = "body"  # any other link inside the main text
    BOILERPLATE = "boilerplate"  # navigation, sidebars, footers (outside the main text)


class RequestKind(enum.StrEnum):
    """Why a URL is requested. Stored as ``pages.discovered_via``."""

    SEED = "seed"
    ATTRIBUTION = "attribution"  # credit link in the main text
    CANONICAL = "canonical"  # rel=canonical / og:url / syndication-source / original-source
    COPY_SOURCE = "copy_source"  # credit/canonical link of a page found to be a copy
    BODY_EXTERNAL = "body_external"  # other outlet linked from the main text
    SEARCH = "search"  # a search result for an article's passage (crawler.search)
    FEED = "feed"
    ROBOTS = "robots"  # read for its Sitemap: lines
    SITEMAP = "sitemap"
    HOME = "home"
    LISTING = "listing"  # linked from a home page, listing, feed or sitemap
    RELATED = "related"  # same-outlet link from an article page
    OUTLET = "outlet"  # another outlet's home, linked from boilerplate (blogrolls)

    @property
    def priority(self) -> int:
        return _PRIORITY[self]


_PRIORITY = {
    RequestKind.SEED: 100,
    RequestKind.ATTRIBUTION: 90,
    RequestKind.CANONICAL: 90,
    RequestKind.COPY_SOURCE: 85,
    RequestKind.SEARCH: 70,
    RequestKind.BODY_EXTERNAL: 60,
    RequestKind.FEED: 50,
    RequestKind.ROBOTS: 45,
    RequestKind.SITEMAP: 45,
    RequestKind.HOME: 40,
    RequestKind.LISTING: 30,
    RequestKind.RELATED: 20,
    RequestKind.OUTLET: 10,
}
