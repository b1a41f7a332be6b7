"""Exact verification of a candidate pair: aligned passages and containment both ways.

Candidates come from shared fingerprints; here every shingle of both texts is compared.
Runs of consecutive shared shingles on the same diagonal are tiled greedily (longest
first, no token used twice on either side, as greedy string tiling does), then runs
that are close in both texts are merged into passages, so a changed word or sentence
does not split the evidence. Boilerplate tokens (see ``graph.boilerplate``) never
count as shared text.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.shingles import SHINGLE, WINDOW

__all__ = ["MIN_WORDS", "Alignment", "align", "classify"]

MIN_WORDS = 40  # shared words for reuse: ~2 short paragraphs; a shared quote is shorter
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
    def similarity(self) -> float:
        """Jaccard similarity of the two token sets (shared over union)."""
        m = (self.matched_a + self.matched_b) / 2
        union = self.words_a + self.words_b - m
        return m / union if union > 0 else 0.0


def _runs(ha: list[int], hb: list[int]) -> list[tuple[int, int, int]]:
    """Maximal diagonal runs (a_pos, b_pos, n_shingles) of equal shingle hashes."""
    positions: dict[int, list[int]] = {}
    for i, h in enumerate(ha):
        lst = positions.setdefault(h, [])
        if len(lst) < MAX_POSITIONS:
            lst.append(i)
    matches: set[tuple[int, int]] = set()
    for j, h in enumerate(hb):
        for i in positions.get(h, ()):
            matches.add((i, j))
    runs = []
    for i, j in matches:
        if (i - 1, j - 1) in matches:
            continue
        n = 1
        while (i + n, j + n) in matches:
            n += 1
        runs.append((i, j, n))
    return runs


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _unmasked(mask: bytearray | None, start: int, end: int) -> int:
    if mask is None:
        return end - start
    return (end - start) - sum(mask[start:end])


def align(
    ha: list[int],
    hb: list[int],
    n_a: int,
    n_b: int,
    mask_a: bytearray | None = None,
    mask_b: bytearray | None = None,
    shingle: int = SHINGLE,
    min_run: int = MIN_RUN,
) -> Alignment:
    """Align two token sequences given their shingle hashes and boilerplate masks.

    ``n_a``/``n_b`` are the token counts; masks hold 1 for boilerplate tokens.
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
    return Alignment(
        passages=[(p[0], p[1], p[2], p[3]) for p in passages],
        matched_a=sum(k[4] for k in kept),
        matched_b=sum(k[5] for k in kept),
        words_a=words_a,
        words_b=words_b,
    )


def classify(al: Alignment, min_words: int = MIN_WORDS) -> str | None:
    """ "full" (same article), "partial" (an excerpt) or None (no reuse)."""
    if al.matched_words < min_words:
        return None
    if min(al.containment_a, al.containment_b) >= FULL_CONTAINMENT:
        return "full"
    return "partial"
