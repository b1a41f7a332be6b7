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
    "may_be_reuse",
    "strong_bound",
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
    >>> _runs([5, 1, 2, 5], [1, 2, 7, 5])
    [(1, 0, 2), (0, 3, 1), (3, 3, 1)]
    """
    common = set(ha).intersection(hb)
    if not common:
        return []
    positions: dict[int, list[int]] = {}
    for i in [i for i, h in enumerate(ha) if h in common]:
        lst = positions.setdefault(ha[i], [])
        if len(lst) < MAX_POSITIONS:
            lst.append(i)
    na, nb = len(ha), len(hb)
    covered: dict[int, int] = {}  # diagonal (i - j) -> end in a of the last run found on it
    runs = []
    for j in [j for j, h in enumerate(hb) if h in common]:
        for i in positions[hb[j]]:
            d = i - j
            if covered.get(d, -1) > i:
                continue  # inside a run already found (runs on a diagonal come in order)
            s = i
            while s > 0 and s - d > 0 and ha[s - 1] == hb[s - 1 - d]:
                s -= 1
            e = i + 1 + _common_prefix(ha, i + 1, hb, j + 1, min(na - i, nb - j) - 1)
            covered[d] = e
            runs.append((s, s - d, e - s))
    return runs


def _common_prefix(ha: list[int], i: int, hb: list[int], j: int, limit: int) -> int:
    """How many hashes from ``ha[i]`` and ``hb[j]`` on are equal (at most ``limit``).

    Compared a growing block at a time (list slices compare in C): a copied article is
    one run of hundreds of shingles, which an element-by-element loop walks in Python.

    >>> _common_prefix([1, 2, 3, 4], 1, [9, 2, 3, 5], 1, 3)
    2
    """
    k, step = 0, 8
    while k < limit:
        m = min(step, limit - k)
        if ha[i + k : i + k + m] == hb[j + k : j + k + m]:
            k += m
            step *= 2
            continue
        while ha[i + k] == hb[j + k]:
            k += 1
        return k
    return k


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _unmasked(mask: bytearray | None, start: int, end: int) -> int:
    if mask is None:
        return end - start
    return (end - start) - mask.count(1, start, end)


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
        return other.count(1, start, end)
    # Both hold 0 or 1 per token: as integers, the bits set in ``other`` and not in ``bp``
    # count the tokens (in C, where a loop over a long copy's tokens is slow in Python).
    mine = int.from_bytes(other[start:end], "little")
    return (mine & ~int.from_bytes(bp[start:end], "little")).bit_count()


def strong_bound(
    ha: list[int],
    common: set[int],
    n_tokens: int,
    mask: bytearray | None = None,
    quote: bytearray | None = None,
    shingle: int = SHINGLE,
    min_run: int = MIN_RUN,
) -> int:
    """An upper bound of the strong words (``Alignment.strong_a``) that ``align`` can find
    in ``a`` against a text whose shingle hashes are ``common`` with it.

    Every shingle of a shared run is common to both texts and a kept run spans at least
    ``min_run`` tokens, so strong words lie in blocks of consecutive common shingles that
    long, outside boilerplate and quotations. Reports of one event share a few quotes and
    stock phrases: most of their candidate pairs are ruled out here, without aligning.

    >>> strong_bound([1, 2, 3, 4, 5, 6, 9, 7], {1, 2, 3, 4, 5, 6, 7}, 12, shingle=2, min_run=4)
    7
    """
    total = 0
    block_start = prev = -2
    need = min_run - shingle + 1  # shingles in the shortest kept run
    positions = [i for i, h in enumerate(ha) if h in common]
    positions.append(-1)  # closes the last block
    for i in positions:
        if i == prev + 1:
            prev = i
            continue
        if block_start >= 0 and prev - block_start + 1 >= need:
            end = min(n_tokens, prev + shingle)
            hidden = 0
            if mask is not None or quote is not None:
                bits = int.from_bytes(mask[block_start:end], "little") if mask is not None else 0
                if quote is not None:
                    bits |= int.from_bytes(quote[block_start:end], "little")
                hidden = bits.bit_count()
            total += end - block_start - hidden
        block_start = prev = i
    return total


def may_be_reuse(
    ha: list[int],
    hb: list[int],
    n_a: int,
    n_b: int,
    mask_a: bytearray | None = None,
    mask_b: bytearray | None = None,
    quote_a: bytearray | None = None,
    quote_b: bytearray | None = None,
    min_words: int = MIN_WORDS,
) -> bool:
    """False when ``classify(align(...))`` is certainly None: too few strong words can be
    shared (see :func:`strong_bound`). True means only that alignment must decide."""
    common = set(ha).intersection(hb)
    return (
        strong_bound(ha, common, n_a, mask_a, quote_a) >= min_words
        and strong_bound(hb, common, n_b, mask_b, quote_b) >= min_words
    )


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
