"""The offline, interactive HTML report: outlet network, stories, tables, in one file.

:func:`write_report` takes graphs and tables already built (:mod:`graph.build`,
:func:`graph.measures.outlet_table`) and writes ``DIR/index.html``, which opens from the
file system with no server and no network: sigma.js and graphology (vendored in
``vendor/``, see ``VENDOR.json``) and the report's own script are inlined, the data sits
in ``<script type="application/json">`` blocks, and a Content-Security-Policy allows only
those scripts, by hash. Layout and measures are computed here; the page only draws.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import orjson

from graph.build import Story, stories
from graph.measures import OUTLET_COLUMNS, outlet_table
from graph.report_html.layout import community_layout
from graph.report_html.story_view import Passages, stories_html, text

__all__ = [
    "VENDORED",
    "content_security_policy",
    "json_script",
    "network_data",
    "script_hash",
    "write_report",
]

VENDORED = ("graphology-0.25.4.umd.min.js", "sigma-3.0.2.min.js")
"""Vendored scripts, in load order (files of ``vendor/``)."""

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#393b79", "#ad494a", "#637939", "#7b4173", "#3182bd", "#e6550d",
)  # fmt: skip
"""Community colours (community 1 = the largest takes the first); red is kept for
uncredited links."""

_JSON_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def json_script(data: Any, element_id: str) -> str:
    """``data`` as a ``<script type="application/json">`` block that no text can end early.

    ``<``, ``>`` and ``&`` become JSON escapes, so ``</script>`` or ``<!--`` inside a
    string cannot close or confuse the block; U+2028/2029 too (they end lines in older
    JavaScript parsers).

    Examples
    --------
    >>> json_script({"t": "</script>&"}, "d")[39:]
    '{"t":"\\\\u003c/script\\\\u003e\\\\u0026"}</script>'
    """
    raw = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    for a, b in _JSON_ESCAPES:
        raw = raw.replace(a, b)
    return f'<script type="application/json" id="{text(element_id)}">{raw.decode()}</script>'


def script_hash(source: str) -> str:
    """The CSP hash source (``'sha256-…'``) of an inline script or style's exact text."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy(scripts: Sequence[str], styles: Sequence[str]) -> str:
    """A policy allowing exactly these inline scripts and styles, and nothing remote."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(script_hash(s) for s in scripts),
            "style-src " + " ".join(script_hash(s) for s in styles),
            "img-src data: blob:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def _asset(*parts: str) -> str:
    return resources.files(__package__).joinpath(*parts).read_text(encoding="utf-8")


def _day(iso: str | None) -> int | None:
    """Days since 1970-01-01 (UTC) of an ISO time, for the page's date filter."""
    if not iso:
        return None
    t = datetime.fromisoformat(iso)
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t
    return math.floor(t.timestamp() / 86400)


def _edge_confidence(A: nx.DiGraph, outlet: str = "outlet") -> dict[tuple[str, str], float]:
    """Mean confidence of the article copies behind each outlet edge."""
    sums: dict[tuple[str, str], list[float]] = {}
    nodes = A._node
    for u, nbrs in A._succ.items():
        ou = nodes[u].get(outlet)
        if ou is None:
            continue
        for v, d in nbrs.items():
            ov = nodes[v].get(outlet)
            if ov is None or ov == ou:
                continue
            acc = sums.setdefault((ou, ov), [0.0, 0])
            acc[0] += d.get("confidence") or 0.0
            acc[1] += 1
    return {k: round(s / n, 3) for k, (s, n) in sums.items()}


def network_data(
    A: nx.DiGraph,
    G: nx.DiGraph,
    rows: Sequence[Mapping[str, Any]],
    *,
    seed: int = 42,
) -> dict[str, Any]:
    """The outlet network as columns (JSON-ready): positions, sizes, colours, measures of
    every outlet and the weight, credit counts, confidence, dates and lag of every edge.

    Edge ``s -> t`` means outlet ``s`` copies outlet ``t`` (:data:`graph.build.EDGE_DIRECTION`).
    """
    by_outlet = {r["outlet"]: r for r in rows}
    ids = list(G)
    index = {n: i for i, n in enumerate(ids)}
    groups = {n: by_outlet.get(n, {}).get("community") for n in ids}
    rank = {n: float(by_outlet.get(n, {}).get("copied") or 0) for n in ids}
    pos = community_layout(G, {n: c for n, c in groups.items() if c is not None}, rank=rank,
                           seed=seed)  # fmt: skip
    top = max(rank.values(), default=0.0) or 1.0
    nodes: dict[str, list[Any]] = {
        "id": ids,
        "x": [pos[n][0] for n in ids],
        "y": [pos[n][1] for n in ids],
        "size": [round(2.5 + 14 * math.sqrt(rank[n] / top), 2) for n in ids],
        "color": [
            PALETTE[(c - 1) % len(PALETTE)] if isinstance(c, int) else "#999999"
            for c in (groups[n] for n in ids)
        ],
    }
    for col in OUTLET_COLUMNS[1:]:
        nodes[col] = [by_outlet.get(n, {}).get(col) for n in ids]
    conf = _edge_confidence(A)
    names = ("s", "t", "w", "cr", "un", "conf", "d0", "d1", "lag")
    cols: dict[str, list[Any]] = {k: [] for k in names}
    for u, v, d in G.edges(data=True):
        cols["s"].append(index[u])
        cols["t"].append(index[v])
        cols["w"].append(d.get("weight", 1))
        cols["cr"].append(d.get("credited", 0))
        cols["un"].append(d.get("uncredited", 0))
        cols["conf"].append(conf.get((u, v), 0.0))
        cols["d0"].append(_day(d.get("first_seen")))
        cols["d1"].append(_day(d.get("last_seen")))
        lag = d.get("median_lag_hours")
        cols["lag"].append(None if lag is None else round(lag, 2))
    return {"nodes": nodes, "edges": cols, "palette": list(PALETTE)}


_TABLE_HEAD = {
    "outlet": "outlet",
    "articles": "articles",
    "originated": "originated",
    "copied": "copied (by others)",
    "copies": "copies (of others)",
    "pagerank": "PageRank",
    "uncredited_rate": "uncredited rate",
    "laundered": "laundered",
    "median_lag_hours": "median lag (h)",
    "community": "community",
}


def _num(value: Any) -> str:
    if value is None:
        return '<td class="num" data-v="">–</td>'
    shown = f"{value:.4f}" if isinstance(value, float) and abs(value) < 100 else f"{value}"
    return f'<td class="num" data-v="{value}">{text(shown)}</td>'


def outlet_table_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """The outlet table of ``provenance outlets``, sortable by any column."""
    head = "".join(f"<th>{text(_TABLE_HEAD.get(c, c))}</th>" for c in OUTLET_COLUMNS)
    body = []
    for r in rows:
        cells = [f'<td class="outlet">{text(r.get("outlet"))}</td>']
        cells += [_num(r.get(c)) for c in OUTLET_COLUMNS[1:]]
        body.append(f'<tr data-outlet="{text(r.get("outlet"))}">{"".join(cells)}</tr>')
    return (
        f'<table class="sortable" id="outlet-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def totals_html(totals: Mapping[str, Any]) -> str:
    """The database totals of ``provenance stats`` (counts, failures by reason, runs)."""
    out = ['<table class="sortable" id="totals-table"><thead><tr><th>stored</th><th>count</th>'
           "</tr></thead><tbody>"]  # fmt: skip
    for name, value in (totals.get("totals") or {}).items():
        out.append(f"<tr><td>{text(name)}</td>{_num(value)}</tr>")
    out.append("</tbody></table>")
    failures = totals.get("failures") or []
    if failures:
        out.append('<h3>Pages not stored as content, by reason</h3><table class="sortable" '
                   'id="failures-table"><thead><tr><th>reason</th><th>pages</th></tr></thead>'
                   "<tbody>")  # fmt: skip
        out += [f"<tr><td>{text(r)}</td>{_num(n)}</tr>" for r, n in failures]
        out.append("</tbody></table>")
    runs = totals.get("runs") or []
    if runs:
        cols = list(runs[0])
        out.append('<h3>Last crawl runs</h3><table class="sortable" id="runs-table"><thead><tr>'
                   + "".join(f"<th>{text(c)}</th>" for c in cols)
                   + "</tr></thead><tbody>")  # fmt: skip
        for run in runs:
            out.append(
                "<tr>"
                + "".join(
                    _num(run[c]) if isinstance(run[c], int | float) and not isinstance(run[c], bool)
                    else f"<td>{text(run[c])}</td>"
                    for c in cols
                )
                + "</tr>"
            )  # fmt: skip
        out.append("</tbody></table>")
    return "".join(out)


def write_report(
    out_dir: str | Path,
    A: nx.DiGraph,
    G: nx.DiGraph,
    *,
    rows: Sequence[Mapping[str, Any]] | None = None,
    found: Sequence[Story] | None = None,
    totals: Mapping[str, Any] | None = None,
    passages: Passages | None = None,
    title: str = "Provenance report",
    source: str = "",
    max_stories: int = 100,
    seed: int = 42,
) -> Path:
    """Write ``out_dir/index.html`` (and the vendored code's licences); return its path.

    ``A`` and ``G`` are the article and outlet graphs; ``rows`` the outlet table and
    ``found`` the stories (computed when not given); ``totals`` what ``provenance stats``
    reports; ``passages`` maps ``(copy_url, source_url)`` to shared passages as
    ``(copy text, source text)`` pairs.
    """
    found = list(found) if found is not None else stories(A)
    rows = list(rows) if rows is not None else outlet_table(A, G, found=found, seed=seed)
    data = network_data(A, G, rows, seed=seed)
    scripts = [_asset("vendor", name) for name in VENDORED] + [_asset("report.js")]
    style = _asset("report.css")
    csp = content_security_policy(scripts, [style])
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    copies = sum(1 for s in found if s.size > 1)
    summary = (
        f"{G.number_of_nodes()} outlets, {G.number_of_edges()} outlet links, "
        f"{A.number_of_nodes()} articles, {A.number_of_edges()} copies, {copies} stories "
        f"with copies. Generated {generated}" + (f" from {source}" if source else "") + "."
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{text(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{text(title)}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{text(title)}</h1>
<p class="meta" id="summary">{text(summary)}</p>
<nav id="tabs" role="tablist">
<button type="button" role="tab" data-view="network" aria-selected="true">Outlet network</button>
<button type="button" role="tab" data-view="stories" aria-selected="false">Stories</button>
<button type="button" role="tab" data-view="tables" aria-selected="false">Tables</button>
</nav>
</header>
<section class="view" id="view-network" aria-label="Outlet network">
<div class="controls">
<label>Search outlet <input type="search" id="search" autocomplete="off" placeholder="name"></label>
<label>Min. articles copied <input type="number" id="min-weight" min="1" value="1"></label>
<label><input type="checkbox" id="show-credited" checked> credited</label>
<label><input type="checkbox" id="show-uncredited" checked> uncredited</label>
<label>Min. confidence
<input type="number" id="min-confidence" min="0" max="1" step="0.05" value="0"></label>
<label>From <input type="date" id="date-from"></label>
<label>to <input type="date" id="date-to"></label>
<button type="button" id="reset">Reset</button>
<button type="button" id="export-png">Export PNG</button>
</div>
<ul id="matches"></ul>
<p id="status" aria-live="polite">Drawing the network…</p>
<div class="network">
<div id="graph"></div>
<aside id="ego" hidden>
<button type="button" id="ego-close" aria-label="Close">×</button>
<h2 id="ego-name"></h2>
<table id="ego-row"><tbody></tbody></table>
<h3>Copies from (its sources)</h3><ol id="ego-sources"></ol>
<h3>Copied by</h3><ol id="ego-copiers"></ol>
<h3>Fastest copies (median lag)</h3><ol id="ego-lags"></ol>
</aside>
</div>
<p class="legend">Node size: articles other outlets copied from it. Colour: community
(Louvain). An arrow points from the copying outlet to its source (above 20,000 links,
links are drawn as plain lines);
<span class="credited">blue-grey</span> links are mostly credited,
<span class="uncredited">red</span> ones mostly not. Click an outlet for its ego view;
scroll to zoom, drag to pan.</p>
</section>
<section class="view" id="view-stories" aria-label="Stories" hidden>
<h2>Stories</h2>
{stories_html(A, found, passages, max_detailed=max_stories)}
</section>
<section class="view" id="view-tables" aria-label="Tables" hidden>
<h2>Outlets</h2>
{outlet_table_html(rows)}
<h2>Database</h2>
{totals_html(totals or {})}
</section>
{json_script(data, "graph-data")}
{"".join(f"<script>{s}</script>" for s in scripts)}
</body>
</html>
"""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    licences = [
        f"{p['name']} {p['version']} ({p['license']}), {p['tarball']}\n\n"
        + _asset("vendor", next(f for f in p["files"] if f.startswith("LICENSE")))
        for p in json.loads(_asset("vendor", "VENDOR.json"))["packages"]
    ]
    (out / "LICENSES.txt").write_text("\n\n".join(licences), encoding="utf-8")
    return path
