"""When to fetch a known URL again, and how to ask only for what changed (pure policy).

The revisit state lives in ``pages`` (``next_visit_at``, ``etag``, ``last_modified``),
so it survives runs and is shared by every crawler process. A URL is due when it was
never fetched, when its ``next_visit_at`` has passed, or when a sitemap says it changed
after our last fetch. Due pages are requested with ``If-None-Match`` /
``If-Modified-Since``; a 304 costs a few hundred bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from crawler.kinds import FetchStatus

# Listings (home pages, feeds, sitemaps) are due on every run (conditionally: a 304 costs
# little); within one run the duplicate filter keeps them from being fetched twice.
LISTING_INTERVAL = timedelta(0)
# An article is looked at again after 20 h (so a nightly run sees yesterday's pages),
# then less often each time it did not change, up to a month.
ARTICLE_INTERVAL = timedelta(hours=20)
MAX_INTERVAL = timedelta(days=30)
FAILED_INTERVAL = timedelta(hours=1)
ROBOTS_INTERVAL = timedelta(days=7)


def next_visit(status: str, error: str | None, is_article: bool, unchanged_visits: int,
               fetched_at: datetime) -> datetime:  # fmt: skip
    """When a page fetched at ``fetched_at`` with this outcome is due again.

    >>> t = datetime(2025, 3, 1, tzinfo=UTC)
    >>> next_visit("ok", None, True, 3, t) - t
    datetime.timedelta(days=6, seconds=57600)
    """
    if status == FetchStatus.FAILED:
        return fetched_at + (ROBOTS_INTERVAL if error == "robots" else FAILED_INTERVAL)
    if not is_article:
        return fetched_at + LISTING_INTERVAL
    return fetched_at + min(ARTICLE_INTERVAL * 2 ** min(unchanged_visits, 10), MAX_INTERVAL)


@dataclass(frozen=True, slots=True)
class Known:
    next_visit_at: datetime | None
    fetched_at: datetime
    etag: str | None
    last_modified: str | None


def is_due(known: Known | None, now: datetime, listed_lastmod: datetime | None = None) -> bool:
    """Should a URL with this revisit state be fetched now?

    A sitemap's ``lastmod`` is compared with the page's own ``Last-Modified`` from our
    last fetch when there is one: both come from the site's clock, so a site whose clock
    is off from ours is still read right. Our fetch time is the fallback.
    """
    if known is None or known.next_visit_at is None or known.next_visit_at <= now:
        return True
    if listed_lastmod is None:
        return False
    seen = _http_date(known.last_modified) or known.fetched_at
    return listed_lastmod > seen


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def conditional_headers(known: Known | None) -> dict[str, str]:
    """Validators from the last fetch, for a conditional request."""
    if known is None:
        return {}
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers
