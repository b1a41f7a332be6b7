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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
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
    "HashSummary",
    "add_document",
    "candidates",
    "crossings",
    "document_states",
    "hash_stats",
    "hash_summary",
    "pack",
    "refresh_statistics",
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
LITERALS = 5000  # literal values per IN (...) query (see _literal_chunks)


def pack(hashes: Iterable[int]) -> bytes:
    return array("q", sorted(set(hashes))).tobytes()


def unpack(blob: bytes) -> list[int]:
    a = array("q")
    a.frombytes(blob)
    return a.tolist()


def _chunks(values: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _literal_chunks(values: Iterable[int]) -> Iterator[str]:
    """``IN (...)`` lists of fingerprints or ids as SQL literals, ``LITERALS`` at a time.

    The matcher's hottest reads look up thousands of fingerprints at a time; bound
    expanding parameters cost SQLAlchemy a statement compilation per call, more than the
    query itself (a third of a matcher's time in a profile), and cap a list at the
    driver's parameter limit. ``int()`` makes each value a plain integer literal, so
    nothing but digits and a sign reach the SQL.
    """
    for chunk in _chunks(sorted(set(values)), LITERALS):
        yield ",".join(map(str, map(int, chunk)))


def _rows(session: Session, sql: str) -> list[tuple]:
    """All rows of a read that has no parameters, through the driver's own cursor: the
    index's reads return tens of thousands of rows per batch, and SQLAlchemy's result
    rows cost more than the query (profile of a matcher)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _insert(session: Session):  # noqa: ANN202
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


@dataclass(slots=True)
class HashStats:
    """What the index knows of some fingerprints: articles per outlet carrying each, and
    which are marked boilerplate (their postings are not read)."""

    per_outlet: dict[int, dict[int, int]]
    marked: set[int] = field(default_factory=set)

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

    def usable(self, h: int) -> bool:
        """Whether ``h`` can make candidates: not boilerplate, not a stop-fingerprint."""
        outlets = self.per_outlet.get(h)
        if h in self.marked or not outlets:
            return False
        return max(outlets.values()) < MIN_ARTICLES and sum(outlets.values()) <= MAX_DF

    def add(self, hashes: Iterable[int], outlet_id: int, marked: Iterable[int] = ()) -> None:
        """Count one more article of ``outlet_id`` carrying ``hashes`` (in place), and
        fingerprints marked boilerplate since (their postings are no longer read)."""
        for h in marked:
            self.marked.add(h)
            self.per_outlet.pop(h, None)
        for h in set(hashes) - self.marked:
            d = self.per_outlet.setdefault(h, {})
            d[outlet_id] = d.get(outlet_id, 0) + 1


@dataclass(slots=True)
class HashSummary:
    """Per fingerprint: outlets carrying it, articles carrying it, and the most articles
    of one outlet; and which are marked boilerplate. What matching needs to know of a
    fingerprint, in one row each (see :func:`hash_summary`)."""

    counts: dict[int, tuple[int, int, int]]  # hash -> (outlets, articles, top outlet's)
    marked: set[int] = field(default_factory=set)

    def stock(self) -> set[int]:
        return {h for h, (outlets, _, _) in self.counts.items() if outlets >= STOCK_OUTLETS}

    def boilerplate(self) -> set[int]:
        return self.marked | {h for h, (_, _, top) in self.counts.items() if top >= MIN_ARTICLES}

    def usable(self, h: int) -> bool:
        """Whether ``h`` can make candidates: not boilerplate, not a stop-fingerprint."""
        if h in self.marked or h not in self.counts:
            return False
        _, articles, top = self.counts[h]
        return top < MIN_ARTICLES and articles <= MAX_DF


_M = ReuseMark.__table__
_P = ReusePosting.__table__


def hash_stats(session: Session, hashes: Iterable[int]) -> HashStats:
    """Outlet counts of the given fingerprints, and which are marked boilerplate.

    Counts are aggregated by the database (``GROUP BY`` on the postings' primary key);
    they are counted from the postings, not kept in a table of their own: a second
    table of random keys would double the index's writes."""
    per: dict[int, dict[int, int]] = {}
    marked = _marked(session, hashes)
    for values in _literal_chunks(set(hashes) - marked):
        for h, o, n in _rows(
            session,
            "SELECT hash, outlet_id, count(*) FROM reuse_postings "
            f"WHERE hash IN ({values}) GROUP BY hash, outlet_id",
        ):
            per.setdefault(h, {})[o] = n
    return HashStats(per, marked)


def hash_summary(session: Session, hashes: Iterable[int]) -> HashSummary:
    """:class:`HashSummary` of the given fingerprints, aggregated by the database.

    Candidates and alignment need only whether a fingerprint is boilerplate, a stock
    phrase or too common, not its count in each outlet: one row per fingerprint instead
    of one per outlet carrying it (a stock phrase is carried by hundreds)."""
    counts: dict[int, tuple[int, int, int]] = {}
    marked = _marked(session, hashes)
    for values in _literal_chunks(set(hashes) - marked):
        for h, outlets, articles, top in _rows(
            session,
            "SELECT hash, count(*), sum(n), max(n) FROM (SELECT hash, count(*) AS n "
            f"FROM reuse_postings WHERE hash IN ({values}) GROUP BY hash, outlet_id)"
            " AS per_outlet GROUP BY hash",
        ):
            counts[h] = (int(outlets), int(articles), int(top))
    return HashSummary(counts, marked)


def _marked(session: Session, hashes: Iterable[int]) -> set[int]:
    marked: set[int] = set()
    for values in _literal_chunks(hashes):
        sql = f"SELECT hash FROM reuse_marks WHERE hash IN ({values})"
        marked.update(h for (h,) in _rows(session, sql))
    return marked


_D = ReuseDocument.__table__
_STATES = select(_D.c.article_id, _D.c.outlet_id, _D.c.text_hash, _D.c.fingerprints).where(
    _D.c.article_id.in_(bindparam("ids", expanding=True))
)


def document_states(session: Session, article_ids: Iterable[int]) -> dict[int, Any]:
    """The indexed states (rows) of the articles that are indexed, by article id."""
    out: dict[int, Any] = {}
    conn = session.connection()
    for chunk in _chunks(sorted(set(article_ids))):
        out.update((r.article_id, r) for r in conn.execute(_STATES, {"ids": chunk}))
    return out


def crossings(
    before: HashStats, hashes: Iterable[int], outlet_id: int
) -> tuple[set[int], set[int]]:
    """Fingerprints that one more article of ``outlet_id`` carrying ``hashes`` makes
    boilerplate (marked), and those it makes stock phrases (judged per shared run)."""
    unique = set(hashes)
    boilerplate = {
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
    return boilerplate, stock


def _insert_postings(conn: Any, article_id: int, outlet_id: int, hashes: list[int]) -> None:
    """One article's postings, written through the driver: building SQLAlchemy parameters
    for ~100 rows per article costs more than the inserts. On PostgreSQL one statement
    takes them as an array (psycopg's executemany sends a statement per row: two-thirds
    of a matcher's time on PostgreSQL went there); SQLite's executemany loops in C."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "INSERT INTO reuse_postings (hash, outlet_id, article_id) "
            "SELECT unnest(%(hashes)s::bigint[]), %(outlet)s, %(article)s ON CONFLICT DO NOTHING",
            {"hashes": hashes, "outlet": outlet_id, "article": article_id},
        )
        return
    conn.exec_driver_sql(
        "INSERT INTO reuse_postings (hash, outlet_id, article_id) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(h, outlet_id, article_id) for h in hashes],
    )


def add_document(
    session: Session,
    article_id: int,
    outlet_id: int,
    text_hash: str,
    hashes: list[int],
    track: bool = True,
    before: HashStats | None = None,
    matched: bool = False,
    mark: bool = True,
) -> set[int]:
    """Index an article's fingerprints; return those that just became boilerplate or
    stock phrases, whose carriers must be matched again (only with ``track``: a
    rebuild marks them all afterwards, see :func:`mark_all`).

    ``before`` are the counts of ``hashes`` if the caller has them already. ``mark``
    False leaves the new boilerplate marks to the caller (:func:`add_marks`).
    """
    unique = sorted(set(hashes))
    crossed: set[int] = set()
    stock: set[int] = set()
    if track:
        before = before if before is not None else hash_stats(session, unique)
        crossed, stock = crossings(before, unique, outlet_id)
    ins = _insert(session)
    conn = session.connection()
    if unique:
        _insert_postings(conn, article_id, outlet_id, unique)
        if crossed and mark:
            add_marks(session, crossed)
    now = utcnow()
    conn.execute(
        ins(ReuseDocument.__table__),
        [{"article_id": article_id, "outlet_id": outlet_id, "text_hash": text_hash,
          "fingerprints": pack(unique), "indexed_at": now, "matched_at": now if matched else None}],
    )  # fmt: skip
    return crossed | stock  # stock phrases are not marked: they are judged per shared run


def add_marks(session: Session, hashes: Iterable[int]) -> None:
    """Mark fingerprints boilerplate, in ascending order: two matchers crossing the same
    fingerprints at once then wait for each other on the first one they share instead
    of each holding one the other needs (PostgreSQL found that deadlock at 100k
    documents when each article's marks were written in turn)."""
    conn = session.connection()
    if values := sorted(set(hashes)):
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO reuse_marks (hash) VALUES ({mark}) ON CONFLICT DO NOTHING",
            [(h,) for h in values],
        )


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


ANALYZED = ("reuse_postings", "reuse_documents", "reuse_pairs")


def refresh_statistics(session: Session) -> list[str]:
    """PostgreSQL: ``ANALYZE`` the index's tables that changed by a tenth since their last
    analysis; return their names. Matching writes faster than autovacuum looks (once a
    minute, then throttled): on a freshly filled index the planner, with no statistics,
    read the postings by a sequential scan, 24 ms a lookup instead of 1.6 ms after
    ``ANALYZE`` (EXPLAIN ANALYZE at 2,000 articles). SQLite's planner uses the primary key
    without statistics."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    names = list(
        session.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables WHERE relname IN :names "
                "AND n_mod_since_analyze > 500 + 0.1 * n_live_tup"
            ).bindparams(bindparam("names", expanding=True)),
            {"names": list(ANALYZED)},
        ).scalars()
    )
    for name in names:
        if name in ANALYZED:  # a name from the catalogue, checked against ours
            session.execute(text(f"ANALYZE {name}"))
    return names


def mark_all(session: Session) -> None:
    """Mark every fingerprint that is boilerplate of some outlet (after a bulk index)."""
    session.connection().exec_driver_sql(
        "INSERT INTO reuse_marks (hash) SELECT DISTINCT hash FROM ("
        "SELECT hash FROM reuse_postings GROUP BY hash, outlet_id "
        f"HAVING count(*) >= {MIN_ARTICLES}) AS boilerplate "
        "WHERE true ON CONFLICT DO NOTHING"  # WHERE: SQLite's parser needs it before ON
    )


def carriers(session: Session, hashes: Iterable[int], pairable_only: bool = False) -> set[int]:
    """Articles carrying any of the fingerprints; with ``pairable_only``, not those whose
    last matching found no candidate worth aligning (``alignable`` false)."""
    out: set[int] = set()
    for values in _literal_chunks(hashes):
        sql = f"SELECT DISTINCT article_id FROM reuse_postings WHERE hash IN ({values})"
        if pairable_only:
            sql = (
                "SELECT DISTINCT p.article_id FROM reuse_postings AS p JOIN reuse_documents"
                " AS d ON d.article_id = p.article_id"
                f" WHERE p.hash IN ({values}) AND (d.alignable IS NULL OR d.alignable)"
            )
        out.update(a for (a,) in _rows(session, sql))
    return out


def note_alignable(session: Session, worth: set[int], none: set[int]) -> set[int]:
    """Record that the ``worth`` articles have a candidate worth aligning, and that the
    ``none`` articles had none (only where nothing is recorded: of two matchers, the one
    that saw a candidate wins); return the ``worth`` articles that were not so before."""
    conn = session.connection()
    newly: set[int] = set()
    for chunk in _chunks(sorted(worth)):
        where = _D.c.article_id.in_(chunk)
        newly.update(
            conn.execute(
                select(_D.c.article_id).where(where, _D.c.alignable.is_not(True))
            ).scalars()
        )
        conn.execute(update(_D).where(where, _D.c.alignable.is_not(True)).values(alignable=True))
    for chunk in _chunks(sorted(none)):
        conn.execute(
            update(_D)
            .where(_D.c.article_id.in_(chunk), _D.c.alignable.is_(None))
            .values(alignable=False)
        )
    return newly


def candidates(
    session: Session, article_id: int, hashes: Iterable[int], stats: HashStats | HashSummary
) -> dict[int, int]:
    """Other articles sharing at least ``MIN_SHARED`` usable fingerprints, with counts
    (``stats`` must cover these fingerprints).

    Counted by the database: a stock phrase carried by hundreds of articles would
    otherwise bring hundreds of rows to Python for each article that carries it.
    """
    counts: dict[int, int] = {}
    for values in _literal_chunks(h for h in set(hashes) if stats.usable(h)):
        for a, n in _rows(
            session,
            f"SELECT article_id, count(*) FROM reuse_postings WHERE hash IN ({values})"
            f" AND article_id != {int(article_id)} GROUP BY article_id",
        ):
            counts[a] = counts.get(a, 0) + n
    return {a: n for a, n in counts.items() if n >= MIN_SHARED}


def mark_matched(session: Session, article_ids: Iterable[int]) -> None:
    """Record that the articles' pairs are up to date."""
    now = utcnow()
    for chunk in _chunks(sorted(set(article_ids))):
        session.connection().execute(
            update(_D).where(_D.c.article_id.in_(chunk)).values(matched_at=now)
        )
