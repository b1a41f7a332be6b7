"""Search queries for finding an article's copies: distinctive passages, sent as phrases.

Plagiarism-source retrieval (PAN 2012-2015) and Wikipedia's copyright-violation checker
find sources by searching a handful of a text's sentences as exact phrases, spread over
the text. What makes a passage a good query here:

* it is the article's own writing: never quoted speech (independent reports of one event
  quote the same officials, ``graph.quotes``), a dateline ("LONDON (Reuters) -"), a
  credit line ("This story first appeared on ...") or outlet boilerplate (fingerprints
  the matcher marked as such, passed as ``stock``);
* it is distinctive: names, numbers and long words, few function words;
* 8 to 20 words: long enough to be rare, short enough that an edited copy keeps it whole.

Pure functions; the crawler (``crawler.search``) sends the queries and stops early.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from graph.quotes import quote_mask
from graph.shingles import SHINGLE, shingle_hashes, tokenize

__all__ = [
    "MAX_WORDS",
    "MIN_WORDS",
    "distinctiveness",
    "is_excluded_sentence",
    "normalise_query",
    "passages",
    "phrase_query",
    "snippet_overlap",
]

MIN_WORDS = 8
MAX_WORDS = 20
TARGET_WORDS = 14  # a long sentence is cut to its most distinctive run of this many words

# Sentence ends: . ! ? followed by space and a capital, a digit or a quotation mark.
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’»]?\s+(?=[A-Z0-9\"“„«‘])|\n+")
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .'-]{2,}(?:,\s*[A-Z][\w .]+)?\s*(?:\([^)]{1,40}\))?\s*[-–—:]"
)
_CREDIT = re.compile(
    r"first (?:appeared|published)|originally (?:appeared|published)|republished|"
    r"reprinted|(?:^|\W)source:|via\s+\w+\.\w+|©|copyright|all rights reserved|"
    r"creative commons|licen[cs]e|subscribe|newsletter|sign up|donate|support (?:our|us)|"
    r"follow us|click here|read more|related:|advertisement",
    re.IGNORECASE,
)
_STOP_WORDS = (
    "a an and are as at be been but by for from had has have he her his i in into is it its "
    "of on or our she that the their them there they this to was were which who will with "
    "would not no said says also after before over than then when where while more most "
    "about against between during under up down out new last first one two three"
)
_STOP = frozenset(_STOP_WORDS.split())  # noqa: SIM905 (a word list, not code)


def normalise_query(query: str) -> str:
    """The cache key of a query: case-folded words and quotation marks, single spaces.

    >>> normalise_query('  "The  Cat"   sat ')
    '"the cat" sat'
    """
    return " ".join(query.casefold().split())


def phrase_query(passage: str) -> str:
    """An exact-phrase query for ``passage`` (its own quotation marks removed)."""
    text = re.sub(r"[\"“”„«»]", " ", passage)
    return '"' + " ".join(text.split()) + '"'


def is_excluded_sentence(sentence: str) -> bool:
    """Datelines, credit lines and outlet boilerplate are never queries."""
    return bool(_DATELINE.match(sentence) or _CREDIT.search(sentence))


def distinctiveness(words: list[str], raw: list[str]) -> float:
    """How rare a run of words is likely to be: names, numbers, long words; no stop words.

    ``words`` are the case-folded tokens, ``raw`` the same tokens as written.
    """
    score = 0.0
    for i, (w, r) in enumerate(zip(words, raw, strict=True)):
        if w in _STOP:
            continue
        if any(ch.isdigit() for ch in w):
            score += 2.0
        elif r[:1].isupper() and i > 0:
            score += 1.5  # a name (not just the sentence's first word)
        elif len(w) >= 7:
            score += 1.0
        else:
            score += 0.5
    return score / max(1, len(words)) * min(len(words), TARGET_WORDS)


def _sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``."""
    spans, start = [], 0
    for m in _SENTENCE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def passages(text: str, n: int = 4, *, stock: Collection[int] = frozenset()) -> list[str]:
    """Up to ``n`` distinctive passages of 8-20 words, spread over ``text``, best first.

    The text is cut into ``n`` equal parts; each part gives its best sentence (or the
    best ``TARGET_WORDS`` run of a longer one). ``stock`` holds shingle fingerprints
    known to be boilerplate or stock phrases: a passage containing one is skipped.

    >>> passages('He said "we will win the war this year for sure and forever".', 2)
    []
    """
    tokens = tokenize(text)
    if len(tokens) < MIN_WORDS or n <= 0:
        return []
    quoted = quote_mask(tokens)
    starts = tokens.starts
    raw_words = [text[s:e] for s, e in zip(starts, tokens.ends, strict=True)]
    candidates: list[tuple[float, int, int]] = []  # (score, first token, last token + 1)
    k = 0
    for s, e in _sentences(text):
        while k < len(starts) and starts[k] < s:
            k += 1
        first = k
        last = first
        while last < len(starts) and starts[last] < e:
            last += 1
        count = last - first
        if count < MIN_WORDS or is_excluded_sentence(text[s:e]):
            continue
        if any(quoted[first:last]):
            continue
        best: tuple[float, int, int] | None = None
        size = count if count <= MAX_WORDS else TARGET_WORDS
        for i in range(first, last - size + 1):
            j = i + size
            words = tokens.words[i:j]
            if stock and any(h in stock for h in shingle_hashes(words, SHINGLE)):
                continue
            score = distinctiveness(words, raw_words[i:j])
            if best is None or score > best[0]:
                best = (score, i, j)
        if best is not None:
            candidates.append(best)
    if not candidates:
        return []
    total = len(tokens)
    chosen: list[tuple[float, int, int]] = []
    for part in range(n):
        lo, hi = total * part // n, total * (part + 1) // n
        inside = [c for c in candidates if lo <= c[1] < hi and c not in chosen]
        if inside:
            chosen.append(max(inside, key=lambda c: (c[0], -c[1])))
    if len(chosen) < n:  # parts without a usable sentence: take the next best anywhere
        rest = sorted((c for c in candidates if c not in chosen), key=lambda c: (-c[0], c[1]))
        chosen += rest[: n - len(chosen)]
    chosen.sort(key=lambda c: (-c[0], c[1]))
    return [text[starts[i] : tokens.ends[j - 1]] for _, i, j in chosen]


def snippet_overlap(snippet: str, article_words: Collection[str]) -> float:
    """Share of a search result's title/snippet words (stop words aside) in the article.

    >>> snippet_overlap("Floods hit Quarrow again", {"floods", "hit", "quarrow", "again"})
    1.0
    """
    words = [w for w in tokenize(snippet).words if w not in _STOP and len(w) > 2]
    if not words:
        return 0.0
    return sum(1 for w in words if w in article_words) / len(words)
