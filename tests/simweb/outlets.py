"""The fictional outlets: hosts, languages, URL and date styles, in-body boilerplate."""

from __future__ import annotations

import random

from .model import Outlet
from .text import DE_FIRST, DE_LAST, FIRST, LAST, PLACES, RU_FIRST, RU_LAST

NETWORK_LINE = (
    "This article is distributed through the Open Newswire Exchange, a cooperative of "
    "independent partner sites that share reporting under a common licence."
)

# (domain, name, host, lang, tz, variant, url_style, feed, page_style, date_fmt, meta, extra)
_BASE: list[tuple] = [
    (
        "steppeinsider.test",
        "Steppe Insider",
        "www",
        "en",
        180,
        0,
        "/{section}/{slug}-{id}",
        "/feed",
        "path",
        "long_us",
        "article_time og",
        {"licence": True, "bare_redirect": True, "origin_weight": 4.0, "copy_weight": 0.3},
    ),
    (
        "dailyherald.test",
        "The Daily Herald",
        "www",
        "en",
        -300,
        1,
        "/{yyyy}/{mm}/{dd}/{slug}/",
        "/feed/",
        "path",
        "long_us_time",
        "jsonld og",
        {"bare_redirect": True, "origin_weight": 2.0},
    ),
    (
        "eastbridge.test",
        "Eastbridge News",
        "news",
        "en",
        0,
        3,
        "/news/{slug}-{id}.html",
        "/rss.xml",
        "query",
        "iso",
        "time_tag jsonld",
        {"origin_weight": 1.5},
    ),
    (
        "northernledger.test",
        "The Northern Ledger",
        "",
        "en",
        60,
        2,
        "/article/{id}/{slug}",
        "/rss",
        "path",
        "dmy_dots",
        "article_time",
        {"disallow": "/private/"},
    ),
    (
        "harbourtimes.test",
        "Harbour Times",
        "www",
        "en",
        0,
        1,
        "/story.php?id={id}",
        "/feed.xml",
        "query",
        "dmy_long",
        "jsonld",
        {"date_only": True},
    ),
    (
        "globalwiredigest.test",
        "Global Wire Digest",
        "www",
        "en",
        -480,
        3,
        "/p/{id}",
        "/feed/rss2",
        "path",
        "none",
        "og article_time",
        {"network": True, "origin_weight": 0.3, "copy_weight": 4.0},
    ),
    (
        "freepressrelay.test",
        "Free Press Relay",
        "",
        "en",
        -300,
        0,
        "/{yyyy}/{mm}/{slug}.html",
        "/index.xml",
        "path",
        "long_us",
        "jsonld",
        {"network": True, "origin_weight": 0.4, "copy_weight": 3.5},
    ),
    (
        "citizendispatch.test",
        "Citizen Dispatch",
        "www",
        "en",
        120,
        0,
        "/posts/{slug}",
        "/feed",
        "path",
        "iso",
        "article_time og jsonld",
        {"network": True, "bare_redirect": True, "origin_weight": 0.6, "copy_weight": 3.0},
    ),
    (
        "marrowreview.test",
        "The Marrow Review",
        "news",
        "en",
        330,
        1,
        "/analysis/{slug}-{id}",
        "/rss/all.xml",
        "query",
        "dmy_long_time",
        "time_tag og",
        {},
    ),
    (
        "orbitreport.test",
        "Orbit Report",
        "",
        "en",
        600,
        3,
        "/{section}/{yyyy}/{mm}/{dd}/{id}",
        "/feeds/latest.rss",
        "path",
        "long_us",
        "jsonld",
        {"disallow": "/drafts/"},
    ),
    (
        "plainviewgazette.test",
        "Plainview Gazette",
        "www",
        "en",
        -360,
        2,
        "/news/{id}-{slug}",
        "/feed",
        "query",
        "long_us",
        "article_time",
        {"author_rate": 0.0},
    ),
    (
        "signalnoise.test",
        "Signal & Noise",
        "",
        "en",
        0,
        0,
        "/blog/{slug}",
        "/feed.rss",
        "path",
        "dmy_long",
        "og jsonld",
        {"copy_weight": 1.5},
    ),
    (
        "cwcourier.test",
        "Commonwealth Courier",
        "www",
        "en",
        60,
        1,
        "/{section}/{slug}",
        "/rss.xml",
        "path",
        "long_us_time",
        "jsonld article_time",
        {"sitemap_index": True, "bare_redirect": True},
    ),
    (
        "rheinblick.test",
        "Rheinblick",
        "www",
        "de",
        60,
        3,
        "/nachrichten/{slug}-{id}.html",
        "/feed/",
        "path",
        "de",
        "jsonld article_time",
        {"sections": ("Politik", "Wirtschaft", "Region", "Kultur")},
    ),
    (
        "elbpost.test",
        "Elbpost",
        "",
        "de",
        60,
        2,
        "/artikel/{id}",
        "/rss",
        "query",
        "de",
        "time_tag",
        {"sections": ("Politik", "Region"), "copy_weight": 2.0},
    ),
    (
        "volgaday.test",
        "Volga Day",
        "news",
        "ru",
        180,
        1,
        "/news/{id}",
        "/rss.xml",
        "path",
        "ru",
        "article_time jsonld",
        {"sections": ("Politika", "Ekonomika", "Region")},
    ),
    (
        "eurasiamonitor.test",
        "Eurasia Monitor",
        "www",
        "en",
        240,
        0,
        "/{yyyy}/{mm}/{dd}/{slug}-{id}/",
        "/feed",
        "path",
        "dmy_dots",
        "og article_time",
        {"langs": ("en", "ru"), "copy_weight": 2.5},
    ),
]

_PAPER = ["Chronicle", "Observer", "Sentinel", "Tribune", "Bulletin", "Record", "Echo", "Post"]

DONATE = [
    "Support {name} - Go Ad-Free!",
    "{name} is reader-funded. If you value this reporting, please consider a donation today.",
    "Independent journalism costs money. Chip in to keep {name} free for everyone.",
]
NEWSLETTER = [
    "Sign up for the {name} morning briefing and get our top stories in your inbox.",
    "Get the {name} newsletter: the day's essential reads, every weekday at 7am.",
    "Never miss a story: subscribe to the free {name} digest.",
]
LICENCE = (
    "Anyone is free to republish, copy, and redistribute the text in this content (but not "
    "the images or videos) in any medium or format, with the right to remix, transform, and "
    "build upon it, even commercially, as long as they provide a backlink and credit to {name}."
)
DE_DONATE = "Unabhängiger Journalismus kostet Geld. Unterstützen Sie {name} mit einem Beitrag."
RU_DONATE = "Поддержите {name}: независимая журналистика существует на средства читателей."


def _outlet(row: tuple) -> Outlet:
    dom, name, sub, lang, tz, var, url, feed, page, datef, meta, extra = row
    px = "".join(w[0] for w in name.replace("&", "").split()).lower() + str(var)
    o = Outlet(
        domain=dom,
        name=name,
        host=f"{sub}.{dom}" if sub else dom,
        lang=lang,
        tz_minutes=tz,
        variant=var,
        px=px,
        url_style=url,
        feed_path=feed,
        page_style=page,
        date_fmt=datef,
        meta=frozenset(meta.split()),
        **extra,
    )
    if not o.langs:
        o.langs = (lang,)
    return o


def _boilerplate(o: Outlet, rng: random.Random) -> list[str]:
    """In-body boilerplate: the first line goes above the text, the others below it."""
    if o.lang == "de":
        out = [DE_DONATE.format(name=o.name)]
    elif o.lang == "ru":
        out = [RU_DONATE.format(name=o.name)]
    else:
        out = [DONATE[0 if o.licence else rng.randrange(3)].format(name=o.name)]
        out.append(rng.choice(NEWSLETTER).format(name=o.name))
    if o.licence:
        out.insert(1, LICENCE.format(name=o.name))
    if o.network:
        out.append(NETWORK_LINE)
    return out


def make_outlets(seed: int, scale: int) -> list[Outlet]:
    """The base outlets plus about two invented ones per extra unit of scale."""
    rng = random.Random(f"outlets:{seed}")
    outs = [_outlet(r) for r in _BASE]
    used = {o.domain for o in outs}
    extra_rng = random.Random(f"outlets-extra:{seed}")
    for i in range(2 * (scale - 1)):
        while True:
            place = extra_rng.choice(PLACES)
            paper = extra_rng.choice(_PAPER)
            dom = f"{place.lower().replace('-', '')}{paper.lower()}.test"
            if dom not in used:
                break
        used.add(dom)
        base = _BASE[i % 13]
        row = (
            dom,
            f"The {place} {paper}",
            "www" if i % 2 else "",
            "en",
            base[4],
            i % 4,
            base[6],
            base[7],
            base[8],
            base[9],
            base[10],
            {"bare_redirect": i % 4 == 1},
        )
        outs.append(_outlet(row))
    for o in outs:
        o.boilerplate = _boilerplate(o, rng)
        first, last = {"de": (DE_FIRST, DE_LAST), "ru": (RU_FIRST, RU_LAST)}.get(
            o.lang, (FIRST, LAST)
        )
        o.staff = [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(6)]
    return outs
