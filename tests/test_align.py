"""Alignment and classification on word sequences with known edits."""

from __future__ import annotations

import random

import pytest

from graph.align import (
    MAX_POSITIONS,
    MIN_CONTAINED,
    MIN_WORDS,
    align,
    classify,
    fingerprint_marks,
    may_be_reuse,
    strong_bound,
)
from graph.boilerplate import mask
from graph.quotes import quote_mask
from graph.shingles import SHINGLE, fingerprints, shingle_hashes
from tests.corpus import words

BODY = words("body", 400)
OTHER = words("other", 400)
BP = words("licence", 60)


def _al(a: list[str], b: list[str], bp_a: set | None = None, bp_b: set | None = None):  # noqa: ANN202
    ta, ha, fa = fingerprints(" ".join(a))
    tb, hb, fb = fingerprints(" ".join(b))
    ma = mask(len(ta), fa, bp_a) if bp_a else None
    mb = mask(len(tb), fb, bp_b) if bp_b else None
    return align(ha, hb, len(ta), len(tb), ma, mb)


def _edit(seq: list[str], every: int) -> list[str]:
    return [f"x{i}" if i % every == every // 2 else w for i, w in enumerate(seq)]


@pytest.mark.parametrize(
    ("name", "copy", "kind", "min_cont_copy", "min_cont_src"),
    [
        ("verbatim", BODY, "full", 0.99, 0.99),
        ("new intro", words("intro", 40) + BODY, "full", 0.85, 0.99),
        ("paragraph dropped", BODY[:300], "full", 0.99, 0.70),
        ("paragraph added", BODY + words("tail", 60), "full", 0.80, 0.99),
        ("a few words changed", _edit(BODY, 50), "full", 0.80, 0.80),
        ("excerpt", BODY[100:170], "partial", 0.99, 0.15),
        ("excerpt with a short intro", words("intro", 30) + BODY[100:170], "partial", 0.65, 0.15),
    ],
)
def test_reuse_forms(
    name: str, copy: list, kind: str, min_cont_copy: float, min_cont_src: float
) -> None:
    al = _al(BODY, copy)
    assert classify(al) == kind, name
    assert al.containment_b >= min_cont_copy
    assert al.containment_a >= min_cont_src


@pytest.mark.parametrize(
    ("name", "b"),
    [
        ("unrelated", OTHER),
        ("shared quote of 25 words", OTHER[:200] + BODY[50:75] + OTHER[200:]),
        ("shared names and numbers", [w if i % 4 else BODY[i] for i, w in enumerate(OTHER)]),
    ],
)
def test_not_reuse(name: str, b: list) -> None:
    al = _al(BODY, b)
    assert al.matched_words < MIN_WORDS, name
    assert classify(al) is None


def test_seventy_words_inside_a_long_text_of_its_own_are_not_called_a_copy() -> None:
    """Wire rewrites of one event share passages like this one (ECB+: 70-150 words
    in 300-word reports); below MIN_CONTAINED neither text is mostly the other's."""
    al = _al(BODY, OTHER[:200] + BODY[100:170] + OTHER[200:])
    assert al.matched_words >= MIN_WORDS
    assert al.strong_containment < MIN_CONTAINED
    assert classify(al) is None


def _quoted(seq: list[str], start: int, end: int) -> list[str]:
    """``seq`` with words [start, end) inside curly quotation marks."""
    out = list(seq)
    out[start] = "“" + out[start]
    out[end - 1] = out[end - 1] + ",” she said."
    return out


QUOTING = _quoted(BODY, 100, 160)


def _al_text(a: str, b: str, stock: set[int] | None = None):  # noqa: ANN202
    ta, ha, fa = fingerprints(a)
    tb, hb, fb = fingerprints(b)
    marks = (fingerprint_marks(len(ta), fa, stock or set()),
             fingerprint_marks(len(tb), fb, stock or set()))  # fmt: skip
    sa, sb = (marks[0], marks[1]) if stock else (None, None)
    return align(ha, hb, len(ta), len(tb), quote_a=quote_mask(ta), quote_b=quote_mask(tb),
                 stock_a=sa, stock_b=sb)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "a", "b", "kind", "quoted"),
    [
        # two reports of one event quote the same 60-word statement: not a copy
        ("shared quote only", QUOTING, OTHER[:150] + QUOTING[100:160] + OTHER[150:], None, 60),
        # a copy of a text full of quotes is still a copy (quotes shared on both sides)
        ("verbatim copy of a quoted text", QUOTING, QUOTING, "full", 60),
        # quote plus 30 own words shared: still under MIN_WORDS of strong text
        ("quote and a sentence", QUOTING, OTHER[:150] + QUOTING[100:190] + OTHER[150:], None, 60),
    ],
)  # fmt: skip
def test_quotation_is_weak_evidence(
    name: str, a: list, b: list, kind: str | None, quoted: int
) -> None:
    al = _al_text(" ".join(a), " ".join(b))
    assert classify(al) == kind, name
    assert al.quoted >= quoted - 2, name


def test_short_run_of_stock_fingerprints_is_a_stock_phrase() -> None:
    stock_words = words("stock", 20)
    a = BODY[:100] + stock_words + BODY[100:]
    b = OTHER[:100] + stock_words + OTHER[100:]
    _, _, fps = fingerprints(" ".join(stock_words))
    al = _al_text(" ".join(a), " ".join(b), {h for _, h in fps})
    assert al.stock >= 15 and al.strong_words < 5
    # the same fingerprints in a long shared run are a syndicated text, not stock
    al = _al_text(" ".join(BODY), " ".join(BODY), {h for _, h in fingerprints(" ".join(BODY))[2]})
    assert classify(al) == "full" and al.stock == 0


def test_boilerplate_never_counts() -> None:
    a, b = BODY[:30] + BP, OTHER[:30] + BP  # short pieces: the licence is most of them
    bp = {h for _, h in fingerprints(" ".join(BP))[2]}
    assert classify(_al(a, b)) is not None  # without masking, the licence links them
    al = _al(a, b, bp, bp)
    assert al.matched_words == 0
    assert classify(al) is None


def test_boilerplate_masked_in_verbatim_copy_keeps_the_story() -> None:
    bp = {h for _, h in fingerprints(" ".join(BP))[2]}
    al = _al(BODY + BP, BODY + BP, bp, bp)
    assert classify(al) == "full"
    assert al.words_a < len(BODY) + len(BP)


def test_passages_are_ordered_spans_in_both_texts() -> None:
    copy = words("intro", 30) + BODY[:150] + words("mid", 50) + BODY[250:]
    al = _al(BODY, copy)
    assert len(al.passages) == 2
    (a0, a1, b0, b1), (c0, c1, d0, d1) = al.passages
    assert (a0, b0) == (0, 30) and a1 == 150 and b1 == 180
    assert (c0, d0) == (250, 230) and c1 == 400


def test_repeated_text_is_not_counted_twice() -> None:
    al = _al(BODY[:100], BODY[:100] + BODY[:100])
    assert al.matched_a == 100
    assert al.matched_b == 100


def test_alignment_is_symmetric() -> None:
    copy = _edit(BODY, 30)[50:]
    x, y = _al(BODY, copy), _al(copy, BODY)
    assert (x.matched_a, x.matched_b) == (y.matched_b, y.matched_a)
    assert shingle_hashes(BODY) == shingle_hashes(list(BODY))


def test_a_phrase_repeated_more_than_max_positions_does_not_cut_a_copy() -> None:
    """Names and refrains recur in news text; a verbatim copy must still align whole."""
    refrain = ["the", "highway", "inspectorate", "of", "ostravel"]
    text = [w for i in range(3 * MAX_POSITIONS) for w in refrain + words(f"s{i}", 12)]
    al = _al(text, text)
    assert len(al.passages) == 1
    assert al.containment_a == al.containment_b == 1.0


def _random_pair(rng: random.Random) -> tuple[list[int], list[int]]:
    """Two hash sequences: random words, with pieces of the first copied into the second."""
    vocab = rng.choice([5, 50, 5000])
    a = [rng.randrange(vocab) for _ in range(rng.randrange(0, 300))]
    b = [rng.randrange(vocab) for _ in range(rng.randrange(0, 300))]
    for _ in range(rng.randrange(0, 4) if a else 0):
        start, at = rng.randrange(len(a)), rng.randrange(len(b) + 1)
        b = b[:at] + a[start : start + rng.randrange(1, 250)] + b[at:]
    return a, b


def _random_bits(rng: random.Random, n: int, p: float) -> bytearray:
    return bytearray(int(rng.random() < p) for _ in range(n))


def test_strong_bound_never_below_what_alignment_finds() -> None:
    """``may_be_reuse`` may skip an alignment only when it could not make a pair."""
    rng = random.Random(11)
    skipped = 0
    for _ in range(2000):
        ha, hb = _random_pair(rng)
        na, nb = len(ha) + SHINGLE - 1, len(hb) + SHINGLE - 1
        p = rng.random() * 0.3
        ma, mb = _random_bits(rng, na, p), _random_bits(rng, nb, p)
        qa, qb = _random_bits(rng, na, p), _random_bits(rng, nb, p)
        al = align(ha, hb, na, nb, ma, mb, quote_a=qa, quote_b=qb)
        common = set(ha) & set(hb)
        assert al.strong_a <= strong_bound(ha, common, na, ma, qa)
        assert al.strong_b <= strong_bound(hb, common, nb, mb, qb)
        if not may_be_reuse(ha, hb, na, nb, ma, mb, qa, qb):
            skipped += 1
            assert classify(al) is None
    assert skipped > 100  # the check does rule pairs out


@pytest.mark.parametrize(
    ("hashes", "common", "mask", "quote", "bound"),
    [
        (list(range(20)), set(range(20)), None, None, 24),  # one run: 20 shingles, 24 tokens
        (list(range(20)), set(range(5)), None, None, 0),  # 5 shingles: under MIN_RUN tokens
        (list(range(20)), set(range(20)) - {10}, None, None, 14 + 13),  # two runs
        (list(range(20)), set(range(20)), bytearray([1] * 12 + [0] * 12), None, 12),
        (list(range(20)), set(range(20)), None, bytearray([0] * 20 + [1] * 4), 20),
    ],
)
def test_strong_bound_cases(
    hashes: list[int], common: set[int], mask: bytearray | None, quote: bytearray | None, bound: int
) -> None:
    assert strong_bound(hashes, common, len(hashes) + SHINGLE - 1, mask, quote) == bound
