"""The fingerprint index's pure parts and its boilerplate bookkeeping."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db.reuse_models import ReuseOutletHash, ReusePosting
from graph import index
from graph.boilerplate import MIN_ARTICLES
from graph.shingles import fingerprints
from tests.test_match_helpers import add_article, paragraphs


@pytest.mark.parametrize("hashes", [[], [0], [-(2**63), 2**63 - 1, 5, 5, -1]])
def test_pack_roundtrip(hashes: list[int]) -> None:
    assert index.unpack(index.pack(hashes)) == sorted(set(hashes))


@pytest.mark.parametrize(
    ("per_outlet", "boilerplate"),
    [
        ({1: {7: MIN_ARTICLES}}, {1}),
        ({1: {7: MIN_ARTICLES - 1, 8: MIN_ARTICLES - 1}}, set()),  # spread over outlets
        ({1: {7: 1}, 2: {7: MIN_ARTICLES + 3}}, {2}),
    ],
)
def test_boilerplate_is_per_outlet(per_outlet: dict, boilerplate: set) -> None:
    assert index.HashStats(per_outlet).boilerplate() == boilerplate


def test_bumped_counts_one_more_article() -> None:
    s = index.HashStats({1: {7: 2}}).bumped([1, 1, 2], 7)
    assert (s.count(1, 7), s.count(2, 7), s.df(1)) == (3, 1, 3)


def test_boilerplate_crossing_reported_once(engine: Engine) -> None:
    """Only the article that makes a fingerprint boilerplate somewhere reports it."""
    licence = " ".join(paragraphs("licence", 1, 40))
    crossed = []
    with Session(engine) as s, s.begin():
        for i in range(MIN_ARTICLES + 1):
            body = "\n\n".join(paragraphs(f"story{i}", 3) + [licence])
            aid = add_article(s, f"https://alpha.com/{i}", body)
            hashes = [h for _, h in fingerprints(body)[2]]
            crossed.append(bool(index.add_document(s, aid, 1, str(i), hashes)))
        n_postings = s.scalar(select(func.count()).select_from(ReusePosting))
        top = s.scalar(select(func.max(ReuseOutletHash.n)))
    assert crossed == [False] * (MIN_ARTICLES - 1) + [True, False]
    assert top == MIN_ARTICLES  # marked: counting stops
    assert n_postings > 0
