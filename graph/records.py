"""Plain records passed from provenance decisions to graph building and exports.

The edge-direction convention lives in ``graph.build``; here a ``CopyEdge`` simply
names the copying page (``copy_url``) and its direct source (``source_url``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One stored article, as a node of the article graph."""

    url: str  # final URL, after redirects: the node id
    outlet: str  # registered domain
    title: str | None = None
    published: datetime | None = None  # timezone-aware UTC, or None when unknown
    first_seen: datetime | None = None  # when our crawls first stored it
    precision: str | None = None  # of published: "datetime" | "local" | "date" | None


@dataclass(frozen=True, slots=True)
class CopyEdge:
    """``copy_url`` copies ``source_url``, its direct source, as decided by provenance."""

    copy_url: str
    source_url: str
    similarity: float  # 0-1
    kind: str  # "full" | "partial"
    confidence: float  # 0-1
    evidence: tuple[str, ...] = field(default_factory=tuple)  # signal names
    credited: bool = False  # the copy credits its source (attribution link or canonical)
