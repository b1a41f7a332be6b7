"""Published dates with their precision, from structured metadata first.

trafilatura (through htmldate) returns day-level dates only. Direction decisions need
the hour and the time zone when a page states them, so we read the machine-readable
fields ourselves and fall back to htmldate's day for everything else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from lxml.html import HtmlElement

# Precision values stored in ``articles.date_precision``.
DATETIME = "datetime"  # time and zone stated
LOCAL = "local"  # time stated without a zone: true instant within +-14 h
DATE = "date"  # day only
MONTH = "month"  # a first of the month from a URL or free text: some day that month

_META_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//meta[@name='pubdate' or @name='publishdate' or @name='publish-date' or @name='date'"
    " or @name='DC.date.issued' or @name='dcterms.created' or @name='parsely-pub-date'"
    " or @name='sailthru.date' or @property='og:published_time']/@content",
    "//time[@pubdate]/@datetime",
    # A visible byline's <time datetime>: the first one outside comments, sidebars and footers.
    "(//time[@datetime][not(ancestor::aside or ancestor::footer or ancestor::nav"
    " or ancestor::*[contains(@class, 'comment') or contains(@id, 'comment')"
    " or contains(@class, 'related') or contains(@class, 'sidebar')])])[1]/@datetime",
)


def parse_iso(value: str) -> tuple[datetime, str] | None:
    """Parse an ISO 8601 string into (UTC datetime, precision), or None.

    >>> parse_iso("2025-03-03T14:20:00+03:00")
    (datetime.datetime(2025, 3, 3, 11, 20, tzinfo=datetime.timezone.utc), 'datetime')
    >>> parse_iso("2025-03-03")[1]
    'date'
    """
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        return None
    if len(value) <= 10:  # 2025-03-03
        return parsed.replace(tzinfo=UTC), DATE
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), LOCAL
    return parsed.astimezone(UTC), DATETIME


def fallback_day(value: str) -> tuple[datetime, str, str] | None:
    """htmldate's day (``YYYY-MM-DD``), read for what it can mean, or None.

    htmldate reports a bare year ("© 2025" in a footer) as 1 January and a bare month
    (``/2025/03/`` in a URL) as its first day. A copyright year is not a publication
    date, so 1 January is dropped; another first of the month is kept as that month.

    >>> fallback_day("2025-03-14")[1], fallback_day("2025-03-01")[1], fallback_day("2025-01-01")
    ('date', 'month', None)
    """
    try:
        day = datetime.strptime(value[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    if (day.month, day.day) == (1, 1):
        return None
    return day, MONTH if day.day == 1 else DATE, value[:64]


def _json_ld_dates(tree: HtmlElement) -> Iterator[str]:
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except (ValueError, TypeError):
            continue
        yield from _walk_json_ld(data)


def _walk_json_ld(node: Any, depth: int = 0) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(node, list):
        for child in node:
            yield from _walk_json_ld(child, depth + 1)
    elif isinstance(node, dict):
        value = node.get("datePublished")
        if isinstance(value, str):
            yield value
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                yield from _walk_json_ld(node[key], depth + 1)


def structured_published(tree: HtmlElement) -> tuple[datetime, str, str] | None:
    """(published, precision, raw string) from JSON-LD or meta tags, or None."""
    candidates = list(_json_ld_dates(tree))
    for xpath in _META_XPATHS:
        candidates.extend(str(v) for v in tree.xpath(xpath))
    for raw in candidates:
        parsed = parse_iso(raw)
        if parsed:
            return parsed[0], parsed[1], raw.strip()[:64]
    return None
