"""``provenance compare``: the passages two stored articles share, and what was decided.

The aligned passages are stored with each verified pair (``reuse_pairs.passages``,
character offsets into both articles' text); this module reads them back with the
decision (which page copies which), its signals and its confidence, and lays the two
texts side by side for a terminal, the shared text highlighted.
"""

from __future__ import annotations

import re
import textwrap
from itertools import zip_longest
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crawler.db.models import Article, Outlet, Page
from crawler.db.reuse_models import ReusePair
from crawler.urls import normalize_url

__all__ = ["NotComparable", "compare_pair", "find_article", "render_compare", "side_by_side"]

MAX_PASSAGE = 1200  # characters of one passage shown (the rest elided in the middle)


class NotComparable(LookupError):
    """An URL that is no stored article, or two articles with no recorded shared text."""


def find_article(session: Session, url: str) -> Article:
    """The article of ``url``: its own URL, or a page URL that redirected to it."""
    keys = {url, normalize_url(url)}
    art = session.scalars(select(Article).where(Article.url.in_(keys))).first()
    if art is None:  # a URL that redirected: its page names the final URL
        final = select(Page.final_url).where(or_(Page.url.in_(keys), Page.final_url.in_(keys)))
        art = session.scalars(select(Article).where(Article.url.in_(final))).first()
    if art is None:
        raise NotComparable(f"unknown article: {url} (not among the crawled articles)")
    return art


def _describe(session: Session, art: Article) -> dict[str, Any]:
    outlet = session.get(Outlet, art.outlet_id)
    return {
        "url": art.url,
        "outlet": outlet.domain if outlet else None,
        "title": art.title,
        "published": art.published.isoformat() if art.published else None,
        "date_precision": art.date_precision if art.published else None,
    }


def _excerpt(text: str, start: int, end: int, context: int) -> dict[str, Any]:
    shared = text[start:end]
    if len(shared) > MAX_PASSAGE:
        half = MAX_PASSAGE // 2
        shared = shared[:half] + " … " + shared[-half:]
    return {
        "start": start,
        "end": end,
        "before": text[max(0, start - context) : start],
        "text": shared,
        "after": text[end : end + context],
        "cut": [start - context > 0, end + context < len(text)],  # text left out around
    }


def compare_pair(session: Session, url_a: str, url_b: str, *, context: int = 60) -> dict[str, Any]:
    """The recorded reuse between two articles, as JSON-ready data.

    Raises
    ------
    NotComparable
        When either URL is not a stored article, or no shared text was recorded.
    """
    a, b = find_article(session, url_a), find_article(session, url_b)
    if a.id == b.id:
        raise NotComparable(f"both URLs are the same article: {a.url}")
    lo, hi = sorted((a, b), key=lambda x: x.id)
    pair = session.scalars(
        select(ReusePair).where(ReusePair.a_id == lo.id, ReusePair.b_id == hi.id)
    ).first()
    if pair is None:
        raise NotComparable(f"no shared text recorded between {a.url} and {b.url}")
    urls = {lo.id: lo.url, hi.id: hi.url}
    texts = {lo.id: lo.text or "", hi.id: hi.text or ""}
    passages = []
    for lo_start, lo_end, hi_start, hi_end in pair.passages or []:
        spans = {lo.id: (lo_start, lo_end), hi.id: (hi_start, hi_end)}
        passages.append(
            {
                "a": _excerpt(texts[a.id], *spans[a.id], context),
                "b": _excerpt(texts[b.id], *spans[b.id], context),
            }
        )
    contained = {lo.url: pair.containment_a, hi.url: pair.containment_b}
    decided = pair.source_id is not None and pair.copy_id is not None
    return {
        "a": _describe(session, a),
        "b": _describe(session, b),
        "kind": pair.kind,
        "similarity": round(pair.similarity, 4),
        "matched_words": pair.matched_words,
        "quoted_words": pair.quoted_words,
        "stock_words": pair.stock_words,
        "contained": {a.url: round(contained[a.url], 4), b.url: round(contained[b.url], 4)},
        "decision": (
            {"copy": urls[pair.copy_id], "source": urls[pair.source_id]}  # type: ignore[index]
            if decided
            else None
        ),
        "confidence": round(pair.confidence, 4),
        "credited": bool(pair.credited),
        "signals": [
            {"name": name, "favours": urls.get(favours), "weight": weight}
            for name, favours, weight in pair.signals or []
        ],
        "passages": passages,
    }


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_ON, _OFF = "\x1b[7m", "\x1b[0m"  # reverse video
_OPEN, _CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧ around shared text without colours


def _clean(text: str) -> str:
    """Terminal-safe text: control characters (ANSI escapes included) become a space."""
    return _CONTROL.sub(" ", text)


def side_by_side(left: str, right: str, width: int, *, color: bool) -> list[str]:
    """Two texts, each holding one ⟦shared⟧ span, wrapped into two columns.

    >>> side_by_side("x ⟦a b⟧ y", "⟦a b⟧", 21, color=False)
    ['x ⟦a b⟧ y  │ ⟦a b⟧']
    """
    col = max(10, (width - 3) // 2)
    cols = [textwrap.wrap(t, col) or [""] for t in (left, right)]
    lines = []
    inside = [False, False]
    for pair in zip_longest(*cols, fillvalue=""):
        shown = []
        for i, line in enumerate(pair):
            pad = " " * (col - len(line))
            if color:
                opened = inside[i]
                for ch in line:
                    if ch == _OPEN:
                        inside[i] = True
                    elif ch == _CLOSE:
                        inside[i] = False
                pad = " " * (col - len(line) + line.count(_OPEN) + line.count(_CLOSE))
                line = (_ON if opened else "") + line.replace(_OPEN, _ON).replace(_CLOSE, _OFF)
                line += _OFF if inside[i] else ""
            shown.append(line + pad)
        lines.append((shown[0] + " │ " + shown[1]).rstrip())
    return lines


def render_compare(data: dict[str, Any], *, width: int = 100, color: bool = False) -> str:
    """:func:`compare_pair` data as text: the decision, its signals, the passages."""
    a, b = data["a"], data["b"]
    out = []
    for tag, art in (("A", a), ("B", b)):
        when = art["published"] or "date unknown"
        if art.get("date_precision"):
            when += f" ({art['date_precision']})"
        title = f'  "{_clean(art["title"])}"' if art.get("title") else ""
        out.append(f"{tag}: {_clean(art['url'])}  [{art['outlet']}, {when}]{title}")
    contained = data["contained"]
    out.append(
        f"{data['kind']} reuse, similarity {data['similarity']:.2f}, {data['matched_words']} "
        f"words shared ({data['quoted_words']} inside quotation marks, {data['stock_words']} "
        f"in stock phrases: neither counts as copying); {contained[a['url']]:.0%} of A is in "
        f"B, {contained[b['url']]:.0%} of B is in A"
    )
    decision = data["decision"]
    if decision is None:
        out.append(f"decision: undecided (confidence {data['confidence']:.2f})")
    else:
        copy = "A" if decision["copy"] == a["url"] else "B"
        source = "B" if copy == "A" else "A"
        credit = "credits" if data["credited"] else "does not credit"
        out.append(
            f"decision: {copy} copies {source} (confidence {data['confidence']:.2f}); "
            f"{copy} {credit} its source"
        )
    tags = {a["url"]: "A", b["url"]: "B"}
    for s in data["signals"]:
        favours = tags.get(s["favours"], "neither")
        out.append(f"  signal {s['name']}: favours {favours} as the source (weight {s['weight']})")
    n = len(data["passages"])
    out.append(f"{n} shared passage{'s' * (n != 1)}:")
    for i, p in enumerate(data["passages"], start=1):
        out.append(f"--- passage {i}: A {p['a']['start']}-{p['a']['end']}, "
                   f"B {p['b']['start']}-{p['b']['end']}")  # fmt: skip
        texts = [
            _clean(
                ("…" if x["cut"][0] else "") + f"{x['before']}{_OPEN}{x['text']}{_CLOSE}"
                f"{x['after']}" + ("…" if x["cut"][1] else "")
            )
            for x in (p["a"], p["b"])
        ]
        out += side_by_side(texts[0], texts[1], width, color=color)
    return "\n".join(out)
