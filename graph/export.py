"""Write graphs and tables for Gephi, networkx, R and spreadsheets: JSON, GEXF, GraphML, CSV.

Crawled titles and names are hostile input. In GEXF and GraphML, characters that XML 1.0
forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are stripped and the rest is
escaped, tabs and line breaks included, so they survive attribute normalisation. In CSV,
text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR are prefixed with ``'``
(OWASP CSV injection), and the csv module quotes the rest. Attribute values of None are
left out (GEXF, GraphML) or written as empty cells (CSV); lists are joined with
:data:`LIST_SEPARATOR`; booleans are ``true``/``false``.

GEXF and GraphML are written by small streaming writers here rather than
``nx.write_gexf``/``nx.write_graphml``: networkx's writers build the whole XML tree in
memory (GEXF) or go element by element through lxml, took minutes and gigabytes on the
million-edge bench (see ``tests/bench/bench_graph.py``), reject None and list values, and
would not strip characters that are invalid in XML. Tests read every file back with
networkx's readers. Files are written to a temporary name and renamed, so a failed export
never leaves half a file; every I/O failure is raised as :class:`ExportError`.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import networkx as nx

from graph.build import EDGE_DIRECTION, Story

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
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def xml_text(value: str) -> str:
    """Escape ``value`` for XML text or a double-quoted attribute, dropping invalid characters.

    >>> xml_text('a "b" <c> & d\\x00\\n')
    'a &quot;b&quot; &lt;c&gt; &amp; d&#10;'
    """
    if _XML_SPECIAL.search(value) is None:
        return value
    value = _XML_INVALID.sub("", value)
    return _XML_SPECIAL.sub(lambda m: _XML_ESCAPES[m.group()], value)


def _text(value: Any) -> str:
    """An attribute value as text: lists joined, booleans lower-case, floats round-trip."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return LIST_SEPARATOR.join(str(v) for v in value)
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
    text = _CSV_CONTROL.sub("", _text(value))
    return "'" + text if text.startswith(_CSV_FORMULA) else text


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


# --- schema -----------------------------------------------------------------------------

_RANK = {bool: 0, int: 1, float: 2, str: 3}


def _schema(dicts: Iterable[Mapping[str, Any]]) -> dict[str, type]:
    """Attribute name -> the narrowest of bool, int, float, str holding its non-None values."""
    seen: dict[str, type | None] = {}
    for d in dicts:
        for k, v in d.items():
            if v is None:
                seen.setdefault(k, None)
                continue
            t = type(v)
            t = t if t in _RANK else str
            old = seen.get(k)
            if old is None or old is t:
                seen[k] = t
            elif {old, t} == {int, float}:
                seen[k] = float
            elif old is not str:
                seen[k] = str
    return {k: t or str for k, t in seen.items()}  # all None: declared, typed as text


# --- writers ----------------------------------------------------------------------------


def _write_json(G: nx.Graph, f: IO[str]) -> None:
    data = nx.node_link_data(G, edges="edges")
    enc = json.JSONEncoder(ensure_ascii=True, allow_nan=False, default=str)
    f.write("{")
    for key, value in data.items():
        if key in ("nodes", "edges"):
            continue
        f.write(f"{enc.encode(key)}: {enc.encode(value)}, ")
    for i, key in enumerate(("nodes", "edges")):
        items = data[key]
        f.write(f'{", " if i else ""}"{key}": [')
        for start in range(0, len(items), _CHUNK):
            if start:
                f.write(", ")
            f.write(enc.encode(items[start : start + _CHUNK])[1:-1])
        f.write("]")
    f.write("}\n")


_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}  # GEXF and GraphML
_BOOL = {True: "true", False: "false"}


def _xml_any(value: Any) -> str:
    return xml_text(value if type(value) is str else _text(value))


def _xml_converters(schema: Mapping[str, type]) -> dict[str, Callable[[Any], str]]:
    """Per attribute, the cheapest function giving its XML-escaped text (hot loop)."""
    pick = {bool: _BOOL.__getitem__, int: str, float: repr}
    return {k: pick.get(t, _xml_any) for k, t in schema.items()}


def _xml_values(
    d: Mapping[str, Any], conv: Mapping[str, Callable[[Any], str]], open_: Mapping[str, str]
) -> str:
    """``open_[k] + text + closing`` for every non-None attribute ``k`` written."""
    return "".join([open_[k] + conv[k](v) for k, v in d.items() if v is not None and k in conv])


def _write_gexf(G: nx.Graph, f: IO[str], *, label: str | None) -> None:
    nschema = _schema(d for _, d in G.nodes(data=True))
    eschema = _schema(d for _, _, d in G.edges(data=True))
    eschema.pop("weight", None)  # GEXF carries weight on the edge element itself
    nconv, econv = _xml_converters(nschema), _xml_converters(eschema)
    nopen = {k: f'"/><attvalue for="{i}" value="' for i, k in enumerate(nschema)}
    eopen = {k: f'"/><attvalue for="{i}" value="' for i, k in enumerate(eschema)}
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

    def attvalues(d: Mapping[str, Any], conv: Any, open_: Any) -> str:
        # every opener starts by closing the previous attvalue: drop the first closer
        body = _xml_values(d, conv, open_)
        return f'<attvalues>{body[3:]}"/></attvalues>' if body else ""

    f.write("<nodes>\n")
    esc: dict[Any, str] = {}
    write = f.write
    for n, d in G.nodes(data=True):
        nid = esc[n] = xml_text(str(n))
        text = d.get(label) if label else None
        lab = nid if text is None else _xml_any(text)
        write(f'<node id="{nid}" label="{lab}">{attvalues(d, nconv, nopen)}</node>\n')
    write("</nodes>\n<edges>\n")
    for i, (u, v, d) in enumerate(G.edges(data=True)):
        w = d.get("weight")
        wa = "" if w is None else f' weight="{float(w)!r}"'
        body = attvalues(d, econv, eopen)
        write(f'<edge id="{i}" source="{esc[u]}" target="{esc[v]}"{wa}>{body}</edge>\n')
    write("</edges>\n</graph>\n</gexf>\n")


def _write_graphml(G: nx.Graph, f: IO[str]) -> None:
    schemas = {
        "graph": _schema([G.graph]),
        "node": _schema(d for _, d in G.nodes(data=True)),
        "edge": _schema(d for _, _, d in G.edges(data=True)),
    }
    f.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    opens: dict[str, dict[str, str]] = {}
    i = 0
    for dom, schema in schemas.items():
        opens[dom] = {}
        for k, t in schema.items():
            f.write(
                f'<key id="d{i}" for="{dom}" attr.name="{xml_text(k)}" '
                f'attr.type="{_XML_TYPES[t]}"/>\n'
            )
            opens[dom][k] = f'</data><data key="d{i}">'
            i += 1
    conv = {dom: _xml_converters(schema) for dom, schema in schemas.items()}

    def data(d: Mapping[str, Any], dom: str) -> str:
        # every opener starts by closing the previous element: drop the first closer
        body = _xml_values(d, conv[dom], opens[dom])
        return f"{body[7:]}</data>" if body else ""

    kind = "directed" if G.is_directed() else "undirected"
    f.write(f'<graph edgedefault="{kind}">{data(G.graph, "graph")}\n')
    esc: dict[Any, str] = {}
    write = f.write
    for n, d in G.nodes(data=True):
        nid = esc[n] = xml_text(str(n))
        write(f'<node id="{nid}">{data(d, "node")}</node>\n')
    for u, v, d in G.edges(data=True):
        write(f'<edge source="{esc[u]}" target="{esc[v]}">{data(d, "edge")}</edge>\n')
    write("</graph>\n</graphml>\n")


def _same(value: Any) -> Any:
    return value  # numbers and None: the csv module writes them as they are


def _csv_bool(value: Any) -> str:
    return "" if value is None else _BOOL[value]


def _write_csv(
    f: IO[str],
    lead: Sequence[str],
    schema: Mapping[str, type | None],
    items: Iterable[tuple[Sequence[Any], Mapping[str, Any]]],
) -> None:
    """Header ``lead + schema keys``, then per item its lead cells and attribute cells.

    Lead cells come already made safe; attribute cells are converted per column type
    (None: unknown type, cleaned as text).
    """
    pick = {int: _same, float: _same, bool: _csv_bool}
    convs = [(k, pick.get(t, csv_cell)) for k, t in schema.items()]  # type: ignore[arg-type]
    w = csv.writer(f)
    w.writerow([csv_cell(k) for k in (*lead, *schema)])
    w.writerows([*head, *[c(d.get(k)) for k, c in convs]] for head, d in items)


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
        with _open(nodes_path, newline="") as f:
            nschema = _schema(d for _, d in G.nodes(data=True))
            items = (([ids.setdefault(n, csv_cell(str(n)))], d) for n, d in G.nodes(data=True))
            _write_csv(f, ["id"], nschema, items)
        with _open(edges_path, newline="") as f:
            eschema = _schema(d for _, _, d in G.edges(data=True))
            _write_csv(
                f,
                ["source", "target"],
                eschema,
                (([ids[u], ids[v]], d) for u, v, d in G.edges(data=True)),
            )
        return [nodes_path, edges_path]
    with _open(p) as f:
        if fmt == "json":
            _write_json(G, f)
        elif fmt == "gexf":
            _write_gexf(G, f, label=label)
        else:
            _write_graphml(G, f)
    return [p]


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
            _write_csv(f, [], {c: schema.get(c) for c in cols}, (((), r) for r in rows))
        else:
            json.dump([{c: r.get(c) for c in cols} for r in rows], f, indent=1, default=str)
            f.write("\n")
    return p


def write_stories(
    found: Iterable[Story], path: str | os.PathLike[str], format: str | None = None
) -> Path:
    """Write the story table (one row per story, see :meth:`Story.as_row`) as JSON or CSV."""
    return write_table((s.as_row() for s in found), path, format)
