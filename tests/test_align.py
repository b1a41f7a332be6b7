"""Alignment and classification on word sequences with known edits."""

from __future__ import annotations

import pytest

from graph.align import MIN_WORDS, align, classify
from graph.boilerplate import mask
from graph.shingles import fingerprints, shingle_hashes
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
        (
            "excerpt inside other text",
            OTHER[:200] + BODY[100:170] + OTHER[200:],
            "partial",
            0.1,
            0.15,
        ),
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


def test_boilerplate_never_counts() -> None:
    a, b = BODY + BP, OTHER + BP
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
