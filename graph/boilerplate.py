"""Per-outlet boilerplate: text that many articles of one outlet carry.

Credit lines, licences ("Anyone is free to republish ..."), donation and newsletter
appeals sit in the main text of every article of an outlet, and of every verbatim copy
of those articles. Such text must never link two different stories.

An outlet's boilerplate is learnt from its own articles: a fingerprint carried by at
least ``MIN_ARTICLES`` articles of one outlet is boilerplate of that outlet. Text that
is boilerplate somewhere is template text everywhere (a copy carries its source's
licence), so the mask uses the union over outlets. The counts come from the postings
(``reuse_postings`` keeps each article's outlet); when a fingerprint crosses the
threshold it is marked (``reuse_marks``) and the articles carrying it are matched again
(``crawler.db.matching``).
"""

from __future__ import annotations

from graph.shingles import SHINGLE, WINDOW

__all__ = ["MIN_ARTICLES", "mask"]

MIN_ARTICLES = 4  # articles of one outlet carrying a fingerprint make it boilerplate


def mask(
    n_tokens: int,
    fps: list[tuple[int, int]],
    boilerplate: set[int] | frozenset[int],
    shingle: int = SHINGLE,
    window: int = WINDOW,
) -> bytearray:
    """1 for each token inside a boilerplate region, 0 elsewhere.

    Winnowing selects a fingerprint at least every ``window`` shingles, so boilerplate
    fingerprints at most ``window`` apart belong to one region, which is masked whole.

    >>> list(mask(12, [(1, 7), (4, 9), (9, 3)], {7, 9}, shingle=2, window=4))
    [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    """
    out = bytearray(n_tokens)
    positions = sorted(p for p, h in fps if h in boilerplate)
    if not positions:
        return out
    start = prev = positions[0]
    for p in positions[1:] + [None]:
        if p is not None and p - prev <= window:
            prev = p
            continue
        end = min(n_tokens, prev + shingle)
        out[start:end] = b"\x01" * (end - start)
        if p is not None:
            start = prev = p
    return out
