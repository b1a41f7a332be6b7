"""Listings and aliases are not articles: real-looking pages through the whole extraction."""

from __future__ import annotations

import pytest

from crawler.extraction import analyse_html
from crawler.listing import ListingSignals, is_alias, is_listing, listing_url_hint
from crawler.urls import outlet_of

SITE = "http://www.example-news.test"

SENTENCES = [
    "The city council voted on Tuesday to delay the harbour project for another year.",
    "Officials said the cost of the new breakwater had risen by a third since spring.",
    "Residents of the old port district have campaigned against the plan for months.",
    "The mayor told reporters that the delay would give engineers time to review it.",
    "Opposition members called the decision a costly mistake that helps nobody.",
    "A final report on the environmental impact is expected before the end of June.",
    "Shipping companies warned that the delay could push freight traffic elsewhere.",
    "The regional government has not yet said whether it will keep its funding.",
    "Fishermen welcomed the pause but asked for a seat at the next consultation.",
    "Construction had been due to start in March after two years of planning.",
]
HEADLINES = [
    "Council delays harbour project for another year",
    "Rail strike ends after unions accept new pay offer",
    "Hospital waiting lists fall for the first time since 2019",
    "Flood defences to be rebuilt along the northern river",
    "Schools get new funding for science laboratories",
    "Airport expansion faces fresh legal challenge",
    "Farmers warn of poor harvest after dry summer",
    "New bridge opens to traffic two months early",
    "Police appeal for witnesses after warehouse fire",
    "Budget talks collapse as coalition partners disagree",
    "Museum reopens after three years of repairs",
    "Tram line extension approved by regional assembly",
]


def text(n: int, start: int = 0) -> str:
    return " ".join(SENTENCES[(start + i) % len(SENTENCES)] for i in range(n))


def head(title: str, extra: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"{extra}</head>"
    )


MENU = (
    '<header><a href="/">Example News</a><nav><ul>'
    + "".join(f'<li><a href="/{s}/">{s.title()}</a></li>' for s in ("world", "politics", "sport"))
    + "</ul></nav></header>"
)
FOOTER = '<footer><p>&copy; 2025 Example News. <a href="/about">About</a></p></footer>'


def article_page(body: str, title: str = HEADLINES[0], extra_head: str = "", side: str = "") -> str:
    return (
        head(title, extra_head)
        + f'<body>{MENU}<main><article><h1>{title}</h1><p class="byline">By Ann Smith, '
        f"March 3, 2025</p>{body}</article>{side}</main>{FOOTER}</body></html>"
    )


def teasers_wp(n: int, words: int = 3) -> str:
    """WordPress archive markup: each teaser an <article> with an entry summary."""
    return "".join(
        f'<article class="post type-post"><header class="entry-header"><h2 class="entry-title">'
        f'<a href="{SITE}/2025/03/0{i % 9 + 1}/story-{i}/" rel="bookmark">{HEADLINES[i]}</a></h2>'
        f'<div class="entry-meta"><time>March {i + 1}, 2025</time></div></header>'
        f'<div class="entry-summary"><p>{text(words, i)}</p></div></article>'
        for i in range(n)
    )


def teasers_cards(n: int, words: int = 3) -> str:
    """Card markup: thumbnail link, headline link in a <div>, summary, date."""
    return "".join(
        f'<div class="card"><a href="/news/story-{i}.html"><img src="/i/{i}.jpg" alt=""></a>'
        f'<div class="card-title"><a href="/news/story-{i}.html">{HEADLINES[i]}</a></div>'
        f'<p class="card-sum">{text(words, i)}</p><span class="card-date">2025-03-0{i % 9 + 1}'
        "</span></div>"
        for i in range(n)
    )


def listing_page(title: str, items: str, intro: str = "") -> str:
    return (
        head(title) + f'<body>{MENU}<main id="main" class="site-main"><h1 class="page-title">'
        f'{title}</h1>{intro}<div class="posts">{items}</div><nav class="pagination">'
        '<a href="page/3/">Older posts</a></nav></main>'
        f'<aside><h3>Popular searches</h3><a href="/?s=harbour">harbour</a></aside>{FOOTER}'
        "</body></html>"
    )


RELATED = (
    '<aside class="related"><h3>Related stories</h3><ul>'
    + "".join(f'<li><a href="/news/story-{i}.html">{HEADLINES[i]}</a></li>' for i in range(1, 7))
    + "</ul></aside>"
)
IN_BODY_RELATED = (
    "<h3>Related stories</h3><ul>"
    + "".join(f'<li><a href="/news/story-{i}.html">{HEADLINES[i]}</a></li>' for i in range(1, 6))
    + "</ul>"
)
TAGS = (
    '<div class="tags">Tags: <a href="/tag/harbour/">harbour</a> <a href="/tag/council/">'
    'council</a> <a href="/tag/budget/">budget</a></div>'
)
PARAS = "".join(f"<p>{text(3, k * 3)}</p>" for k in range(4))


CASES = [
    # (name, url, html, expected reason or None for an article)
    (
        "article with a related-stories sidebar, tags and read-more links",
        f"{SITE}/news/harbour-delay.html",
        article_page(
            PARAS + TAGS + '<p><a href="/news/story-2.html">Read more</a></p>', side=RELATED
        ),
        None,
    ),
    (
        "short article with a related-stories list inside the main text",
        f"{SITE}/news/harbour-brief.html",
        article_page(f"<p>{text(4)}</p>" + IN_BODY_RELATED),
        None,
    ),
    (
        "article with inline links to other stories of the outlet",
        f"{SITE}/news/harbour-inline.html",
        article_page(
            "".join(
                f"<p>{text(2, k)} As we reported, <a href='/news/story-{k}.html'>"
                f"{HEADLINES[k]}</a>, and the row goes on. {text(1, k + 5)}</p>"
                for k in range(1, 6)
            )
        ),
        None,
    ),
    (
        "long article followed by a 'More from Example News' box of four teasers",
        f"{SITE}/news/harbour-long.html",
        article_page(
            "".join(f"<p>{text(4, k)}</p>" for k in range(6))
            + f"<section><h2>More from Example News</h2>{teasers_wp(4, 2)}</section>"
        ),
        None,
    ),
    (
        "Russian tag page",
        f"{SITE}/tema/gavan/",
        listing_page(
            "Тема: гавань",
            "".join(
                f'<div class="item"><h3><a href="/novosti/{i}">Совет города отложил проект '
                f"гавани номер {i}</a></h3><p>Городской совет во вторник проголосовал за то, "
                "чтобы отложить строительство ещё на год. Чиновники заявили, что стоимость "
                "нового волнолома выросла на треть с весны.</p></div>"
                for i in range(6)
            ),
        ),
        "listing",
    ),
    (
        "WordPress tag page",
        f"{SITE}/tag/harbour/",
        listing_page("Tag: harbour", teasers_wp(8)),
        "listing",
    ),
    (
        "paginated home page",
        f"{SITE}/page/2/",
        listing_page("Example News - Page 2", teasers_wp(12, 2)),
        "listing",
    ),
    (
        "author page with a short biography",
        f"{SITE}/author/ann-smith/",
        listing_page(
            "Ann Smith, Author at Example News",
            teasers_cards(6),
            "<p>Ann Smith covers city politics and the port for Example News.</p>",
        ),
        "listing",
    ),
    (
        "search results page",
        f"{SITE}/?s=harbour",
        listing_page("Search results for harbour", teasers_cards(5, 2)),
        "listing",
    ),
    (
        "section page without a listing-shaped URL",
        f"{SITE}/world/",
        listing_page("World", teasers_cards(7)),
        "listing",
    ),
    (
        "HTML site map: a long list of dated links",
        f"{SITE}/archive/",
        head("Site map")
        + f"<body>{MENU}<main><h1>Site map</h1><h2>March 2025</h2><ul>"
        + "".join(
            f'<li><a href="/news/story-{i}.html">{h}</a> <span>2025-03-{i + 1:02d}</span></li>'
            for i, h in enumerate(HEADLINES * 2)
        )
        + f"</ul></main>{FOOTER}</body></html>",
        "listing",
    ),
    (
        "excerpt copy: three paragraphs and a credit link to the source",
        f"{SITE}/news/excerpt.html",
        article_page(
            "".join(f"<p>{text(2, k * 2)}</p>" for k in range(3))
            + '<p>Read the full article at <a href="http://www.other-outlet.test/2025/03/'
            'harbour/">The Other Outlet</a></p>',
            side=RELATED,
        ),
        None,
    ),
    (
        "short news brief with two links",
        f"{SITE}/news/brief.html",
        article_page(
            f'<p>{text(2)} The <a href="/news/story-3.html">earlier report</a> said so.</p>'
            f'<p>{text(3, 4)} Documents are on the <a href="http://council.test/">council site'
            "</a>.</p>"
        ),
        None,
    ),
    (
        "live blog with many timestamped entries",
        f"{SITE}/live/harbour-vote-live/",
        article_page(
            "".join(
                f'<div class="entry"><time>{9 + k}:{k * 5:02d}</time><h3>{HEADLINES[k]}</h3>'
                f"<p>{text(2, k)}</p></div>"
                for k in range(10)
            )
        ),
        None,
    ),
    (
        "print version: canonical to the article",
        f"{SITE}/news/harbour-delay.html?print=1",
        article_page(
            PARAS, extra_head=f'<link rel="canonical" href="{SITE}/news/harbour-delay.html">'
        ),
        "alias",
    ),
    (
        "AMP version: canonical to the article",
        f"{SITE}/news/harbour-delay.html/amp",
        article_page(
            PARAS, extra_head=f'<link rel="canonical" href="{SITE}/news/harbour-delay.html">'
        ),
        "alias",
    ),
    (
        "article whose canonical is the home page (a CMS misconfiguration)",
        f"{SITE}/news/harbour-delay.html",
        article_page(PARAS, extra_head=f'<link rel="canonical" href="{SITE}/">'),
        None,
    ),
    (
        "copy with a canonical to its source on another outlet",
        f"{SITE}/news/harbour-copy.html",
        article_page(
            PARAS, extra_head='<link rel="canonical" href="http://www.other-outlet.test/a/1">'
        ),
        None,
    ),
]


BIG_MENU = (
    "<nav><ul>"
    + "".join(
        f'<li><a href="/#{s}-{k}">{s.title()} {k}</a></li>'
        for s in ("world", "politics", "economy", "military", "society")
        for k in ("latest", "analysis", "opinion", "video", "explainers", "archive", "live")
    )
    + "</ul></nav>"
)
CASES.append(
    (
        "empty section page: the extractor keeps the menu, there is no prose",
        f"{SITE}/economy/",
        head("Economy") + f"<body><header>{BIG_MENU}</header><main><h1>Economy</h1>"
        f"<p>No posts yet.</p></main>{FOOTER}</body></html>",
        "",
    )
)


@pytest.mark.parametrize(("name", "url", "html", "reason"), CASES, ids=[c[0] for c in CASES])
def test_listing_and_alias_pages(name: str, url: str, html: str, reason: str | None) -> None:
    """``reason`` None: an article; "": not an article, without a reason; else the reason."""
    result = analyse_html(html.encode(), url, "text/html; charset=utf-8")
    assert result.error is None
    if reason is None:
        assert result.article is not None, name
        assert result.reason is None
    else:
        assert result.article is None, name
        assert result.reason == (reason or None)


def test_listing_links_are_still_found() -> None:
    """A listing is recorded for discovery: its teaser links are kept for the crawl."""
    result = analyse_html(
        listing_page("Tag: harbour", teasers_cards(6)).encode(), f"{SITE}/tag/harbour/", None
    )
    assert result.reason == "listing"
    found = {ln.url for ln in result.links} | set(result.nav_links)
    assert {f"{SITE}/news/story-{i}.html" for i in range(6)} <= found


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("http://a.test/page/2", True),
        ("http://a.test/page/2/", True),
        ("http://a.test/?page=3", True),
        ("http://a.test/tag/budget/", True),
        ("http://a.test/tags/budget", True),
        ("http://a.test/topic/budget/page/2/", True),
        ("http://a.test/category/world/", True),
        ("http://a.test/author/ann-smith/", True),
        ("http://a.test/?s=harbour", True),
        ("http://a.test/search?q=harbour", True),
        ("http://a.test/sitemap.html", True),
        ("http://a.test/archive/", True),
        ("http://a.test/2025/03/01/budget-talks-collapse/", False),
        ("http://a.test/news/page-turner-novel-wins-prize-1234.html", False),
        ("http://a.test/section/world/2025/03/01/1234", False),
        ("http://a.test/story.php?id=12", False),
        ("http://a.test/world/", False),
    ],
)
def test_listing_url_hint(url: str, hint: bool) -> None:
    assert listing_url_hint(url) is hint


@pytest.mark.parametrize(
    ("url", "canonical", "alias"),
    [
        ("http://a.test/x?print=1", "http://a.test/x", True),
        ("http://a.test/amp/x", "http://a.test/x", True),
        ("http://www.a.test/x/amp/", "http://www.a.test/x/", True),
        ("http://m.a.test/x", "http://www.a.test/x", True),
        ("http://a.test/x", "http://a.test/x", False),
        ("http://a.test/x", None, False),
        ("http://a.test/x/", "https://www.a.test/x", False),
        ("http://a.test/x", "http://a.test/", False),
        ("http://a.test/x", "http://b.test/x", False),
    ],
)
def test_is_alias(url: str, canonical: str | None, alias: bool) -> None:
    assert is_alias(url, canonical, outlet_of) is alias


@pytest.mark.parametrize(
    ("signals", "hint", "listing"),
    [
        (ListingSignals(12, 12, 12, 0.97, 700), False, True),
        (ListingSignals(5, 3, 0, 0.7, 200), False, True),
        (ListingSignals(2, 2, 0, 0.95, 110), False, True),
        (ListingSignals(1, 1, 1, 1.0, 60), False, True),  # a section of one, with a heading
        (ListingSignals(1, 1, 0, 1.0, 60), False, False),  # no heading: could be a brief
        (ListingSignals(1, 1, 0, 1.0, 60), True, True),
        (ListingSignals(2, 2, 0, 0.55, 200), True, True),
        (ListingSignals(6, 5, 5, 0.12, 800), False, False),  # related stories of an article
        (ListingSignals(6, 5, 5, 0.12, 800), True, False),
        (ListingSignals(0, 0, 0, 0.0, 500), True, False),
    ],
)
def test_is_listing(signals: ListingSignals, hint: bool, listing: bool) -> None:
    assert is_listing(signals, hint) is listing
