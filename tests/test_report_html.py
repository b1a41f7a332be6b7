"""The HTML report: pure parts by tables of cases, then the report of the simulated web
opened in headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright).

The browser tests crawl the simulated web once per session, give a few of its articles
hostile titles, write the report with ``provenance report --format html`` and check what
a user sees: counts, pixels, search, ego view, filters, export, the other views, that no
request leaves the file system and that no injected script ran (a deliberately unescaped
control page shows the check catches one). Screenshots go to ``out/test-report/``.
Without chromium these tests are skipped, unless ``PROVENANCE_REQUIRE_BROWSER`` is set
(CI), where that is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from graph.build import build_article_graph, build_graphs, build_outlet_graph, stories
from graph.records import ArticleRecord, CopyEdge
from graph.report_html import VENDORED, json_script, script_hash, write_report
from graph.report_html.layout import community_layout, separate, sunflower
from graph.report_html.story_view import copy_tree, link, text, timeline_svg
from tests.harness import ROOT, crawl_args, provenance, simulated_web, write_seeds

VENDOR = Path(__file__).resolve().parents[1] / "graph" / "report_html" / "vendor"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "out" / "test-report"

# Each sets a marker if the browser ever runs it as script.
HOSTILE_TITLES = (
    '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
    "</script><script>window.__pwned=(window.__pwned||0)+1</script>",
    '"quoted\' <svg onload="window.__pwned=(window.__pwned||0)+1"> \x07\x1b[31mred\x00',
)


# -- pure parts ---------------------------------------------------------------------------


def test_vendored_files_match_their_recorded_hashes() -> None:
    record = json.loads((VENDOR / "VENDOR.json").read_text())
    listed = {}
    for package in record["packages"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]), "pin an exact version"
        for name, meta in package["files"].items():
            listed[name] = meta["sha256"]
    assert set(VENDORED) <= set(listed)
    on_disk = {p.name for p in VENDOR.iterdir()} - {"VENDOR.json"}
    assert on_disk == set(listed), "every vendored file recorded, nothing else"
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        "<!-- <script>",
        "a & b &amp; c",
        "line\u2028separator\u2029paragraph",
        "\"quotes\" and 'apostrophes'",
        "\x00\x1b[31m control",
    ],
)
def test_json_script_cannot_be_closed_early_and_round_trips(value: str) -> None:
    block = json_script({"title": value, "list": [value]}, "data")
    inner = block.removeprefix('<script type="application/json" id="data">')
    inner = inner.removesuffix("</script>")
    assert not re.search(r"[<>&\u2028\u2029]", inner)
    assert json.loads(inner) == {"title": value, "list": [value]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("a \"q\" 's'", "a &quot;q&quot; &#x27;s&#x27;"),
        ("bell\x07 nul\x00", "bell\ufffd nul\ufffd"),
        ("tab\tnewline\n", "tab\tnewline\n"),
        (None, ""),
        (3.5, "3.5"),
    ],
)
def test_text_escapes_and_drops_control_characters(value: Any, expected: str) -> None:
    assert text(value) == expected


@pytest.mark.parametrize(
    ("url", "is_link"),
    [
        ("https://a.test/x?y=1&z=<2>", True),
        ("HTTP://A.TEST/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//a.test/x", False),
    ],
)
def test_links_only_for_http_urls(url: str, is_link: bool) -> None:
    out = link(url)
    assert out.startswith("<a ") is is_link
    assert "<script" not in out


@pytest.mark.parametrize("n", [0, 1, 2, 7, 500])
def test_sunflower_fills_the_unit_disc(n: int) -> None:
    points = sunflower(n)
    assert len(points) == n and len(set(points)) == n
    assert all(x * x + y * y <= 1 + 1e-9 for x, y in points)


def test_separate_removes_overlaps() -> None:
    centres = {i: (0.0, 0.0) for i in range(6)}
    radius = dict.fromkeys(range(6), 1.0)
    out = separate(centres, radius, gap=0.0, rounds=500)
    for a in out:
        for b in out:
            if a < b:
                d = ((out[a][0] - out[b][0]) ** 2 + (out[a][1] - out[b][1]) ** 2) ** 0.5
                assert d >= 2.0 - 0.05


def test_community_layout_keeps_communities_apart() -> None:
    G = nx.DiGraph()
    groups = {}
    for c in range(4):
        members = [f"c{c}n{i}" for i in range(30)]
        groups.update(dict.fromkeys(members, c))
        G.add_edges_from((a, b) for a in members for b in members if a < b)
    G.add_edge("c0n0", "c1n0")
    G.add_node("alone")
    pos = community_layout(G, groups, seed=1)
    assert set(pos) == set(G) and pos == community_layout(G, groups, seed=1)

    def centre(c: int) -> tuple[float, float]:
        pts = [pos[n] for n, g in groups.items() if g == c]
        return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)

    def spread(c: int) -> float:
        cx, cy = centre(c)
        return max(((pos[n][0] - cx) ** 2 + (pos[n][1] - cy) ** 2) ** 0.5
                   for n, g in groups.items() if g == c)  # fmt: skip

    for a in range(4):
        for b in range(a + 1, 4):
            (ax, ay), (bx, by) = centre(a), centre(b)
            assert ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 > spread(a) + spread(b) - 1e-6


T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)


def _story_graph() -> nx.DiGraph:
    """wire breaks it; paper credits wire 2 h later; blog copies paper uncredited 1 day later;
    site copies at an unknown time."""
    records = [
        ArticleRecord("https://wire.test/a", "wire.test", HOSTILE_TITLES[0], T0),
        ArticleRecord("https://paper.test/b", "paper.test", "Paper", T0 + timedelta(hours=2)),
        ArticleRecord("https://blog.test/c", "blog.test", HOSTILE_TITLES[1],
                      T0 + timedelta(hours=26)),
        ArticleRecord("https://site.test/d", "site.test", None),
    ]  # fmt: skip
    edges = [
        CopyEdge("https://paper.test/b", "https://wire.test/a", 0.9, "full", 0.8,
                 ("attribution_link",), credited=True),
        CopyEdge("https://blog.test/c", "https://paper.test/b", 0.7, "partial", 0.6,
                 ("earlier_date",), credited=False),
        CopyEdge("https://site.test/d", "https://wire.test/a", 0.95, "full", 0.7, ()),
    ]  # fmt: skip
    return build_article_graph(records, edges)


def test_timeline_draws_each_dated_article_with_its_credit() -> None:
    A = _story_graph()
    (story,) = stories(A)
    svg = timeline_svg(A, story)
    assert svg.count("<circle") == 3
    assert re.findall(r'<circle class="(\w+)"', svg) == ["root", "credited", "uncredited"]
    assert "+26.0 h" in svg and "+2.0 h" in svg
    assert "Time unknown: site.test" in svg
    assert "<img" not in svg and "&lt;img src=x onerror=" in svg


def test_copy_tree_lists_each_article_once_with_evidence_and_passages() -> None:
    A = _story_graph()
    (story,) = stories(A)
    passages = {("https://paper.test/b", "https://wire.test/a"): [("copied <words>", "source")]}
    tree = copy_tree(A, story, passages)
    for url in A:
        assert tree.count(f'href="{url}"') == 1
    assert tree.index("paper.test/b") < tree.index("blog.test/c")  # blog is under paper
    assert "similarity 0.90 · full · confidence 0.80 · credited" in tree
    assert '<b class="uncredited">uncredited</b>' in tree
    assert "<td>copied &lt;words&gt;</td><td>source</td>" in tree
    assert "signals: attribution_link" in tree
    assert tree.count("<ul") == tree.count("</ul>") and tree.count("<li") == tree.count("</li>")


class _Scripts(HTMLParser):
    """Inline scripts and styles of a page, the CSP, and any reference to another file."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.csp = ""
        self.remote: list[str] = []
        self._in: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style"):
            self._in = (tag, a)
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a.get("content") or ""
        for key in ("src", "srcset", "data"):
            if a.get(key):
                self.remote.append(f"{tag} {key}={a[key]}")
        if tag == "link" and a.get("rel") != "noreferrer":
            self.remote.append(f"link {a}")

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            tag, a = self._in
            (self.scripts.append((a, data)) if tag == "script" else self.styles.append(data))
            self._in = None

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def test_page_allows_exactly_its_own_scripts_and_loads_nothing(tmp_path: Path) -> None:
    A = _story_graph()
    path = write_report(tmp_path, A, build_outlet_graph(A))
    parsed = _Scripts()
    parsed.feed(path.read_text(encoding="utf-8"))
    assert parsed.remote == []
    code = [body for attrs, body in parsed.scripts if attrs.get("type") != "application/json"]
    assert len(code) == len(VENDORED) + 1
    directives = dict(d.strip().split(" ", 1) for d in parsed.csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"].split() == [script_hash(c) for c in code]
    assert directives["style-src"].split() == [script_hash(s) for s in parsed.styles]
    assert (tmp_path / "LICENSES.txt").read_text().count("MIT") >= 2


def test_hostile_titles_reach_the_page_only_as_text(tmp_path: Path) -> None:
    A = _story_graph()
    html = write_report(tmp_path, A, build_outlet_graph(A)).read_text(encoding="utf-8")
    assert "<img src=x" not in html and "<svg onload" not in html
    assert html.count("</script>") == len(VENDORED) + 2  # the data block and the scripts
    assert "&lt;img src=x onerror=&quot;window.__pwned" in html
    assert "\x07" not in html and "\x00" not in html


def test_report_command_on_an_empty_database(tmp_path: Path) -> None:
    assert provenance(["db", "upgrade", "--db", str(tmp_path / "empty.db")]).returncode == 0
    done = provenance(["report", "--db", str(tmp_path / "empty.db"), "--format", "html",
                       "-o", str(tmp_path / "r")])  # fmt: skip
    assert done.returncode == 2
    assert "no articles in the database" in done.stderr
    assert not (tmp_path / "r" / "index.html").exists()


# -- the report of the simulated web in a real browser --------------------------------------


@dataclass
class Report:
    path: Path
    outlets: nx.DiGraph
    articles: nx.DiGraph
    hostile_urls: list[str]


@pytest.fixture(scope="session")
def simweb_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The simulated web crawled once, three root articles retitled with hostile
    titles, and its HTML report written by the command a user runs."""
    from crawler.db.models import Article
    from crawler.db.records import load_records
    from crawler.db.session import make_engine

    tmp = tmp_path_factory.mktemp("report")
    db = f"sqlite:///{tmp / 'crawl.db'}"
    with simulated_web() as (web, server):
        seeds = write_seeds(web, tmp / "seeds.txt")
        crawl = provenance(crawl_args(db, seeds), proxy_url=server.url)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    engine = make_engine(db)
    with Session(engine) as session:
        A, _ = build_graphs(*load_records(session))
    roots = [s.root for s in stories(A) if s.size > 1][: len(HOSTILE_TITLES)]
    with Session(engine) as session, session.begin():
        for url, title in zip(roots, HOSTILE_TITLES, strict=True):
            session.execute(update(Article).where(Article.url == url).values(title=title))
    with Session(engine) as session:
        A, G = build_graphs(*load_records(session))
        assert (
            session.scalar(select(Article.title).where(Article.url == roots[0]))
            == (HOSTILE_TITLES[0])
        )
    engine.dispose()
    out = ARTIFACTS
    done = provenance(["report", "--db", db, "--format", "html", "-o", str(out)])
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"wrote {out / 'index.html'}" in done.stdout
    return Report(out / "index.html", G, A, roots)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("PROVENANCE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is required here (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()


@dataclass
class Tab:
    page: Any
    requests: list[str]  # every URL the page asked for
    refused: list[str]  # those the route refused (not file:, data: or blob:)
    console: list[str]  # errors, CSP reports, page errors

    def shot(self, name: str, selector: str | None = None) -> bytes:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = self.page.locator(selector) if selector else self.page
        return target.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    def status(self) -> str:
        return self.page.locator("#status").text_content()

    def shown(self) -> dict[str, Any]:
        return self.page.evaluate("() => window.provenanceReport.shown")

    def injected(self) -> bool:
        """True if a hostile title ran as script in this page."""
        return bool(self.page.evaluate("() => window.__pwned || 0"))


def _worth_noting(message: Any) -> bool:
    """Console errors, and any CSP report; not the GL driver's performance notes."""
    if "Content Security Policy" in message.text or "Refused" in message.text:
        return True
    return message.type == "error" and "GL Driver Message" not in message.text


def _open(browser: Any, url: str, ready: bool = True) -> Tab:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    tab = Tab(page, [], [], [])

    def route(r: Any) -> None:
        tab.requests.append(r.request.url)
        if r.request.url.split(":", 1)[0] in ("file", "data", "blob"):
            r.continue_()
        else:
            tab.refused.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("request", lambda req: tab.requests.append(req.url))
    page.on("console", lambda m: _worth_noting(m) and tab.console.append(m.text))
    page.on("pageerror", lambda e: tab.console.append(f"pageerror: {e}"))
    page.goto(url)
    if ready:
        page.wait_for_selector("body[data-ready]", state="attached", timeout=60_000)
    return tab


@pytest.fixture
def tab(browser: Any, simweb_report: Report) -> Iterator[Tab]:
    t = _open(browser, simweb_report.path.as_uri())
    yield t
    assert t.console == [], "no script error and no CSP violation"
    assert t.refused == [] and all(
        u.split(":", 1)[0] in ("file", "data", "blob") for u in t.requests
    ), t.requests
    assert not t.injected()
    t.page.context.close()


def _blank_pixels(tab: Tab, png: bytes) -> dict[str, int]:
    """Count pixels that are not white, and distinct colours, of a PNG, decoded by the
    browser in a blank page of its own (no image library needed)."""
    page = tab.page.context.new_page()
    try:
        return page.evaluate(
            """async (src) => {
                const img = new Image(); img.src = src; await img.decode();
                const c = document.createElement("canvas");
                c.width = img.width; c.height = img.height;
                const ctx = c.getContext("2d"); ctx.drawImage(img, 0, 0);
                const d = ctx.getImageData(0, 0, c.width, c.height).data;
                let ink = 0; const colours = new Set();
                for (let i = 0; i < d.length; i += 4) {
                    if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) ink++;
                    if (i % 64 === 0) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
                }
                return {ink: ink, colours: colours.size, pixels: d.length / 4};
            }""",
            "data:image/png;base64," + base64.b64encode(png).decode(),
        )
    finally:
        page.close()


browser_test = pytest.mark.browser


@browser_test
def test_network_has_every_outlet_and_link(tab: Tab, simweb_report: Report) -> None:
    G = simweb_report.outlets
    assert G.number_of_nodes() > 5 and G.number_of_edges() > 5
    counts = tab.page.evaluate("() => [provenanceReport.graph.order, provenanceReport.graph.size]")
    assert counts == [G.number_of_nodes(), G.number_of_edges()]
    assert tab.shown() == {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
                           "matches": None}  # fmt: skip
    assert tab.status().startswith(f"{G.number_of_nodes()} of {G.number_of_nodes()} outlets")


@browser_test
def test_canvas_is_drawn(tab: Tab) -> None:
    pixels = _blank_pixels(tab, tab.shot("network", "#graph"))
    assert pixels["ink"] > 0.005 * pixels["pixels"], pixels
    assert pixels["colours"] > 5, pixels


@browser_test
def test_search_highlights_matches_and_enter_opens_the_ego_view(
    tab: Tab, simweb_report: Report
) -> None:
    before = tab.shot("search-before", "#graph")
    name = max(simweb_report.outlets, key=lambda o: simweb_report.outlets.in_degree(o))
    query = name.split(".")[0][:5]
    expected = sum(query in o.lower() for o in simweb_report.outlets)
    tab.page.fill("#search", query)
    assert tab.shown()["matches"] == expected >= 1
    assert tab.page.locator("#matches button").count() == min(expected, 12)
    after = tab.shot("search", "#graph")
    assert after != before
    tab.page.fill("#search", name)
    tab.page.press("#search", "Enter")
    assert tab.page.locator("#ego-name").text_content() == name
    assert tab.page.locator("#ego").is_visible()


@browser_test
def test_click_on_an_outlet_shows_its_ego_view(tab: Tab, simweb_report: Report) -> None:
    G = simweb_report.outlets
    before = tab.shot("ego-before", "#graph")
    target = tab.page.evaluate(
        """() => {
            const r = provenanceReport.renderer, g = provenanceReport.graph;
            let best = null;
            g.forEachNode((k, a) => { if (!best || a.size > best.size) best = {k: k, ...a}; });
            const p = r.graphToViewport({x: best.x, y: best.y});
            return {label: best.label, x: p.x, y: p.y};
        }"""
    )
    box = tab.page.locator("#graph").bounding_box()
    tab.page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    tab.page.wait_for_selector("#ego:not([hidden])")
    name = target["label"]
    assert tab.page.locator("#ego-name").text_content() == name
    neighbours = set(G.successors(name)) | set(G.predecessors(name))
    degree = G.in_degree(name) + G.out_degree(name)
    assert tab.shown() == {"nodes": 1 + len(neighbours), "edges": degree, "matches": None}
    sources = tab.page.locator("#ego-sources li").all_text_contents()
    assert len(sources) == min(max(G.out_degree(name), 1), 20)
    if G.out_degree(name):
        heaviest = max(G.successors(name), key=lambda s: (G[name][s]["weight"], s))
        assert any(s.startswith(heaviest + ": ") for s in sources)
    assert tab.page.locator(f'#outlet-table tr.selected[data-outlet="{name}"]').count() == 1
    tab.page.wait_for_timeout(400)  # the camera's move
    assert tab.shot("ego", ".network") != before
    tab.page.click("#ego-close")
    assert tab.shown()["nodes"] == G.number_of_nodes()


@browser_test
def test_filters_change_what_is_shown(tab: Tab, simweb_report: Report) -> None:
    G = simweb_report.outlets
    edges = list(G.edges(data=True))
    full = tab.shot("filters-before", "#graph")
    tab.page.uncheck("#show-uncredited")
    assert tab.shown()["edges"] == sum(d["credited"] > 0 for _, _, d in edges)
    tab.page.check("#show-uncredited")
    tab.page.uncheck("#show-credited")
    assert tab.shown()["edges"] == sum(d["uncredited"] > 0 for _, _, d in edges)
    tab.shot("filter-uncredited", "#graph")
    tab.page.check("#show-credited")
    top = max(d["weight"] for _, _, d in edges)
    tab.page.fill("#min-weight", str(top))
    heavy = sum(d["weight"] >= top for _, _, d in edges)
    assert 0 < heavy < len(edges)
    assert tab.shown()["edges"] == heavy
    assert tab.shot("filter-weight", "#graph") != full
    tab.page.fill("#min-weight", "1")
    tab.page.fill("#min-confidence", "1")
    assert tab.shown()["edges"] < len(edges)
    tab.page.fill("#min-confidence", "0")
    days = sorted(d["first_seen"][:10] for _, _, d in edges if d["first_seen"])
    tab.page.fill("#date-from", "2100-01-01")
    assert tab.shown()["edges"] == 0
    tab.page.fill("#date-from", days[0])
    tab.page.fill("#date-to", days[0])
    in_day = sum(1 for _, _, d in edges if d["first_seen"] and d["first_seen"][:10] <= days[0])
    assert tab.shown()["edges"] == in_day
    tab.page.click("#reset")
    assert tab.shown()["edges"] == len(edges)


@browser_test
def test_export_png_of_the_current_view(tab: Tab) -> None:
    with tab.page.expect_download() as info:
        tab.page.click("#export-png")
    download = info.value
    assert download.suggested_filename == "provenance-network.png"
    assert download.url.startswith("blob:")
    png = Path(download.path()).read_bytes()
    assert png.startswith(b"\x89PNG")
    (ARTIFACTS / "export.png").write_bytes(png)
    pixels = _blank_pixels(tab, png)
    assert pixels["ink"] > 0.005 * pixels["pixels"] and pixels["colours"] > 5, pixels


@browser_test
def test_stories_view_lists_stories_with_timelines_and_evidence(
    tab: Tab, simweb_report: Report
) -> None:
    A = simweb_report.articles
    multi = [s for s in stories(A) if s.size > 1]
    tab.page.click('#tabs button[data-view="stories"]')
    assert tab.page.locator("#view-stories").is_visible()
    assert not tab.page.locator("#view-network").is_visible()
    assert tab.page.locator("#stories-table tbody tr").count() == len(multi)
    assert tab.page.locator("article.story svg.timeline").count() == min(len(multi), 100)
    first = tab.page.locator(f"#story-{multi[0].id}")
    assert first.locator("svg.timeline circle").count() == sum(
        1 for n in multi[0].nodes if A.nodes[n]["published"] or A.nodes[n]["first_seen"]
    )
    # hostile titles are shown as the text they are
    assert first.locator("h3").text_content() == f"Story {multi[0].id}: {HOSTILE_TITLES[0]}"
    evidence = first.locator("details.evidence").first
    evidence.locator("summary").click()
    assert evidence.locator("table.passages td").count() >= 2
    assert re.search(r"similarity \d\.\d\d · (full|partial) · confidence",
                     evidence.locator("summary").text_content())  # fmt: skip
    tab.shot("stories")
    first.scroll_into_view_if_needed()
    tab.shot("story")


@browser_test
def test_tables_view_sorts_the_outlet_table(tab: Tab, simweb_report: Report) -> None:
    tab.page.click('#tabs button[data-view="tables"]')
    rows = tab.page.locator("#outlet-table tbody tr")
    assert rows.count() == simweb_report.outlets.number_of_nodes()
    assert tab.page.locator("#totals-table tbody tr").count() >= 4
    header = tab.page.locator("#outlet-table th", has_text="uncredited rate")
    header.click()
    column = "#outlet-table tbody tr td:nth-child(7)"
    rates = tab.page.eval_on_selector_all(column, "cells => cells.map(c => c.dataset.v)")
    known = [float(r) for r in rates if r != ""]
    assert known == sorted(known, reverse=True) and rates[len(known) :] == [""] * (
        len(rates) - len(known)
    )
    header.click()
    rates = tab.page.eval_on_selector_all(
        "#outlet-table tbody tr td:nth-child(7)", "cells => cells.map(c => c.dataset.v)"
    )
    assert [float(r) for r in rates if r != ""] == sorted(known)
    tab.shot("tables")


@browser_test
def test_no_hostile_title_ran_in_any_view(tab: Tab, simweb_report: Report) -> None:
    for view in ("stories", "tables", "network"):
        tab.page.click(f'#tabs button[data-view="{view}"]')
    body = tab.page.locator("body").text_content()
    assert HOSTILE_TITLES[0] in body and HOSTILE_TITLES[1] in body
    assert tab.page.locator("img, iframe, object, embed").count() == 0
    assert not tab.injected()


@browser_test
def test_control_page_shows_the_injection_check_can_fail(
    browser: Any, simweb_report: Report, tmp_path: Path
) -> None:
    """The same titles pasted into a page unescaped and without a CSP do run."""
    control = tmp_path / "control.html"
    control.write_text(
        "<!DOCTYPE html><html><body>"
        + "".join(f"<h3>{t}</h3>" for t in HOSTILE_TITLES)
        + "</body></html>",
        encoding="utf-8",
    )
    t = _open(browser, control.as_uri(), ready=False)
    try:
        t.page.wait_for_load_state("load")
        t.page.wait_for_timeout(200)
        assert t.page.evaluate("() => window.__pwned") >= 2
    finally:
        t.page.context.close()


@pytest.mark.parametrize(
    ("records", "edges"),
    [
        ([ArticleRecord("https://a.test/1", "a.test")], []),
        ([ArticleRecord("https://a.test/1", "a.test"), ArticleRecord("https://b.test/1", "b.test")],
         []),
        ([], [CopyEdge("https://b.test/1", "https://a.test/1", 0.9, "full", 0.9)]),
    ],
)  # fmt: skip
def test_small_and_unlinked_networks_still_make_a_page(
    tmp_path: Path, records: list[ArticleRecord], edges: list[CopyEdge]
) -> None:
    A, G = build_graphs(records, edges)
    html = write_report(tmp_path, A, G).read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="graph-data">') + 48
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["nodes"]["id"] == list(G) and len(data["edges"]["s"]) == G.number_of_edges()
