"""Every export format is read back (networkx readers, csv module) and compared."""

from __future__ import annotations

import csv
import doctest
import io
import json
import os
import re
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import graph.export
from graph.build import build_article_graph, build_outlet_graph, stories
from graph.export import (
    LIST_SEPARATOR,
    ExportError,
    csv_cell,
    csv_paths,
    format_for,
    write_graph,
    write_stories,
    write_table,
)
from graph.records import ArticleRecord, CopyEdge

NASTY_TITLES = [
    'He said "no" & <left>',
    '=HYPERLINK("http://evil","click")',
    "+1 for this",
    "-2 dead",
    "@channel",
    "\tTabbed",
    "\rCarriage",
    "line one\nline two\r\nthree",
    "nul\x00 bell\x07 esc\x1b[31m red",
    "lone surrogate \ud800 and \ufffe",
    "emoji 🦆 and accents: é ü ß, 中文",
    "it's a 'quote'",
    "private use \uf8ff char",
    "unit\x1fseparator",  # the column-joining character: forces the one-by-one path
]
T0 = datetime(2024, 5, 1, 6, 30, tzinfo=UTC)
# What XML can carry of each: invalid characters stripped, everything else intact.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def nasty_graph() -> nx.DiGraph:
    records = [
        ArticleRecord(
            f'https://o{i % 3}.example/a?id={i}&x="{i}"',
            f"o{i % 3}.example",
            t,
            published=None if i % 4 == 3 else T0 + timedelta(minutes=37 * i),
        )
        for i, t in enumerate(NASTY_TITLES)
    ]
    records.append(ArticleRecord("=cmd|' /C calc'!A0", "=evil.example", None))
    edges = [
        CopyEdge(
            records[i].url,
            records[0].url,
            0.5 + i / 100,
            "partial",
            0.75,
            ("shingles", "canonical"),
            credited=i % 2 == 0,
        )  # fmt: skip
        for i in range(1, len(records))
    ]
    return build_article_graph(records, edges)


def xml_expected(d: dict[str, Any]) -> dict[str, Any]:
    """A node/edge dict as the XML formats can store it."""
    out = {}
    for k, v in d.items():
        if v is None:
            continue
        if isinstance(v, list):
            v = LIST_SEPARATOR.join(v)
        if isinstance(v, str):
            v = XML_INVALID.sub("", v)
        out[k] = v
    return out


def clean_id(n: str) -> str:
    return XML_INVALID.sub("", n)


@pytest.fixture(params=["articles", "outlets", "articles in chunks of 2"])
def G(request, monkeypatch) -> nx.DiGraph:
    if request.param.endswith("chunks of 2"):
        monkeypatch.setattr(graph.export, "_CHUNK_ROWS", 2)
    A = nasty_graph()
    return build_outlet_graph(A) if request.param == "outlets" else A


def test_doctests() -> None:
    assert doctest.testmod(graph.export).failed == 0


@pytest.mark.parametrize("clean", [graph.export.xml_text, graph.export._csv_text])
def test_joined_column_cleaning_equals_one_by_one(clean) -> None:
    ascii_texts = ['a "b" & <c>', "=1+2", "-x", "tab\there", "nul\x00 esc\x1b del\x7f", "ok" * 40]
    for texts in (
        ascii_texts,  # long enough for the bytes.translate check
        ascii_texts + ["unit\x1fseparator"],
        ["plain " * 20, "text " * 20],  # nothing to clean: the same list back
        NASTY_TITLES,
        [*NASTY_TITLES, *ascii_texts],
    ):
        assert graph.export._map_text(list(texts), clean) == [clean(t) for t in texts]
    plain = ["plain " * 20, "text " * 20]
    assert graph.export._map_text(plain, clean) is plain


def test_json_round_trip(G, tmp_path) -> None:
    [path] = write_graph(G, tmp_path / "g.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "edges" in data and "links" not in data
    H = nx.node_link_graph(data, edges="edges")
    assert H.is_directed()
    assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
    assert {(u, v): d for u, v, d in H.edges(data=True)} == {
        (u, v): d for u, v, d in G.edges(data=True)
    }
    assert H.graph == G.graph


def test_gexf_round_trip(G, tmp_path) -> None:
    [path] = write_graph(G, tmp_path / "g.gexf")
    H = nx.read_gexf(path)
    assert H.is_directed()
    got = {n: {k: v for k, v in d.items() if k != "label"} for n, d in H.nodes(data=True)}
    assert got == {clean_id(n): xml_expected(d) for n, d in G.nodes(data=True)}
    got_e = {(u, v): {k: x for k, x in d.items() if k != "id"} for u, v, d in H.edges(data=True)}
    assert got_e == {(clean_id(u), clean_id(v)): xml_expected(d) for u, v, d in G.edges(data=True)}


def test_graphml_round_trip(G, tmp_path) -> None:
    [path] = write_graph(G, tmp_path / "g.graphml")
    H = nx.read_graphml(path)
    assert H.is_directed()
    assert dict(H.nodes(data=True)) == {clean_id(n): xml_expected(d) for n, d in G.nodes(data=True)}
    got_e = {(u, v): d for u, v, d in H.edges(data=True)}
    assert got_e == {(clean_id(u), clean_id(v)): xml_expected(d) for u, v, d in G.edges(data=True)}
    assert H.graph["edge_direction"] == G.graph["edge_direction"]


def test_gexf_types_attributes_for_gephi(tmp_path) -> None:
    A = nasty_graph()
    [path] = write_graph(build_outlet_graph(A), tmp_path / "o.gexf")
    ns = {"g": "http://www.gexf.net/1.2draft"}
    root = ET.parse(path).getroot()
    declared = {
        (cls.get("class"), a.get("title")): a.get("type")
        for cls in root.iterfind(".//g:attributes", ns)
        for a in cls.iterfind("g:attribute", ns)
    }
    assert declared[("edge", "credited")] == "long"
    assert declared[("edge", "median_lag_hours")] == "double"
    assert declared[("node", "articles")] == "long"
    assert ("edge", "weight") not in declared  # carried by the edge element
    edge = root.find(".//g:edge", ns)
    assert float(edge.get("weight")) >= 1
    [path] = write_graph(A, tmp_path / "a.gexf")
    root = ET.parse(path).getroot()
    declared = {a.get("title"): a.get("type") for a in root.iterfind(".//g:attribute", ns)}
    assert declared["similarity"] == "double" and declared["credited"] == "boolean"
    assert declared["evidence"] == "string"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cell(v: Any) -> str:
    """What csv.reader gives back for a value written through csv_cell."""
    c = csv_cell(v)
    return c if isinstance(c, str) else repr(c) if isinstance(c, float) else str(c)


def test_csv_round_trip(G, tmp_path) -> None:
    paths = write_graph(G, tmp_path / "g.csv")
    assert paths == list(csv_paths(tmp_path / "g.csv"))
    assert [p.name for p in paths] == ["g.nodes.csv", "g.edges.csv"]
    nodes, edges = read_csv(paths[0]), read_csv(paths[1])
    assert {r["id"] for r in nodes} == {cell(n) for n in G}
    for r in nodes:
        n = next(n for n in G if cell(n) == r["id"])
        assert {k: v for k, v in r.items() if k != "id"} == {
            k: cell(v) for k, v in G.nodes[n].items()
        }
    assert len(edges) == G.number_of_edges()
    want = {
        (cell(u), cell(v)): {k: cell(x) for k, x in d.items()} for u, v, d in G.edges(data=True)
    }
    got = {(r.pop("copy"), r.pop("original")): r for r in edges}
    assert got == want


def test_csv_cells_cannot_start_a_formula(tmp_path) -> None:
    paths = write_graph(nasty_graph(), tmp_path / "g.csv")
    for p in paths:
        with p.open(newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for value in row:
                    assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
                    assert "\x00" not in value and "\x1b" not in value


def test_xml_files_are_well_formed_and_clean(tmp_path) -> None:
    A = nasty_graph()
    for fmt in ("gexf", "graphml"):
        [path] = write_graph(A, tmp_path / f"g.{fmt}")
        ET.parse(path)  # raises on malformed XML
        text = path.read_text(encoding="utf-8")
        assert XML_INVALID.search(text) is None


@pytest.mark.parametrize("fmt", ["json", "gexf", "graphml", "csv"])
def test_format_argument_overrides_the_suffix(tmp_path, fmt) -> None:
    paths = write_graph(nasty_graph(), tmp_path / "out.dat", fmt)
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)


def test_parent_directories_are_created(tmp_path) -> None:
    [path] = write_graph(nasty_graph(), tmp_path / "a" / "b" / "g.json")
    assert path.exists()


@pytest.mark.parametrize(
    ("target", "fmt", "message"),
    [
        ("file.txt/g.gexf", None, "cannot write"),  # a file where a directory should be
        ("dir", "graphml", "cannot write"),  # a directory where the file should be
        ("g.xlsx", None, "unknown format 'xlsx'"),
        ("g.json", "pdf", "unknown format 'pdf'"),
    ],
)
def test_unwritable_paths_raise_export_error(tmp_path, target, fmt, message) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "dir").mkdir()
    with pytest.raises(ExportError, match=message):
        write_graph(nasty_graph(), tmp_path / target, fmt)
    leftovers = [p.name for p in tmp_path.rglob("*.tmp")]
    assert leftovers == []


def test_failed_write_keeps_no_partial_file(tmp_path, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graph.export, "_write_graphml", boom)
    with pytest.raises(ExportError, match="No space left on device"):
        write_graph(nasty_graph(), tmp_path / "g.graphml")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_story_table_round_trip(tmp_path, fmt) -> None:
    found = stories(nasty_graph())
    path = write_stories(found, tmp_path / f"stories.{fmt}")
    if fmt == "json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        assert rows == [s.as_row() for s in found]
    else:
        rows = read_csv(path)
        assert [r["root"] for r in rows] == [cell(s.root) for s in found]
        assert rows[0]["size"] == str(found[0].size)
        assert rows[0]["outlets"] == cell(LIST_SEPARATOR.join(found[0].outlets))
        assert rows[0]["ambiguous_root"] == "false"


def test_table_columns_and_unknown_format(tmp_path) -> None:
    rows = [{"outlet": "=a", "n": 1}, {"outlet": "b", "n": None, "extra": True}]
    path = write_table(rows, tmp_path / "t.csv", columns=["outlet", "n"])
    assert read_csv(path) == [{"outlet": "'=a", "n": "1"}, {"outlet": "b", "n": ""}]
    with pytest.raises(ExportError, match="unknown format"):
        write_table(rows, tmp_path / "t.gexf")


# --- standard output, special files, format from the name, GEXF for Gephi's timeline ---


@pytest.mark.parametrize("path", ["-", None])
@pytest.mark.parametrize("fmt", ["json", "gexf", "graphml"])
def test_standard_output_is_written_as_a_stream(
    G, fmt: str, path: str | None, tmp_path: Path, monkeypatch, capfdbinary
) -> None:
    monkeypatch.chdir(tmp_path)
    assert write_graph(G, path, fmt) == []
    out = capfdbinary.readouterr().out
    if fmt == "json":
        back = nx.node_link_graph(json.loads(out), edges="edges")
    elif fmt == "graphml":
        back = nx.parse_graphml(out)
    else:
        back = nx.read_gexf(io.BytesIO(out))
    assert back.number_of_nodes() == G.number_of_nodes()
    assert back.number_of_edges() == G.number_of_edges()
    assert list(tmp_path.iterdir()) == []  # no file named "-", no temporary file


def test_csv_cannot_go_to_standard_output(G, capfdbinary) -> None:
    with pytest.raises(ExportError, match="csv writes two files"):
        write_graph(G, "-", "csv")
    assert capfdbinary.readouterr().out == b""


def test_story_table_to_standard_output(capfdbinary) -> None:
    assert write_stories(stories(nasty_graph()), "-", "csv") is None
    rows = list(csv.DictReader(io.StringIO(capfdbinary.readouterr().out.decode())))
    assert rows and rows[0]["story"] == "1"


def test_special_files_are_written_in_place(G, tmp_path: Path) -> None:
    """A symlink keeps pointing at its file; a named pipe stays a pipe (never renamed over,
    as /dev/stdout would be)."""
    target = tmp_path / "target.gexf"
    link = tmp_path / "link.gexf"
    link.symlink_to(target)
    write_graph(G, link)
    assert link.is_symlink() and nx.read_gexf(target).number_of_nodes() == G.number_of_nodes()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_graph(G, fifo, "json")
    reader.join(timeout=30)
    assert fifo.is_fifo() and json.loads(got[0])["nodes"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.gexf", "pipe", "target.gexf"]


@pytest.mark.parametrize(
    ("path", "fmt", "expected"),
    [
        ("out.gexf", None, "gexf"),
        ("OUT.GraphML", None, "graphml"),
        ("out.json", None, "json"),
        ("out.csv", None, "csv"),
        ("out.gexf", "json", "json"),  # --format wins
        ("-", None, "json"),
        (None, None, "json"),
        ("-", "gexf", "gexf"),
        ("out", None, ExportError),  # no extension: say so rather than guess
        ("out.txt", None, ExportError),
        ("out.gexf", "xls", ExportError),
    ],
)
def test_format_follows_the_file_name(path, fmt, expected) -> None:
    if expected is ExportError:
        with pytest.raises(ExportError):
            format_for(path, fmt)
    else:
        assert format_for(path, fmt) == expected


def test_gexf_is_dynamic_for_gephis_timeline(tmp_path: Path) -> None:
    """Nodes start at their publication time (else first seen), edges at their own time
    (else their copy's); ``timeformat="dateTime"``, as GEXF 1.2 and Gephi read it."""
    records = [
        ArticleRecord("s", "wire", "S", published=T0, precision="datetime"),
        ArticleRecord("c", "blog", "C", first_seen=T0 + timedelta(hours=5)),
        ArticleRecord("u", "blog", "U"),  # no time at all
    ]
    A = build_article_graph(records, [CopyEdge("c", "s", 0.9, "full", 0.8)])
    write_graph(A, tmp_path / "a.gexf", node_time=("published", "first_seen"))
    root = ET.parse(tmp_path / "a.gexf").getroot()
    ns = {"g": "http://www.gexf.net/1.2draft"}
    graph_el = root.find("g:graph", ns)
    assert (graph_el.get("mode"), graph_el.get("timeformat")) == ("dynamic", "dateTime")
    starts = {n.get("id"): n.get("start") for n in root.iterfind(".//g:node", ns)}
    assert starts == {"s": T0.isoformat(), "c": (T0 + timedelta(hours=5)).isoformat(), "u": None}
    (edge,) = root.iterfind(".//g:edge", ns)
    assert edge.get("start") == starts["c"]
    O = build_outlet_graph(A)  # noqa: E741
    write_graph(O, tmp_path / "o.gexf", edge_time=("first_seen",))
    root = ET.parse(tmp_path / "o.gexf").getroot()
    (edge,) = root.iterfind(".//g:edge", ns)
    assert edge.get("start") == O.edges["blog", "wire"]["first_seen"] == starts["c"]
    write_graph(O, tmp_path / "static.gexf")
    assert ET.parse(tmp_path / "static.gexf").getroot().find("g:graph", ns).get("mode") == "static"
