"""Which links a page leads to, and how urgently: the crawl policy as pure functions.

Provenance trails first (credit links, canonical links), then the outlets on the trail
(feeds, sitemaps, home pages, their listings), then outlets merely linked from them.
"""

from __future__ import annotations

from crawler.extraction import Analysis
from crawler.kinds import LinkKind, RequestKind
from crawler.urls import home_url, is_platform, outlet_of

__all__ = ["follow_ups", "discovery_urls"]


_HEAD_KINDS = {LinkKind.CANONICAL, LinkKind.OG_URL, LinkKind.SYNDICATION_SOURCE,
               LinkKind.ORIGINAL_SOURCE}  # fmt: skip


def discovery_urls(url: str) -> list[tuple[str, RequestKind]]:
    """An outlet's entry points for discovering its articles, from any of its pages."""
    home = home_url(url)
    return [(home, RequestKind.HOME), (home + "robots.txt", RequestKind.ROBOTS)]


def follow_ups(url: str, analysis: Analysis) -> list[tuple[str, RequestKind]]:
    """Every URL worth requesting from an analysed HTML page, with its kind."""
    page_outlet = outlet_of(url)
    is_article = analysis.article is not None
    out: list[tuple[str, RequestKind]] = []
    for link in analysis.links:
        if link.url == url:
            continue
        if link.kind in _HEAD_KINDS:
            out.append((link.url, RequestKind.CANONICAL))
        elif link.kind == LinkKind.ATTRIBUTION:
            out.append((link.url, RequestKind.ATTRIBUTION))
        elif link.kind == LinkKind.BODY:
            same = outlet_of(link.url) == page_outlet
            if same:
                out.append((link.url, RequestKind.RELATED if is_article else RequestKind.LISTING))
            elif not is_platform(link.url):
                out.append((link.url, RequestKind.BODY_EXTERNAL))
        elif link.kind == LinkKind.BOILERPLATE and not is_platform(link.url):
            out.append((home_url(link.url), RequestKind.OUTLET))
    out.extend((feed, RequestKind.FEED) for feed in analysis.feeds)
    nav_kind = RequestKind.RELATED if is_article else RequestKind.LISTING
    out.extend((nav, nav_kind) for nav in analysis.nav_links)
    out.extend(discovery_urls(url))
    return out
