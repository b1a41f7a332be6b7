"""Explain one article: its chain of sources up to the root, and who copied it.

:func:`explain` returns plain data (for ``--json``); :func:`render_explain` turns it into
a terminal tree; :func:`render_outlet_table` prints :func:`graph.measures.outlet_table`
rows as aligned columns. Edges follow :data:`graph.build.EDGE_DIRECTION`: a node's
successors are its sources, its predecessors the pages that copy it. Text from crawled
pages is stripped of control characters before it reaches a terminal.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from graph.measures import OUTLET_COLUMNS

__all__ = [
    "EDGE_FIELDS",
    "UnknownArticleError",
    "explain",
    "render_explain",
    "render_outlet_table",
    "resolve",
]

EDGE_FIELDS = ("similarity", "kind", "confidence", "evidence", "credited", "lag_hours")
"""Copy-edge attributes reported for every step and every copier."""


class UnknownArticleError(LookupError):
    """The URL is not a node of the article graph."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown article: {url} (not among the crawled articles)")
        self.url = url


def resolve(G: nx.DiGraph, url: str) -> str:
    """The node for ``url``: exact, else with its trailing slash or http(s) scheme toggled.

    Raises
    ------
    UnknownArticleError
        When no variant is a node.
    """
    if url in G:
        return url
    variants = [url[:-1] if url.endswith("/") else url + "/"]
    for a, b in (("http://", "https://"), ("https://", "http://")):
        if url.startswith(a):
            swapped = b + url[len(a) :]
            variants += [swapped, variants[0].replace(a, b, 1)]
    for v in variants:
        if v in G:
            return v
    raise UnknownArticleError(url)


def _article(G: nx.DiGraph, n: str) -> dict[str, Any]:
    d = G.nodes[n]
    return {
        "url": n,
        "outlet": d.get("outlet"),
        "title": d.get("title"),
        "published": d.get("published"),
    }


def _edge(d: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: d.get(k) for k in EDGE_FIELDS}
    out["evidence"] = list(out["evidence"] or [])
    return out


def _best_source(G: nx.DiGraph, n: str) -> str:
    """The most confident source (then most similar, then URL) when a page has several."""
    return min(
        G.successors(n),
        key=lambda s: (-(G[n][s].get("confidence") or 0), -(G[n][s].get("similarity") or 0), s),
    )


def explain(G: nx.DiGraph, url: str, *, max_copies: int | None = None) -> dict[str, Any]:
    """Where ``url`` came from and where it went, as JSON-ready data.

    ``chain`` lists the steps from the article to its root, following the most confident
    source when a page has several (the others are listed in ``other_sources``).
    ``copied_by`` is the tree of pages copying it, directly or not, each once, children
    in time order; ``max_copies`` caps how many are listed (``copies_total`` counts all).

    Raises
    ------
    UnknownArticleError
        When the URL is not in the graph.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_edge("paper", "wire", similarity=0.9, confidence=0.8)
    >>> G.add_edge("blog", "paper", similarity=0.7, confidence=0.6)
    >>> data = explain(G, "paper")
    >>> [(s["copy"]["url"], s["source"]["url"]) for s in data["chain"]], data["root"]
    ([('paper', 'wire')], 'wire')
    >>> [c["url"] for c in data["copied_by"]]
    ['blog']
    """
    node = resolve(G, url)
    chain: list[dict[str, Any]] = []
    seen = {node}
    cur, cycle = node, False
    while G.out_degree(cur):
        src = _best_source(G, cur)
        others = sorted(s for s in G.successors(cur) if s != src)
        chain.append(
            {
                "copy": _article(G, cur),
                "source": _article(G, src),
                **_edge(G[cur][src]),
                "other_sources": others,
            }
        )
        if src in seen:
            cycle = True
            break
        seen.add(src)
        cur = src

    def time(n: str) -> str:
        return G.nodes[n].get("published") or G.nodes[n].get("first_seen") or ""

    top: list[dict[str, Any]] = []
    entries: dict[str, list[dict[str, Any]]] = {node: top}
    visited, queue, listed = {node}, deque([node]), 0
    while queue:  # breadth first: every copier once, under the first parent reached
        parent = queue.popleft()
        for child in sorted(G.predecessors(parent), key=lambda c: (time(c), c)):
            if child in visited:
                continue
            visited.add(child)
            queue.append(child)
            if parent not in entries or (max_copies is not None and listed >= max_copies):
                continue  # counted in copies_total, not listed
            listed += 1
            entry = {**_article(G, child), **_edge(G[child][parent]), "copied_by": []}
            entries[parent].append(entry)
            entries[child] = entry["copied_by"]
    total = len(visited) - 1
    return {
        "article": _article(G, node),
        "root": cur,
        "is_root": not chain,
        "cycle": cycle,
        "chain": chain,
        "copies_total": total,
        "copies_listed": listed,
        "copied_by": top,
    }


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _clean(value: Any) -> str:
    """Terminal-safe text: control characters (ANSI escapes included) become a space."""
    return _CONTROL.sub(" ", str(value)).strip()


def _when(value: str | None) -> str:
    return "date unknown" if not value else value[:16].replace("T", " ")


def _describe(a: Mapping[str, Any]) -> str:
    title = f'  "{_clean(a["title"])}"' if a.get("title") else ""
    outlet = _clean(a.get("outlet") or "?")
    return f"{_clean(a['url'])}  [{outlet}, {_when(a.get('published'))}]{title}"


def _how(e: Mapping[str, Any]) -> str:
    parts = []
    if e.get("similarity") is not None:
        parts.append(f"similarity {e['similarity']:.2f}")
    if e.get("kind"):
        parts.append(_clean(e["kind"]))
    if e.get("confidence") is not None:
        parts.append(f"confidence {e['confidence']:.2f}")
    parts.append("credited" if e.get("credited") else "uncredited")
    if e.get("lag_hours") is not None:
        parts.append(f"{e['lag_hours']:+.1f} h")
    if e.get("evidence"):
        parts.append("evidence: " + ", ".join(_clean(s) for s in e["evidence"]))
    return "; ".join(parts)


def render_explain(data: Mapping[str, Any]) -> str:
    """The output of :func:`explain` as a plain-text tree for a terminal; a step or copy
    holding a ``credit_phrase`` (the sentence crediting the source) quotes it."""
    lines = [_describe(data["article"])]
    chain = data["chain"]
    if not chain:
        lines.append("  This is a root: no earlier source was found.")
    else:
        lines.append(f"Chain to the root ({len(chain)} step{'s' * (len(chain) != 1)}):")
        for i, step in enumerate(chain):
            pad = "   " * i
            lines.append(f"{pad}└─ copies {_describe(step['source'])}")
            lines.append(f"{pad}   ({_how(step)})")
            if step.get("credit_phrase"):
                lines.append(f'{pad}   credit: "{_clean(step["credit_phrase"])}"')
            if step["other_sources"]:
                others = ", ".join(_clean(s) for s in step["other_sources"])
                lines.append(f"{pad}   also copies: {others}")
        if data.get("cycle"):
            lines.append("  (the chain loops back on itself: provenance is circular here)")
    total, listed = data["copies_total"], data["copies_listed"]
    lines.append(f"Copied by {total} article{'s' * (total != 1)}" + (":" if total else "."))
    stack: list[tuple[str, Sequence[Mapping[str, Any]], int]] = [("", data["copied_by"], 0)]
    while stack:
        prefix, items, i = stack.pop()
        if i >= len(items):
            continue
        last = i == len(items) - 1
        item = items[i]
        lines.append(f"{prefix}{'└─ ' if last else '├─ '}{_describe(item)}")
        inner = prefix + ("   " if last else "│  ")
        lines.append(f"{inner}({_how(item)})")
        if item.get("credit_phrase"):
            lines.append(f'{inner}credit: "{_clean(item["credit_phrase"])}"')
        stack.append((prefix, items, i + 1))
        stack.append((inner, item["copied_by"], 0))
    if listed < total:
        lines.append(f"… and {total - listed} more (raise the limit to list them)")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 100 else f"{value:.1f}"
    return _clean(value)


def render_outlet_table(
    rows: Iterable[Mapping[str, Any]],
    *,
    top: int | None = None,
    columns: Sequence[str] = OUTLET_COLUMNS,
) -> str:
    """Rows (e.g. :func:`graph.measures.outlet_table`) as aligned text columns.

    Numbers are right-aligned, text left-aligned, missing values shown as ``-``; ``top``
    keeps the first N rows.

    Examples
    --------
    >>> print(render_outlet_table([{"outlet": "wire", "copied": 12}, {"outlet": "blog",
    ...       "copied": 3}], columns=("outlet", "copied")))
    outlet  copied
    wire        12
    blog         3
    """
    rows = list(rows)
    numeric = {
        c
        for c in columns
        if any(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool) for r in rows)
    }
    rows = rows[:top] if top is not None else rows
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        out = [
            v.rjust(w) if c in numeric else v.ljust(w)
            for c, v, w in zip(columns, values, widths, strict=True)
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(list(columns)), *(line(row) for row in cells)])
