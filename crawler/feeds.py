"""URLs listed by RSS/Atom feeds, sitemaps and robots.txt files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.dates import parse_iso
from crawler.urls import is_http_url, normalize_url

# No entity resolution and no network: feeds come from untrusted servers.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


@dataclass
class Listing:
    """What a feed or sitemap lists: pages, child sitemaps, and when pages last changed."""

    pages: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    lastmod: dict[str, datetime] = field(default_factory=dict)  # from sitemap <lastmod>

    def __bool__(self) -> bool:
        return bool(self.pages or self.sitemaps)


def parse_listing(body: bytes, url: str) -> Listing:
    """The pages and sitemaps a feed or sitemap body lists; empty if it is neither."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return Listing()
    if root is None:
        return Listing()
    tag = etree.QName(root).localname.lower()
    if tag in ("urlset", "sitemapindex"):
        sitemap = Sitemap(body)
        listing = Listing()
        for entry in sitemap:
            loc = _clean(url, entry.get("loc", ""))
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                listing.sitemaps.append(loc)
                continue
            listing.pages.append(loc)
            parsed = parse_iso(entry.get("lastmod", ""))
            if parsed:
                listing.lastmod[loc] = parsed[0]
        return listing
    if tag in ("rss", "rdf", "feed"):
        hrefs = root.xpath("//*[local-name()='item']/*[local-name()='link']/text()")
        hrefs += root.xpath("//*[local-name()='entry']/*[local-name()='link']/@href")
        pages = [loc for h in hrefs if (loc := _clean(url, str(h)))]
        return Listing(pages=list(dict.fromkeys(pages)))
    return Listing()


def sitemaps_from_robots(body: bytes, url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt body."""
    return [loc for s in sitemap_urls_from_robots(body, base_url=url) if (loc := _clean(url, s))]


def _clean(base: str, href: str) -> str | None:
    href = href.strip()
    if not href:
        return None
    absolute = urljoin(base, href)
    return normalize_url(absolute) if is_http_url(absolute) else None
