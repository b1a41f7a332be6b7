"""Real same-event news (the ECB+ corpus) for the simulated web, read from ``../shared``.

Independent reports of one event written by different newsrooms share officials'
quotes, names, figures and wire phrases without being copies; generated prose cannot
stand in for that. The corpus is read where the project's shared data lives (never
copied into the repository); without it the simulated web is generated text only.

The 43 topics are split in two: odd topics to tune the copy detector on, even topics to
report on (``make eval`` scores the ``test`` part by default). Within an event, pairs
of documents sharing half of their eight-word runs are reprints of one wire story: we
keep one document of each such pair, so every kept pair is an independent report.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["PARTS", "RealDoc", "data_path", "events", "eight_gram_share"]

PARTS = ("tune", "test")
# Eight-gram share (of the smaller document) from which two reports of one event are
# not kept side by side: the README calls 50%+ reprints; from 30% they are rewrites of
# one wire story (we looked), whose copying direction nobody knows.
REPRINT = 0.3
MIN_WORDS = 80  # shorter documents (photo captions, briefs) are left out
_WORD = re.compile(r"\w+")
_MONTH = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Page furniture the corpus kept as sentences: "14 June 2013", "Updated 4:08 p.m. ET",
# "PUBLISHED: THURSDAY, MAY 2, 2013". On our web the page has its own date; a real
# date left in the text would contradict the ground truth.
_DATE_LINE = re.compile(
    rf"\b(\d{{1,2}}\s+({_MONTH})\.?,?\s+\d{{4}}|({_MONTH})\.?\s+\d{{1,2}},?\s+\d{{4}}"
    rf"|\d{{4}}-\d\d-\d\d|\d\d? ?/ ?\d\d? ?/ ?\d{{4}}|updated|published)\b",
    re.IGNORECASE,
)
_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]}])")
_SPACE_AFTER = re.compile(r"([(\[{$]) ")


@dataclass(frozen=True, slots=True)
class RealDoc:
    doc: str
    event: str
    title: str
    paragraphs: tuple[str, ...]


def data_path() -> Path:
    """The corpus file: ``PROVENANCE_ECBPLUS`` or ``../shared/data/ecbplus`` of the project."""
    env = os.environ.get("PROVENANCE_ECBPLUS")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[2]
    return root.parent / "shared" / "data" / "ecbplus" / "ecbplus.jsonl.gz"


def _tidy(sentence: str) -> str:
    """Undo the corpus's tokenised spacing around punctuation (``word , word``)."""
    s = _SPACE_BEFORE.sub(r"\1", " ".join(sentence.split()))
    s = _SPACE_AFTER.sub(r"\1", s)
    return s.replace(" n't", "n't").replace(" 's", "'s")


def _is_date_line(sentence: str) -> bool:
    return len(sentence.split()) < 15 and bool(_DATE_LINE.search(sentence))


def _paragraphs(sentences: list[str]) -> tuple[str, ...]:
    """Two or three sentences a paragraph, as news sites set them; date lines dropped."""
    out: list[str] = []
    cur: list[str] = []
    for s in (_tidy(s) for s in sentences):
        if not s or _is_date_line(s):
            continue
        cur.append(s)
        if len(cur) == 3 or (len(cur) == 2 and len(" ".join(cur).split()) > 45):
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return tuple(out)


def _grams(text: str, n: int = 8) -> set[tuple[str, ...]]:
    w = _WORD.findall(text.lower())
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def eight_gram_share(a: str, b: str) -> float:
    """Shared eight-grams over the smaller document's eight-grams (the README's measure).

    >>> eight_gram_share("a b c d e f g h i", "a b c d e f g h x")
    0.5
    """
    ga, gb = _grams(a), _grams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / min(len(ga), len(gb))


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[dict, ...]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


def events(part: str, path: Path | None = None) -> dict[str, list[RealDoc]]:
    """Independent reports by event for one part (``tune``: odd topics, ``test``: even),
    reprints left out; empty when the corpus is not there."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")
    path = path or data_path()
    if not path.exists():
        warnings.warn(
            f"{path} not found: the simulated web carries generated text only "
            "(set PROVENANCE_ECBPLUS to the ECB+ file to add real same-event news)",
            stacklevel=2,
        )
        return {}
    want = 1 if part == "tune" else 0
    out: dict[str, list[RealDoc]] = {}
    for row in _load(path):
        if row["topic"] % 2 != want:
            continue
        paras = _paragraphs(row["sentences"])
        text = " ".join(paras)
        if len(text.split()) < MIN_WORDS:
            continue
        kept = out.setdefault(row["event"], [])
        if any(eight_gram_share(text, " ".join(k.paragraphs)) >= REPRINT for k in kept):
            continue
        title = _tidy(row.get("title") or "")
        if not title or _is_date_line(title) or _DATE_LINE.search(title):
            title = paras[0]
        # The corpus often gives a document's first sentence as its title; a headline
        # is a dozen words (a 40-word "headline" would not be one on any listing page).
        words = title.split()
        title = " ".join(words[:12]) + ("…" if len(words) > 14 else " ".join(["", *words[12:]]))
        kept.append(RealDoc(row["doc"], row["event"], title, paras))
    return {e: docs for e, docs in sorted(out.items()) if len(docs) >= 2}
