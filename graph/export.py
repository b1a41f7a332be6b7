"""Write graphs and tables for Gephi, networkx, R and spreadsheets: JSON, GEXF, GraphML, CSV.

Crawled titles and names are hostile input. In GEXF and GraphML, characters that XML 1.0
forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are stripped and the rest is
escaped, tabs and line breaks included, so they survive attribute normalisation. In CSV,
text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR are prefixed with ``'``
(OWASP CSV injection), and cells holding a comma, quote or line break are quoted as the
csv module would (a column that needs it is quoted throughout). Attribute values of None
are left out (GEXF, GraphML) or written as empty cells (CSV); lists are joined with
:data:`LIST_SEPARATOR`; booleans are ``true``/``false``. JSON is encoded by orjson (which
writes NaN and infinities as null), or the json module for what orjson refuses.

GEXF and GraphML are written by small streaming writers here rather than
``nx.write_gexf``/``nx.write_graphml``, and CSV rows without ``csv.writer``. Measured with
``python -m tests.bench.bench_graph --edges 100000 --networkx 100000``: ``nx.write_gexf``
took 6.4 s CPU and 950 MiB peak (it builds the whole ElementTree), ``nx.write_graphml``
3.9 s, ours 0.6 s and 0.5 s; at 1M edges that is ~6 GiB more for networkx's GEXF writer
alone. networkx's writers also reject None and list values and keep characters that XML
forbids. Rows are read a chunk at a time, each column cleaned in one pass over its joined
text (:func:`_map_text`) and each chunk's text made by one ``str.join`` (:func:`_rows`):
no Python loop per row or cell in the common case, which keeps the million-edge exports
within reach. Tests read every file back with networkx's readers (a dynamic GEXF, whose
``timeformat="dateTime"`` networkx's reader does not know, with ElementTree). Files are
written to a temporary name and renamed, so a failed export never leaves half a file; the path ``-``
(or None) is standard output, written as a stream, and a path that is not a regular file
(``/dev/stdout``, a named pipe, a symlink) is written through, never replaced. Every I/O
failure is raised as :class:`ExportError`.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from itertools import chain, islice, repeat
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import IO, Any

import networkx as nx
import orjson

from graph.build import EDGE_DIRECTION, Story, copy_edge, gc_paused

__all__ = [
    "FORMATS",
    "LIST_SEPARATOR",
    "TABLE_FORMATS",
    "STDOUT",
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
STDOUT = "-"
"""The path that means standard output."""
CSV_EDGE_ENDS = copy_edge("copy", "original")
"""Header of the two end columns of an edges CSV: the copy, then its original."""


class ExportError(Exception):
    """An export could not be written (bad path, permissions, disk full, unknown format)."""


# --- cell and text cleaning -------------------------------------------------------------

_SEP = "\x1f"  # ASCII unit separator: joins a column's texts for _map_text
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_XML_ESCAPES |= {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_CSV_LEADS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: cells that start a formula
# One search: six "in" tests for _SEP + lead scanned the joined column six times.
_CSV_LEAD_AFTER_SEP = re.compile(f"{_SEP}[{re.escape(''.join(_CSV_LEADS))}]")
_C0 = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))  # XML 1.0 forbids
_SURROGATES = "\ud800-\udfff"


class _Chars:
    """A set of characters to look for: a regex, and for ASCII text a ``bytes.translate``
    deletion table (deleting and comparing lengths is about twice as fast as the regex
    search on a joined column)."""

    def __init__(self, ascii_chars: str, other: str = "") -> None:
        self.regex = re.compile(f"[{re.escape(ascii_chars)}{other}]")
        self.table = ascii_chars.encode("ascii")

    def found(self, text: str) -> bool:
        if len(text) > 64 and text.isascii():
            b = text.encode("ascii")
            return len(b.translate(None, self.table)) != len(b)
        return self.regex.search(text) is not None


# Per text, and for a joined column (_SEP kept: a text holding it is cleaned on its own).
_XML_INVALID = _Chars(_C0, _SURROGATES + "\ufffe\uffff")
_XML_SPECIAL = _Chars(_C0 + '&<>"\t\n\r', _SURROGATES + "\ufffe\uffff")
_XML_INVALID_J = _Chars(_C0.replace(_SEP, ""), _SURROGATES + "\ufffe\uffff")
_XML_SPECIAL_J = _Chars(_C0.replace(_SEP, "") + '&<>"\t\n\r', _SURROGATES + "\ufffe\uffff")
_CSV_CONTROL = _Chars(_C0 + "\x7f", _SURROGATES)
_CSV_CONTROL_J = _Chars(_C0.replace(_SEP, "") + "\x7f", _SURROGATES)


def xml_text(value: str) -> str:
    """Escape ``value`` for XML text or a double-quoted attribute, dropping invalid characters.

    >>> xml_text('a "b" <c> & d\\x00\\n')
    'a &quot;b&quot; &lt;c&gt; &amp; d&#10;'
    """
    return _xml_text(value, _XML_SPECIAL, _XML_INVALID)


def _xml_text(value: str, special: _Chars, invalid: _Chars) -> str:
    if not special.found(value):
        return value
    if invalid.found(value):
        value = invalid.regex.sub("", value)
    for char, entity in _XML_ESCAPES.items():  # "&" first; str.replace runs at C speed
        if char in value:
            value = value.replace(char, entity)
    return value


def _xml_joined(value: str) -> str:
    return _xml_text(value, _XML_SPECIAL_J, _XML_INVALID_J)


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


def _csv_text(text: str, control: _Chars = _CSV_CONTROL) -> str:
    """Controls dropped, then ``'`` before a formula lead, at the start and after each _SEP."""
    if control.found(text):
        text = control.regex.sub("", text)
    if _SEP in text and _CSV_LEAD_AFTER_SEP.search(text) is not None:
        for lead in _CSV_LEADS:  # str.replace: C speed on a joined column
            text = text.replace(_SEP + lead, _SEP + "'" + lead)
    return "'" + text if text.startswith(_CSV_LEADS) else text


def _csv_joined(text: str) -> str:
    return _csv_text(text, _CSV_CONTROL_J)


_JOINED: dict[Callable[[str], str], Callable[[str], str]] = {
    xml_text: _xml_joined,
    _csv_text: _csv_joined,
}


def _map_text(texts: list[str], clean: Callable[[str], str]) -> list[str]:
    """``[clean(t) for t in texts]``, done as one C-level pass over the joined column.

    ``clean`` works character by character (or anchors on :data:`_SEP`), so joining,
    cleaning and splitting gives the same result; texts holding ``_SEP`` themselves fall
    back to one call each. At a million rows this is several times faster. When nothing
    needed cleaning, ``texts`` itself is returned.
    """
    if not texts:
        return []
    joined = _SEP.join(texts)
    if joined.count(_SEP) != len(texts) - 1:
        return [clean(t) for t in texts]
    cleaned = _JOINED[clean](joined)
    return texts if cleaned is joined else cleaned.split(_SEP)


# --- files ------------------------------------------------------------------------------


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """True for the paths that mean standard output: None and ``-``."""
    return path is None or str(path) == STDOUT


@contextmanager
def _stdout(*, newline: str | None, binary: bool) -> Iterator[IO[Any]]:
    """Standard output as a stream (bytes, or UTF-8 text), left open afterwards."""
    sys.stdout.flush()
    out = sys.stdout.buffer
    if binary:
        yield out
        out.flush()
        return
    text = io.TextIOWrapper(out, encoding="utf-8", newline=newline)
    try:
        yield text
        text.flush()
    finally:
        with suppress(OSError, ValueError):  # a reader that left: nothing more to write
            text.detach()  # sys.stdout keeps its buffer


def _write_through(path: Path) -> bool:
    """True when ``path`` must be written in place: a symlink or an existing file that is
    not a regular file (a device such as ``/dev/stdout``, a named pipe). Renaming a
    temporary file over it would replace it (as root, ``/dev/stdout`` itself)."""
    return path.is_symlink() or (path.exists() and not path.is_file())


@contextmanager
def _open(
    path: Path | None, *, newline: str | None = None, binary: bool = False
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing (UTF-8 text, or bytes) through a temporary file renamed
    on success; standard output and special files are written as streams."""
    name = "standard output" if path is None else str(path)
    mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": newline}
    paused = gc.isenabled()
    gc.disable()  # writers make millions of short-lived, acyclic objects: no cycles to find
    try:
        if path is None or _write_through(path):
            try:
                if path is None:
                    opened = _stdout(newline=newline, binary=binary)
                else:
                    opened = open(path, **mode)  # noqa: SIM115
                with opened as f:
                    yield f
            except BrokenPipeError:
                raise  # the reader left (``| head``): the caller ends quietly
            except OSError as exc:
                raise ExportError(f"cannot write {name}: {exc.strerror or exc}") from exc
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            f = open(tmp, **mode)  # noqa: SIM115
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
    finally:
        if paused:
            gc.enable()


def _target(path: str | os.PathLike[str] | None) -> Path | None:
    return None if is_stdout(path) else Path(path)  # type: ignore[arg-type]


def format_for(
    path: str | os.PathLike[str] | None,
    format: str | None = None,
    allowed: tuple[str, ...] = FORMATS,
) -> str:
    """``format``, else the file's suffix, else ``json`` for standard output.

    >>> format_for("outlets.gexf"), format_for("-"), format_for("x.json", "csv")
    ('gexf', 'json', 'csv')
    """
    if format:
        fmt = format.lower()
    elif is_stdout(path):
        fmt = "json"
    else:
        fmt = Path(path).suffix.lstrip(".").lower()  # type: ignore[arg-type]
        if not fmt:
            raise ExportError(
                f"cannot tell the format of {path}: give --format or a file name ending in "
                + ", ".join(f".{a}" for a in allowed)
            )
    if fmt not in allowed:
        raise ExportError(
            f"cannot write {path or STDOUT}: unknown format {fmt!r} (choose {', '.join(allowed)})"
        )
    return fmt


def csv_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The nodes and edges files for a CSV export: ``<stem>.nodes.csv``, ``<stem>.edges.csv``."""
    p = Path(path)
    stem = p.with_suffix("") if p.suffix.lower() == ".csv" else p
    return stem.with_name(stem.name + ".nodes.csv"), stem.with_name(stem.name + ".edges.csv")


# --- columns ----------------------------------------------------------------------------
# Every writer reads the rows twice, a chunk at a time: once for the schema (names and
# types, which the headers declare), once to write. Nothing per row is kept between the
# two: at a million edges the attribute dicts and values are spread over gigabytes, and
# each pass over them costs cache misses, so they are touched while a chunk is hot.

_CHUNK_ROWS = 20_000  # rows formatted at a time: C-speed cleaning, a chunk stays in cache
_NONE = type(None)
_LISTS = {list, tuple, set, frozenset}


def _chunks(items: Iterable[Any], size: int | None = None) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size or _CHUNK_ROWS)):
        yield chunk


class _Schema:
    """Attribute names of rows (dicts) read a chunk at a time, in first-seen order, with
    the set of their value types (None included where a row lacks the name).

    Each chunk's columns are kept, as lists of references, until :meth:`columns` hands
    them to the writer: the dicts are read once, while the chunk is in cache.
    """

    def __init__(self, chunks: Iterable[list[Mapping[str, Any]]]) -> None:
        self.types: dict[str, set[type]] = {}
        self._kept: deque[tuple[int, dict[str, list[Any]]]] = deque()
        uniform = True  # so far every row has exactly the names of the first
        for rows in chunks:
            cols = None
            if uniform:
                if not self.types:
                    self.types = {k: set() for k in rows[0]}
                cols = self._same_names(rows)
                uniform = cols is not None
            if cols is None:
                names = dict.fromkeys(chain.from_iterable(rows))
                cols = {k: list(map(methodcaller("get", k), rows)) for k in names}
            for k, values in cols.items():
                self.types.setdefault(k, set()).update(map(type, values))
            self._kept.append((len(rows), cols))

    def _same_names(self, rows: list[Mapping[str, Any]]) -> dict[str, list[Any]] | None:
        """The columns of rows that all have the known names and no other (C-level)."""
        if set(map(len, rows)) != {len(self.types)}:
            return None
        try:
            return {k: list(map(itemgetter(k), rows)) for k in self.types}
        except KeyError:
            return None

    def kind(self, name: str) -> type:
        """bool, int, float or str: the narrowest type holding every value (None aside).

        Mixed int and float give float; anything else mixed, or not a number or boolean
        (lists included), gives str; so does a name whose values are all None.
        """
        types = self.types.get(name, set()) - {_NONE}
        if types == {bool}:
            return bool
        if types and types <= {int, float}:
            return float if float in types else int
        return str

    def kinds(self) -> dict[str, type]:
        return {k: self.kind(k) for k in self.types}

    def columns(self, names: Iterable[str] | None = None) -> dict[str, list[Any]]:
        """The next chunk's columns: name -> each row's value, None where it has none."""
        n, cols = self._kept.popleft()
        return {k: cols.get(k) or [None] * n for k in (self.types if names is None else names)}


def _edge_dicts(G: nx.Graph) -> Iterator[dict[str, Any]]:
    """Every edge's attribute dict, in ``G.edges`` order."""
    if G.is_directed() and not G.is_multigraph():
        return chain.from_iterable(map(methodcaller("values"), G._succ.values()))
    return map(itemgetter(2), G.edges(data=True))


def _edge_ends(G: nx.Graph) -> Iterator[tuple[list[Any], list[Any]]]:
    """Sources and targets of the edges, a chunk at a time (as :func:`_chunks` of
    :func:`_edge_dicts`); for a DiGraph read off networkx's adjacency (``G._succ``) with
    no Python-level work per edge."""
    if G.is_directed() and not G.is_multigraph():
        succ = G._succ
        us: Iterator[Any] = chain.from_iterable(map(repeat, succ, map(len, succ.values())))
        vs: Iterator[Any] = chain.from_iterable(succ.values())
    else:
        us, vs = map(itemgetter(0), G.edges), map(itemgetter(1), G.edges)
    return zip(_chunks(us), _chunks(vs), strict=True)


def _texts(
    values: list[Any], kind: type, clean: Callable[[str], str], *, to_float: bool = True
) -> list[str | None]:
    """Column values as cleaned text (None stays None); ints in a float column are written
    as floats unless ``to_float`` is false."""
    if kind is bool:
        if None not in values:
            return list(map(_BOOL.__getitem__, values))
        return [None if v is None else _BOOL[v] for v in values]
    if kind is float:
        if None not in values:
            return _floats(values, to_float)
        it = iter(_floats([v for v in values if v is not None], to_float))
        return [None if v is None else next(it) for v in values]
    if kind is int:
        if None not in values:
            return list(map(str, values))
        return [None if v is None else str(v) for v in values]
    present = values if None not in values else [v for v in values if v is not None]
    types = set(map(type, present))
    if types <= {str}:
        raw = present
    elif types <= _LISTS:
        try:  # lists of text joined in C; anything else in them goes through _text
            raw = list(map(LIST_SEPARATOR.join, present))
        except TypeError:
            raw = list(map(_text, present))
    else:
        raw = list(map(_text, present))
    if present is values:  # no None: nothing to put back
        return _map_text(raw, clean)  # type: ignore[return-value]
    it = iter(_map_text(raw, clean))
    return [None if v is None else next(it) for v in values]


def _floats(values: list[Any], to_float: bool) -> list[str]:
    """``[repr(float(v)) for v in values]`` (``str(v)`` when not ``to_float``).

    orjson writes the same shortest round-trip digits ~3x faster, but as ``1e-7``,
    ``0.00001``, ``null`` where repr writes ``1e-07``, ``1e-05``, ``inf``: a chunk where
    any of those shows, or holding ints, is done with repr.
    """
    if set(map(type, values)) == {float}:
        text = orjson.dumps(values)
        if b"e" not in text and b"0.0000" not in text and b"null" not in text:
            return text[1:-1].decode().split(",")
    return list(map(repr, map(float, values))) if to_float else list(map(str, values))


def _rows(parts: Sequence[str | Sequence[str]], n: int) -> str:
    """``n`` rows of text concatenated: each row joins, in order, the constant strings of
    ``parts`` and the row's entry of its columns. One C-level join, no loop per row."""
    merged: list[str | Sequence[str]] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    cols = [repeat(p, n) if isinstance(p, str) else p for p in merged]
    return "".join(chain.from_iterable(zip(*cols, strict=True)))


def _xml_fields(values: list[Any], kind: type, before: str, after: str) -> list[Any]:
    """:func:`_rows` parts for ``before + XML-escaped value + after``, nothing for None."""
    texts = _texts(values, kind, xml_text)
    if None not in texts:
        return [before, texts, after]
    return [["" if t is None else before + t + after for t in texts]]


def _id_texts(ids: list[Any], clean: Callable[[str], str], texts: dict[Any, str]) -> list[str]:
    """Node ids as cleaned text; those that are not their own text are kept in ``texts``
    for :func:`_end_texts`."""
    cells = _map_text(list(map(str, ids)), clean)
    if cells != ids:  # compares identity first: no work when _map_text changed nothing
        texts.update(zip(ids, cells, strict=True))
    return cells


def _end_texts(ends: list[Any], texts: dict[Any, str]) -> list[Any]:
    """Edge ends as their node's :func:`_id_texts`."""
    return list(map(texts.get, ends, ends)) if texts else ends


def _wrapped(parts: list[Any], n: int, before: str, after: str) -> list[Any]:
    """``before + row + after`` for rows of ``parts`` that are not empty, else nothing."""
    if not parts:
        return []
    if any(isinstance(p, str) for p in parts):  # a column with no None: no row is empty
        return [before, *parts, after]
    bodies = map("".join, zip(*parts, strict=True))
    return [[before + b + after if b else "" for b in bodies]]


# --- writers ----------------------------------------------------------------------------
# orjson encodes a chunk of node-link objects ~7x faster than the json module; what
# it refuses (lone surrogates, integers beyond 64 bits, non-string keys) falls back to
# the json module, chunk by chunk. Datetimes and dataclasses go to ``default=str``, as
# with the json module; NaN and infinities are written as null.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json(value: Any, *, indent: bool = False) -> bytes:
    try:
        return orjson.dumps(
            value, default=str, option=_ORJSON_OPTIONS | (orjson.OPT_INDENT_2 if indent else 0)
        )
    except orjson.JSONEncodeError:
        text = json.dumps(value, default=str, indent=2 if indent else None, allow_nan=False)
        return text.encode()  # ensure_ascii: lone surrogates escaped, the bytes are ASCII


def _write_json(G: nx.Graph, f: IO[bytes]) -> None:
    """``nx.node_link_data(G, edges="edges")``, encoded a chunk of objects at a time."""
    nodes = (
        list(map(_with_id, ds, ids))
        for ids, ds in zip(_chunks(G._node), _chunks(G._node.values()), strict=True)
    )
    if G.is_multigraph():
        links: Iterable[dict[str, Any]] = (
            {**d, "source": u, "target": v, "key": k}
            for u, v, k, d in G.edges(keys=True, data=True)
        )
        edges: Iterable[list[dict[str, Any]]] = _chunks(links)
    else:
        edges = (
            list(map(_link, ds, us, vs))
            for (us, vs), ds in zip(_edge_ends(G), _chunks(_edge_dicts(G)), strict=True)
        )
    head = {"directed": G.is_directed(), "multigraph": G.is_multigraph(), "graph": G.graph}
    f.write(_json(head)[:-1])
    for key, chunks in ((b"nodes", nodes), (b"edges", edges)):
        f.write(b',"' + key + b'":[')
        for n, chunk in enumerate(chunks):
            if n:
                f.write(b",")
            f.write(_json(chunk)[1:-1])
        f.write(b"]")
    f.write(b"}\n")


def _with_id(d: dict[str, Any], n: Any) -> dict[str, Any]:
    return {**d, "id": n}


def _link(d: dict[str, Any], u: Any, v: Any) -> dict[str, Any]:
    return {**d, "source": u, "target": v}


_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}  # GEXF and GraphML
_BOOL = {True: "true", False: "false"}


def _first_time(cols: Mapping[str, list[Any]], names: Sequence[str], n: int) -> list[Any]:
    """Per row, the first of the columns ``names`` holding a non-empty string, else None."""
    out: list[Any] = [None] * n
    for name in names:
        col = cols.get(name)
        if col is not None:
            out = [o if o is not None or not isinstance(v, str) or not v else v
                   for o, v in zip(out, col, strict=True)]  # fmt: skip
    return out


def _write_gexf(
    G: nx.Graph,
    f: IO[str],
    *,
    label: str | None,
    node_time: Sequence[str] = (),
    edge_time: Sequence[str] = (),
) -> None:
    """GEXF 1.2 for Gephi. With ``node_time``/``edge_time`` (attribute names holding ISO
    8601 times) the graph is dynamic (``timeformat="dateTime"``): each node starts at its
    time, each edge at its own or its first node's, so Gephi's timeline shows the network
    grow. The times stay attributes too."""
    nodes, edges = _Schema(_chunks(G._node.values())), _Schema(_chunks(_edge_dicts(G)))
    nkinds, ekinds = nodes.kinds(), edges.kinds()
    weighted = ekinds.pop("weight", None) is not None  # GEXF puts it on the edge element
    kind = "directed" if G.is_directed() else "undirected"
    desc = xml_text(str(G.graph.get("edge_direction", EDGE_DIRECTION)))
    dynamic = any(n in nkinds for n in node_time) or any(n in ekinds for n in edge_time)
    mode = 'mode="dynamic" timeformat="dateTime"' if dynamic else 'mode="static"'
    f.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
        f"<meta><creator>provenance-crawler</creator><description>edges: {desc}"
        "</description></meta>\n"
        f'<graph defaultedgetype="{kind}" {mode}>\n'
    )
    for cls, kinds in (("node", nkinds), ("edge", ekinds)):
        f.write(f'<attributes class="{cls}" mode="static">\n')
        for i, (k, t) in enumerate(kinds.items()):
            f.write(f'<attribute id="{i}" title="{xml_text(k)}" type="{_XML_TYPES[t]}"/>\n')
        f.write("</attributes>\n")

    def attvalues(kinds: dict[str, type], cols: dict[str, list[Any]], n: int) -> list[Any]:
        parts = []
        for i, (k, t) in enumerate(kinds.items()):
            parts += _xml_fields(cols[k], t, f'<attvalue for="{i}" value="', '"/>')
        return _wrapped(parts, n, "<attvalues>", "</attvalues>")

    f.write("<nodes>\n")
    esc: dict[Any, str] = {}
    starts: dict[Any, str] = {}  # node -> its start, for edges with no time of their own
    for ids in _chunks(G._node):
        cols = nodes.columns()
        nid = _id_texts(ids, xml_text, esc)
        labels = nid
        if label and label in cols:
            texts = _texts(cols[label], str, xml_text)
            labels = [i if t is None else t for i, t in zip(nid, texts, strict=True)]
        parts = ['<node id="', nid, '" label="', labels, '"']
        if dynamic:
            times = _first_time(cols, node_time, len(ids))
            starts.update((i, t) for i, t in zip(ids, times, strict=True) if t is not None)
            parts += _xml_fields(times, str, ' start="', '"')
        parts += [">", *attvalues(nkinds, cols, len(ids)), "</node>\n"]
        f.write(_rows(parts, len(ids)))
    f.write("</nodes>\n<edges>\n")
    count = 0
    for us, vs in _edge_ends(G):
        cols, n = edges.columns(), len(us)
        parts = ['<edge id="', list(map(str, range(count, count + n)))]
        parts += ['" source="', _end_texts(us, esc), '" target="', _end_texts(vs, esc), '"']
        if weighted:
            parts += _xml_fields(cols["weight"], float, ' weight="', '"')
        if dynamic:
            own = _first_time(cols, edge_time, n)
            times = [t if t is not None else starts.get(u) for t, u in zip(own, us, strict=True)]
            parts += _xml_fields(times, str, ' start="', '"')
        parts += [">", *attvalues(ekinds, cols, n), "</edge>\n"]
        f.write(_rows(parts, n))
        count += n
    f.write("</edges>\n</graph>\n</gexf>\n")


def _write_graphml(G: nx.Graph, f: IO[str]) -> None:
    schemas = {
        "graph": _Schema([[G.graph]]),
        "node": _Schema(_chunks(G._node.values())),
        "edge": _Schema(_chunks(_edge_dicts(G))),
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
        for k, t in schema.kinds().items():
            f.write(
                f'<key id="d{n}" for="{dom}" attr.name="{xml_text(k)}" '
                f'attr.type="{_XML_TYPES[t]}"/>\n'
            )
            keys[dom].append((k, t, f'<data key="d{n}">'))
            n += 1

    def data(dom: str) -> list[Any]:
        parts = []
        cols = schemas[dom].columns()
        for k, t, o in keys[dom]:
            parts += _xml_fields(cols[k], t, o, "</data>")
        return parts

    kind = "directed" if G.is_directed() else "undirected"
    f.write(_rows([f'<graph edgedefault="{kind}">', *data("graph"), "\n"], 1))
    esc: dict[Any, str] = {}
    for ids in _chunks(G._node):
        nid = _id_texts(ids, xml_text, esc)
        f.write(_rows(['<node id="', nid, '">', *data("node"), "</node>\n"], len(ids)))
    for us, vs in _edge_ends(G):
        parts = ['<edge source="', _end_texts(us, esc), '" target="', _end_texts(vs, esc)]
        parts += ['">', *data("edge"), "</edge>\n"]
        f.write(_rows(parts, len(us)))
    f.write("</graph>\n</graphml>\n")


def _csv_quoted(cells: list[str], *, force: bool = False) -> list[str]:
    """Cells quoted, quotes doubled, when they hold a comma, quote, CR or LF.

    A column that needs quoting anywhere is quoted throughout, in one C-level pass over
    the joined column: standard CSV all the same, read back to the same values.
    """
    joined = _SEP.join(cells)
    if not force and not any(map(joined.__contains__, '",\r\n')):
        return cells
    if joined.count(_SEP) != len(cells) - 1:  # a cell holds _SEP itself
        return ['"' + c.replace('"', '""') + '"' for c in cells]
    return ('"' + joined.replace('"', '""').replace(_SEP, f'"{_SEP}"') + '"').split(_SEP)


def _csv_column(values: list[Any], kind: type, *, force: bool = False) -> list[str]:
    """One column's cells: numbers as the csv module writes them (str, repr for floats),
    the rest neutralised (:func:`_csv_text`), None as an empty cell."""
    texts = _texts(values, kind, _csv_text, to_float=False)
    cells = texts if None not in texts else ["" if t is None else t for t in texts]
    return _csv_quoted(cells, force=force)  # type: ignore[arg-type]


def _write_csv(
    f: IO[str],
    header: list[str],
    kinds: list[type],
    chunks: Iterable[tuple[int, list[list[str]], list[list[Any]]]],
) -> None:
    """``header``, then per chunk of ``n`` rows: the ``lead`` columns (cells already) and
    the attribute columns of ``kinds``.

    Rows are assembled with :func:`_rows` rather than ``csv.writer``: it formats every
    number and copies every character in its own loop, several seconds at a million rows.
    """
    csv.writer(f).writerow([csv_cell(k) for k in header])
    force = len(header) == 1  # a lone empty cell would read back as no row at all
    for n, lead, cols in chunks:
        columns = [_csv_quoted(c, force=force) for c in lead]
        columns += [_csv_column(v, t, force=force) for t, v in zip(kinds, cols, strict=True)]
        parts: list[Any] = []
        for c in columns:
            parts += [c, ","]
        parts[-1:] = ["\r\n"]
        f.write(_rows(parts, n))


def write_graph(
    G: nx.Graph,
    path: str | os.PathLike[str] | None,
    format: str | None = None,
    *,
    label: str | None = None,
    node_time: Sequence[str] = (),
    edge_time: Sequence[str] = (),
) -> list[Path]:
    """Write ``G`` as ``json``, ``gexf``, ``graphml`` or ``csv``; return the files written.

    ``path`` ``-`` or None is standard output (not for ``csv``). ``format`` defaults to the
    file's suffix (:func:`format_for`). ``json`` is networkx node-link data with edges
    under ``"edges"`` (read back with ``nx.node_link_graph(data, edges="edges")``); ``csv``
    writes ``<stem>.nodes.csv`` (``id`` + node attributes) and ``<stem>.edges.csv``
    (:data:`CSV_EDGE_ENDS` + edge attributes). ``label`` names the node attribute used as
    the GEXF label (Gephi's display name), the node id by default. ``node_time`` names
    node attributes holding ISO 8601 times, the first one set giving the node's GEXF
    ``start`` (Gephi's timeline); ``edge_time`` the same for edges, which otherwise start
    with their first node.

    Raises
    ------
    ExportError
        When the path cannot be written or the format is unknown.
    """
    fmt = format_for(path, format, FORMATS)
    p = _target(path)
    if fmt == "csv":
        if p is None:
            raise ExportError(
                "csv writes two files (PATH.nodes.csv and PATH.edges.csv), not standard "
                "output: give -o PATH"
            )
        nodes_path, edges_path = csv_paths(p)
        by_id: dict[Any, str] = {}  # node id -> its cell, where they differ
        with _open(nodes_path, newline="") as f:
            nodes = _Schema(_chunks(G._node.values()))
            cells = (_id_texts(ids, _csv_text, by_id) for ids in _chunks(G._node))
            rows = ((len(c), [c], nodes.columns().values()) for c in cells)
            _write_csv(f, ["id", *nodes.types], list(nodes.kinds().values()), rows)
        with _open(edges_path, newline="") as f:
            edges = _Schema(_chunks(_edge_dicts(G)))
            ends = ([_end_texts(us, by_id), _end_texts(vs, by_id)] for us, vs in _edge_ends(G))
            rows = ((len(e[0]), e, edges.columns().values()) for e in ends)
            header = [*CSV_EDGE_ENDS, *edges.types]
            _write_csv(f, header, list(edges.kinds().values()), rows)
        return [nodes_path, edges_path]
    with _open(p, binary=fmt == "json") as f:
        if fmt == "json":
            _write_json(G, f)  # type: ignore[arg-type]
        elif fmt == "gexf":
            _write_gexf(G, f, label=label, node_time=node_time, edge_time=edge_time)
        else:
            _write_graphml(G, f)
    return [] if p is None else [p]


def _write_json_rows(f: IO[bytes], rows: list[dict[str, Any]]) -> None:
    """A JSON array of ``rows``, indented, encoded a chunk of rows at a time."""
    if not rows:
        f.write(b"[]\n")
        return
    f.write(b"[\n")
    for n, chunk in enumerate(_chunks(rows)):
        if n:
            f.write(b",\n")
        f.write(_json(chunk, indent=True)[2:-2])
    f.write(b"\n]\n")


@gc_paused
def write_table(
    rows: Iterable[Mapping[str, Any]],
    path: str | os.PathLike[str] | None,
    format: str | None = None,
    *,
    columns: Iterable[str] | None = None,
) -> Path | None:
    """Write table rows (dicts) as a JSON array or a CSV file with a header; ``-`` or
    None is standard output (then None is returned).

    ``columns`` defaults to the keys of the rows, in first-seen order.

    Raises
    ------
    ExportError
        When the path cannot be written or the format is unknown.
    """
    fmt = format_for(path, format, TABLE_FORMATS)
    p = _target(path)
    rows = list(rows)
    cols = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    with _open(p, newline="", binary=fmt == "json") as f:
        if fmt == "csv":
            schema = _Schema(_chunks(rows))
            chunks = ((len(c), [], schema.columns(cols).values()) for c in _chunks(rows))
            _write_csv(f, cols, [schema.kind(c) for c in cols], chunks)
        else:
            _write_json_rows(f, [{c: r.get(c) for c in cols} for r in rows])
    return p


def write_stories(
    found: Iterable[Story], path: str | os.PathLike[str] | None, format: str | None = None
) -> Path | None:
    """Write the story table (one row per story, see :meth:`Story.as_row`) as JSON or CSV."""
    return write_table((s.as_row() for s in found), path, format)
