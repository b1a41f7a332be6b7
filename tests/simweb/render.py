"""HTML, RSS, sitemap and robots.txt rendering: one parametric template per outlet.

Pages are deliberately heavy like real news sites: inline CSS and scripts, a mega menu,
sidebars of related stories, share buttons, a comments thread and a long footer.
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING

from .model import Art, Outlet
from .text import Writer, handle

if TYPE_CHECKING:
    from .web import SimWeb

MONTHS = "January February March April May June July August September October November December"
EN_M = MONTHS.split()
DE_M = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
RU_M = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


REACTIONS = ["exactly this.", "this part says it all.", "finally someone says it.",
             "read that again.", "so much for that.", "hard to believe."]  # fmt: skip
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?]\u201d))\s+(?=[A-Z\u0410-\u042f\u00c4\u00d6\u00dc\u201c\"])"
)


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph (a plain split at ``. `` before a capital)."""
    return [x for x in _SENTENCE_END.split(paragraph) if x]


def teaser(a: Art) -> str:
    """25-60 words from the article's first sentences, as listings show them."""
    target = 25 + a.id * 7 % 36
    out: list[str] = []
    for x in (x for p in a.paragraphs for x in split_sentences(p)):
        out += x.split()
        if len(out) >= target:
            break
    if len(out) > 60:
        out = out[:target] + ["\u2026"]
    return " ".join(out)


def e(s: str) -> str:
    return escape(s, quote=True)


def iso(dt: datetime, date_only: bool = False) -> str:
    return dt.date().isoformat() if date_only else dt.isoformat()


def visible_date(dt: datetime, fmt: str, date_only: bool) -> str:
    """The date as the outlet prints it."""
    d, m, y = dt.day, dt.month, dt.year
    hm = f"{dt.hour:02d}:{dt.minute:02d}"
    h12 = f"{(dt.hour % 12) or 12}:{dt.minute:02d} {'am' if dt.hour < 12 else 'pm'}"
    if fmt in ("long_us", "long_us_time"):
        s = f"{EN_M[m - 1]} {d}, {y}"
        return s if date_only or fmt == "long_us" else f"{s} at {h12}"
    if fmt == "iso":
        return iso(dt, date_only)
    if fmt == "dmy_dots":
        s = f"{d:02d}.{m:02d}.{y}"
        return s if date_only else f"{s} {hm}"
    if fmt in ("dmy_long", "dmy_long_time"):
        s = f"{d} {EN_M[m - 1]} {y}"
        if date_only or fmt == "dmy_long":
            return s
        off = dt.strftime("%z")
        return f"{s}, {hm} (UTC{off[:3]}:{off[3:]})"
    if fmt == "de":
        s = f"{d}. {DE_M[m - 1]} {y}"
        return s if date_only else f"{s}, {hm} Uhr"
    if fmt == "ru":
        s = f"{d} {RU_M[m - 1]} {y}"
        return s if date_only else f"{s}, {hm}"
    return ""


@lru_cache(maxsize=256)
def outlet_css(o_domain: str, px: str, variant: int) -> str:
    """A large, outlet-specific inline stylesheet (20-40 KB)."""
    rng = random.Random(f"css:{o_domain}")
    props = [
        "margin",
        "padding",
        "color",
        "background",
        "font-size",
        "line-height",
        "border",
        "display",
        "flex",
        "grid-template-columns",
        "letter-spacing",
        "transition",
        "box-shadow",
        "z-index",
    ]
    parts = [f":root{{--{px}-accent:#{rng.randrange(0x1000000):06x};--{px}-gap:{variant + 8}px}}"]
    for i in range(rng.randint(260, 520)):
        sel = f".{px}-{rng.choice(['c', 'w', 'm', 'u', 'x'])}{i}"
        if i % 7 == 0:
            sel += f" > .{px}-item:hover"
        decl = ";".join(
            f"{p}:{rng.randint(0, 40)}px"
            if p in ("margin", "padding", "font-size")
            else f"{p}:#{rng.randrange(0x1000000):06x}"
            if p in ("color", "background")
            else f"{p}:var(--{px}-gap)"
            for p in rng.sample(props, rng.randint(2, 5))
        )
        parts.append(f"{sel}{{{decl}}}")
        if i % 60 == 0:
            parts.append(f"@media (max-width:{rng.choice([480, 640, 768, 1024])}px){{")
            parts.append(f".{px}-side{{display:none}}.{px}-main{{width:100%}}}}")
    return "\n".join(parts)


@lru_cache(maxsize=256)
def outlet_script(o_domain: str, name: str) -> str:
    """An outlet-wide analytics and ad bootstrap script (about 8 KB)."""
    rng = random.Random(f"js:{o_domain}")
    slots = {
        f"slot_{i}": {"sizes": [[300, 250], [728, 90]], "id": f"div-gpt-{rng.randrange(10**8)}"}
        for i in range(30)
    }
    cfg = {
        "site": name,
        "domain": o_domain,
        "ads": slots,
        "consent": {"v": 2, "vendors": [rng.randrange(1000) for _ in range(120)]},
    }
    return (
        "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        f"gtag('js',new Date());gtag('config','G-{rng.randrange(10**9)}');"
        f"window.__SITE_CONFIG__={json.dumps(cfg, separators=(',', ':'))};"
        "(function(w,d){var s=d.createElement('script');s.async=1;"
        "s.src='/static/ads.js';d.head.appendChild(s);})(window,document);"
    )


def _nav(web: SimWeb, o: Outlet) -> str:
    items = []
    for s in o.sections:
        top = web.listing_urls.get((o.domain, "section", s), f"/#{s.lower()}")
        sub = "".join(
            f'<li class="{o.px}-sub"><a href="/#{s.lower()}-{k}">{e(s)} {k}</a></li>'
            for k in (
                "latest",
                "analysis",
                "opinion",
                "video",
                "explainers",
                "archive",
                "live",
                "photos",
                "podcasts",
                "data",
                "investigations",
                "letters",
            )
        )
        items.append(f'<li class="{o.px}-item"><a href="{top}">{e(s)}</a><ul>{sub}</ul></li>')
    return (
        f'<nav class="{o.px}-nav" role="navigation"><ul class="{o.px}-menu">'
        f'<li class="{o.px}-item"><a href="/">Home</a></li>{"".join(items)}'
        f'<li class="{o.px}-item"><a href="/about">About</a></li></ul></nav>'
    )


def _blogroll(web: SimWeb, o: Outlet) -> str:
    links = []
    for i, p in enumerate(web.partners[o.domain]):
        href = f"http://{p.domain}/" if p.bare_redirect and i % 2 == 0 else p.home
        links.append(f'<li><a href="{href}" rel="noopener">{e(p.name)}</a></li>')
    return f'<div class="{o.px}-partners"><h4>Partner sites</h4><ul>{"".join(links)}</ul></div>'


def _footer(web: SimWeb, o: Outlet) -> str:
    cols = []
    for s in o.sections:
        cols.append(
            f'<div class="{o.px}-fcol"><h5>{e(s)}</h5><ul>'
            + "".join(f'<li><a href="/#{s.lower()}-{k}">{k}</a></li>' for k in range(1, 16))
            + "</ul></div>"
        )
    return (
        f'<footer class="{o.px}-footer"><div class="{o.px}-fcols">{"".join(cols)}</div>'
        f"{_blogroll(web, o)}"
        f'<p class="{o.px}-legal">&copy; {web.now.year} {e(o.name)}. All rights reserved. '
        f'<a href="/about">About us</a> &middot; <a href="{o.feed_path}">RSS</a> &middot; '
        f'<a href="{web.listing_urls[(o.domain, "sitemap", "")]}">Site map</a> &middot; '
        f'<a href="mailto:tips@{o.domain}">Send a tip</a></p>'
        f'<p class="{o.px}-outletwide">{e(o.boilerplate[0])}</p></footer>'
    )


def _head(web: SimWeb, o: Outlet, title: str, extra: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title>"
        f'<link rel="alternate" type="application/rss+xml" title="{e(o.name)} RSS" '
        f'href="{o.feed}">{extra}'
        f"<style>{outlet_css(o.domain, o.px, o.variant)}</style>"
        f"<script>{outlet_script(o.domain, o.name)}</script></head>"
    )


def _share(o: Outlet, url: str) -> str:
    nets = ["facebook", "x", "telegram", "whatsapp", "reddit", "email", "vk", "linkedin"]
    btns = "".join(
        f'<button class="{o.px}-share-{n}" data-network="{n}" data-url="{e(url)}" '
        f'aria-label="Share on {n}"><svg width="16" height="16"><use href="#i-{n}"/></svg>'
        f"</button>"
        for n in nets
    )
    return f'<div class="{o.px}-share">{btns}</div>'


def _comments(web: SimWeb, art: Art) -> str:
    rng = random.Random(f"comments:{web.seed}:{art.id}")
    o = art.outlet
    n = rng.choice([0, 2, 4, 6, 9, 12, 15, 20])
    w = Writer(rng, art.event)
    base = art.time
    items = []
    sentences = [x for p in art.paragraphs for x in split_sentences(p)]
    for k in range(n):
        when = base + timedelta(minutes=rng.randint(20, 4000))
        cid = rng.randrange(10**6)
        text = w.comment()
        if sentences and rng.random() < 0.3:  # readers quote the article they comment on
            quoted = " ".join(rng.sample(sentences, min(len(sentences), rng.choice([1, 1, 2]))))
            text = f"\u201c{quoted}\u201d \u2014 {rng.choice(REACTIONS)} {text}"
        items.append(
            f'<li id="comment-{cid}" class="{o.px}-comment"><div class="{o.px}-cbody">'
            f'<div class="{o.px}-cmeta"><img src="/avatars/{cid % 97}.png" alt="" width="32">'
            f'<b class="{o.px}-cauthor">{e(handle(rng))}</b> '
            + (f'<span class="{o.px}-cwhen">{when:%Y-%m-%d %H:%M}</span>' if art.published else "")
            + "</div>"
            f'<div class="{o.px}-ctext"><p>{e(text)}</p></div>'
            f'<div class="{o.px}-cactions"><a href="#comment-{cid}">Reply</a> '
            f'<span class="{o.px}-likes">{rng.randint(0, 99)} likes</span></div></div></li>'
        )
        if k % 4 == 3:
            items.append(f'<li class="{o.px}-comment-more"><span>Load replies</span></li>')
    return (
        f'<section id="comments" class="{o.px}-comments"><h3>{n} Comments</h3>'
        f'<ol class="{o.px}-comment-list">{"".join(items)}</ol>'
        f'<form class="{o.px}-comment-form"><textarea name="c"></textarea>'
        f'<button type="button">Post comment</button></form></section>'
    )


def _promo(web: SimWeb, art: Art) -> str:
    """A "trending" widget of teaser cards (heavy DOM, as on real news sites)."""
    o = art.outlet
    rng = random.Random(f"promo:{o.domain}")
    cards = []
    for i in range(rng.randint(24, 40)):
        cards.append(
            f'<div class="{o.px}-card"><div class="{o.px}-card-img"><img src="/img/t{i}.jpg" '
            f'alt="" loading="lazy"></div><div class="{o.px}-card-body"><span class="'
            f'{o.px}-card-kicker">{e(o.sections[i % len(o.sections)])}</span><h4><a href="/#'
            f'trending-{i}">Trending story {i + 1}</a></h4><span class="{o.px}-card-meta">'
            f"{rng.randint(2, 59)} min read</span></div></div>"
        )
    return f'<section class="{o.px}-trending"><h3>Trending</h3>{"".join(cards)}</section>'


def _related(web: SimWeb, art: Art) -> str:
    o = art.outlet
    li = "".join(
        f'<li class="{o.px}-rel"><a href="{e(_rel_href(web, r, art))}">{e(r.title)}</a>'
        f'<span class="{o.px}-rel-section">{e(r.section)}</span></li>'
        for r in art.related
    )
    return f'<aside class="{o.px}-side"><h3>Related stories</h3><ul>{li}</ul></aside>'


def _listing_link(web: SimWeb, art: Art, kind: str, name: str, placeholder: str) -> str:
    """The article's link to its section, tag or author page (listed articles only, so
    that the link does not appear when a later night gives the page its first entry)."""
    if not art.listed or art.disallowed:
        return placeholder
    return web.listing_urls.get((art.outlet.domain, kind, name), placeholder)


def _rel_href(web: SimWeb, r: Art, art: Art) -> str:
    amp = web.alt_urls.get(r.url, {}).get("amp")
    return amp if amp and (r.id + art.id) % 2 == 0 else r.url


def _canonical(art: Art) -> str:
    return f'<link rel="canonical" href="{e(art.meta_src.get("canonical", art.url))}">'


def _meta(art: Art) -> str:
    o, dt = art.outlet, art.published
    date_only = art.precision == "date"
    tags = [f'<meta name="description" content="{e(art.dek)}">']
    tags.append(_canonical(art))
    if "og" in o.meta or "og:url" in art.meta_src:
        tags += [
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{e(art.title)}">',
            f'<meta property="og:site_name" content="{e(o.name)}">',
            f'<meta property="og:url" content="{e(art.meta_src.get("og:url", art.url))}">',
        ]
    for name in ("syndication-source", "original-source"):
        if name in art.meta_src:
            tags.append(f'<meta name="{name}" content="{e(art.meta_src[name])}">')
    if dt and "article_time" in o.meta:
        tags.append(f'<meta property="article:published_time" content="{iso(dt, date_only)}">')
    if "jsonld" in o.meta:
        ld: dict = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": art.title,
            "mainEntityOfPage": art.url,
            "publisher": {"@type": "Organization", "name": o.name},
        }
        if art.author:
            ld["author"] = {"@type": "Person", "name": art.author}
        if dt:
            ld["datePublished"] = iso(dt, date_only)
        tags.append(
            f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
        )
    return "".join(tags)


def _body(art: Art) -> str:
    o = art.outlet
    top, *bottom = o.boilerplate
    out = [f'<p class="{o.px}-support"><strong>{e(top)}</strong></p>']
    c = art.credit
    credit = ""
    if c:
        link = f'<a href="{e(c.href)}">{e(c.anchor)}</a>'
        credit = "<p><em>" + e(c.text).replace("{a}", link) + "</em></p>"
    if c and c.top:
        out.append(credit)
    out += [f"<p>{e(p)}</p>" for p in art.paragraphs]
    if c and not c.top:
        out.append(credit)
    for s in bottom:
        if "newsletter" in s or "inbox" in s or "digest" in s:
            out.append(
                f'<div class="{o.px}-newsletter"><p>{e(s)}</p><form><input type="email" '
                f'placeholder="you@example.test"><button type="button">Subscribe</button>'
                f"</form></div>"
            )
        else:
            out.append(f"<p>{e(s)}</p>")
    return "".join(out)


def _byline(web: SimWeb, art: Art) -> str:
    o, dt = art.outlet, art.published
    parts = []
    if art.author:
        by = {"de": "Von", "ru": "Автор:"}.get(art.lang, "By")
        page = _listing_link(web, art, "author", art.author, "/about#staff")
        parts.append(
            f'<span class="{o.px}-author">{by} <a rel="author" href="{page}">'
            f"{e(art.author)}</a></span>"
        )
    if dt and o.date_fmt != "none":
        vis = visible_date(dt, o.date_fmt, art.precision == "date")
        if "time_tag" in o.meta:
            vis = f'<time datetime="{iso(dt, art.precision == "date")}">{vis}</time>'
        parts.append(f'<span class="{o.px}-date">{vis}</span>')
    printable = web.alt_urls.get(art.url, {}).get("print")
    if printable:
        parts.append(f'<a class="{o.px}-print" href="{e(printable)}" rel="nofollow">Print</a>')
    return f'<div class="{o.px}-byline">{" | ".join(parts)}</div>'


def article_html(web: SimWeb, art: Art) -> bytes:
    """The full article page."""
    o = art.outlet
    state = {
        "id": art.id,
        "section": art.section,
        "tags": art.tags,
        "words": sum(len(p.split()) for p in art.paragraphs),
        "paywall": False,
        "story": art.id % 97,
    }
    amp = web.alt_urls.get(art.url, {}).get("amp")
    extra = _meta(art) + (f'<link rel="amphtml" href="{e(amp)}">' if amp else "")
    head = _head(web, o, f"{art.title} | {o.name}", extra, art.lang)
    title = f'<h1 class="{o.px}-headline">{e(art.title)}</h1>'
    dek = f'<p class="{o.px}-dek">{e(art.dek)}</p>'
    section = _listing_link(web, art, "section", art.section, f"/#{art.section.lower()}")
    more = f'<p class="{o.px}-more">MORE: <a href="{section}">{e(art.section)}</a></p>'
    body = f'<div class="{o.px}-body">{_body(art)}</div>'
    tags = "".join(
        f'<a class="{o.px}-tag" href="{_listing_link(web, art, "tag", t, f"/#tag-{t}")}">{e(t)}</a>'
        for t in art.tags
    )
    main = f"{title}{dek}{_byline(web, art)}{more}{_share(o, art.url)}{body}<div>{tags}</div>"
    main += _share(o, art.url) + _comments(web, art) + _promo(web, art)
    masthead = (
        f'<header class="{o.px}-masthead"><a class="{o.px}-logo" href="/">{e(o.name)}</a>'
        f"{_nav(web, o)}</header>"
    )
    script = f"<script>window.__ARTICLE__={json.dumps(state)};</script>"
    v = o.variant
    if v == 0:
        page = (
            f'<body class="single post-{art.id}"><div id="page" class="site">{masthead}'
            f'<div id="content" class="site-content"><main id="main" class="site-main">'
            f'<article id="post-{art.id}" class="post type-post">{main}</article></main>'
            f"{_related(web, art)}</div>{_footer(web, o)}</div>{script}</body></html>"
        )
    elif v == 1:
        page = (
            f'<body class="{o.px}-body-wrap"><div class="{o.px}-topbar">Breaking news '
            f'alerts</div>{masthead}<main class="{o.px}-main"><div class="{o.px}-grid">'
            f'<div id="story-body" class="{o.px}-story">{main}</div>{_related(web, art)}</div>'
            f"</main>{_footer(web, o)}{script}</body></html>"
        )
    elif v == 2:
        page = (
            f'<body><table width="100%" class="{o.px}-layout"><tr><td colspan="2">{masthead}'
            f'</td></tr><tr><td class="{o.px}-content" valign="top"><div class="{o.px}-article">'
            f'{main}</div></td><td class="{o.px}-rightcol" valign="top">{_related(web, art)}</td>'
            f'</tr><tr><td colspan="2">{_footer(web, o)}</td></tr></table>{script}</body></html>'
        )
    else:
        page = (
            f'<body><div id="__next"><div class="css-{o.px}1x">{masthead}<div class="css-'
            f'{o.px}2y"><section data-component="article" class="css-{o.px}3z">{main}'
            f"</section>{_related(web, art)}</div>{_footer(web, o)}</div></div>{script}"
            "</body></html>"
        )
    return (head + page).encode("utf-8")


def home_html(web: SimWeb, o: Outlet, page: int, arts: list[Art], pages: int) -> bytes:
    """A home page (page 1) or one of its older pages: newest teasers first."""
    base = o.home
    return listing_html(web, o, "home", "", page, arts, pages, base)


LISTING_TITLES = {
    "home": "{o}",
    "section": "{n} | {o}",
    "tag": "Tag: {n} | {o}",
    "author": "{n}, Author at {o}",
    "search": "Search results for \u201c{n}\u201d | {o}",
    "sitemap": "Site map | {o}",
}


def _teaser_item(web: SimWeb, o: Outlet, a: Art, k: int) -> str:
    """One teaser: headline link, 25-60 words, date, sometimes author and image."""
    rng = random.Random(f"teaser:{o.domain}:{a.id}")
    when = ""
    if a.published and o.date_fmt != "none":
        when = visible_date(a.published, o.date_fmt, a.precision == "date")
    by = ""
    if a.author and rng.random() < 0.6:
        page = web.listing_urls.get((o.domain, "author", a.author))
        by = f'<a href="{page}">{e(a.author)}</a>' if page else e(a.author)
    img = f'<img src="/img/{a.id}.jpg" alt="" width="320">' if rng.random() < 0.5 else ""
    title, text, v, px = e(a.title), e(teaser(a)), o.variant, o.px
    if v == 0:  # WordPress: every teaser an <article>
        return (
            f'<article id="post-{a.id}" class="post type-post status-publish"><header '
            f'class="entry-header"><h2 class="entry-title"><a href="{a.url}" rel="bookmark">'
            f'{title}</a></h2><div class="entry-meta"><span class="posted-on">{when}</span>'
            + (f' <span class="byline">by {by}</span>' if by else "")
            + f'</div></header>{img}<div class="entry-summary"><p>{text}</p></div></article>'
        )
    if v == 1:
        return (
            f'<div class="{px}-card{k % 3}"><a class="{px}-thumb" href="{a.url}">{img}</a>'
            f'<h3 class="{px}-hl"><a href="{a.url}">{title}</a></h3><p class="{px}-sum">{text}</p>'
            f'<div class="{px}-info">{when}' + (f" &middot; {by}" if by else "") + "</div></div>"
        )
    if v == 2:
        return (
            f'<tr><td valign="top">{img}</td><td><a href="{a.url}"><b>{title}</b></a><br>'
            f"<small>{when}" + (f" - {by}" if by else "") + f"</small><br>{text}</td></tr>"
        )
    return (
        f'<article class="css-{px}{k % 4}q"><a href="{a.url}" class="css-{px}lnk"><h2>{title}'
        f'</h2></a><p class="css-{px}sm">{text}</p><div class="css-{px}mt">{when}'
        + (f" {by}" if by else "")
        + f"</div>{img}</article>"
    )


def _sitemap_list(o: Outlet, arts: list[Art]) -> str:
    """An HTML site map: every article under its month, with its date."""
    out, month = [], None
    for a in arts:
        m = f"{EN_M[a.time.month - 1]} {a.time.year}"
        if m != month:
            out.append(("</ul>" if month else "") + f"<h2>{m}</h2><ul>")
            month = m
        out.append(f'<li><a href="{a.url}">{e(a.title)}</a> <span>{a.time:%Y-%m-%d}</span></li>')
    return "".join(out) + ("</ul>" if month else "")


def _pager(o: Outlet, kind: str, page: int, pages: int, base: str) -> str:
    from .web import listing_page_url

    if kind == "home":
        href = lambda p: f"/page/{p}" if o.page_style == "path" else f"/?page={p}"  # noqa: E731
    else:
        href = lambda p: base if p == 1 else listing_page_url(base, p)  # noqa: E731
    links = []
    if page > 1:
        links.append(f'<a class="{o.px}-prev" rel="prev" href="{href(page - 1)}">Newer posts</a>')
    if page < pages:
        links.append(f'<a class="{o.px}-next" rel="next" href="{href(page + 1)}">Older posts</a>')
    return f'<nav class="{o.px}-pagination">{" ".join(links)}</nav>' if links else ""


def listing_html(
    web: SimWeb, o: Outlet, kind: str, name: str, page: int, arts: list[Art], pages: int,
    base: str,
) -> bytes:  # fmt: skip
    """A listing page (home, section, tag, author, search results, HTML site map)."""
    title = LISTING_TITLES[kind].format(o=o.name, n=name)
    if page > 1:
        title = f"{title} - Page {page}"
    h1 = "" if kind == "home" else f"<h1>{e(title.rsplit(' | ', 1)[0])}</h1>"
    if kind == "sitemap":
        items = _sitemap_list(o, arts)
    else:
        teasers = "".join(_teaser_item(web, o, a, k) for k, a in enumerate(arts))
        wrap = [
            '<div class="posts">{}</div>',
            f'<div class="{o.px}-stream">{{}}</div>',
            f'<table class="{o.px}-list">{{}}</table>',
            f'<section data-component="stream" class="css-{o.px}st">{{}}</section>',
        ]
        items = wrap[o.variant].format(teasers)
    extra = ""
    if kind == "search":
        extra = f'<form action="/search"><input name="q" value="{e(name.lower())}"></form>'
    popular = ""
    if kind == "home" and page == 1 and o.domain in web.popular:
        term, search = web.popular[o.domain]
        popular = f'<aside class="{o.px}-popular"><h4>Popular searches</h4><a href="{search}">'
        popular += f"{e(term)}</a></aside>"
    head = _head(web, o, title, "", o.lang)
    masthead = f'<header class="{o.px}-masthead"><a href="/">{e(o.name)}</a>{_nav(web, o)}</header>'
    main = f"{h1}{extra}{items}{_pager(o, kind, page, pages, base)}"
    if o.variant == 0:
        main = f'<main id="main" class="site-main">{main}</main>'
    elif o.variant == 1:
        main = f'<main class="{o.px}-main"><div class="{o.px}-grid">{main}</div></main>'
    elif o.variant == 2:
        main = f'<table width="100%"><tr><td class="{o.px}-content">{main}</td></tr></table>'
    else:
        main = f'<div id="__next"><div class="css-{o.px}2y">{main}</div></div>'
    return (head + f"<body>{masthead}{main}{popular}{_footer(web, o)}</body></html>").encode(
        "utf-8"
    )


def alt_html(web: SimWeb, art: Art, which: str) -> bytes:
    """The print or AMP version of an article: same text, canonical to the article."""
    o = art.outlet
    canon = f'<link rel="canonical" href="{e(art.url)}">'
    title = f"<h1>{e(art.title)}</h1>"
    if which == "print":
        return (
            f'<!DOCTYPE html>\n<html lang="{art.lang}"><head><meta charset="utf-8">'
            f"<title>{e(art.title)} | {e(o.name)}</title>{canon}"
            '<meta name="robots" content="noindex"><style>body{font:12pt serif}</style></head>'
            f'<body onload="window.print()"><div class="print-logo">{e(o.name)}</div>{title}'
            f'{_byline(web, art)}<div class="print-body">{_body(art)}</div>'
            f'<p class="print-url">Printed from {e(art.url)}</p></body></html>'
        ).encode()
    rel = "".join(
        f'<li><a href="{e(web.alt_urls.get(r.url, {}).get("amp", r.url))}">{e(r.title)}</a></li>'
        for r in art.related
    )
    return (
        f'<!doctype html>\n<html \u26a1 lang="{art.lang}"><head><meta charset="utf-8">'
        f"<title>{e(art.title)}</title>{canon}{_meta(art).replace(_canonical(art), '')}"
        '<meta name="viewport" content="width=device-width">'
        '<script async src="https://cdn.ampproject.org/v0.js"></script>'
        "<style amp-boilerplate>body{visibility:hidden}</style></head>"
        f'<body><header class="amp-header"><a href="{o.home}">{e(o.name)}</a></header>'
        f"<article>{title}{_byline(web, art)}{_body(art)}</article>"
        f"<aside><h3>Related</h3><ul>{rel}</ul></aside>"
        f'<footer><a href="{e(art.url)}">View the full site</a></footer></body></html>'
    ).encode()


def about_html(web: SimWeb, o: Outlet) -> bytes:
    """A short about page (not an article)."""
    staff = "".join(f"<li>{e(s)}</li>" for s in o.staff)
    head = _head(web, o, f"About {o.name}", "", o.lang)
    return (
        head + f'<body><main><h1>About {e(o.name)}</h1><ul id="staff">{staff}</ul></main>'
        f"{_footer(web, o)}</body></html>"
    ).encode("utf-8")


def rfc822(dt: datetime) -> str:
    return format_datetime(dt)


def feed_xml(web: SimWeb, o: Outlet, arts: list[Art]) -> bytes:
    """RSS 2.0 with the newest items."""
    items = []
    for a in arts:
        date = f"<pubDate>{rfc822(a.published)}</pubDate>" if a.published else ""
        items.append(
            f"<item><title>{e(a.title)}</title><link>{e(a.url)}</link>"
            f'<guid isPermaLink="true">{e(a.url)}</guid>{date}'
            f"<description>{e(a.dek)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{e(o.name)}</title><link>{o.home}</link><description>Latest from "
        f"{e(o.name)}</description><language>{o.lang}</language>"
        f"<lastBuildDate>{rfc822(web.now)}</lastBuildDate>{''.join(items)}</channel></rss>\n"
    ).encode()


def sitemap_xml(arts: list[Art], edited: dict[str, datetime] | None = None) -> bytes:
    """A urlset sitemap; ``<lastmod>`` is the last edit when there was one, as sites do."""
    rows = []
    edited = edited or {}
    for a in arts:
        if a.url in edited:
            mod = f"<lastmod>{iso(edited[a.url])}</lastmod>"
        else:
            mod = f"<lastmod>{iso(a.published, True)}</lastmod>" if a.published else ""
        rows.append(f"<url><loc>{e(a.url)}</loc>{mod}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(rows)
        + "</urlset>\n"
    ).encode("utf-8")


def sitemap_index_xml(urls: list[str]) -> bytes:
    """A sitemap index pointing to child sitemaps."""
    rows = "".join(f"<sitemap><loc>{e(u)}</loc></sitemap>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>\n'
    ).encode()


def robots_txt(o: Outlet) -> bytes:
    """robots.txt with an optional Disallow and the Sitemap line."""
    lines = ["User-agent: *"]
    lines.append(f"Disallow: {o.disallow}" if o.disallow else "Disallow:")
    lines += ["", f"Sitemap: {o.sitemap}", ""]
    return "\n".join(lines).encode("ascii")
