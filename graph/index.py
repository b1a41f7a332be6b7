"""The fingerprint index in the database: postings, per-outlet counts, indexed documents.

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
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.db.base import utcnow
from crawler.db.reuse_models import ReuseDocument, ReuseOutletHash, ReusePosting
from graph.boilerplate import MIN_ARTICLES

__all__ = [
    "MAX_DF",
    "MIN_SHARED",
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
    """Per-fingerprint counts: articles per outlet."""

    per_outlet: dict[int, dict[int, int]]

    def count(self, h: int, outlet_id: int) -> int:
        return self.per_outlet.get(h, {}).get(outlet_id, 0)

    def df(self, h: int) -> int:
        return sum(self.per_outlet.get(h, {}).values())

    def boilerplate(self) -> set[int]:
        return {
            h for h, outlets in self.per_outlet.items() if max(outlets.values()) >= MIN_ARTICLES
        }


def hash_stats(session: Session, hashes: Iterable[int]) -> HashStats:
    """Outlet counts of the given fingerprints."""
    per: dict[int, dict[int, int]] = {}
    t = ReuseOutletHash.__table__
    for chunk in _chunks(sorted(set(hashes))):
        for h, o, n in session.execute(
            select(t.c.hash, t.c.outlet_id, t.c.n).where(t.c.hash.in_(chunk), t.c.n > 0)
        ):
            per.setdefault(h, {})[o] = n
    return HashStats(per)


def document_state(session: Session, article_id: int) -> ReuseDocument | None:
    return session.get(ReuseDocument, article_id)


def add_document(
    session: Session,
    article_id: int,
    outlet_id: int,
    text_hash: str,
    hashes: list[int],
    track: bool = True,
) -> set[int]:
    """Index an article's fingerprints; return those that just became boilerplate
    (only with ``track``: a rebuild matches everything afterwards anyway)."""
    unique = sorted(set(hashes))
    crossed: set[int] = set()
    if track:
        before = hash_stats(session, unique)
        crossed = {h for h in unique if before.count(h, outlet_id) + 1 == MIN_ARTICLES}
    ins = _insert(session)
    if unique:
        session.execute(
            ins(ReusePosting.__table__).on_conflict_do_nothing(),
            [{"hash": h, "article_id": article_id} for h in unique],
        )
        t = ReuseOutletHash.__table__
        stmt = ins(t)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.c.hash, t.c.outlet_id], set_={"n": t.c.n + 1}
            ),
            [{"hash": h, "outlet_id": outlet_id, "n": 1} for h in unique],
        )
    session.execute(
        ins(ReuseDocument.__table__),
        [{"article_id": article_id, "outlet_id": outlet_id, "text_hash": text_hash,
          "fingerprints": pack(unique), "indexed_at": utcnow(), "matched_at": None}],
    )  # fmt: skip
    return crossed


def remove_document(session: Session, doc: ReuseDocument) -> set[int]:
    """Un-index an article; return fingerprints that stopped being boilerplate."""
    hashes = unpack(doc.fingerprints)
    before = hash_stats(session, hashes)
    crossed = {h for h in hashes if before.count(h, doc.outlet_id) == MIN_ARTICLES}
    t = ReuseOutletHash.__table__
    p = ReusePosting.__table__
    for chunk in _chunks(hashes):
        session.execute(delete(p).where(p.c.article_id == doc.article_id, p.c.hash.in_(chunk)))
        session.execute(
            update(t).where(t.c.outlet_id == doc.outlet_id, t.c.hash.in_(chunk)).values(n=t.c.n - 1)
        )
    session.execute(delete(ReuseDocument.__table__).where(
        ReuseDocument.__table__.c.article_id == doc.article_id))  # fmt: skip
    return crossed


def carriers(session: Session, hashes: Iterable[int]) -> set[int]:
    """Articles carrying any of the fingerprints."""
    p = ReusePosting.__table__
    out: set[int] = set()
    for chunk in _chunks(sorted(set(hashes))):
        out.update(session.scalars(select(p.c.article_id).where(p.c.hash.in_(chunk))))
    return out


def candidates(
    session: Session, article_id: int, hashes: Iterable[int], stats: HashStats
) -> Counter[int]:
    """Other articles sharing at least ``MIN_SHARED`` usable fingerprints, with counts."""
    bp = stats.boilerplate()
    usable = sorted({h for h in hashes if h not in bp and stats.df(h) <= MAX_DF})
    p = ReusePosting.__table__
    counts: Counter[int] = Counter()
    for chunk in _chunks(usable):
        counts.update(session.scalars(select(p.c.article_id).where(p.c.hash.in_(chunk))))
    counts.pop(article_id, None)
    return Counter({a: n for a, n in counts.items() if n >= MIN_SHARED})


def mark_matched(session: Session, article_id: int) -> None:
    session.execute(
        update(ReuseDocument.__table__)
        .where(ReuseDocument.__table__.c.article_id == article_id)
        .values(matched_at=utcnow())
    )
