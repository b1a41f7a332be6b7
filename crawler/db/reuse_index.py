"""The fingerprint index in the database: postings (with their outlet), marks, documents.

Why an inverted index of winnowed shingles rather than MinHash LSH: LSH estimates the
similarity of whole documents, so an excerpt of two paragraphs inside a long article
(partial reuse) falls under any useful threshold, and its buckets need a fixed
signature per document. Winnowed fingerprints find any shared run of 16+ words
whatever the rest of the texts, give positions for the alignment, and map to one
table indexed on ``hash``: lookups cost one index probe per fingerprint, so candidate
retrieval grows with the number of *copies* of a text, not with the corpus. Very
frequent fingerprints (boilerplate, stock phrases) are skipped, as plagiarism
detectors skip stop-fingerprints.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.db.base import utcnow
from crawler.db.reuse_models import ReuseDocument, ReuseMark, ReusePosting
from graph.boilerplate import MIN_ARTICLES

__all__ = [
    "MAX_DF",
    "MIN_SHARED",
    "STOCK_OUTLETS",
    "HashStats",
    "add_document",
    "candidates",
    "document_state",
    "hash_stats",
    "pack",
    "remove_document",
    "unpack",
]

MIN_SHARED = 2  # shared fingerprints that make another article a candidate
# Fingerprints carried by articles of this many outlets are stock phrases when they
# stand in a short shared run (see ``graph.align.STOCK_RUN``): a long run of them is a
# widely syndicated story, not a stock phrase.
STOCK_OUTLETS = 5
MAX_DF = 2000  # fingerprints in more articles than this are stop-fingerprints
CHUNK = 500  # bound parameters per IN (...) query


def pack(hashes: Iterable[int]) -> bytes:
    return array("q", sorted(set(hashes))).tobytes()


def unpack(blob: bytes) -> list[int]:
    a = array("q")
    a.frombytes(blob)
    return a.tolist()


def _chunks(values: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def _insert(session: Session):  # noqa: ANN202
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


@dataclass(slots=True)
class HashStats:
    """What the index knows of some fingerprints: articles per outlet carrying each, the
    articles themselves, and which are marked boilerplate (their postings are not read)."""

    per_outlet: dict[int, dict[int, int]]
    marked: set[int] = field(default_factory=set)
    carriers: dict[int, list[int]] = field(default_factory=dict)

    def bumped(self, hashes: Iterable[int], outlet_id: int) -> HashStats:
        """These counts after one more article of ``outlet_id`` carrying ``hashes``."""
        per = {h: dict(o) for h, o in self.per_outlet.items()}
        for h in set(hashes) - self.marked:
            d = per.setdefault(h, {})
            d[outlet_id] = d.get(outlet_id, 0) + 1
        return HashStats(per, set(self.marked), self.carriers)

    def count(self, h: int, outlet_id: int) -> int:
        return self.per_outlet.get(h, {}).get(outlet_id, 0)

    def df(self, h: int) -> int:
        return sum(self.per_outlet.get(h, {}).values())

    def is_boilerplate(self, h: int, except_outlet: int | None = None) -> bool:
        """Boilerplate of some outlet (other than ``except_outlet``)."""
        return h in self.marked or any(
            n >= MIN_ARTICLES and o != except_outlet for o, n in self.per_outlet.get(h, {}).items()
        )

    def stock(self) -> set[int]:
        """Fingerprints that articles of ``STOCK_OUTLETS`` or more outlets carry."""
        return {h for h, outlets in self.per_outlet.items() if len(outlets) >= STOCK_OUTLETS}

    def boilerplate(self) -> set[int]:
        return self.marked | {
            h for h, outlets in self.per_outlet.items() if max(outlets.values()) >= MIN_ARTICLES
        }


_M = ReuseMark.__table__
_P = ReusePosting.__table__
# Statements built once with expanding parameters: compiled once, no per-value coercion.
_MARKED = select(_M.c.hash).where(_M.c.hash.in_(bindparam("hashes", expanding=True)))
_POSTINGS = select(_P.c.hash, _P.c.outlet_id, _P.c.article_id).where(
    _P.c.hash.in_(bindparam("hashes", expanding=True))
)


def hash_stats(session: Session, hashes: Iterable[int]) -> HashStats:
    """Outlet counts and carriers of the given fingerprints: one read of their postings
    (per-outlet counts are counted from the postings, not kept in a table of their own:
    a second table of random keys would double the index's writes)."""
    per: dict[int, dict[int, int]] = {}
    carriers: dict[int, list[int]] = {}
    conn = session.connection()
    wanted = sorted(set(hashes))
    marked: set[int] = set()
    for chunk in _chunks(wanted):
        marked.update(conn.execute(_MARKED, {"hashes": chunk}).scalars())
    for chunk in _chunks([h for h in wanted if h not in marked]):
        for h, o, a in conn.execute(_POSTINGS, {"hashes": chunk}):
            d = per.setdefault(h, {})
            d[o] = d.get(o, 0) + 1
            carriers.setdefault(h, []).append(a)
    return HashStats(per, marked, carriers)


_D = ReuseDocument.__table__
_STATE = select(_D.c.article_id, _D.c.outlet_id, _D.c.text_hash, _D.c.fingerprints).where(
    _D.c.article_id == bindparam("id")
)


def document_state(session: Session, article_id: int) -> Any:
    """The indexed state of an article (a row), or None."""
    return session.connection().execute(_STATE, {"id": article_id}).first()


def add_document(
    session: Session,
    article_id: int,
    outlet_id: int,
    text_hash: str,
    hashes: list[int],
    track: bool = True,
    before: HashStats | None = None,
    matched: bool = False,
) -> set[int]:
    """Index an article's fingerprints; return those that just became boilerplate or
    stock phrases, whose carriers must be matched again (only with ``track``: a
    rebuild marks them all afterwards, see :func:`mark_all`).

    ``before`` are the counts of ``hashes`` if the caller has them already.
    """
    unique = sorted(set(hashes))
    crossed: set[int] = set()
    stock: set[int] = set()
    if track:
        before = before if before is not None else hash_stats(session, unique)
        crossed = {
            h
            for h in unique
            if before.count(h, outlet_id) + 1 == MIN_ARTICLES
            and not before.is_boilerplate(h, outlet_id)
        }
        stock = {
            h
            for h in unique
            if len(before.per_outlet.get(h, ())) == STOCK_OUTLETS - 1
            and outlet_id not in before.per_outlet[h]
        }
    ins = _insert(session)
    conn = session.connection()
    if unique:
        # The hottest write goes to the driver's executemany directly: building
        # SQLAlchemy parameters for ~100 rows per article costs more than the inserts.
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO reuse_postings (hash, outlet_id, article_id) "
            f"VALUES ({mark}, {mark}, {mark}) ON CONFLICT DO NOTHING",
            [(h, outlet_id, article_id) for h in unique],
        )
        if crossed:
            conn.exec_driver_sql(
                f"INSERT INTO reuse_marks (hash) VALUES ({mark}) ON CONFLICT DO NOTHING",
                [(h,) for h in sorted(crossed)],
            )
    now = utcnow()
    conn.execute(
        ins(ReuseDocument.__table__),
        [{"article_id": article_id, "outlet_id": outlet_id, "text_hash": text_hash,
          "fingerprints": pack(unique), "indexed_at": now, "matched_at": now if matched else None}],
    )  # fmt: skip
    return crossed | stock  # stock phrases are not marked: they are judged per shared run


def remove_document(session: Session, doc: Any) -> set[int]:
    """Un-index an article; return the fingerprints whose boilerplate status changed.

    That set is always empty: boilerplate marks are kept until a rebuild, so removing
    a document never un-marks a fingerprint. It is returned so that callers treat
    removal and :func:`add_document` alike.
    """
    hashes = unpack(doc.fingerprints)
    crossed: set[int] = set()  # see the docstring: nothing is un-marked here
    for chunk in _chunks(hashes):
        session.execute(delete(_P).where(_P.c.hash.in_(chunk), _P.c.article_id == doc.article_id))
    session.execute(delete(_D).where(_D.c.article_id == doc.article_id))
    return crossed


def mark_all(session: Session) -> None:
    """Mark every fingerprint that is boilerplate of some outlet (after a bulk index)."""
    session.connection().exec_driver_sql(
        "INSERT INTO reuse_marks (hash) SELECT DISTINCT hash FROM ("
        "SELECT hash FROM reuse_postings GROUP BY hash, outlet_id "
        f"HAVING count(*) >= {MIN_ARTICLES}) AS boilerplate "
        "WHERE true ON CONFLICT DO NOTHING"  # WHERE: SQLite's parser needs it before ON
    )


def carriers(session: Session, hashes: Iterable[int]) -> set[int]:
    """Articles carrying any of the fingerprints."""
    out: set[int] = set()
    conn = session.connection()
    for chunk in _chunks(sorted(set(hashes))):
        out.update(a for _, _, a in conn.execute(_POSTINGS, {"hashes": chunk}))
    return out


def candidates(article_id: int, hashes: Iterable[int], stats: HashStats) -> Counter[int]:
    """Other articles sharing at least ``MIN_SHARED`` usable fingerprints, with counts
    (``stats`` must come from :func:`hash_stats` on these fingerprints)."""
    bp = stats.boilerplate()
    counts: Counter[int] = Counter()
    for h in set(hashes):
        if h not in bp and stats.df(h) <= MAX_DF:
            counts.update(stats.carriers.get(h, ()))
    counts.pop(article_id, None)
    return Counter({a: n for a, n in counts.items() if n >= MIN_SHARED})


def mark_matched(session: Session, article_id: int) -> None:
    session.connection().execute(
        update(_D).where(_D.c.article_id == article_id).values(matched_at=utcnow())
    )
