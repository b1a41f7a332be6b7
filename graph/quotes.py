"""Quoted speech in a text: what independent reports of one event share without copying.

Newsrooms that cover the same event quote the same officials word for word, so shared
text inside quotation marks is weak evidence of copying at most (``graph.align``
leaves it out of the words that decide whether a pair is a copy). This module finds
the character spans inside quotation marks, in every style news sites use:

* English “…” and ‘…’ (nested either way), straight "…" and '…';
* German „…“, ‚…‘ and »…«; French, Russian and Swiss «…» and ‹…›; Swedish ”…”;
* a quote still open at the end of a paragraph ends there (the convention for quotes
  that run over several paragraphs is to reopen the mark on the next one);
* apostrophes (don't, Ukraine’s, the ’90s) are not quotation marks.

No library in the project's stack does this (trafilatura keeps quotes as text, and
``<q>``/``<blockquote>`` markup is rare in news pages), hence this small scanner.
"""

from __future__ import annotations

import re

from graph.shingles import Tokens

__all__ = ["quote_mask", "quoted_spans"]

# opening mark -> the marks that may close it
_OPEN = {
    "“": "”“",  # English “…”, or German „…“ written with an English opening mark
    "„": "“”",
    "‚": "‘’",
    "«": "»",
    "‹": "›",
    "»": "«",  # German »…«
    "›": "‹",
    "‘": "’",
    "”": "”",  # Swedish ”…”
    "「": "」",
    "『": "』",
}
_STRAIGHT = "\"'"
# Every character the scanner acts on; the rest of a text is skipped over (in C).
_MARKS = re.compile(
    "[" + re.escape("".join(sorted({"\n", "’", *_STRAIGHT, *_OPEN, *"".join(_OPEN.values())})))
    + "]"
)  # fmt: skip


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` of the outermost quotations in ``text``.

    >>> t = 'He said “we will not sign,” and left.'
    >>> [t[s:e] for s, e in quoted_spans(t)]
    ['we will not sign,']
    >>> t = "„Wir prüfen das“, sagte sie. Don't ‘worry’ «да»"
    >>> [t[s:e] for s, e in quoted_spans(t)]
    ['Wir prüfen das', 'worry', 'да']
    """
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []  # (closing marks, start of the content)
    n = len(text)
    for found in _MARKS.finditer(text):
        i, ch = found.start(), found.group()
        if ch == "\n":
            if stack:  # an unclosed quote ends with its paragraph
                spans.append((stack[0][1], i))
                stack.clear()
            continue
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if ch in _STRAIGHT:
            if ch == "'" and _is_word(prev) and (_is_word(nxt) or nxt == "s"):
                continue  # don't, O'Brien
            if stack and ch in stack[-1][0]:
                closes = True
            elif ch == "'" and _is_word(prev):
                continue  # a trailing apostrophe (the players' union)
            else:
                closes = False
            if not closes:
                if ch == "'" and nxt.isdigit():
                    continue  # the '90s
                if _is_word(nxt) or nxt in _OPEN or nxt in _STRAIGHT or nxt in "¿¡.…(":
                    stack.append((ch, i + 1))
                continue
        elif stack and ch in stack[-1][0]:
            if ch == "’" and _is_word(prev) and _is_word(nxt):
                continue  # an apostrophe inside a word, even while a ‘quote’ is open
            closes = True
        elif ch == "’":
            continue  # apostrophe
        elif ch in _OPEN:
            if ch == "‘" and (_is_word(prev) or nxt.isdigit()):
                continue  # a misused apostrophe (the ‘90s)
            if ch == "”" and not (_is_word(nxt) or nxt in "¿¡"):
                continue  # a closing mark with nothing open
            stack.append((_OPEN[ch], i + 1))
            continue
        else:
            continue
        if closes:
            start = stack.pop()[1]
            if not stack:
                spans.append((start, i))
    if stack:
        spans.append((stack[0][1], n))
    return spans


def quote_mask(tokens: Tokens) -> bytearray:
    """1 for each token of ``tokens`` that stands inside a quotation, 0 elsewhere."""
    out = bytearray(len(tokens))
    spans = quoted_spans(tokens.text)
    if not spans:
        return out
    k = 0
    for i, start in enumerate(tokens.starts):
        while k < len(spans) and spans[k][1] <= start:
            k += 1
        if k == len(spans):
            break
        if spans[k][0] <= start:
            out[i] = 1
    return out
