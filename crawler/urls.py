"""Pure URL helpers: normalisation, outlets (registered domains), crawlability and traps."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import tldextract
from scrapy.linkextractors import IGNORED_EXTENSIONS
from w3lib.url import canonicalize_url, url_query_cleaner

# Session and tracking parameters: one rule for every normaliser (NOISE_PARAMS re-exported).
from graph.tracking import NOISE_PARAMS, is_noise_param  # noqa: F401

# Session ids carried as path parameters (``/page.html;jsessionid=0A1B``), and ASP.NET's
# cookieless session segment (``/(S(abcdef))/page.aspx``); w3lib keeps both.
_PATH_SESSION = re.compile(
    r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#;]*|/\([A-Z]\([a-z0-9]+\)\)(?=/)", re.I
)

# Platforms that are linked from every news site but are never outlets on a trail.
PLATFORM_DOMAINS = frozenset(
    [
        "facebook.com",
        "twitter.com",
        "x.com",
        "t.co",
        "youtube.com",
        "youtu.be",
        "instagram.com",
        "linkedin.com",
        "reddit.com",
        "pinterest.com",
        "tiktok.com",
        "t.me",
        "telegram.me",
        "telegram.org",
        "vk.com",
        "ok.ru",
        "google.com",
        "apple.com",
        "whatsapp.com",
        "wa.me",
        "paypal.com",
        "patreon.com",
        "amazon.com",
        "wikipedia.org",
        "wikimedia.org",
        "archive.org",
        "github.com",
        "feedburner.com",
        "gravatar.com",
        "wordpress.org",
        "disqus.com",
        "addtoany.com",
        "sharethis.com",
    ]
)

# No Public Suffix List download at run time: the crawler must work offline, so we use
# the snapshot tldextract ships. Unlisted suffixes (``*.test``) fall back to two labels.
# Private suffixes count (blogspot.com, wordpress.com): each blog there is its own outlet.
_extract = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


def host_of(url: str) -> str:
    """Lower-case host name of ``url`` ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


@lru_cache(maxsize=65536)
def outlet_of_host(host: str) -> str:
    """Registered domain of a host per the Public Suffix List; last two labels otherwise.

    >>> outlet_of_host("news.eastbridge.test")
    'eastbridge.test'
    """
    host = host.lower().rstrip(".")
    if not host:
        return ""
    if re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):  # IP address: no registered domain
        return host
    parts = _extract(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    labels = host.split(".")
    return ".".join(labels[-2:])


def outlet_of(url: str) -> str:
    """Registered domain ('outlet') of a URL."""
    return outlet_of_host(host_of(url))


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@lru_cache(maxsize=262144)  # a site's navigation links recur on each of its pages
def normalize_url(url: str) -> str:
    """The form in which URLs are stored and compared.

    Drops the fragment, session and tracking parameters and default ports, lower-cases
    scheme and host, and orders query arguments (w3lib's canonical form), so that one
    document has one key however it was linked.
    """
    url = _PATH_SESSION.sub("", url.strip())
    noise = [k for k, _ in parse_qsl(urlsplit(url).query, True) if is_noise_param(k)]
    url = url_query_cleaner(url, noise, remove=True, unique=False, keep_fragments=False)
    url = canonicalize_url(url)
    parts = urlsplit(url)
    netloc = parts.netloc
    if (parts.scheme, parts.port) in (("http", 80), ("https", 443)):
        netloc = parts.hostname or netloc
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


@lru_cache(maxsize=65536)
def home_url(url: str) -> str:
    """The outlet's front page for the host of ``url``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def is_home(url: str) -> bool:
    """True when ``url`` is a site's front page."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


_IGNORED = frozenset(f".{e}" for e in IGNORED_EXTENSIONS)


def has_ignored_extension(url: str) -> bool:
    """Images, archives, media, documents: never HTML articles (Scrapy's own list).

    Same answers as ``scrapy.utils.url.url_has_any_extension``, which tries each of ~90
    ``endswith`` per URL; a page has ~150 links, so the last path segment's suffixes are
    looked up in a set instead.
    """
    last = urlsplit(url).path.rpartition("/")[2].lower()
    dot = last.find(".")
    while dot != -1:
        if last[dot:] in _IGNORED:
            return True
        dot = last.find(".", dot + 1)
    return False


def is_platform(url: str) -> bool:
    """Social networks, video sites and share widgets, which are never outlets."""
    return outlet_of(url) in PLATFORM_DOMAINS


@lru_cache(maxsize=262144)
def trap_pattern(url: str) -> str:
    """URL shape for trap detection: digits become ``#`` and query values ``*``.

    An infinite calendar (``/calendar/2031/07``) has one shape for all its pages; real
    articles differ by slug, so they do not share one.

    >>> trap_pattern("http://a.test/calendar/2031/07?view=month&d=3")
    'a.test/calendar/#/#?d=*&view=*'
    """
    parts = urlsplit(url)
    path = re.sub(r"\d+", "#", parts.path)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    query = "&".join(f"{k}=*" for k in keys)
    return f"{parts.hostname or ''}{path}" + (f"?{query}" if query else "")
