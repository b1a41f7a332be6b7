"""Credit phrases around links in the main text (tables of real-world phrasings)."""

import pytest

from crawler.attribution import classify_anchor, credit_phrase


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("This post first appeared on Russia Insider", "first_appeared"),
        ("This article originally appeared at The Herald", "first_appeared"),
        ("Originally published at eastbridge.test", "first_appeared"),
        ("This story was first published by Reuters", "first_appeared"),
        ("Republished with permission from The Herald", "republished"),
        ("Reprinted from Daily Wire", "republished"),
        ("Cross-posted from the author's blog", "republished"),
        ("Published with the kind permission of the editors", "republished"),
        ("Read the full article at Eastbridge News", "read_full"),
        ("Continue reading on Herald", "read_full"),
        ("Read more here", None),  # too vague on its own: no "at/on" outlet
        ("Source: Reuters", "source"),
        ("SOURCE - TASS", "source"),
        ("Via: Zero Hedge", "source"),
        ("Courtesy of the Associated Press", "source"),
        ("Quelle: Tagesschau", "source"),
        ("Источник: РИА Новости", "source"),
        ("Dieser Artikel ist zuerst erschienen bei Telepolis", "first_appeared"),
        ("Статья впервые опубликована на сайте", "first_appeared"),
        ("The minister said the strike was a mistake.", None),
        ("Sources close to the ministry said nothing.", None),
        ("The aircraft first flew in 1998.", None),
        ("He read the report aloud.", None),
    ],
)
def test_credit_phrase(text: str, label: str | None) -> None:
    assert credit_phrase(text) == label


@pytest.mark.parametrize(
    ("before", "anchor", "is_credit"),
    [
        ("This post first appeared on", "Russia Insider", True),
        ("Source:", "Herald", True),
        ("See", "the ministry's statement", False),
        # A credit phrase in an earlier sentence does not make a later link a credit.
        ("It first appeared on TV. Later the minister posted", "a statement", False),
        ("According to", "the report", False),
        ("Read the full article at", "eastbridge.test", True),
    ],
)
def test_classify_anchor(before: str, anchor: str, is_credit: bool) -> None:
    assert classify_anchor(before, anchor)[0] is is_credit
