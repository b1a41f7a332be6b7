"""Traps and loops: the per-shape budget, fair scheduling across shapes, redirect loops."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler

from crawler.failures import reason_for
from crawler.items import PageItem
from crawler.kinds import FetchStatus, RequestKind
from crawler.middlewares import BudgetMiddleware, RedirectLoopError, RedirectLoopMiddleware
from crawler.traps import ShapeBudgetMiddleware, TrapRefused, is_spent, page_outcome, shape_of


def _stats() -> StatsCollector:
    return StatsCollector(get_crawler())


def _item(url: str, status: str, via: RequestKind = RequestKind.LISTING) -> PageItem:
    return PageItem(url=url, outlet="a.test", fetch_status=status,
                    fetched_at=datetime.now(UTC), via=via.value)  # fmt: skip


def _request(url: str, kind: RequestKind = RequestKind.LISTING, **meta: object) -> Request:
    return Request(url, priority=kind.priority, meta={"kind": kind.value, **meta})


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://a.test/session/page-1.html?sid=aa", "http://a.test/session/page-9.html", True),
        ("http://a.test/search?page=71550", "http://a.test/search?page=3", True),
        ("http://a.test/list/page/2", "http://a.test/list/page/3", True),
        ("http://a.test/calendar/2025/01", "http://a.test/calendar/1999/12", True),
        ("http://a.test/news/flood-deal.html", "http://a.test/news/census.html", False),
        ("http://a.test/list/page/2", "http://b.test/list/page/2", False),  # per host
    ],
)
def test_shape_of(a: str, b: str, same: bool) -> None:
    assert (shape_of(a) == shape_of(b)) is same


def test_shape_budget_counts_pages_without_an_article() -> None:
    stats = _stats()
    mw = ShapeBudgetMiddleware(stats, limit=3)
    for n in range(3):
        assert mw.process_request(_request(f"http://a.test/list/page/{n}")) is None
        mw.outcome(_item(f"http://a.test/list/page/{n}", FetchStatus.NOT_ARTICLE))
    # spent: the next request of the shape is refused, once recorded, always counted
    with pytest.raises(TrapRefused) as first:
        mw.process_request(_request("http://a.test/list/page/99"))
    with pytest.raises(TrapRefused) as second:
        mw.process_request(_request("http://a.test/list/page/100?sid=1"))
    assert first.value.first and not second.value.first
    assert reason_for(first.value, {}, "http://a.test/list/page/99") == ("trap", None)
    assert stats.get_value("trail/skipped/trap") == 2
    # other shapes, seeds and the site's declared entry points are not touched
    assert mw.process_request(_request("http://a.test/news/story.html")) is None
    for kind in (RequestKind.SEED, RequestKind.SITEMAP, RequestKind.FEED, RequestKind.HOME):
        assert mw.process_request(_request("http://a.test/list/page/7", kind)) is None


def test_requests_awaiting_their_outcome_count_once_a_shape_shows_itself_barren() -> None:
    mw = ShapeBudgetMiddleware(_stats(), limit=10)
    shape = "http://a.test/list/page/{}"
    for n in range(12):  # twelve requests out, no outcome yet: nothing known, all pass
        assert mw.process_request(_request(shape.format(n))) is None
    mw.outcome(_item(shape.format(0), FetchStatus.NOT_ARTICLE))
    assert not mw.spent(shape_of(shape.format(0)))  # one barren page is no evidence yet
    mw.outcome(_item(shape.format(1), FetchStatus.NOT_ARTICLE))
    # two barren (a fifth of the limit), ten pending: 12 >= 10, the shape is spent
    with pytest.raises(TrapRefused):
        mw.process_request(_request(shape.format(99)))


@pytest.mark.parametrize(
    ("barren", "productive", "pending", "spent"),
    [
        (10, 0, 0, True),  # the limit reached by pages without an article
        (10, 50, 0, True),  # however many articles there were
        (2, 0, 8, True),  # barren so far, and enough in flight to reach the limit
        (2, 0, 7, False),
        (1, 0, 40, False),  # too little evidence to count what is in flight
        (3, 3, 40, False),  # as many articles as not: not barren
        (4, 1, 7, True),  # 4 + 7 - 1 = 10
        (0, 0, 100, False),  # a listing's fan-out before any outcome
    ],
)
def test_spent(barren: int, productive: int, pending: int, spent: bool) -> None:
    done = barren + productive
    assert is_spent(10, sent=done + pending, done=done, barren=barren) is spent


def test_articles_do_not_spend_a_shape_budget() -> None:
    mw = ShapeBudgetMiddleware(_stats(), limit=3)
    for n in range(50):  # a site whose articles all share one shape
        url = f"http://a.test/news/world-{12345678 + n}"
        assert mw.process_request(_request(url)) is None
        mw.outcome(_item(url, FetchStatus.OK if n % 10 else FetchStatus.NOT_MODIFIED))
    mw.outcome(_item("http://a.test/sitemap-1.xml", FetchStatus.FAILED, RequestKind.SITEMAP))
    assert mw.counts(shape_of(url))[2] == 0
    assert mw.counts(shape_of("http://a.test/sitemap-1.xml")) == (0, 0, 0)


def test_shape_budget_can_be_switched_off() -> None:
    crawler = get_crawler(settings_dict={"PROVENANCE_MAX_PAGES_PER_SHAPE": 0})
    with pytest.raises(NotConfigured):
        ShapeBudgetMiddleware.from_crawler(crawler)


def _budget(per_outlet: int = 100) -> BudgetMiddleware:
    return BudgetMiddleware(_stats(), per_outlet=per_outlet, chain_limit=60)


def test_fair_scheduling_puts_a_shapes_later_urls_behind_other_shapes() -> None:
    mw = _budget()
    home = Response("http://a.test/", request=_request("http://a.test/", RequestKind.HOME))
    trap = [_request(f"http://a.test/session/page-{n}.html?sid=x{n}") for n in range(5)]
    news = [_request(f"http://a.test/news/{slug}.html") for slug in ("flood", "census", "vote")]
    out = list(mw.process_spider_output(home, [*trap, *news]))
    priorities = {r.url: r.priority for r in out}
    base = RequestKind.LISTING.priority
    assert [priorities[r.url] for r in trap] == [base, base - 1, base - 2, base - 3, base - 4]
    assert all(priorities[r.url] == base for r in news)  # each the first of its shape
    # so Scrapy's priority queue serves every news page before the trap's second page
    served = sorted(out, key=lambda r: -r.priority)
    assert {r.url for r in served[:4]} == {trap[0].url} | {r.url for r in news}


def test_outlet_budget_still_holds() -> None:
    mw = _budget(per_outlet=2)
    home = Response("http://a.test/", request=_request("http://a.test/", RequestKind.HOME))
    reqs = [_request(f"http://a.test/news/{s}.html") for s in ("a", "b", "c")]
    out = list(mw.process_spider_output(home, reqs))
    assert len(out) == 2 and mw.stats.get_value("trail/skipped/outlet_budget") == 1


@pytest.mark.parametrize(
    ("url", "hops", "loop"),
    [
        ("http://a.test/loop-a", ["http://a.test/loop-a", "http://a.test/loop-b"], True),
        ("http://a.test/self", ["http://a.test/self"], True),  # redirects to itself
        ("http://a.test/a?utm_source=x", ["http://a.test/a", "http://a.test/b"], True),
        ("http://a.test/c", ["http://a.test/a", "http://a.test/b"], False),  # a chain
        ("http://a.test/a", [], False),  # not a redirect hop
    ],
)
def test_redirect_loop(url: str, hops: list[str], loop: bool) -> None:
    request = Request(url, meta={"redirect_urls": hops} if hops else {})
    mw = RedirectLoopMiddleware()
    if not loop:
        assert mw.process_request(request) is None
        return
    with pytest.raises(RedirectLoopError) as refused:
        mw.process_request(request)
    assert reason_for(refused.value, request.meta, url) == ("redirect_loop", None)


def test_an_outcome_counts_once_and_arrives_before_the_pipelines() -> None:
    crawler = get_crawler()
    budget = BudgetMiddleware(_stats(), per_outlet=100, chain_limit=60, signals=crawler.signals)
    shapes = ShapeBudgetMiddleware(_stats(), limit=10)
    crawler.signals.connect(shapes.outcome, signal=page_outcome)
    page = Response("http://a.test/list/page/1", request=_request("http://a.test/list/page/1"))
    item = _item("http://a.test/list/page/1", FetchStatus.NOT_ARTICLE)
    assert list(budget.process_spider_output(page, [item])) == [item]
    shapes.outcome(item)  # item_scraped, later, with the same page
    assert shapes.counts(shape_of(item.url)) == (0, 1, 1)
