"""What copy detection stores: the shingle index, reuse pairs and provenance decisions.

The index is a table, not an in-memory structure, so nightly runs add documents
without rebuilding anything and several crawler processes can share it:

* ``reuse_postings``: winnowed word-shingle fingerprint -> outlet, article (inverted
  index). A fingerprint carried by many articles of one outlet is that outlet's
  boilerplate; ``reuse_marks`` lists those once known.
* ``reuse_documents``: which text of an article is indexed (to un-index it on change).
* ``reuse_pairs``: verified reuse between two articles, with evidence and direction.
* ``reuse_provenance``: each article's direct source and its story's root.
* ``match_queue``: stored articles waiting for a matcher process; ``match_follow``: the
  matchers' outbox to the crawlers (links of copies to crawl first, articles matched).

Fingerprints are stable 64-bit hashes (blake2b), stored as signed BIGINT.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crawler.db.base import Base, utcnow


class ReusePosting(Base):
    """One fingerprint of one article, with the article's outlet: per-outlet counts (for
    boilerplate) and candidates come from one read of a fingerprint's postings. No foreign
    key: an FK check per row would slow the hottest insert, and readers skip ids whose
    article is gone."""

    __tablename__ = "reuse_postings"
    __table_args__ = {"sqlite_with_rowid": False}

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    outlet_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class ReuseMark(Base):
    """A fingerprint marked boilerplate (of some outlet): its postings are no longer read,
    so a licence copied into articles of every outlet costs one row on each lookup."""

    __tablename__ = "reuse_marks"

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class ReuseDocument(Base):
    """The indexed state of one article."""

    __tablename__ = "reuse_documents"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    outlet_id: Mapped[int] = mapped_column(Integer)
    text_hash: Mapped[str] = mapped_column(String(64))
    fingerprints: Mapped[bytes] = mapped_column(LargeBinary)  # packed int64, sorted, unique
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)
    matched_at: Mapped[datetime | None]
    # Whether its matching found a candidate worth aligning (None: not matched since it
    # was indexed). Boilerplate or stock phrases learnt later cannot give one to an article
    # that had none, so it is not matched again for them (crawler.db.matching._to_rematch).
    alignable: Mapped[bool | None]


class ReusePair(Base):
    """Verified reuse between articles ``a_id < b_id``, and which one copied the other."""

    __tablename__ = "reuse_pairs"
    __table_args__ = (UniqueConstraint("a_id", "b_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    b_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    containment_a: Mapped[float] = mapped_column(Float)  # share of a's text found in b
    containment_b: Mapped[float] = mapped_column(Float)
    similarity: Mapped[float] = mapped_column(Float)
    matched_words: Mapped[int] = mapped_column(Integer)
    # of the shared words: inside quotation marks, and in short runs of stock phrases
    # (evidence only: they do not make a pair reuse, see graph.align)
    quoted_words: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stock_words: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(16))  # "full" | "partial"
    # [[a_start, a_end, b_start, b_end], ...] character offsets into articles.text
    passages: Mapped[list[Any]] = mapped_column(default=list)
    source_id: Mapped[int | None] = mapped_column(Integer)  # None: undecided
    copy_id: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    credited: Mapped[bool] = mapped_column(Boolean, default=False)
    signals: Mapped[list[Any]] = mapped_column(default=list)  # [[name, favours, weight]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReuseProvenance(Base):
    """An article's place in its story's chain (only articles that take part in reuse)."""

    __tablename__ = "reuse_provenance"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    source_id: Mapped[int | None] = mapped_column(Integer)  # primary direct source
    sources: Mapped[list[Any]] = mapped_column(default=list)  # all direct source ids
    root_id: Mapped[int] = mapped_column(Integer, index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MatchQueueEntry(Base):
    """An article waiting to be matched: queued in the transaction that stores its text,
    taken by one matcher at a time, deleted in the transaction that records its matching.
    A claim whose matcher died (see ``processes``) is put back."""

    __tablename__ = "match_queue"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(96), index=True)
    claimed_at: Mapped[datetime | None]


class MatchFollow(Base):
    """The matchers' outbox to the crawlers, taken (deleted) by whichever crawler polls
    first: ``kind`` "follow", a URL to crawl first (a credit or canonical link of a copy
    a matcher found); "matched", an article whose matching is recorded (``url`` is its
    URL), for the crawl's reactions to decisions (search discovery)."""

    __tablename__ = "match_follow"
    __table_args__ = (UniqueConstraint("kind", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "follow" | "matched"
    url: Mapped[str] = mapped_column(String(2048))
    article_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
