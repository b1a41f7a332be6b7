"""URLs listed by RSS/Atom feeds, sitemaps and robots.txt files."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.urls import is_http_url, normalize_url

# No entity resolution and no network: feeds come from untrusted servers.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


def parse_listing(body: bytes, url: str) -> tuple[list[str], list[str]]:
    """(page URLs, sitemap URLs) listed in a feed or sitemap body; empty if neither."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return [], []
    if root is None:
        return [], []
    tag = etree.QName(root).localname.lower()
    if tag in ("urlset", "sitemapindex"):
        sitemap = Sitemap(body)
        locs = [_clean(url, entry.get("loc", "")) for entry in sitemap]
        locs = [loc for loc in locs if loc]
        return ([], locs) if sitemap.type == "sitemapindex" else (locs, [])
    if tag in ("rss", "rdf", "feed"):
        hrefs = root.xpath("//*[local-name()='item']/*[local-name()='link']/text()")
        hrefs += root.xpath("//*[local-name()='entry']/*[local-name()='link']/@href")
        pages = [loc for h in hrefs if (loc := _clean(url, str(h)))]
        return list(dict.fromkeys(pages)), []
    return [], []


def sitemaps_from_robots(body: bytes, url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt body."""
    return [loc for s in sitemap_urls_from_robots(body, base_url=url) if (loc := _clean(url, s))]


def _clean(base: str, href: str) -> str | None:
    href = href.strip()
    if not href:
        return None
    absolute = urljoin(base, href)
    return normalize_url(absolute) if is_http_url(absolute) else None
