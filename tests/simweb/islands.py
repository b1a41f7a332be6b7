"""Island outlets: sites that copy stories of the web without credit and that no link reaches.

Content farms and laundering sites republish syndicated stories word for word (or with
a few words swapped) and link to nobody who links back: no credit, no canonical link,
no blogroll, no feed or sitemap anywhere else on the web names them. Only a search for
an article's sentences finds them. Each island still has its own home page, feed and
sitemap, so once one of its copies is found its outlet can be crawled like any other.
"""

from __future__ import annotations

import random
from datetime import timedelta

from .model import Art, Outlet
from .outlets import _boilerplate, _outlet
from .text import edit_words, slugify

# (domain, name, host prefix, variant, url style, feed path, page style, date format, meta)
_ROWS = [
    ("newsmirrorhub.test", "News Mirror Hub", "", 2, "/news/{slug}-{id}.html", "/rss.xml",
     "query", "iso", "og"),
    ("dailyfeedz.test", "Daily Feedz", "www", 0, "/{section}/{slug}-{id}", "/feed",
     "path", "long_us", "article_time og"),
    ("worldwirenow.test", "WorldWire Now", "", 1, "/{yyyy}/{mm}/{dd}/{slug}/", "/feed/",
     "path", "iso", "jsonld"),
]  # fmt: skip
PER_ISLAND = 8  # stories each island copies
FIRST_ID = 900_000  # island article ids stay clear of the planner's


def _islands(seed: int) -> list[Outlet]:
    rng = random.Random(f"islands:{seed}")
    outs = []
    for dom, name, sub, var, url, feed, page, datef, meta in _ROWS:
        o = _outlet((dom, name, sub, "en", 0, var, url, feed, page, datef, meta, {}))
        o.boilerplate = _boilerplate(o, rng)
        o.author_rate = 0.0
        outs.append(o)
    return outs


def _candidates(arts: list[Art]) -> list[Art]:
    """Roots of stories already republished on the web (stories on a trail), in English."""
    copied = {a.root_url for a in arts if a.source is not None and a.epoch == 0}
    return [
        a
        for a in arts
        if a.source is None
        and a.url in copied
        and a.lang == "en"
        and a.listed
        and not a.disallowed
        and a.epoch == 0
        and a.form != "independent"
    ]


def make_islands(seed: int, scale: int, arts: list[Art]) -> tuple[list[Outlet], list[Art]]:
    """The island outlets and their uncredited copies of the first night's ``arts`` (made
    before later nights edit them, so a copy keeps the text it copied)."""
    rng = random.Random(f"island-copies:{seed}:{scale}")
    outs = _islands(seed)
    pool = _candidates(arts)
    copies: list[Art] = []
    next_id = FIRST_ID
    for k, o in enumerate(outs):
        picks = rng.sample(pool, min(PER_ISLAND * scale, len(pool)))
        for j, src in enumerate(picks):
            next_id += rng.randint(1, 9)
            edited = (j + k) % 2 == 1  # half verbatim (form e), half lightly edited (form g)
            paras = list(src.paragraphs)
            if edited:
                paras = [edit_words(rng, p) if rng.random() < 0.4 else p for p in paras]
            t = src.time + timedelta(hours=rng.randint(3, 72))
            lt = t.astimezone(src.time.tzinfo)
            section = rng.choice(o.sections)
            path = o.url_style.format(
                id=next_id, slug=slugify(src.title), section=section.lower(),
                yyyy=f"{lt.year}", mm=f"{lt.month:02d}", dd=f"{lt.day:02d}",
            )  # fmt: skip
            art = Art(
                id=next_id,
                outlet=o,
                url=f"http://{o.host}{path}",
                story=src.story,
                event=src.event,
                title=src.title,
                dek=src.dek,
                section=section,
                author=None,
                time=lt,
                published=lt,
                precision="datetime",
                lang=src.lang,
                form="g" if edited else "e",
                paragraphs=paras,
                source=src,
                root=src.root or src,
                credited=False,
                kind="full",
                tags=list(src.tags),
            )
            art.related = copies[-4:]
            copies.append(art)
    return outs, copies
