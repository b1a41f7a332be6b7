"""Write graphs and tables for Gephi, networkx, R and spreadsheets: JSON, GEXF, GraphML, CSV.

Crawled titles and names are hostile input. In GEXF and GraphML, characters that XML 1.0
forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are stripped and the rest is
escaped, tabs and line breaks included, so they survive attribute normalisation. In CSV,
text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR are prefixed with ``'``
(OWASP CSV injection), and the csv module quotes the rest. Attribute values of None are
left out (GEXF, GraphML) or written as empty cells (CSV); lists are joined with
:data:`LIST_SEPARATOR`; booleans are ``true``/``false``.

GEXF and GraphML are written by small streaming writers here rather than
``nx.write_gexf``/``nx.write_graphml``. Measured with ``python -m tests.bench.bench_graph
--networkx 100000`` (100k article edges): ``nx.write_gexf`` took 7.2 s CPU and 930 MiB peak
(it builds the whole ElementTree), ``nx.write_graphml`` 5.7 s, ours 1.7 s and 1.6 s; at 1M
edges that is ~6 GiB more for networkx's GEXF writer alone. networkx's writers also reject None and
list values and keep characters that XML forbids. Values are cleaned a column chunk at a
time (:func:`_map_text`), which is what keeps the million-edge exports within reach. Tests
read every file back with networkx's readers. Files are written to a temporary name and
renamed, so a failed export never leaves half a file; every I/O failure is raised as
:class:`ExportError`.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain, islice, repeat
from operator import methodcaller
from pathlib import Path
from typing import IO, Any

import networkx as nx

from graph.build import EDGE_DIRECTION, Story, gc_paused

__all__ = [
    "FORMATS",
    "LIST_SEPARATOR",
    "TABLE_FORMATS",
    "ExportError",
    "csv_cell",
    "csv_paths",
    "write_graph",
    "write_stories",
    "write_table",
    "xml_text",
]

FORMATS = ("json", "gexf", "graphml", "csv")
TABLE_FORMATS = ("json", "csv")
LIST_SEPARATOR = ";"
_CHUNK = 10_000  # items encoded per json.dumps call: C speed, bounded memory


class ExportError(Exception):
    """An export could not be written (bad path, permissions, disk full, unknown format)."""


# --- cell and text cleaning -------------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_XML_ESCAPES |= {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_CSV_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SEP = "\uf8ff"  # a private-use character: joins a column's texts for _map_text
_CSV_LEADS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: cells that start a formula


def xml_text(value: str) -> str:
    """Escape ``value`` for XML text or a double-quoted attribute, dropping invalid characters.

    >>> xml_text('a "b" <c> & d\\x00\\n')
    'a &quot;b&quot; &lt;c&gt; &amp; d&#10;'
    """
    if _XML_SPECIAL.search(value) is None:
        return value
    value = _XML_INVALID.sub("", value)
    for char, entity in _XML_ESCAPES.items():  # "&" first; str.replace runs at C speed
        if char in value:
            value = value.replace(char, entity)
    return value


def _text(value: Any) -> str:
    """An attribute value as text: lists joined, booleans lower-case, floats round-trip."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return LIST_SEPARATOR.join(map(str, value))
    return repr(value) if isinstance(value, float) else str(value)


def csv_cell(value: Any) -> Any:
    """A CSV-safe cell: numbers stay numbers, text is neutralised against formulas.

    >>> [csv_cell(v) for v in ["=SUM(A1)", "-1 killed", "ok", -2.5, None, True, ["a", "b"]]]
    ["'=SUM(A1)", "'-1 killed", 'ok', -2.5, '', 'true', 'a;b']
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return _csv_text(_text(value))


def _csv_text(text: str) -> str:
    """Controls dropped, then ``'`` before a formula lead, at the start and after each _SEP."""
    if _CSV_CONTROL.search(text) is not None:
        text = _CSV_CONTROL.sub("", text)
    for lead in _CSV_LEADS:  # str.replace: C speed on a joined column
        if _SEP + lead in text:
            text = text.replace(_SEP + lead, _SEP + "'" + lead)
    return "'" + text if text.startswith(_CSV_LEADS) else text


def _map_text(texts: list[str], clean: Callable[[str], str]) -> list[str]:
    """``[clean(t) for t in texts]``, done as one C-level pass over the joined column.

    ``clean`` works character by character (or anchors on :data:`_SEP`), so joining,
    cleaning and splitting gives the same result; texts holding ``_SEP`` themselves fall
    back to one call each. At a million rows this is several times faster.
    """
    if not texts:
        return []
    joined = _SEP.join(texts)
    if joined.count(_SEP) != len(texts) - 1:
        return [clean(t) for t in texts]
    return clean(joined).split(_SEP)


# --- files ------------------------------------------------------------------------------


@contextmanager
def _open(path: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Open ``path`` for writing through a temporary file renamed on success."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(tmp, "w", encoding="utf-8", newline=newline)  # noqa: SIM115
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    paused = gc.isenabled()
    gc.disable()  # writers make millions of short-lived, acyclic objects: no cycles to find
    try:
        with f:
            yield f
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if paused:
            gc.enable()


def _format(path: Path, format: str | None, allowed: tuple[str, ...]) -> str:
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in allowed:
        raise ExportError(
            f"cannot write {path}: unknown format {fmt!r} (choose {', '.join(allowed)})"
        )
    return fmt


def csv_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The nodes and edges files for a CSV export: ``<stem>.nodes.csv``, ``<stem>.edges.csv``."""
    p = Path(path)
    stem = p.with_suffix("") if p.suffix.lower() == ".csv" else p
    return stem.with_name(stem.name + ".nodes.csv"), stem.with_name(stem.name + ".edges.csv")


# --- schema and columns -----------------------------------------------------------------

_CHUNK_ROWS = 50_000  # rows turned into columns at a time: C-speed cleaning, bounded memory


def _schema(dicts: Iterable[Mapping[str, Any]]) -> dict[str, type]:
    """Attribute name -> bool, int, float or str: the narrowest type holding its values.

    Mixed int and float give float; anything else mixed, or not a number or boolean
    (lists included), gives str. Names whose values are all None are typed str.

    Reads each row once, as its (names, value types) shape: a graph's rows share a handful
    of shapes, so the per-name work is done on those alone (a million rows in ~1 s).
    """
    dicts = dicts if isinstance(dicts, list) else list(dicts)
    shapes = dict.fromkeys(  # distinct (names, types), first-seen order; all C-level
        zip(
            map(tuple, dicts),
            map(tuple, map(map, repeat(type), map(methodcaller("values"), dicts))),
            strict=True,
        )
    )
    seen = [dict(zip(names, types, strict=True)) for names, types in shapes]
    schema = {}
    for k in dict.fromkeys(chain.from_iterable(seen)):  # every name, first-seen order
        types = {t.get(k, _NONE) for t in seen}
        types.discard(_NONE)
        if types == {bool}:
            schema[k] = bool
        elif types and types <= {int, float}:
            schema[k] = float if float in types else int
        else:
            schema[k] = str
    return schema


_NONE = type(None)


def _node_dicts(G: nx.Graph) -> Iterable[dict[str, Any]]:
    """Every node's attribute dict, in node order (straight off networkx's ``G._node``)."""
    return G._node.values()


def _edge_dicts(G: nx.Graph) -> Iterable[dict[str, Any]]:
    """Every edge's attribute dict, in :func:`_edges` order."""
    if not G.is_directed() or G.is_multigraph():
        return (d for _, _, d in G.edges(data=True))
    return chain.from_iterable(map(methodcaller("values"), G._succ.values()))


def _column(dicts: list[Mapping[str, Any]], key: str) -> list[Any]:
    """``[d.get(key) for d in dicts]`` at C speed."""
    return list(map(methodcaller("get", key), dicts))


def _columns(dicts: list[Mapping[str, Any]], keys: Iterable[str]) -> list[Sequence[Any]]:
    """``[_column(dicts, k) for k in keys]``.

    When every row has the same names in the same order (a graph built by this project),
    the rows' values are transposed in one C-level ``zip`` instead of a lookup per cell.
    """
    keys = list(keys)
    if dicts and keys:
        names = tuple(dicts[0])
        if set(keys) <= set(names) and all(map(names.__eq__, map(tuple, dicts))):
            full = dict(
                zip(names, zip(*map(methodcaller("values"), dicts), strict=True), strict=True)
            )
            return [full[k] for k in keys]
    return [_column(dicts, k) for k in keys]


def _edges(G: nx.Graph) -> Iterable[tuple[Any, Any, dict[str, Any]]]:
    """``G.edges(data=True)``; for a DiGraph zipped off ``G._succ``, Python work per node only."""
    if not G.is_directed() or G.is_multigraph():
        return G.edges(data=True)
    # Python-level work per node only: each node's edges are zipped in C.
    return chain.from_iterable(
        zip(repeat(u), nbrs, nbrs.values()) for u, nbrs in G._succ.items() if nbrs
    )


def _chunks(items: Iterable[Any], size: int = _CHUNK_ROWS) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _texts(values: list[Any], kind: type, clean: Callable[[str], str]) -> list[str | None]:
    """Column values as cleaned text (None stays None)."""
    if kind is bool:
        if None not in values:
            return list(map(_BOOL.__getitem__, values))
        return [None if v is None else _BOOL[v] for v in values]
    if kind is float:
        if None not in values:
            return list(map(repr, map(float, values)))
        return [None if v is None else repr(float(v)) for v in values]
    if kind is int:
        if None not in values:
            return list(map(str, values))
        return [None if v is None else str(v) for v in values]
    raw = [v if type(v) is str else _text(v) for v in values if v is not None]
    if len(raw) == len(values):  # no None: nothing to put back
        return _map_text(raw, clean)  # type: ignore[return-value]
    it = iter(_map_text(raw, clean))
    return [None if v is None else next(it) for v in values]


def _fragments(values: list[Any], kind: type, before: str, after: str) -> list[str]:
    """``before + text + after`` per XML-escaped value, "" for None."""
    return ["" if t is None else before + t + after for t in _texts(values, kind, xml_text)]


# --- writers ----------------------------------------------------------------------------
def _write_json(G: nx.Graph, f: IO[str]) -> None:
    """``nx.node_link_data(G, edges="edges")``, byte for byte, streamed a chunk at a time.

    The node and edge objects are made per chunk instead of for the whole graph at once.
    """
    if G.is_multigraph():
        edges: Iterable[dict[str, Any]] = (
            {**d, "source": u, "target": v, "key": k}
            for u, v, k, d in G.edges(keys=True, data=True)
        )
    else:
        edges = ({**d, "source": u, "target": v} for u, v, d in _edges(G))
    nodes = ({**d, "id": n} for n, d in G._node.items())
    enc = json.JSONEncoder(ensure_ascii=True, allow_nan=False, default=str)
    head = {"directed": G.is_directed(), "multigraph": G.is_multigraph(), "graph": G.graph}
    f.write("{")
    for key, value in head.items():
        f.write(f"{enc.encode(key)}: {enc.encode(value)}, ")
    for i, (key, items) in enumerate((("nodes", nodes), ("edges", edges))):
        f.write(f'{", " if i else ""}"{key}": [')
        for n, chunk in enumerate(_chunks(items, _CHUNK)):
            if n:
                f.write(", ")
            f.write(enc.encode(chunk)[1:-1])
        f.write("]")
    f.write("}\n")


_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}  # GEXF and GraphML
_BOOL = {True: "true", False: "false"}


def _write_gexf(G: nx.Graph, f: IO[str], *, label: str | None) -> None:
    nschema = _schema(_node_dicts(G))
    eschema = _schema(_edge_dicts(G))
    eschema.pop("weight", None)  # GEXF carries weight on the edge element itself
    kind = "directed" if G.is_directed() else "undirected"
    desc = xml_text(str(G.graph.get("edge_direction", EDGE_DIRECTION)))
    f.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
        f"<meta><creator>provenance-crawler</creator><description>edges: {desc}"
        "</description></meta>\n"
        f'<graph defaultedgetype="{kind}" mode="static">\n'
    )
    for cls, schema in (("node", nschema), ("edge", eschema)):
        f.write(f'<attributes class="{cls}" mode="static">\n')
        for i, (k, t) in enumerate(schema.items()):
            f.write(f'<attribute id="{i}" title="{xml_text(k)}" type="{_XML_TYPES[t]}"/>\n')
        f.write("</attributes>\n")

    def attvalues(dicts: list[Mapping[str, Any]], schema: Mapping[str, type]) -> list[str]:
        cols = [
            _fragments(values, t, f'<attvalue for="{i}" value="', '"/>')
            for i, (t, values) in enumerate(
                zip(schema.values(), _columns(dicts, schema), strict=True)
            )
        ]
        bodies = map("".join, zip(*cols, strict=True)) if cols else [""] * len(dicts)
        return [f"<attvalues>{b}</attvalues>" if b else "" for b in bodies]

    f.write("<nodes>\n")
    esc: dict[Any, str] = {}
    for chunk in _chunks(G._node.items()):
        ids = _map_text([str(n) for n, _ in chunk], xml_text)
        esc.update(zip((n for n, _ in chunk), ids, strict=True))
        dicts = [d for _, d in chunk]
        labels = ids
        if label:
            texts = _texts(_column(dicts, label), str, xml_text)
            labels = [i if t is None else t for i, t in zip(ids, texts, strict=True)]
        f.writelines(
            f'<node id="{i}" label="{lab}">{a}</node>\n'
            for i, lab, a in zip(ids, labels, attvalues(dicts, nschema), strict=True)
        )
    f.write("</nodes>\n<edges>\n")
    count = 0
    for chunk in _chunks(_edges(G)):
        dicts = [d for _, _, d in chunk]
        weights = _fragments(_column(dicts, "weight"), float, ' weight="', '"')
        f.writelines(
            f'<edge id="{n}" source="{esc[u]}" target="{esc[v]}"{w}>{a}</edge>\n'
            for n, (u, v, _), w, a in zip(
                range(count, count + len(chunk)),
                chunk,
                weights,
                attvalues(dicts, eschema),
                strict=True,
            )
        )
        count += len(chunk)
    f.write("</edges>\n</graph>\n</gexf>\n")


def _write_graphml(G: nx.Graph, f: IO[str]) -> None:
    schemas = {
        "graph": _schema([G.graph]),
        "node": _schema(_node_dicts(G)),
        "edge": _schema(_edge_dicts(G)),
    }
    f.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    keys: dict[str, list[tuple[str, type, str]]] = {}
    n = 0
    for dom, schema in schemas.items():
        keys[dom] = []
        for k, t in schema.items():
            f.write(
                f'<key id="d{n}" for="{dom}" attr.name="{xml_text(k)}" '
                f'attr.type="{_XML_TYPES[t]}"/>\n'
            )
            keys[dom].append((k, t, f'<data key="d{n}">'))
            n += 1

    def data(dicts: list[Mapping[str, Any]], dom: str) -> list[str]:
        values = _columns(dicts, [k for k, _, _ in keys[dom]])
        cols = [
            _fragments(v, t, o, "</data>") for (_, t, o), v in zip(keys[dom], values, strict=True)
        ]
        return list(map("".join, zip(*cols, strict=True))) if cols else [""] * len(dicts)

    kind = "directed" if G.is_directed() else "undirected"
    f.write(f'<graph edgedefault="{kind}">{data([G.graph], "graph")[0]}\n')
    esc: dict[Any, str] = {}
    for chunk in _chunks(G._node.items()):
        ids = _map_text([str(n) for n, _ in chunk], xml_text)
        esc.update(zip((n for n, _ in chunk), ids, strict=True))
        body = data([d for _, d in chunk], "node")
        f.writelines(f'<node id="{i}">{b}</node>\n' for i, b in zip(ids, body, strict=True))
    for chunk in _chunks(_edges(G)):
        body = data([d for _, _, d in chunk], "edge")
        f.writelines(
            f'<edge source="{esc[u]}" target="{esc[v]}">{b}</edge>\n'
            for (u, v, _), b in zip(chunk, body, strict=True)
        )
    f.write("</graph>\n</graphml>\n")


def _csv_columns(dicts: list[Mapping[str, Any]], schema: Mapping[str, type]) -> list[list[Any]]:
    """One list per attribute: numbers as they are, the rest as neutralised text."""
    cols: list[list[Any]] = []
    for t, values in zip(schema.values(), _columns(dicts, schema), strict=True):
        if t is int or t is float:
            cols.append(values)  # the csv module writes None as an empty cell
        else:
            cols.append(["" if x is None else x for x in _texts(values, t, _csv_text)])
    return cols


def _write_csv(
    f: IO[str],
    lead: Sequence[str],
    schema: Mapping[str, type],
    rows: Iterable[tuple[Sequence[list[Any]], list[Mapping[str, Any]]]],
) -> None:
    """Header ``lead + schema keys``; then, per chunk, its lead columns and attributes."""
    w = csv.writer(f)
    w.writerow([csv_cell(k) for k in (*lead, *schema)])
    for lead_cols, dicts in rows:
        w.writerows(zip(*lead_cols, *_csv_columns(dicts, schema), strict=True))


def write_graph(
    G: nx.Graph,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    label: str | None = None,
) -> list[Path]:
    """Write ``G`` as ``json``, ``gexf``, ``graphml`` or ``csv``; return the files written.

    ``format`` defaults to the file's suffix. ``json`` is networkx node-link data with edges
    under ``"edges"`` (read back with ``nx.node_link_graph(data, edges="edges")``); ``csv``
    writes ``<stem>.nodes.csv`` (``id`` + node attributes) and ``<stem>.edges.csv``
    (``source``, ``target`` + edge attributes). ``label`` names the node attribute used as
    the GEXF label (Gephi's display name), the node id by default.

    Raises
    ------
    ExportError
        When the path cannot be written or the format is unknown.
    """
    p = Path(path)
    fmt = _format(p, format, FORMATS)
    if fmt == "csv":
        nodes_path, edges_path = csv_paths(p)
        ids: dict[Any, str] = {}

        def node_rows() -> Iterator[tuple[list[list[Any]], list[Mapping[str, Any]]]]:
            for chunk in _chunks(G._node.items()):
                cells = _map_text([str(n) for n, _ in chunk], _csv_text)
                ids.update(zip((n for n, _ in chunk), cells, strict=True))
                yield [cells], [d for _, d in chunk]

        def edge_rows() -> Iterator[tuple[list[list[Any]], list[Mapping[str, Any]]]]:
            for chunk in _chunks(_edges(G)):
                lead = [[ids[u] for u, _, _ in chunk], [ids[v] for _, v, _ in chunk]]
                yield lead, [d for _, _, d in chunk]

        with _open(nodes_path, newline="") as f:
            schema = _schema(_node_dicts(G))
            _write_csv(f, ["id"], schema, node_rows())
        with _open(edges_path, newline="") as f:
            schema = _schema(_edge_dicts(G))
            _write_csv(f, ["source", "target"], schema, edge_rows())
        return [nodes_path, edges_path]
    with _open(p) as f:
        if fmt == "json":
            _write_json(G, f)
        elif fmt == "gexf":
            _write_gexf(G, f, label=label)
        else:
            _write_graphml(G, f)
    return [p]


def _write_json_rows(f: IO[str], rows: list[dict[str, Any]]) -> None:
    """``json.dump(rows, f, indent=1, default=str)`` and a newline, byte for byte.

    ``json.dump`` with an indent writes every token with its own ``f.write`` call; here
    each chunk of rows is one ``json.dumps`` string, its brackets stripped and rejoined.
    """
    if not rows:
        f.write("[]\n")
        return
    f.write("[\n")
    for start in range(0, len(rows), _CHUNK):
        if start:
            f.write(",\n")
        f.write(json.dumps(rows[start : start + _CHUNK], indent=1, default=str)[2:-2])
    f.write("\n]\n")


@gc_paused
def write_table(
    rows: Iterable[Mapping[str, Any]],
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    columns: Iterable[str] | None = None,
) -> Path:
    """Write table rows (dicts) as a JSON array or a CSV file with a header.

    ``columns`` defaults to the keys of the rows, in first-seen order.

    Raises
    ------
    ExportError
        When the path cannot be written or the format is unknown.
    """
    p = Path(path)
    fmt = _format(p, format, TABLE_FORMATS)
    rows = list(rows)
    cols = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    with _open(p, newline="" if fmt == "csv" else None) as f:
        if fmt == "csv":
            schema = _schema(rows)
            _write_csv(f, [], {c: schema.get(c, str) for c in cols}, [([], rows)])
        else:
            _write_json_rows(f, [{c: r.get(c) for c in cols} for r in rows])
    return p


def write_stories(
    found: Iterable[Story], path: str | os.PathLike[str], format: str | None = None
) -> Path:
    """Write the story table (one row per story, see :meth:`Story.as_row`) as JSON or CSV."""
    return write_table((s.as_row() for s in found), path, format)
