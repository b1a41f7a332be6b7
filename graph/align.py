"""Exact verification of a candidate pair: aligned passages and containment both ways.

Candidates come from shared fingerprints; here every shingle of both texts is compared.
Runs of consecutive shared shingles on the same diagonal are tiled greedily (longest
first, no token used twice on either side, as greedy string tiling does), then runs
that are close in both texts are merged into passages, so a changed word or sentence
does not split the evidence. Boilerplate tokens (see ``graph.boilerplate``) never
count as shared text.

Independent reports of one event share officials' quotes and stock phrases ("did not
immediately respond to a request for comment") without copying each other. So the
decision (``classify``) counts only *strong* shared words: not inside quotation marks
(``graph.quotes``), and not in a short run made of stock phrases, fingerprints that
many outlets carry (a document-frequency cut, as passim's). A pair is reuse when enough
strong words are shared and one text is mostly made of the other's strong text; the
quoted and stock words are kept as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.shingles import SHINGLE, WINDOW

__all__ = [
    "MIN_CONTAINED",
    "MIN_WORDS",
    "STOCK_RUN",
    "Alignment",
    "align",
    "classify",
    "fingerprint_marks",
]

MIN_WORDS = 40  # shared strong words for reuse: ~2 short paragraphs
# One text is at least this much inside the other (strong words): an excerpt, a copy,
# a copy with an intro. Reports that share quotes and a few wire phrases stay under it.
MIN_CONTAINED = 0.6
STOCK_RUN = 30  # a shared run shorter than this, mostly stock fingerprints, is a stock phrase
FULL_CONTAINMENT = 0.5  # both texts at least this much shared: the same article ("full")
MERGE_GAP = 20  # words between runs that still belong to one passage
# Shorter shared runs are stock phrases ("said on Tuesday that the"), not evidence of
# copying; a copy with a word changed every ten words is a rewrite.
MIN_RUN = 2 * SHINGLE
MAX_POSITIONS = 8  # occurrences of one shingle considered (repeated phrases)
# A run touching boilerplate keeps only what is left beyond the unmasked edges that
# winnowing leaves around a masked region (< WINDOW + SHINGLE words each side).
BOILERPLATE_EDGE = 2 * (WINDOW + SHINGLE - 1)


@dataclass(frozen=True, slots=True)
class Alignment:
    """Shared text of two documents, as token spans and counts."""

    passages: list[tuple[int, int, int, int]]  # [a_start, a_end) and [b_start, b_end) tokens
    matched_a: int  # non-boilerplate tokens of a that are shared
    matched_b: int
    words_a: int  # non-boilerplate tokens of a
    words_b: int
    strong_a: int = 0  # shared tokens of a outside quotations and stock phrases
    strong_b: int = 0
    strong_words_a: int = 0  # tokens of a outside boilerplate and quotations
    strong_words_b: int = 0
    quoted: int = 0  # shared words inside quotation marks (fewer of the two sides)
    stock: int = 0  # shared words in runs of stock phrases (fewer of the two sides)

    @property
    def containment_a(self) -> float:
        """Share of a found in b."""
        return self.matched_a / self.words_a if self.words_a else 0.0

    @property
    def containment_b(self) -> float:
        return self.matched_b / self.words_b if self.words_b else 0.0

    @property
    def matched_words(self) -> int:
        return min(self.matched_a, self.matched_b)

    @property
    def strong_words(self) -> int:
        return min(self.strong_a, self.strong_b)

    @property
    def strong_containment(self) -> float:
        """Share of the more contained text's strong words found in the other."""
        ca = self.strong_a / self.strong_words_a if self.strong_words_a else 0.0
        cb = self.strong_b / self.strong_words_b if self.strong_words_b else 0.0
        return max(ca, cb)

    @property
    def similarity(self) -> float:
        """Jaccard similarity of the two token sets (shared over union)."""
        m = (self.matched_a + self.matched_b) / 2
        union = self.words_a + self.words_b - m
        return m / union if union > 0 else 0.0


def _runs(ha: list[int], hb: list[int]) -> list[tuple[int, int, int]]:
    """Maximal diagonal runs (a_pos, b_pos, n_shingles) of equal shingle hashes.

    Runs are seeded from the first ``MAX_POSITIONS`` places of each shingle in ``a`` and
    grown by comparing the hashes themselves, so a phrase the text repeats more often
    than that (a name, a refrain) cannot cut a long shared run into pieces.

    >>> _runs([1, 2, 3, 9], [0, 1, 2, 3])
    [(0, 1, 3)]
    """
    positions: dict[int, list[int]] = {}
    for i, h in enumerate(ha):
        lst = positions.setdefault(h, [])
        if len(lst) < MAX_POSITIONS:
            lst.append(i)
    na, nb = len(ha), len(hb)
    covered: dict[int, int] = {}  # diagonal (i - j) -> end in a of the last run found on it
    runs = []
    for j, h in enumerate(hb):
        for i in positions.get(h, ()):
            d = i - j
            if covered.get(d, -1) > i:
                continue  # inside a run already found (runs on a diagonal come in order)
            s = i
            while s > 0 and s - d > 0 and ha[s - 1] == hb[s - 1 - d]:
                s -= 1
            e = i + 1
            while e < na and e - d < nb and ha[e] == hb[e - d]:
                e += 1
            covered[d] = e
            runs.append((s, s - d, e - s))
    return runs


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _unmasked(mask: bytearray | None, start: int, end: int) -> int:
    if mask is None:
        return end - start
    return (end - start) - sum(mask[start:end])


def fingerprint_marks(
    n_tokens: int, fps: list[tuple[int, int]], stock: set[int] | frozenset[int]
) -> bytearray:
    """Per token position: 1 where a stock fingerprint starts, 2 where another one does,
    0 where none does (winnowing keeps one shingle in a few).

    >>> list(fingerprint_marks(5, [(0, 7), (3, 9)], {9}))
    [2, 0, 0, 1, 0]
    """
    out = bytearray(n_tokens)
    for pos, h in fps:
        if pos < n_tokens:
            out[pos] = 1 if h in stock else 2
    return out


def _stock_run(marks: bytearray | None, start: int, end: int, shingle: int) -> bool:
    """A run whose fingerprints (shingles wholly inside it) are all stock fingerprints."""
    if marks is None:
        return False
    seen = set(marks[start : max(start, end - shingle + 1)])
    seen.discard(0)
    return seen == {1}


def _both(bp: bytearray | None, other: bytearray | None, start: int, end: int) -> int:
    """Tokens in [start, end) set in ``other`` and not in ``bp``."""
    if other is None:
        return 0
    if bp is None:
        return sum(other[start:end])
    return sum(1 for i in range(start, end) if other[i] and not bp[i])


def align(
    ha: list[int],
    hb: list[int],
    n_a: int,
    n_b: int,
    mask_a: bytearray | None = None,
    mask_b: bytearray | None = None,
    shingle: int = SHINGLE,
    min_run: int = MIN_RUN,
    quote_a: bytearray | None = None,
    quote_b: bytearray | None = None,
    stock_a: bytearray | None = None,
    stock_b: bytearray | None = None,
) -> Alignment:
    """Align two token sequences given their shingle hashes and token masks.

    ``n_a``/``n_b`` are the token counts; ``mask_*`` hold 1 for boilerplate tokens,
    ``quote_*`` for tokens inside quotations; ``stock_*`` are ``fingerprint_marks``.
    """
    runs = sorted(_runs(ha, hb), key=lambda r: (-r[2], r[0], r[1]))
    used_a: list[tuple[int, int]] = []
    used_b: list[tuple[int, int]] = []
    kept: list[tuple[int, int, int, int, int, int]] = []
    for i, j, n in runs:
        a0, a1, b0, b1 = i, i + n - 1 + shingle, j, j + n - 1 + shingle
        if a1 - a0 < min_run:
            break  # runs are sorted longest first
        if _overlaps(used_a, a0, a1) or _overlaps(used_b, b0, b1):
            continue
        ua, ub = _unmasked(mask_a, a0, a1), _unmasked(mask_b, b0, b1)
        touched = ua < a1 - a0 or ub < b1 - b0
        if touched and min(ua, ub) < BOILERPLATE_EDGE:
            continue
        used_a.append((a0, a1))
        used_b.append((b0, b1))
        kept.append((a0, a1, b0, b1, ua, ub))
    kept.sort()
    passages: list[list[int]] = []
    for a0, a1, b0, b1, _, _ in kept:
        if passages:
            p = passages[-1]
            if 0 <= a0 - p[1] <= MERGE_GAP and 0 <= b0 - p[3] <= MERGE_GAP:
                p[1], p[3] = a1, b1
                continue
        passages.append([a0, a1, b0, b1])
    words_a = _unmasked(mask_a, 0, n_a)
    words_b = _unmasked(mask_b, 0, n_b)
    strong_a = strong_b = quoted_a = quoted_b = stock_a_n = stock_b_n = 0
    for a0, a1, b0, b1, ua, ub in kept:
        qa, qb = _both(mask_a, quote_a, a0, a1), _both(mask_b, quote_b, b0, b1)
        quoted_a, quoted_b = quoted_a + qa, quoted_b + qb
        if a1 - a0 < STOCK_RUN and (
            _stock_run(stock_a, a0, a1, shingle) or _stock_run(stock_b, b0, b1, shingle)
        ):
            stock_a_n, stock_b_n = stock_a_n + ua - qa, stock_b_n + ub - qb
        else:
            strong_a, strong_b = strong_a + ua - qa, strong_b + ub - qb
    return Alignment(
        passages=[(p[0], p[1], p[2], p[3]) for p in passages],
        matched_a=sum(k[4] for k in kept),
        matched_b=sum(k[5] for k in kept),
        words_a=words_a,
        words_b=words_b,
        strong_a=strong_a,
        strong_b=strong_b,
        strong_words_a=words_a - _both(mask_a, quote_a, 0, n_a),
        strong_words_b=words_b - _both(mask_b, quote_b, 0, n_b),
        quoted=min(quoted_a, quoted_b),
        stock=min(stock_a_n, stock_b_n),
    )


def classify(
    al: Alignment, min_words: int = MIN_WORDS, min_contained: float = MIN_CONTAINED
) -> str | None:
    """ "full" (same article), "partial" (an excerpt) or None (no reuse).

    Decided on strong words only: shared quotations and stock phrases are not copying.
    """
    if al.strong_words < min_words or al.strong_containment < min_contained:
        return None
    if min(al.containment_a, al.containment_b) >= FULL_CONTAINMENT:
        return "full"
    return "partial"
