"""Recognise credit phrases around links: "This post first appeared on X", "Source: X"...

Pure functions over text, so they are tested with tables of real-world phrasings.
"""

from __future__ import annotations

import re

# (label, pattern). Labels are stored as link context so researchers can filter by them.
CREDIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        ("first_appeared", r"\b(first|originally)\s+(appeared|published|ran|posted|aired)\b"),
        ("first_appeared", r"\b(was|were)\s+(first\s+)?(published|posted)\s+(on|at|in|by)\b"),
        ("republished", r"\b(re-?published|reprinted|re-?posted|cross-?posted|syndicated)\s+"
                        r"(here\s+)?(with\s+(the\s+)?(kind\s+)?permission\s+)?(from|of|by|with)\b"),
        ("republished", r"\bwith\s+(the\s+)?(kind\s+)?permission\s+(of|from)\b"),
        ("read_full", r"\b(read|see|continue\s+reading)\s+(the\s+)?(full|whole|rest\s+of\s+the|"
                      r"original|complete|entire)?\s*(article|story|post|piece|report|text)?\s*"
                      r"(at|on|here)\b"),
        ("source", r"(^|[\s(\[])(source|sources|via|h/t|hat\s+tip|credit|courtesy)\s*[:\-–—]"),
        ("source", r"\bcourtesy\s+of\b"),
        ("source", r"(^|\s)(quelle|fuente|fonte|источник|первоисточник)\s*:"),
        ("first_appeared", r"\b(zuerst|erstmals)\s+(erschienen|veröffentlicht)\b"),
        ("first_appeared", r"впервые\s+(опубликован|появил)"),
    )
)  # fmt: skip

# How much text before an anchor can carry its credit phrase.
CONTEXT_CHARS = 160


def credit_phrase(text: str) -> str | None:
    """Label of the credit phrase in ``text``, or None.

    >>> credit_phrase("This post first appeared on Russia Insider")
    'first_appeared'
    >>> credit_phrase("The minister said the strike was a mistake.") is None
    True
    """
    for label, pattern in CREDIT_PATTERNS:
        if pattern.search(text):
            return label
    return None


def link_context(before: str, anchor: str) -> str:
    """The text a credit phrase for a link must sit in: the end of its sentence so far.

    ``before`` is the paragraph text before the link. We keep the current sentence (up to
    ``CONTEXT_CHARS``), so a credit phrase two sentences earlier does not turn an
    ordinary body link into an attribution.
    """
    tail = before[-CONTEXT_CHARS:]
    # Cut at the last sentence end that is not the end of the tail itself.
    cut = max(tail.rfind(". "), tail.rfind("! "), tail.rfind("? "), tail.rfind("\n"))
    if cut >= 0:
        tail = tail[cut + 1 :]
    return f"{tail.strip()} {anchor.strip()}".strip()


def classify_anchor(before: str, anchor: str) -> tuple[bool, str | None, str]:
    """(is attribution, credit label, context) for a link in the main text."""
    context = link_context(before, anchor)
    label = credit_phrase(context)
    return label is not None, label, context
