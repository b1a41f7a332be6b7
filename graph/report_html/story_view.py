"""The stories view: a sortable list of stories and, per story, a timeline and copy tree.

Drawn here as static HTML and SVG (no script needed, so it prints). Every text that
comes from crawled pages goes through :func:`text`, which escapes it for HTML and drops
control characters; links are written only for http(s) URLs.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import networkx as nx

from graph.build import Story

__all__ = ["copy_tree", "link", "stories_html", "text", "timeline_svg"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

Passages = Mapping[tuple[str, str], Sequence[tuple[str, str]]]


def text(value: Any) -> str:
    """``value`` as HTML text: escaped (quotes too), control characters and lone
    surrogates replaced by U+FFFD.

    Examples
    --------
    >>> text('<img src=x onerror="a()">')
    '&lt;img src=x onerror=&quot;a()&quot;&gt;'
    >>> text("a\\x00b")
    'a\\ufffdb'
    """
    return html.escape(_CONTROL.sub("\ufffd", "" if value is None else str(value)), quote=True)


def link(url: str, label: str | None = None) -> str:
    """An ``<a>`` to ``url`` if it is http(s), else the URL as plain text."""
    shown = text(label if label is not None else url)
    if re.match(r"https?://", url or "", re.IGNORECASE):
        return f'<a href="{text(url)}" rel="noreferrer noopener">{shown}</a>'
    return f"<span>{shown}</span>"


def _time(d: Mapping[str, Any]) -> datetime | None:
    value = d.get("published") or d.get("first_seen")
    return None if value is None else datetime.fromisoformat(value)


def _hours(h: float) -> str:
    if abs(h) < 48:
        return f"{h:+.1f} h"
    return f"{h / 24:+.1f} d"


def _primary(A: nx.DiGraph, n: str) -> str | None:
    """The most confident direct source of ``n`` (as :func:`graph.trace.explain` picks)."""
    succ = A._succ[n]
    if not succ:
        return None
    return min(succ, key=lambda s: (-(succ[s].get("confidence") or 0), s))


def _ticks(span: float) -> list[float]:
    """Round tick values (hours) from 0 to ``span``."""
    for step in (1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720, 2160, 8760):
        if span / step <= 8:
            break
    return [i * step for i in range(int(span // step) + 1)]


def timeline_svg(A: nx.DiGraph, story: Story, *, width: int = 760, row: int = 18) -> str:
    """Who published when: one row per article, x = hours after the story's first article.

    Dots are black for a root, blue for a copy crediting its source, red for one that
    does not; a line joins each copy to its primary source. Articles of unknown time are
    listed under the chart.
    """
    nodes = A._node
    timed = [(t, n) for n in story.nodes if (t := _time(nodes[n])) is not None]
    timed.sort(key=lambda tn: (tn[0], tn[1]))
    unknown = sorted(n for n in story.nodes if _time(nodes[n]) is None)
    left, right, top = 190, 70, 24
    if not timed:
        return '<p class="muted">No article of this story has a known time.</p>'
    t0 = timed[0][0]
    lags = {n: (t - t0).total_seconds() / 3600 for t, n in timed}
    span = max(lags.values()) or 1.0
    plot = width - left - right
    height = top + row * len(timed) + 10

    def x(h: float) -> float:
        return round(left + plot * h / span, 1)

    ys = {n: top + row * i + row / 2 for i, (_, n) in enumerate(timed)}
    roots = set(story.roots)
    label = f"Timeline of story {story.id}: {len(timed)} articles over {_hours(span)[1:]}"
    out = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{text(label)}">'
    ]
    for h in _ticks(span):
        out.append(f'<line class="tick" x1="{x(h)}" y1="{top - 6}" x2="{x(h)}" y2="{height - 8}"/>')
        out.append(
            f'<text class="tick" x="{x(h)}" y="{top - 10}" text-anchor="middle">'
            f"{text(_hours(h)[1:] if h else '0')}</text>"
        )
    for _, n in timed:
        src = _primary(A, n)
        if src is not None and src in ys:
            out.append(
                f'<line class="link" x1="{x(lags[src])}" y1="{ys[src]}" '
                f'x2="{x(lags[n])}" y2="{ys[n]}"/>'
            )
    for _, n in timed:
        d = nodes[n]
        src = _primary(A, n)
        if src is None or n in roots:
            kind, fill = "root", "#222222"
        elif A._succ[n][src].get("credited"):
            kind, fill = "credited", "#2b7bb9"
        else:
            kind, fill = "uncredited", "#d7301f"
        tip = f"{d.get('outlet') or '?'}: {d.get('title') or n} ({kind}, {_hours(lags[n])})"
        out.append(
            f'<text class="outlet" x="{left - 8}" y="{ys[n] + 4}" text-anchor="end">'
            f"{text((d.get('outlet') or '?')[:28])}</text>"
        )
        out.append(
            f'<circle class="{kind}" cx="{x(lags[n])}" cy="{ys[n]}" r="5" fill="{fill}">'
            f"<title>{text(tip)}</title></circle>"
        )
        out.append(
            f'<text class="lag" x="{x(lags[n]) + 8}" y="{ys[n] + 4}">{_hours(lags[n])}</text>'
        )
    out.append("</svg>")
    if unknown:
        out.append(
            '<p class="muted">Time unknown: '
            + ", ".join(text(nodes[n].get("outlet") or n) for n in unknown)
            + "</p>"
        )
    return "".join(out)


def _evidence(A: nx.DiGraph, copy: str, source: str, passages: Passages, max_passages: int) -> str:
    d = A._succ[copy][source]
    parts = []
    if d.get("similarity") is not None:
        parts.append(f"similarity {d['similarity']:.2f}")
    if d.get("kind"):
        parts.append(text(d["kind"]))
    if d.get("confidence") is not None:
        parts.append(f"confidence {d['confidence']:.2f}")
    parts.append("credited" if d.get("credited") else '<b class="uncredited">uncredited</b>')
    if d.get("lag_hours") is not None:
        parts.append(f"lag {_hours(d['lag_hours'])}")
    signals = ", ".join(text(s) for s in d.get("evidence") or []) or "none"
    shared = passages.get((copy, source), ())
    body = [f'<p class="signals">signals: {signals}</p>']
    if shared:
        body.append(
            '<table class="passages"><thead><tr><th>copy</th><th>source</th></tr></thead><tbody>'
        )
        for c, s in shared[:max_passages]:
            body.append(f"<tr><td>{text(c)}</td><td>{text(s)}</td></tr>")
        body.append("</tbody></table>")
        if len(shared) > max_passages:
            body.append(f'<p class="muted">and {len(shared) - max_passages} more passages</p>')
    else:
        body.append('<p class="muted">no shared passage stored</p>')
    return (
        f'<details class="evidence"><summary>{" · ".join(parts)}</summary>'
        + "".join(body)
        + "</details>"
    )


def _article(A: nx.DiGraph, n: str, lag: float | None) -> str:
    d = A._node[n]
    title = d.get("title") or n
    when = f' <span class="lag">{_hours(lag)}</span>' if lag is not None else ""
    return f'<span class="outlet">{text(d.get("outlet") or "?")}</span> {link(n, title)}{when}'


def copy_tree(
    A: nx.DiGraph,
    story: Story,
    passages: Passages | None = None,
    *,
    max_passages: int = 3,
    max_items: int = 300,
) -> str:
    """The story's copy tree as nested lists, from its roots down to the pages copying
    them, each copy with the evidence of its edge. Each article is listed once, under
    the first source reached (breadth first), like ``provenance trace``."""
    passages = passages or {}
    nodes = A._node
    t0 = min((t for n in story.nodes if (t := _time(nodes[n])) is not None), default=None)

    def lag(n: str) -> float | None:
        t = _time(nodes[n])
        return None if t is None or t0 is None else (t - t0).total_seconds() / 3600

    def when(n: str) -> tuple:
        t = _time(nodes[n])
        return (t is None, t or datetime.min, n)

    children: dict[str, list[str]] = {}
    seen = set(story.roots)
    queue = deque(story.roots)
    while queue:
        parent = queue.popleft()
        for child in sorted(A._pred[parent], key=when):
            if child in seen or child not in story.nodes:
                continue
            seen.add(child)
            children.setdefault(parent, []).append(child)
            queue.append(child)
    listed = 0
    out: list[str] = ['<ul class="tree">']
    # An explicit stack, not recursion: a chain of thousands of copies is possible.
    # Each level: the article whose copies are being listed (None: the roots) and those left.
    stack: list[tuple[str | None, Iterator[str]]] = [(None, iter(story.roots))]
    while stack:
        parent, rest_of_level = stack[-1]
        child = next(rest_of_level, None)
        if child is None:
            stack.pop()
            out.append("</ul></li>" if stack else "</ul>")
            continue
        if listed >= max_items:
            continue
        listed += 1
        entry = _article(A, child, lag(child))
        if parent is not None:
            entry += _evidence(A, child, parent, passages, max_passages)
        out.append(f"<li>{entry}")
        if children.get(child):
            out.append('<ul class="tree">')
            stack.append((child, iter(children[child])))
        else:
            out.append("</li>")
    rest = [n for n in story.nodes if n not in seen]
    if listed < len(seen):
        out.append(f'<p class="muted">… and {len(seen) - listed} more copies not listed</p>')
    if rest:
        out.append(
            f'<p class="muted">{len(rest)} articles in circular provenance, not in the tree: '
            + ", ".join(link(n) for n in sorted(rest)[:20])
            + "</p>"
        )
    return "".join(out)


def _cell(value: Any, numeric: bool = False) -> str:
    if numeric:
        shown = "–" if value is None else (f"{value:.1f}" if isinstance(value, float) else value)
        return f'<td class="num" data-v="{"" if value is None else value}">{shown}</td>'
    return f"<td>{text(value if value is not None else '–')}</td>"


def stories_html(
    A: nx.DiGraph,
    found: Sequence[Story],
    passages: Passages | None = None,
    *,
    max_detailed: int = 100,
    max_rows: int = 2000,
) -> str:
    """The stories view: a sortable list and the detail (timeline, copy tree) of the
    ``max_detailed`` largest stories of more than one article."""
    multi = [s for s in found if s.size > 1]
    nodes = A._node
    out = [
        f"<p>{len(multi)} stories with copies ({len(found) - len(multi)} articles nobody "
        "copied are left out). Click a column to sort; click a story for its timeline and "
        "copy tree.</p>",
        '<table class="sortable" id="stories-table"><thead><tr><th>story</th><th>root</th>'
        "<th>outlet</th><th>size</th><th>outlets reached</th><th>first seen</th>"
        "<th>span (h)</th></tr></thead><tbody>",
    ]
    detailed = {s.id for s in multi[:max_detailed]}
    for s in multi[:max_rows]:
        root = nodes[s.root]
        title = root.get("title") or s.root
        name = f'<a href="#story-{s.id}">{text(title)}</a>' if s.id in detailed else text(title)
        out.append(
            f'<tr><td class="num" data-v="{s.id}">{s.id}</td><td>{name}</td>'
            + _cell(root.get("outlet"))
            + _cell(s.size, True)
            + _cell(len(s.outlets), True)
            + _cell((s.start or "")[:16].replace("T", " "))
            + _cell(s.span_hours, True)
            + "</tr>"
        )
    out.append("</tbody></table>")
    if len(multi) > max_rows:
        out.append(
            f'<p class="muted">and {len(multi) - max_rows} smaller stories '
            "(all of them: provenance export --level story)</p>"
        )
    for s in multi[:max_detailed]:
        root = nodes[s.root]
        ambiguous = (
            f' <span class="warn">{len(s.roots)} possible roots</span>' if s.ambiguous_root else ""
        )
        span = "" if s.span_hours is None else f", over {_hours(s.span_hours)[1:]}"
        out.append(
            f'<article class="story" id="story-{s.id}"><h3>Story {s.id}: '
            f"{text(root.get('title') or s.root)}</h3>"
            f'<p class="meta">first at {link(s.root, root.get("outlet") or s.root)}{ambiguous}; '
            f"{s.size} articles, {len(s.outlets)} outlets{span}</p>"
            + timeline_svg(A, s)
            + "<h4>Copy tree</h4>"
            + copy_tree(A, s, passages)
            + "</article>"
        )
    return "".join(out)
