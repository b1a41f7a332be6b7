"""The match queue and matcher processes (SQLite and PostgreSQL).

Claims: two claimers never take the same article; a dead matcher's claims return; an
article queued again while claimed stays queued. Matchers: two at once over copies that
arrive together reach exactly what ``rebuild`` computes; one killed with SIGKILL in the
middle of its work loses nothing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from crawler.db import match_queue as mq
from crawler.db import processes
from crawler.db.base import utcnow
from crawler.db.matching import match_pending, rebuild
from crawler.db.models import Article, WorkerProcess
from crawler.db.reuse_models import MatchQueueEntry, ReusePair, ReuseProvenance
from crawler.matcher import spawn, stop_all
from tests.corpus import add_article, day, paragraphs, words
from tests.harness import ROOT


def _articles(engine: Engine, n: int) -> list[int]:
    ids = []
    with Session(engine) as s, s.begin():
        for i in range(n):
            ids.append(add_article(s, f"https://o{i % 3}.com/{i}", " ".join(paragraphs(i, 2))))
        mq.enqueue(s.connection(), ids)
    return ids


def _tx(engine: Engine, fn, *args):  # noqa: ANN001, ANN202
    with Session(engine) as s, s.begin():
        return fn(s.connection(), *args)


def test_claims_are_disjoint_and_done_deletes_only_own(engine: Engine) -> None:
    ids = _articles(engine, 10)
    a = _tx(engine, mq.claim, "host:1:a", 4)
    b = _tx(engine, mq.claim, "host:2:b", 4)
    c = _tx(engine, mq.claim, "host:3:c", 4)
    assert a == ids[:4] and b == ids[4:8] and c == ids[8:]
    assert not set(a) & set(b)
    _tx(engine, mq.done, "host:2:b", a)  # not b's claims: nothing happens
    assert _tx(engine, mq.depth) == 10
    _tx(engine, mq.done, "host:1:a", a)
    assert _tx(engine, mq.depth) == 6
    assert _tx(engine, mq.claim, "host:1:a", 4) == []


@pytest.mark.postgres
def test_concurrent_claims_skip_locked_rows(pg_engine: Engine) -> None:
    """Two open transactions claim at once: the second skips the first's rows, no wait."""
    ids = _articles(pg_engine, 6)
    with Session(pg_engine) as s1, s1.begin(), Session(pg_engine) as s2, s2.begin():
        first = mq.claim(s1.connection(), "h:1:a", 4)
        second = mq.claim(s2.connection(), "h:2:b", 4)
    assert first == ids[:4] and second == ids[4:]


def test_dead_matchers_claims_return(engine: Engine) -> None:
    ids = _articles(engine, 4)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone_here = f"{socket.gethostname()[:60]}:{dead.pid}:x"  # this host, pid no longer alive
    silent = "elsewhere:1:y"  # another host, heartbeat stale
    live = processes.new_process_id()
    for pid in (gone_here, silent, live):
        with Session(engine) as s, s.begin():
            processes.register(s, pid, "matcher", None)
    with Session(engine) as s, s.begin():
        old = utcnow() - timedelta(seconds=mq.STALE_AFTER + 5)
        s.execute(update(WorkerProcess).where(WorkerProcess.id == silent).values(heartbeat_at=old))
    assert _tx(engine, mq.claim, gone_here, 1) == ids[:1]
    assert _tx(engine, mq.claim, silent, 1) == ids[1:2]
    assert _tx(engine, mq.claim, live, 1) == ids[2:3]
    with Session(engine) as s, s.begin():
        assert mq.release_stale(s) == 2
    with Session(engine) as s:
        claims = dict(
            s.execute(select(MatchQueueEntry.article_id, MatchQueueEntry.claimed_by)).all()
        )
        procs = set(s.scalars(select(WorkerProcess.id)))
    assert claims == {ids[0]: None, ids[1]: None, ids[2]: live, ids[3]: None}
    assert procs == {live}


def test_queued_again_while_claimed_stays_queued(engine: Engine) -> None:
    ids = _articles(engine, 1)
    assert _tx(engine, mq.claim, "h:1:a", 5) == ids
    _tx(engine, mq.enqueue, ids)  # the text changed while a matcher had it
    _tx(engine, mq.done, "h:1:a", ids)
    assert _tx(engine, mq.claim, "h:1:b", 5) == ids


def test_outbox_rows_are_taken_once(engine: Engine) -> None:
    rows = [(mq.FOLLOW, f"https://x.com/{i}", None) for i in range(5)]
    _tx(engine, mq.outbox, rows + rows[:2])  # pending duplicates are dropped
    assert _tx(engine, mq.take, 3) == rows[:3]
    assert _tx(engine, mq.take, 3) == rows[3:]
    assert _tx(engine, mq.take, 3) == []


# -- matcher processes ---------------------------------------------------------------
def _stories(variants: int) -> list[dict]:
    """Stories copied, laundered, excerpted, canonicalised and mutually credited; every
    copy arrives in the same batch of the queue as its source."""
    docs = []
    for k in range(variants):
        story = paragraphs(f"story{k}", 8)
        docs += [
            {"url": f"https://alpha{k}.com/story", "body": story, "published": day(10)},
            {"url": f"https://beta{k}.com/b", "body": ["Intro."] + story[:7], "published": day(11),
             "links": [("attribution", f"https://alpha{k}.com/story")]},
            {"url": f"https://gamma{k}.com/c", "body": story[:7], "published": day(12),
             "links": [("attribution", f"https://beta{k}.com/b")]},
            {"url": f"https://delta{k}.com/d", "body": paragraphs(f"d{k}", 1) + story[3:5],
             "published": day(14), "precision": "date"},
            {"url": f"https://phi{k}.com/f", "body": story,
             "links": [("canonical", f"https://alpha{k}.com/story")]},
            {"url": f"https://eta{k}.com/g", "body": paragraphs(f"gh{k}", 6),
             "links": [("attribution", f"https://theta{k}.com/h")]},
            {"url": f"https://theta{k}.com/h", "body": paragraphs(f"gh{k}", 6),
             "links": [("attribution", f"https://eta{k}.com/g")]},
        ]  # fmt: skip
    return docs


def _store_queued(engine: Engine, docs: list[dict]) -> None:
    with Session(engine) as s, s.begin():
        ids = [
            add_article(s, d["url"], "\n\n".join(d["body"]), published=d.get("published"),
                        precision=d.get("precision", "datetime"), links=d.get("links", []))
            for d in docs
        ]  # fmt: skip
        mq.enqueue(s.connection(), ids)


def _state(engine: Engine) -> tuple:
    with Session(engine) as s:
        urls = dict(s.execute(select(Article.id, Article.url)).all())
        pairs = sorted(
            (urls[p.a_id], urls[p.b_id], p.kind, urls.get(p.source_id), urls.get(p.copy_id),
             p.credited, p.similarity)
            for p in s.scalars(select(ReusePair))
        )  # fmt: skip
        prov = sorted(
            (urls[r.article_id], urls.get(r.source_id), urls[r.root_id], r.depth)
            for r in s.scalars(select(ReuseProvenance))
        )
    return pairs, prov


def _wait_drained(engine: Engine, procs: list[subprocess.Popen], timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while _tx(engine, mq.depth):
        assert time.monotonic() < end, "the queue was not drained"
        assert any(p.poll() is None for p in procs), "every matcher died"
        time.sleep(0.2)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.postgres
def test_two_matchers_at_once_equal_rebuild(pg_engine: Engine) -> None:
    _store_queued(pg_engine, _stories(4))
    procs = spawn(_url(pg_engine), 2, batch=2, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        _wait_drained(pg_engine, procs)
    finally:
        stop_all(procs, timeout=30)
    assert all(p.returncode == 0 for p in procs)
    online = _state(pg_engine)
    assert len(online[0]) >= 4 * 6
    rebuild(pg_engine)
    assert _state(pg_engine) == online
    with Session(pg_engine) as s:
        assert not s.scalars(select(WorkerProcess)).all()  # both unregistered on SIGTERM


def test_matcher_killed_loses_nothing(engine: Engine) -> None:
    _store_queued(engine, _stories(6))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    (victim,) = spawn(_url(engine), 1, batch=2, env=env)
    try:
        end = time.monotonic() + 60
        while not _tx(engine, lambda c: c.execute(select(MatchQueueEntry.claimed_by).where(
                MatchQueueEntry.claimed_by.is_not(None))).first()):  # fmt: skip
            assert time.monotonic() < end and victim.poll() is None
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert _tx(engine, mq.depth) > 0
        rescuers = spawn(_url(engine), 1, batch=2, env=env)
        try:
            _wait_drained(engine, rescuers)
        finally:
            stop_all(rescuers, timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
    online = _state(engine)
    rebuild(engine)
    assert _state(engine) == online


def test_match_without_follow_drains_the_queue(engine: Engine) -> None:
    _store_queued(engine, _stories(1))
    assert match_pending(engine) == 7
    assert _tx(engine, mq.depth) == 0
    assert match_pending(engine) == 0


def test_learnt_boilerplate_rematches_only_articles_with_candidates(engine: Engine) -> None:
    """A footer becomes boilerplate when a fourth article of its outlet carries it; of its
    earlier carriers, only the one that has a candidate worth aligning (a copy elsewhere)
    is queued again. Masking the footer cannot give the others a pair, and draining the
    queue reaches what ``rebuild`` computes."""
    from crawler.db.matching import match_batch

    footer = " ".join(words("omega footer", 24)).capitalize() + "."
    story = paragraphs("omega story", 4)
    docs = [
        ("https://omega.com/1", story + [footer]),
        ("https://zeta.com/z", story),  # copies omega/1, without the footer
        ("https://omega.com/2", paragraphs("omega two", 4) + [footer]),
        ("https://omega.com/3", paragraphs("omega three", 4) + [footer]),
        ("https://omega.com/4", paragraphs("omega four", 4) + [footer]),
    ]
    ids = {}
    for url, body in docs:
        with Session(engine) as s, s.begin():
            ids[url] = add_article(s, url, "\n\n".join(body), published=day(len(ids) + 1))
        result = match_batch(engine, [ids[url]], "test-matcher")
    queued = _tx(engine, lambda c: set(c.execute(select(MatchQueueEntry.article_id)).scalars()))
    assert queued == {ids["https://omega.com/1"]}
    assert result.rematched == 1
    match_pending(engine)
    online = _state(engine)
    assert [p[:2] for p in online[0]] == [("https://omega.com/1", "https://zeta.com/z")]
    rebuild(engine)
    assert _state(engine) == online


@pytest.mark.parametrize("crossing", [False, True])
def test_partner_judged_on_stale_counts_is_matched_again(engine: Engine, crossing: bool) -> None:
    """Another matcher's crossing lands between our reads and our record: the partner
    it left out of its re-matches (no candidate then) is named for matching again."""
    from crawler.db.matching import _compute, _index, _judged_anew, _load_docs, match_batch

    footer = " ".join(words("omega footer", 24)).capitalize() + "."
    story = paragraphs("omega story", 4)
    docs = [("https://omega.com/1", story + [footer])]
    docs += [(f"https://omega.com/{i}", paragraphs(f"omega {i}", 4) + [footer]) for i in (2, 3)]
    docs += [("https://zeta.com/z", story), ("https://omega.com/4", paragraphs("o4", 4) + [footer])]
    ids = {}
    for url, body in docs:
        with Session(engine) as s, s.begin():
            ids[url] = add_article(s, url, "\n\n".join(body), published=day(len(ids) + 1))
    for url in list(ids)[:3]:
        match_batch(engine, [ids[url]], "other-matcher")
    with Session(engine) as s, s.begin():  # our batch: zeta, indexed and aligned
        batch = _load_docs(s, [ids["https://zeta.com/z"]])
        _index(s, batch, matched=False)
        plans = _compute(s, batch, cache=batch)
    if crossing:  # the other matcher indexes omega/4: the footer becomes boilerplate
        with Session(engine) as s, s.begin():
            _index(s, _load_docs(s, [ids["https://omega.com/4"]]))
    with Session(engine) as s, s.begin():
        stale = _judged_anew(s, {ids["https://omega.com/1"]}, plans)
    assert stale == ({ids["https://omega.com/1"]} if crossing else set())


def test_failed_batch_is_released_and_matched_later(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch whose transaction fails (a locked or lost database) gives its claims back;
    the matcher counts the error, waits, and matches them on its next claim."""
    from sqlalchemy.exc import OperationalError

    import crawler.db.matching as matching
    from crawler.matcher import Matcher

    real, calls = matching.match_batch, []

    def flaky(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(args[1])
        if len(calls) == 1:
            raise OperationalError("INSERT ...", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(matching, "match_batch", flaky)
    _store_queued(engine, _stories(1))
    matcher = Matcher(engine, batch=4)
    assert matcher.run(follow=False) >= 7  # and the articles its batches queued again
    assert matcher.errors == 1 and calls[0] == calls[1]  # the same claims, taken again
    assert _tx(engine, mq.depth) == 0
    online = _state(engine)
    rebuild(engine)
    assert _state(engine) == online


def test_a_batch_writes_its_boilerplate_marks_once_in_order(engine: Engine) -> None:
    """Two outlets' footers cross in one batch: their marks go in one ascending insert.
    Written article by article, two matchers crossing the same fingerprints in another
    order each held a mark the other waited for (a PostgreSQL deadlock at 100k)."""
    from sqlalchemy import event

    from crawler.db.matching import _index, _load_docs

    ids = []
    with Session(engine) as s, s.begin():
        for outlet in ("omega", "sigma"):
            footer = " ".join(words(f"{outlet} footer", 24)).capitalize() + "."
            for i in range(4):
                body = "\n\n".join(paragraphs(f"{outlet} {i}", 3) + [footer])
                ids.append(add_article(s, f"https://{outlet}.com/{i}", body))
    inserts: list[list] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.startswith("INSERT INTO reuse_marks"):
            inserts.append([p[0] for p in parameters] if executemany else [parameters[0]])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with Session(engine) as s, s.begin():
            marked, _ = _index(s, _load_docs(s, ids))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(marked) >= 2 and inserts == [sorted(marked)]
