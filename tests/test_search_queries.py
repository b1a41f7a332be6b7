"""Query formulation for search-based discovery (``graph.queries``): tables of cases."""

from __future__ import annotations

import pytest

from graph.queries import (
    MAX_WORDS,
    MIN_WORDS,
    distinctiveness,
    is_excluded_sentence,
    normalise_query,
    passages,
    phrase_query,
    snippet_overlap,
)
from graph.shingles import SHINGLE, shingle_hashes, tokenize

PLAIN = (
    "Engineers in Quarrow confirmed that the Veldoria Defence Agency ordered 5105 tonnes of "
    "steel overnight. The Housing Federation of Sudbrook postponed 756 contracts after "
    "auditors reviewed the disputed ledgers in Teregrad. Residents said little. Minutes "
    "seen by regulators show Gustav Dobrev extended the unexpected budget as muted and "
    "serious. Diplomats warned that the controversial election near Solvast left 4172 "
    "million dollars abandoned in frozen accounts."
)


@pytest.mark.parametrize(
    ("sentence", "excluded"),
    [
        ("LONDON (Reuters) — The central bank raised its main rate on Thursday.", True),
        ("SOLVAST, February 19 (Continental Press) — Troubling ledgers show a deficit.", True),
        ("This story first appeared on The Daily Herald and is republished here.", True),
        ("Originally published by Eastbridge News under a Creative Commons licence.", True),
        ("Source: Steppe Insider", True),
        ("Subscribe to our newsletter for the latest news from the region.", True),
        ("Support our journalism: donate today.", True),
        ("© 2025 The Daily Herald. All rights reserved.", True),
        ("The Housing Federation of Sudbrook postponed 756 contracts on Monday.", False),
        ("Engineers in Quarrow confirmed the order overnight.", False),
        ("A source close to the ministry said the talks stalled.", False),
    ],
)
def test_excluded_sentences(sentence: str, excluded: bool) -> None:
    assert is_excluded_sentence(sentence) is excluded


@pytest.mark.parametrize(
    ("text", "n", "check"),
    [
        # too short for any passage
        ("Floods hit the town.", 3, lambda ps: ps == []),
        # nothing but quoted speech: never a query
        ('He said: "We will rebuild every bridge in the valley before the winter comes."', 2,
         lambda ps: ps == []),
        # a dateline sentence and a credit line are skipped, the rest is used
        ("LONDON (Reuters) — Ministers of nine countries met on Tuesday in the capital. "
         "Auditors in Teregrad found 4172 missing invoices in the Sudbrook harbour office. "
         "This article first appeared on The Daily Herald, republished with permission.", 3,
         lambda ps: ps == ["Auditors in Teregrad found 4172 missing invoices in the Sudbrook "
                           "harbour office"]),
        # spread over the text: one passage from each half, best first
        (PLAIN, 2, lambda ps: len(ps) == 2 and
         sorted(PLAIN.index(p) < len(PLAIN) // 2 for p in ps) == [False, True]),
        # every passage is 8-20 words
        (PLAIN, 4, lambda ps: all(MIN_WORDS <= len(tokenize(p)) <= MAX_WORDS for p in ps)),
        # a quoted sentence inside the text is left out
        (PLAIN + ' "The Veldoria Defence Agency will never pay 9999 tonnes of anything '
         'to Sudbrook," he said.', 6, lambda ps: not any("9999" in p for p in ps)),
        # n = 0 asks nothing
        (PLAIN, 0, lambda ps: ps == []),
    ],
)  # fmt: skip
def test_passages(text: str, n: int, check: object) -> None:
    ps = passages(text, n)
    assert len(ps) <= max(n, 0)
    assert check(ps), ps  # type: ignore[operator]


def test_passages_skip_stock_fingerprints() -> None:
    first = passages(PLAIN, 1)
    assert first
    stock = set(shingle_hashes(tokenize(first[0]).words, SHINGLE))
    again = passages(PLAIN, 1, stock=stock)
    assert again and again[0] != first[0]
    assert not set(shingle_hashes(tokenize(again[0]).words, SHINGLE)) & stock


def test_long_sentence_is_cut_to_its_most_distinctive_run() -> None:
    long = (
        "It was said by some of them that there was not much to be done about it at all "
        "and then the Veldoria Defence Agency ordered 5105 tonnes from Quarrow Steelworks "
        "while everyone else was waiting for the rain."
    )
    (p,) = passages(long, 1)
    assert "5105" in p and len(tokenize(p)) <= MAX_WORDS


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("the cat sat on the mat with the dog", "Veldoria ordered 5105 tonnes from Quarrow"),
        ("said that it was not the case at all", "Gustav Dobrev extended the budget in Sudbrook"),
    ],
)
def test_names_and_numbers_are_more_distinctive(a: str, b: str) -> None:
    def score(text: str) -> float:
        toks = tokenize(text)
        raw = [text[s:e] for s, e in zip(toks.starts, toks.ends, strict=True)]
        return distinctiveness(toks.words, raw)

    assert score(b) > score(a)


@pytest.mark.parametrize(
    ("passage", "query"),
    [
        ("Floods hit Quarrow", '"Floods hit Quarrow"'),
        ("  Floods\n hit   “Quarrow”  ", '"Floods hit Quarrow"'),
        ('He said "no" twice', '"He said no twice"'),
    ],
)
def test_phrase_query(passage: str, query: str) -> None:
    assert phrase_query(passage) == query


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ('"Floods Hit Quarrow"', '"floods hit quarrow"'),
        ('  "Floods   hit"\tQuarrow ', '"floods hit" quarrow'),
    ],
)
def test_normalise_query(query: str, key: str) -> None:
    assert normalise_query(query) == key


ARTICLE = set(tokenize(PLAIN).words)


@pytest.mark.parametrize(
    ("snippet", "lo", "hi"),
    [
        ("Veldoria Defence Agency ordered 5105 tonnes of steel overnight", 1.0, 1.0),
        ("Engineers in Quarrow confirmed a new bridge for the harbour", 0.3, 0.7),
        ("Football club signs striker from Brazil for record fee", 0.0, 0.0),
        ("", 0.0, 0.0),
        ("the of and", 0.0, 0.0),
    ],
)
def test_snippet_overlap(snippet: str, lo: float, hi: float) -> None:
    assert lo <= snippet_overlap(snippet, ARTICLE) <= hi
