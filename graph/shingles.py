"""Words, word shingles and winnowed fingerprints: the pure text side of reuse detection.

Texts are compared as sequences of case-folded word tokens, so punctuation, quotes,
whitespace and markup differences between templates do not matter. Each token keeps
its character span in the original text, so evidence can point into ``articles.text``.

A shingle is ``SHINGLE`` consecutive tokens, hashed with blake2b to a signed 64-bit
integer: stable across processes and machines (Python's ``hash()`` is salted), and it
fits a BIGINT column. Winnowing (Schleimer, Wilkerson and Aiken 2003, as in MOSS)
keeps the minimum hash of every window of ``WINDOW`` shingles: about 2/(WINDOW+1) of
the shingles, and any shared run of at least ``WINDOW + SHINGLE - 1`` words is
guaranteed to share a fingerprint. Those fingerprints go into the inverted index.
"""

from __future__ import annotations

import re
import unicodedata
from hashlib import blake2b

__all__ = [
    "SHINGLE",
    "WINDOW",
    "Tokens",
    "fingerprints",
    "shingle_hashes",
    "stable_hash",
    "tokenize",
    "winnow",
]

SHINGLE = 5  # words per shingle, as passim: long enough to be rare, short enough for edits
WINDOW = 12  # winnowing window: ~15% of shingles kept, 16-word matches always seen

_WORD = re.compile(r"\w+")


class Tokens:
    """Word tokens of a text; their character spans are computed when first needed."""

    __slots__ = ("_spans", "text", "words")

    def __init__(self, text: str, words: list[str]) -> None:
        self.text = text
        self.words = words
        self._spans: list[tuple[int, int]] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def _span_list(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [m.span() for m in _WORD.finditer(self.text)]
        return self._spans

    @property
    def starts(self) -> list[int]:
        return [s for s, _ in self._span_list()]

    @property
    def ends(self) -> list[int]:
        return [e for _, e in self._span_list()]

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character offsets from token ``first`` to token ``last`` (inclusive)."""
        spans = self._span_list()
        return spans[first][0], spans[last][1]


def _norm(word: str) -> str:
    return word if word.isascii() else unicodedata.normalize("NFKC", word)


def tokenize(text: str) -> Tokens:
    """Case-folded word tokens of ``text`` (offsets via ``Tokens.span``).

    >>> tokenize("Hello, World!").words
    ['hello', 'world']
    """
    if text.isascii():
        return Tokens(text, _WORD.findall(text.lower()))
    return Tokens(text, [_norm(w.casefold()) for w in _WORD.findall(text)])


def stable_hash(value: str) -> int:
    """A signed 64-bit hash that is the same in every process.

    >>> stable_hash("a b c d e")  # pinned: a change of hash breaks every stored index
    4875218132451392338
    """
    digest = blake2b(value.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def shingle_hashes(words: list[str], size: int = SHINGLE) -> list[int]:
    """Hash of every run of ``size`` words; position i covers words i .. i+size-1."""
    if len(words) < size:
        return [stable_hash(" ".join(words))] if words else []
    frm = int.from_bytes
    return [
        frm(
            blake2b(" ".join(words[i : i + size]).encode(), digest_size=8).digest(),
            "big",
            signed=True,
        )
        for i in range(len(words) - size + 1)
    ]  # stable_hash() inlined: this is the hottest loop of matching


def winnow(hashes: list[int], window: int = WINDOW) -> list[tuple[int, int]]:
    """(position, hash) selected by winnowing: the rightmost minimum of each window.

    >>> winnow([5, 3, 4, 1, 2], window=2)
    [(1, 3), (3, 1)]
    """
    n = len(hashes)
    if not n:
        return []
    if n <= window:
        m = min(hashes)
        return [(n - 1 - hashes[::-1].index(m), m)]
    selected: list[tuple[int, int]] = []
    pos = -1
    for end in range(window - 1, n):
        start = end - window + 1
        if pos >= start:  # the minimum is still inside: only the new hash can beat it
            if hashes[end] <= hashes[pos]:
                pos = end
                selected.append((pos, hashes[pos]))
            continue
        chunk = hashes[start : end + 1]
        m = min(chunk)
        pos = end - chunk[::-1].index(m)
        selected.append((pos, m))
    return selected


def fingerprints(text: str) -> tuple[Tokens, list[int], list[tuple[int, int]]]:
    """Tokens, all shingle hashes and the winnowed (position, hash) fingerprints."""
    tokens = tokenize(text)
    hashes = shingle_hashes(tokens.words)
    return tokens, hashes, winnow(hashes)
