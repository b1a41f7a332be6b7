"""Tokens, stable hashes, winnowing and boilerplate masks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from graph.boilerplate import mask
from graph.shingles import SHINGLE, WINDOW, fingerprints, shingle_hashes, stable_hash, tokenize


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hello, World!", ["hello", "world"]),
        ("“Quoted” — text", ["quoted", "text"]),
        ("  spaces\n\nand\tlines ", ["spaces", "and", "lines"]),
        ("ÉCOLE école", ["école", "école"]),
        ("The State’s oil", ["the", "state", "s", "oil"]),
        ("55 km away", ["55", "km", "away"]),
        ("", []),
    ],
)
def test_tokenize_words(text: str, words: list[str]) -> None:
    assert tokenize(text).words == words


def test_token_offsets_point_into_text() -> None:
    text = "Russia says: the US-led coalition's aircraft."
    t = tokenize(text)
    assert [text[s:e].casefold() for s, e in zip(t.starts, t.ends, strict=True)] == t.words


def test_stable_hash_is_signed_64_bit_and_same_in_another_process() -> None:
    h = stable_hash("a b c d e")
    assert -(2**63) <= h < 2**63
    out = subprocess.run(
        [sys.executable, "-c", "from graph.shingles import *; print(stable_hash('a b c d e'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout) == h


@pytest.mark.parametrize(
    ("n_words", "n_shingles"), [(0, 0), (1, 1), (SHINGLE, 1), (SHINGLE + 3, 4), (100, 96)]
)
def test_shingle_count(n_words: int, n_shingles: int) -> None:
    assert len(shingle_hashes([f"w{i}" for i in range(n_words)])) == n_shingles


def test_formatting_does_not_change_fingerprints() -> None:
    a = "The Russians say that is true. However, they also say it is not the whole truth."
    b = "the russians say that is TRUE -- however they also say it is NOT the whole truth"
    assert fingerprints(a)[2] == fingerprints(b)[2]


def test_winnowing_guarantee_any_shared_run_is_seen() -> None:
    """A run of WINDOW + SHINGLE - 1 shared words always shares a fingerprint."""
    run = [f"shared{i}" for i in range(WINDOW + SHINGLE - 1)]
    for k in range(20):
        left = [f"l{k}x{i}" for i in range(30)] + run + [f"l{k}y{i}" for i in range(17)]
        right = [f"r{k}x{i}" for i in range(11)] + run + [f"r{k}y{i}" for i in range(40)]
        fa = {h for _, h in fingerprints(" ".join(left))[2]}
        fb = {h for _, h in fingerprints(" ".join(right))[2]}
        assert fa & fb


def test_winnowing_density() -> None:
    words = [f"w{i}" for i in range(2000)]
    fps = fingerprints(" ".join(words))[2]
    assert 1.5 / (WINDOW + 1) < len(fps) / len(words) < 2.5 / (WINDOW + 1)


@pytest.mark.parametrize(
    ("n", "fps", "bp", "expected"),
    [
        (6, [(0, 1), (3, 2)], set(), "000000"),
        (6, [(0, 1), (3, 2)], {1}, "110000"),  # shingle of 2 at position 0
        (10, [(1, 7), (4, 9)], {7, 9}, "0111110000"),  # close: one region
        (12, [(1, 7), (9, 9)], {7, 9}, "011000000110"),  # far apart: two regions
        (5, [(4, 7)], {7}, "00001"),  # clipped at the end
    ],
)
def test_mask(n: int, fps: list, bp: set, expected: str) -> None:
    got = mask(n, fps, bp, shingle=2, window=4)
    assert "".join(str(v) for v in got) == expected
