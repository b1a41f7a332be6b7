"""Online matching and batch rebuild on a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawler.db.matching import _estimate, match_article, match_pending, rebuild
from crawler.db.models import Article
from crawler.db.records import load_records, load_undecided
from crawler.db.reuse_models import ReusePair, ReusePosting
from tests.corpus import add_article, day, paragraphs

LICENCE = (
    "Anyone is free to republish copy and redistribute the text in this content in any medium "
    "or format with the right to remix transform and build upon it even commercially as long as "
    "they provide a backlink and credit to Alpha News. It is not necessary to notify Alpha News."
)
DONATE = (
    "Support independent journalism today and donate to keep Alpha News free for everyone "
    "who reads it."
)
STORY = paragraphs("story", 8)


def _corpus() -> list[dict]:
    """Alpha's own stories with a licence, a laundering chain, an excerpt, independent reporting."""
    docs = [
        {
            "url": f"https://alpha.com/{i}",
            "body": paragraphs(f"alpha{i}", 5) + [LICENCE, DONATE],
            "published": day(1 + i),
        }
        for i in range(5)
    ]
    docs += [
        {"url": "https://alpha.com/story", "body": STORY + [LICENCE, DONATE], "published": day(10)},
        # B credits A, adds an intro, drops the last paragraph, keeps the licence
        {
            "url": "https://beta.com/b",
            "body": ["Intro from the beta desk."] + STORY[:7] + [LICENCE],
            "published": day(11),
            "links": [("attribution", "https://alpha.com/story")],
        },
        # C credits B only, copies B's text: launders A through B
        {
            "url": "https://gamma.com/c",
            "body": STORY[:7],
            "published": day(12),
            "links": [("attribution", "https://beta.com/b")],
        },
        # D runs two paragraphs under a short intro of its own, no credit, day precision
        {
            "url": "https://delta.com/d",
            "body": paragraphs("dnews", 1) + STORY[3:5],
            "published": day(14),
            "precision": "date",
        },
        # K: a report of its own that shares two paragraphs with the story amid six of
        # its own (as wire rewrites of one event do): neither is mostly the other
        {
            "url": "https://kappa.com/k",
            "body": paragraphs("knews", 6) + STORY[5:7],
            "published": day(13),
        },
        # E reports the same event independently, with Alpha's licence (copied template)
        {
            "url": "https://eps.com/e",
            "body": paragraphs("eps", 6) + [LICENCE],
            "published": day(11),
        },
        # F: canonical pointing to A, no date
        {
            "url": "https://phi.com/f",
            "body": STORY,
            "links": [("canonical", "https://alpha.com/story")],
        },
        # G and H: copies with conflicting evidence (mutual credit)
        {
            "url": "https://eta.com/g",
            "body": paragraphs("gh", 6),
            "links": [("attribution", "https://theta.com/h")],
        },
        {
            "url": "https://theta.com/h",
            "body": paragraphs("gh", 6),
            "links": [("attribution", "https://eta.com/g")],
        },
    ]
    return docs


def _store(eng: Engine, docs: list[dict], online: bool) -> dict[str, int]:
    ids = {}
    for d in docs:
        with Session(eng) as s, s.begin():
            aid = add_article(
                s,
                d["url"],
                "\n\n".join(d["body"]),
                published=d.get("published"),
                precision=d.get("precision", "datetime"),
                links=d.get("links", []),
            )
            if online:
                match_article(s, aid)
        ids[d["url"]] = aid
    return ids


def _state(eng: Engine) -> tuple:
    with Session(eng) as s:
        records, edges = load_records(s)
        undecided = load_undecided(s)
        urls = dict(s.execute(select(Article.id, Article.url)).all())
        pairs = sorted(
            (urls[p.a_id], urls[p.b_id], p.kind, p.similarity, urls.get(p.source_id))
            for p in s.scalars(select(ReusePair))
        )
    return (
        [(e.copy_url, e.source_url, e.kind, e.credited) for e in edges],
        [(u.url_a, u.url_b) for u in undecided],
        pairs,
    )


def test_corpus_online(engine: Engine) -> None:
    _store(engine, _corpus(), online=True)
    edges, undecided, pairs = _state(engine)
    assert ("https://beta.com/b", "https://alpha.com/story", "full", True) in edges
    assert ("https://gamma.com/c", "https://beta.com/b", "full", True) in edges
    assert ("https://delta.com/d", "https://alpha.com/story", "partial", False) in edges
    assert ("https://phi.com/f", "https://alpha.com/story", "full", True) in edges
    assert not any("gamma.com" in c and "alpha.com" in s for c, s, _, _ in edges)
    assert ("https://eta.com/g", "https://theta.com/h") in undecided  # mutual credit
    assert ("https://beta.com/b", "https://phi.com/f") in undecided  # sibling copies, F undated
    linked = {u for p in pairs for u in p[:2]}
    assert not any(
        u in linked
        for u in ["https://eps.com/e", "https://kappa.com/k"]
        + [f"https://alpha.com/{i}" for i in range(5)]
    )


def test_online_in_random_order_equals_rebuild(engine: Engine) -> None:
    docs = _corpus()
    random.Random(3).shuffle(docs)
    _store(engine, docs, online=True)
    online = _state(engine)
    stats = rebuild(engine)
    assert stats["articles"] == len(docs)
    assert _state(engine) == online


def test_late_source_redecides(sqlite_engine: Engine) -> None:
    docs = _corpus()
    ids = _store(sqlite_engine, [d for d in docs if "alpha.com/story" not in d["url"]], online=True)
    with Session(sqlite_engine) as s:
        _, edges = load_records(s)
    assert ("https://gamma.com/c", "https://beta.com/b") in {
        (e.copy_url, e.source_url) for e in edges
    }
    _store(sqlite_engine, [d for d in docs if d["url"] == "https://alpha.com/story"], online=True)
    edges, _, _ = _state(sqlite_engine)
    assert ("https://beta.com/b", "https://alpha.com/story", "full", True) in edges
    assert len(ids) == len(docs) - 1


def test_match_result_follow_urls(sqlite_engine: Engine) -> None:
    docs = _corpus()
    _store(sqlite_engine, [d for d in docs if d["url"] == "https://gamma.com/c"], online=True)
    with Session(sqlite_engine) as s, s.begin():
        aid = add_article(
            s,
            "https://zeta.com/z",
            "\n\n".join(STORY[:7]),
            links=[("attribution", "https://beta.com/b")],
        )
        result = match_article(s, aid)
    assert [p.other_url for p in result.pairs] == ["https://gamma.com/c"]
    assert result.follow_urls == ["https://beta.com/b"]


def test_rematch_after_text_change_and_pending(sqlite_engine: Engine) -> None:
    ids = _store(sqlite_engine, _corpus(), online=False)
    assert match_pending(sqlite_engine) == len(ids)
    assert match_pending(sqlite_engine) == 0
    before = _state(sqlite_engine)
    with Session(sqlite_engine) as s, s.begin():
        art = s.get(Article, ids["https://delta.com/d"])
        art.text, art.text_hash = "\n\n".join(paragraphs("dnews", 4)), "changed"
    assert match_pending(sqlite_engine) == 1
    after = _state(sqlite_engine)
    assert any("delta.com" in e[0] for e in before[0])
    assert not any("delta.com" in e[0] for e in after[0])
    with Session(sqlite_engine) as s:
        n = len(
            s.scalars(
                select(ReusePosting).where(ReusePosting.article_id == ids["https://delta.com/d"])
            ).all()
        )
    assert n > 0


@pytest.mark.parametrize(
    ("last_modified", "credited", "expected"),
    [
        ("Tue, 04 Mar 2025 10:00:00 GMT", [], datetime(2025, 3, 4, 10, tzinfo=UTC)),
        # a dated page credits it earlier than its Last-Modified (an edit came later)
        ("Tue, 04 Mar 2025 10:00:00 GMT", [datetime(2025, 3, 2, tzinfo=UTC)],
         datetime(2025, 3, 2, tzinfo=UTC)),
        (None, [datetime(2025, 3, 2, tzinfo=UTC)], datetime(2025, 3, 2, tzinfo=UTC)),
        # first seen bounds it too, but alone it says nothing about publication
        ("Tue, 04 Mar 2030 10:00:00 GMT", [], datetime(2025, 3, 20, tzinfo=UTC)),
        (None, [], None),
        ("not a date", [], None),
    ],
)  # fmt: skip
def test_undated_page_time_is_the_earliest_bound(
    last_modified: str | None, credited: list, expected: datetime | None
) -> None:
    assert _estimate(last_modified, datetime(2025, 3, 20), credited) == expected
