"""The search answer cache on both database backends: time to live, replacement."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db.base import utcnow
from crawler.db.search import cached_results, save_results, unsearched_roots
from crawler.db.search_models import SearchCache

ROWS = [{"url": "http://a.test/1", "title": "T", "snippet": "S", "published": None}]


def test_cache_round_trip_and_expiry(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        assert cached_results(s, "gdelt", '"a b c"') is None
        save_results(s, "gdelt", '"a b c"', ROWS, ttl=3600)
    with Session(engine) as s:
        assert cached_results(s, "gdelt", '"a b c"') == ROWS
        assert cached_results(s, "searxng", '"a b c"') is None  # per backend
        later = utcnow() + timedelta(hours=2)
        assert cached_results(s, "gdelt", '"a b c"', now=later) is None


def test_an_expired_answer_is_replaced(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        save_results(s, "searxng", '"x y z"', [], ttl=0)
    with Session(engine) as s, s.begin():
        assert cached_results(s, "searxng", '"x y z"') is None
        save_results(s, "searxng", '"x y z"', ROWS, ttl=60)
    with Session(engine) as s:
        assert cached_results(s, "searxng", '"x y z"') == ROWS
        assert s.scalar(select(func.count()).select_from(SearchCache)) == 1


def test_no_roots_nothing_to_search(engine: Engine) -> None:
    with Session(engine) as s:
        assert unsearched_roots(s, 10) == []
