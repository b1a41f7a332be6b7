"""The fingerprint index's pure parts and its boilerplate bookkeeping."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db import reuse_index as index
from crawler.db.reuse_models import ReuseMark, ReusePosting
from graph.boilerplate import MIN_ARTICLES
from graph.shingles import fingerprints
from tests.corpus import add_article, paragraphs


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


def test_add_counts_one_more_article_and_forgets_marked() -> None:
    s = index.HashStats({1: {7: 2}, 3: {7: 3}})
    s.add([1, 1, 2, 3], 7, marked=[3])
    assert (s.count(1, 7), s.count(2, 7), s.df(1), s.df(3)) == (3, 1, 3, 0)
    assert s.is_boilerplate(3) and not s.is_boilerplate(1)


@pytest.mark.parametrize(
    ("per_outlet", "marked"),
    [
        ({1: {7: MIN_ARTICLES}, 2: {7: 1, 8: 1}}, set()),
        ({1: {o: 1 for o in range(index.STOCK_OUTLETS)}, 2: {7: MIN_ARTICLES - 1}}, {9}),
        ({1: {7: index.MAX_DF + 1}, 2: {7: index.MAX_DF, 8: 1}}, set()),
    ],
)
def test_summary_agrees_with_per_outlet_counts(per_outlet: dict, marked: set) -> None:
    """What matching reads per fingerprint (one row) says what the full counts say."""
    full = index.HashStats(per_outlet, set(marked))
    summary = index.HashSummary(
        {h: (len(o), sum(o.values()), max(o.values())) for h, o in per_outlet.items()},
        set(marked),
    )
    assert (summary.boilerplate(), summary.stock()) == (full.boilerplate(), full.stock())
    assert [summary.usable(h) for h in (1, 2, 9)] == [full.usable(h) for h in (1, 2, 9)]


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
        marks = set(s.scalars(select(ReuseMark.hash)))
        stats = index.hash_stats(s, hashes)
    assert crossed == [False] * (MIN_ARTICLES - 1) + [True, False]
    assert marks and marks <= set(hashes)  # the licence, marked once
    assert stats.boilerplate() >= marks and not stats.per_outlet.keys() & marks  # not read
    assert n_postings > 0


def test_counts_and_candidates_come_from_the_postings(engine: Engine) -> None:
    story = "\n\n".join(paragraphs("story", 3))
    with Session(engine) as s, s.begin():
        ids = []
        for i, outlet in enumerate([1, 1, 2]):
            aid = add_article(s, f"https://o{outlet}.com/{i}", story)
            hashes = [h for _, h in fingerprints(story)[2]]
            index.add_document(s, aid, outlet, "t", hashes)
            ids.append(aid)
        stats = index.hash_stats(s, hashes)
        found = index.candidates(s, ids[0], hashes, stats)
        summary = index.hash_summary(s, hashes)
    h = hashes[0]
    assert (stats.count(h, 1), stats.count(h, 2), stats.df(h)) == (2, 1, 3)
    assert summary.counts[h] == (2, 3, 2)  # outlets, articles, the top outlet's articles
    assert set(found) == set(ids[1:]) and set(found.values()) == {len(set(hashes))}


def test_alignable_is_set_once_false_and_true_wins(engine: Engine) -> None:
    """Of two matchers, the one that saw a candidate worth aligning wins; an article
    recorded as having one keeps it; only the articles that were not so are returned;
    only unknown or pairable carriers are named for re-matching."""
    story = "\n\n".join(paragraphs("story", 2))
    hashes = [h for _, h in fingerprints(story)[2]]
    with Session(engine) as s, s.begin():
        ids = []
        for i in range(4):
            aid = add_article(s, f"https://o{i}.com/{i}", story)
            index.add_document(s, aid, i, "t", hashes)
            ids.append(aid)
        a, b, c, d = ids  # d is never matched: unknown
        steps = [
            (index.note_alignable(s, set(), {a, b}), set()),  # a and b: none found
            (index.note_alignable(s, {b}, set()), {b}),  # b: a matcher found one
            (index.note_alignable(s, {b, c}, {a}), {c}),  # b was already known
            (index.note_alignable(s, set(), {b, c}), set()),  # true stays true
        ]
        carriers = index.carriers(s, hashes, pairable_only=True)
        everyone = index.carriers(s, hashes)
    assert [got for got, _ in steps] == [want for _, want in steps]
    assert carriers == {b, c, d} and everyone == {a, b, c, d}


def test_migration_0004_moves_the_index(tmp_path) -> None:  # noqa: ANN001
    """Postings gain their outlet from reuse_documents; boilerplate becomes marks."""
    from alembic import command
    from sqlalchemy import text

    from crawler.db.migrate import alembic_config
    from crawler.db.session import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0003")
    with Session(engine) as s, s.begin():
        a = add_article(s, "https://o1.com/a", "x")
        b = add_article(s, "https://o2.com/b", "y")
        for aid, outlet in ((a, 7), (b, 8)):
            s.execute(text("INSERT INTO reuse_documents (article_id, outlet_id, text_hash, "
                           "fingerprints, indexed_at) VALUES (:a, :o, 't', x'', '2026-01-01')"),
                      {"a": aid, "o": outlet})  # fmt: skip
            s.execute(text("INSERT INTO reuse_postings VALUES (11, :a), (12, :a)"), {"a": aid})
        n = MIN_ARTICLES
        s.execute(text(f"INSERT INTO reuse_outlet_hashes VALUES (11, 7, 1), (12, 7, 1), "
                       f"(11, 8, 1), (12, 8, {n}), (13, 0, {n})"))  # fmt: skip
    command.upgrade(config, "head")
    with Session(engine) as s:
        p = ReusePosting
        postings = set(map(tuple, s.execute(select(p.hash, p.outlet_id, p.article_id))))
        marks = set(s.scalars(select(ReuseMark.hash)))
    assert postings == {(11, 7, a), (12, 7, a), (11, 8, b), (12, 8, b)}
    assert marks == {12, 13}
    engine.dispose()
