"""Quotation detection: every quotation style, nesting, unbalanced marks, apostrophes."""

from __future__ import annotations

import pytest

from graph.quotes import quote_mask, quoted_spans
from graph.shingles import tokenize


def _quoted(text: str) -> list[str]:
    return [text[s:e] for s, e in quoted_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English, curly and straight, double and single
        ("“We will not sign,” the minister said.", ["We will not sign,"]),
        ('"We will not sign," the minister said.', ["We will not sign,"]),
        ("‘We will not sign,’ the minister said.", ["We will not sign,"]),
        ("He said 'we will wait' and left.", ["we will wait"]),
        # German „…“, »…« and ‚…‘; French and Russian «…»; Swiss ‹…›; Swedish ”…”
        ("„Wir prüfen das“, sagte die Ministerin.", ["Wir prüfen das"]),
        ("»Wir prüfen das«, sagte sie.", ["Wir prüfen das"]),
        ("Er sprach von ‚Reform‘ und ging.", ["Reform"]),
        ("Il a dit « nous verrons » hier.", [" nous verrons "]),
        ("«Мы не допустим срыва сроков», — заявил он.", ["Мы не допустим срыва сроков"]),
        ("Sie sagte ‹nein› dazu.", ["nein"]),
        ("Han sa ”vi väntar” igår.", ["vi väntar"]),
        # nested quotes stay inside the outer one
        ("“The so-called ‘peace plan’ is dead,” he said.", ["The so-called ‘peace plan’ is dead,"]),
        ('"He called it \'a farce\' twice," she said.', ["He called it 'a farce' twice,"]),
        ("«Он назвал это „фарсом“», — сказал он.", ["Он назвал это „фарсом“"]),
        # unbalanced: an open quote ends with its paragraph; a stray closing mark is ignored
        ("“We will fight on\nThe vote is on Friday.", ["We will fight on"]),
        ("The vote” is on Friday.", []),
        # apostrophes are not quotation marks
        ("Ukraine’s army and the players’ union don’t agree.", []),
        ("Don't say O'Brien's plan failed in the '90s.", []),
        ("It was the ‘90s and rock ’n’ roll.", []),
        ("“It’s over,” she said.", ["It’s over,"]),
        # two quotations in one sentence
        ("“Yes,” he said, “and no.”", ["Yes,", "and no."]),
    ],
)  # fmt: skip
def test_quoted_spans(text: str, expected: list[str]) -> None:
    assert _quoted(text) == expected


@pytest.mark.parametrize(
    ("text", "quoted_words"),
    [
        ("“We will not sign it,” the minister said.", ["we", "will", "not", "sign", "it"]),
        ("No quotation at all here.", []),
        ("„Wir prüfen“, sagte sie. «Да», — ответил он.", ["wir", "prüfen", "да"]),
    ],
)  # fmt: skip
def test_quote_mask_marks_the_tokens_inside(text: str, quoted_words: list[str]) -> None:
    tokens = tokenize(text)
    mask = quote_mask(tokens)
    assert [w for w, m in zip(tokens.words, mask, strict=True) if m] == quoted_words
