"""Copy detection, online (one article, during the crawl) and in batch (the whole database).

``match_article`` indexes one stored article, finds candidates through the shared
fingerprint index, verifies them by alignment, decides directions and updates the
chains of the stories it touches, inside the caller's transaction. ``rebuild`` does the
same for every article. Both reach the same state: pairs are always aligned in id
order, decisions and chains are pure functions of stored rows, and when a fingerprint
becomes (or stops being) boilerplate, every article carrying it is matched again.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.db import reuse_index as index
from crawler.db.base import utcnow
from crawler.db.models import Article, Link, Outlet, Page
from crawler.db.reuse_models import (
    ReuseDocument,
    ReuseMark,
    ReusePair,
    ReusePosting,
    ReuseProvenance,
)
from graph.align import Alignment, align, classify, fingerprint_marks, may_be_reuse
from graph.boilerplate import mask
from graph.direction import (
    ESTIMATE,
    WEIGHTS,
    Facts,
    date_interval,
    decide,
    direction_signals,
    url_key,
)
from graph.provenance import PairView, chains, credit_level
from graph.quotes import quote_mask
from graph.shingles import Tokens, fingerprints

__all__ = [
    "BatchResult",
    "MatchResult",
    "PairDecision",
    "match_article",
    "match_batch",
    "match_pending",
    "rebuild",
]

CACHE_BYTES = 128 << 20  # fingerprinted texts kept per matcher process (see _DocCache)
MAX_COMPONENT = 5000  # articles followed when re-chaining one story
FOLLOW_KINDS = ("attribution", "canonical", "og_url", "syndication_source", "original_source")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class PairDecision:
    """One reuse pair of the matched article, seen from it."""

    other_id: int
    other_url: str
    role: str  # "copy" (this article copies other), "source", or "undecided"
    kind: str
    similarity: float
    confidence: float
    signals: tuple[str, ...]


@dataclass(slots=True)
class MatchResult:
    article_id: int
    pairs: list[PairDecision] = field(default_factory=list)
    follow_urls: list[str] = field(default_factory=list)  # credits of copies, not yet stored
    rematched: int = 0  # other articles matched again (boilerplate learnt)


@dataclass(slots=True)
class _Doc:
    id: int
    outlet_id: int
    text_hash: str
    text: str
    tokens: Tokens
    hashes: list[int]
    fps: list[tuple[int, int]]
    quotes: bytearray  # 1 for tokens inside quotation marks


def _ids(name: str = "ids"):  # noqa: ANN202
    return bindparam(name, expanding=True)


_TEXTS = select(Article.id, Article.outlet_id, Article.text_hash, Article.text).where(
    Article.id.in_(bindparam("ids", expanding=True))
)
_HASHES = select(Article.id, Article.outlet_id, Article.text_hash).where(
    Article.id.in_(bindparam("ids", expanding=True))
)


class _SlimTokens(Tokens):
    """A cached text's tokens: their count, the text and the tokens' character spans in
    two arrays of 32-bit offsets, without the words (used only to fingerprint): a third
    of the bytes of ``Tokens``. The spans are kept because the passages of every pair
    found point into the texts, and recomputing a text's spans for each pair cost a
    tenth of a matcher's time (profile on the simulated web)."""

    __slots__ = ("_ends", "_starts", "n")

    def __init__(self, tokens: Tokens) -> None:
        super().__init__(tokens.text, [])
        self.n = len(tokens)
        self._starts = array("I", tokens.starts)
        self._ends = array("I", tokens.ends)

    def __len__(self) -> int:
        return self.n

    def span(self, first: int, last: int) -> tuple[int, int]:
        return self._starts[first], self._ends[last]


class _DocCache:
    """Fingerprinted texts by article id, the most recently used kept (per process).

    A matcher aligns each new article with its candidates, and the same sources (a
    story's root, an outlet's other articles) come back batch after batch; tokenising,
    fingerprinting and finding the quotations of a text cost more than its alignment
    (profile of a matcher on the simulated web: 26,000 fingerprintings for 1,500
    articles). An entry is used only while the article's text hash and outlet are the
    same, so a changed text is fingerprinted again. The cache is bounded by an estimate
    of its bytes, not by entries: a fingerprinted text with its words and spans takes
    about 250 bytes a word (tracemalloc on the simulated web's articles), and 2,000 such
    entries made the matcher's peak memory 300 MiB larger; entries keep ``_SlimTokens``,
    about 78 bytes a word (hashes 40, spans 8, fingerprints, quotation marks) plus the
    text.
    """

    BYTES_PER_WORD = 78

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.docs: dict[int, _Doc] = {}

    @classmethod
    def cost(cls, doc: _Doc) -> int:
        return len(doc.text) + cls.BYTES_PER_WORD * len(doc.tokens)

    def get(self, aid: int, outlet_id: int, text_hash: str) -> _Doc | None:
        doc = self.docs.pop(aid, None)
        if doc is None:
            return None
        if doc.text_hash != text_hash or doc.outlet_id != outlet_id:
            self.bytes -= self.cost(doc)
            return None
        self.docs[aid] = doc  # most recently used last
        return doc

    def put(self, doc: _Doc) -> None:
        if not isinstance(doc.tokens, _SlimTokens):
            doc = replace(doc, tokens=_SlimTokens(doc.tokens))
        old = self.docs.pop(doc.id, None)
        if old is not None:
            self.bytes -= self.cost(old)
        self.docs[doc.id] = doc
        self.bytes += self.cost(doc)
        while self.bytes > self.max_bytes and self.docs:
            self.bytes -= self.cost(self.docs.pop(next(iter(self.docs))))


_CACHE = _DocCache()


def _load_docs(session: Session, ids: Iterable[int]) -> dict[int, _Doc]:
    ids = sorted(set(ids))
    out: dict[int, _Doc] = {}
    conn = session.connection()
    for i in range(0, len(ids), index.CHUNK):
        chunk = {"ids": ids[i : i + index.CHUNK]}
        missing = []
        for aid, oid, th in conn.execute(_HASHES, chunk):
            doc = _CACHE.get(aid, oid, th)
            if doc is None:
                missing.append(aid)
            else:
                out[aid] = doc
        if not missing:
            continue
        for aid, oid, th, text in conn.execute(_TEXTS, {"ids": missing}):
            tokens, hashes, fps = fingerprints(text or "")
            doc = _Doc(aid, oid, th, text or "", tokens, hashes, fps, quote_mask(tokens))
            out[aid] = doc
            _CACHE.put(doc)
    return out


def _index(
    session: Session, docs: dict[int, _Doc], matched: bool = True
) -> tuple[set[int], set[int]]:
    """(Re-)index articles; return the fingerprints that became boilerplate (marked) and
    those that became stock phrases. ``matched`` False leaves the articles pending
    (``matched_at`` empty) until their pairs are recorded.

    One read of the fingerprints' counts serves the whole batch: each article's crossings
    are judged on the counts after the articles before it (in id order) were added, as
    reading the counts again before each article would give.
    """
    boilerplate: set[int] = set()
    stock: set[int] = set()
    states = index.document_states(session, docs)
    todo = []
    for aid in sorted(docs):
        doc, state = docs[aid], states.get(aid)
        if state is not None:
            if state.text_hash == doc.text_hash and state.outlet_id == doc.outlet_id:
                continue
            boilerplate |= index.remove_document(session, state)
        todo.append(doc)
    if not todo:
        return boilerplate, stock
    stats = index.hash_stats(session, {h for d in todo for _, h in d.fps})
    for doc in todo:
        own = [h for _, h in doc.fps]
        marked, stocked = index.crossings(stats, own, doc.outlet_id)
        index.add_document(
            session, doc.id, doc.outlet_id, doc.text_hash, own, before=stats, matched=matched,
            mark=False,
        )  # fmt: skip
        boilerplate |= marked
        stock |= stocked
        stats.add(own, doc.outlet_id, marked)
    index.add_marks(session, boilerplate)  # once, in order: see add_marks
    return boilerplate, stock


def _to_rematch(session: Session, boilerplate: set[int], stock: set[int]) -> set[int]:
    """Articles to match again after fingerprints became boilerplate or stock phrases.

    A boilerplate mark only masks more of a text, which lowers the strong words it can
    share with any other (``graph.align.strong_bound``) and leaves it fewer candidates;
    a stock phrase only changes how alignment judges a shared run, and the bound does not
    count on it. So a carrier whose last matching found no candidate worth aligning still
    has none, and is left out (match_pending on a scale-3 crawl: 706 re-matches, not 1,005).
    """
    return index.carriers(session, boilerplate | stock, pairable_only=True)


def _judged_anew(session: Session, ids: set[int], plans: list[_Plan]) -> set[int]:
    """Of ``ids`` (partners the plans found worth aligning, which had no such candidate
    before), those carrying a fingerprint whose boilerplate or stock status has changed
    since the plans read the counts: another matcher's crossing left them out of its
    re-matches (see :func:`_to_rematch`) while their pairs with ours were judged on the
    old status."""
    if not ids or not plans:
        return set()
    bp, stock = plans[0].boilerplate, plans[0].stock
    states = index.document_states(session, ids)
    own = {aid: index.unpack(st.fingerprints) for aid, st in states.items()}
    now = index.hash_summary(session, {h for hs in own.values() for h in hs})
    bp_now, stock_now = now.boilerplate(), now.stock()
    return {
        aid
        for aid, hs in own.items()
        if any((h in bp) != (h in bp_now) or (h in stock) != (h in stock_now) for h in hs)
    }


def _pair_values(a: _Doc, b: _Doc, al: Alignment, kind: str) -> dict:
    ta, tb = a.tokens, b.tokens
    return {
        "containment_a": round(al.containment_a, 4),
        "containment_b": round(al.containment_b, 4),
        "similarity": round(al.similarity, 4),
        "matched_words": al.matched_words,
        "quoted_words": al.quoted,
        "stock_words": al.stock,
        "kind": kind,
        "passages": [
            [*ta.span(a0, a1 - 1), *tb.span(b0, b1 - 1)] for a0, a1, b0, b1 in al.passages
        ],
    }


@dataclass(slots=True)
class _Plan:
    """What verifying one article found, before anything is written: the pairs it has
    now (values by (a_id, b_id)) and the pair rows it had when its candidates were read."""

    x_id: int
    found: dict[tuple[int, int], dict]
    existing: dict[tuple[int, int], Any]
    alignable: set[int]  # x and the candidates worth aligning with it (see _to_rematch)
    # The fingerprints judged boilerplate and stock phrases when it was computed (the
    # batch's shared sets), to tell whether a partner was judged on stale counts.
    boilerplate: set[int]
    stock: set[int]


_PT_COLS = ReusePair.__table__.c
_EXISTING = select(
    _PT_COLS.id, _PT_COLS.a_id, _PT_COLS.b_id, _PT_COLS.containment_a, _PT_COLS.containment_b,
    _PT_COLS.similarity, _PT_COLS.matched_words, _PT_COLS.quoted_words, _PT_COLS.stock_words,
    _PT_COLS.kind, _PT_COLS.passages,
).where(or_(_PT_COLS.a_id.in_(_ids()), _PT_COLS.b_id.in_(_ids())))  # fmt: skip


def _compute(
    session: Session,
    ids: Iterable[int],
    only_greater: bool = False,
    cache: dict[int, _Doc] | None = None,
) -> list[_Plan]:
    """Find and align the candidates of articles (reads only: the CPU-heavy half of
    matching, run by matchers in parallel).

    The fingerprints' counts and carriers are read once for the batch, after its
    articles were indexed and committed; a fingerprint's boilerplate and stock status is
    the same whichever article asks, so each article's result is the one it would get
    alone. A pair of two articles of the batch is aligned once.
    """
    ids = sorted(set(ids))
    docs = {i: cache[i] for i in ids if cache and i in cache}
    if missing := [i for i in ids if i not in docs]:
        docs.update(_load_docs(session, missing))
    xs = [docs[i] for i in ids if i in docs]
    if not xs:
        return []
    own = {h for x in xs for _, h in x.fps}
    stats = index.hash_summary(session, own)
    cands: dict[int, list[int]] = {}
    for x in xs:
        found = index.candidates(session, x.id, [h for _, h in x.fps], stats)
        cands[x.id] = sorted(c for c in found if c > x.id or not only_greater)
    wanted = set().union(*cands.values())
    if missing := wanted.difference(docs):
        docs.update(_load_docs(session, missing))
    others = {h for c in wanted if c in docs for _, h in docs[c].fps}.difference(own)
    other_stats = index.hash_summary(session, others)
    bp = stats.boilerplate() | other_stats.boilerplate()
    stock = stats.stock() | other_stats.stock()
    masks: dict[int, bytearray] = {}
    stocks: dict[int, bytearray] = {}

    def marks(d: _Doc) -> tuple[bytearray, bytearray]:
        if d.id not in masks:
            masks[d.id] = mask(len(d.tokens), d.fps, bp)
            stocks[d.id] = fingerprint_marks(len(d.tokens), d.fps, stock)
        return masks[d.id], stocks[d.id]

    existing: dict[int, dict[tuple[int, int], Any]] = {x.id: {} for x in xs}
    conn = session.connection()
    for i in range(0, len(ids), index.CHUNK):
        for r in conn.execute(_EXISTING, {"ids": ids[i : i + index.CHUNK]}):
            for x_id in (r.a_id, r.b_id):
                if x_id in existing:
                    existing[x_id][(r.a_id, r.b_id)] = r
    aligned: dict[tuple[int, int], dict | None] = {}
    alignable: set[tuple[int, int]] = set()
    plans = []
    for x in xs:
        found: dict[tuple[int, int], dict] = {}
        worth: set[int] = set()
        for c in cands[x.id]:
            if c not in docs:
                continue
            a, b = (x, docs[c]) if x.id < c else (docs[c], x)
            if (a.id, b.id) not in aligned:
                (mask_a, stock_a), (mask_b, stock_b) = marks(a), marks(b)
                if not may_be_reuse(a.hashes, b.hashes, len(a.tokens), len(b.tokens),
                                    mask_a, mask_b, a.quotes, b.quotes):  # fmt: skip
                    aligned[(a.id, b.id)] = None
                    continue
                alignable.add((a.id, b.id))
                al = align(a.hashes, b.hashes, len(a.tokens), len(b.tokens), mask_a, mask_b,
                           quote_a=a.quotes, quote_b=b.quotes, stock_a=stock_a,
                           stock_b=stock_b)  # fmt: skip
                kind = classify(al)
                aligned[(a.id, b.id)] = None if kind is None else _pair_values(a, b, al, kind)
            if (a.id, b.id) in alignable:
                worth |= {a.id, b.id}
            if (values := aligned[(a.id, b.id)]) is not None:
                found[(a.id, b.id)] = values
        plans.append(_Plan(x.id, found, existing[x.id], worth, bp, stock))
    return plans


_UPSERTS: dict[str, Any] = {}


def _upsert_pair(session: Session) -> Any:
    """Insert a pair row, or update the one another matcher wrote meanwhile (the pair's
    values are a function of the two texts, so either writer's values are the same).
    Built once per dialect: building it cost more than the insert."""
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        t = ReusePair.__table__
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t)
        keep = ("containment_a", "containment_b", "similarity", "matched_words",
                "quoted_words", "stock_words", "kind", "passages")  # fmt: skip
        _UPSERTS[dialect] = ins.on_conflict_do_update(
            index_elements=[t.c.a_id, t.c.b_id], set_={k: ins.excluded[k] for k in keep}
        )
    return _UPSERTS[dialect]


def _write(session: Session, plan: _Plan, only_greater: bool = False) -> tuple[set[int], bool]:
    """Record a plan: partners whose pair changed, and whether the article has pairs.

    Only pairs seen when the candidates were read are deleted: a pair another matcher
    inserted since (its article was indexed after ours was looked up) stays."""
    t = ReusePair.__table__
    x_id = plan.x_id
    changed: set[int] = set()
    for key, row in plan.existing.items():
        if key in plan.found or (only_greater and min(key) != x_id):
            continue
        session.execute(delete(t).where(t.c.id == row.id))
        changed.add(key[0] if key[1] == x_id else key[1])
    for key, values in plan.found.items():
        other = key[0] if key[1] == x_id else key[1]
        row = plan.existing.get(key)
        if row is None:
            session.execute(
                _upsert_pair(session).values(a_id=key[0], b_id=key[1], source_id=None,
                                             copy_id=None, confidence=0.0, credited=False,
                                             signals=[], **values)
            )  # fmt: skip
            changed.add(other)
        elif any(getattr(row, k) != v for k, v in values.items()):
            session.execute(update(t).where(t.c.id == row.id).values(**values))
            changed.add(other)
    return changed, bool(plan.found) or (only_greater and bool(plan.existing))


def _verify(session: Session, ids: Iterable[int], only_greater: bool = False) -> set[int]:
    """Find, verify and record the articles' reuse pairs, and mark them matched;
    return the articles whose pairs changed (the articles' partners and themselves)."""
    touched: set[int] = set()
    plans = _compute(session, ids, only_greater)
    for plan in plans:
        changed, _ = _write(session, plan, only_greater)
        if changed:
            touched |= {plan.x_id} | changed
    _note_alignable(session, plans)
    index.mark_matched(session, [p.x_id for p in plans])
    return touched


def _note_alignable(session: Session, plans: list[_Plan]) -> set[int]:
    """Record which articles have a candidate worth aligning (see :func:`_to_rematch`);
    return the partners of the plans' articles that had none recorded before."""
    worth = set().union(*(p.alignable for p in plans)) if plans else set()
    return index.note_alignable(session, worth, {p.x_id for p in plans} - worth)


_FACTS = (
    select(Article.id, Article.url, Article.page_id, Article.published, Article.date_precision,
           Article.first_seen_at, Article.canonical_url, Outlet.domain, Page.last_modified)
    .join(Outlet, Outlet.id == Article.outlet_id)
    .join(Page, Page.id == Article.page_id)
    .where(Article.id.in_(_ids()))
)  # fmt: skip


_CREDITED_BY = (
    select(Link.to_url, Article.published, Article.date_precision)
    .join(Article, Article.page_id == Link.page_id)
    .where(Link.to_url.in_(_ids("urls")), Link.kind.in_(FOLLOW_KINDS),
           Article.published.is_not(None))
)  # fmt: skip


def _utc(t: datetime | None) -> datetime | None:
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def _estimate(
    last_modified: str | None, first_seen: datetime | None, credited: list[datetime]
) -> datetime | None:
    """An undated page's latest possible publication, or None when nothing bounds it
    but our own first visit: its HTTP Last-Modified, the latest time of a dated page
    that credits it, first seen; whichever is earliest."""
    try:
        lm = _utc(parsedate_to_datetime(last_modified)) if last_modified else None
    except (TypeError, ValueError):
        lm = None
    bounds = [t for t in (lm, *map(_utc, credited)) if t is not None]
    if not bounds:
        return None
    seen = _utc(first_seen)
    return min(bounds + ([seen] if seen else []))


_PAGE_URLS = select(Page.id, Page.url).where(Page.id.in_(_ids()))
_REDIRECTS = select(Page.url, Page.final_url).where(Page.final_url.in_(_ids("urls")))
_LINKS = (
    select(Link.page_id, Link.kind, Link.to_url)
    .where(Link.page_id.in_(_ids()), Link.kind.in_(list(WEIGHTS)))
    .order_by(Link.id)
)


def _facts(session: Session, ids: Iterable[int]) -> dict[int, Facts]:
    """Direction facts of articles: dates, outlet, links of their pages, URL aliases."""
    ids = sorted(set(ids))
    conn = session.connection()
    rows = conn.execute(_FACTS, {"ids": ids}).all()
    page_ids = [r.page_id for r in rows]
    urls = [r.url for r in rows]
    page_url = dict(conn.execute(_PAGE_URLS, {"ids": page_ids}).all())
    aliases: dict[str, set[str]] = {u: set() for u in urls}
    for pu, fu in conn.execute(_REDIRECTS, {"urls": urls}):
        aliases[fu].add(url_key(pu))
    links: dict[int, list[tuple[str, str]]] = {}
    for pid, kind, to_url in conn.execute(_LINKS, {"ids": page_ids}):
        links.setdefault(pid, []).append((kind, to_url))
    undated = [r for r in rows if r.published is None]
    credited: dict[str, list[datetime]] = {}  # URL -> latest times of dated pages crediting it
    if undated:
        names = {u: r.url for r in undated for u in (r.url, page_url.get(r.page_id)) if u}
        for to_url, pub, prec in conn.execute(_CREDITED_BY, {"urls": sorted(names)}):
            credited.setdefault(names[to_url], []).append(date_interval(pub, prec)[1])
    out: dict[int, Facts] = {}
    for r in rows:
        own = aliases[r.url] | {url_key(r.url)}
        if r.page_id in page_url:
            own.add(url_key(page_url[r.page_id]))
        lk = links.get(r.page_id, [])
        if r.canonical_url and url_key(r.canonical_url) not in own:
            lk = [*lk, ("canonical", r.canonical_url)]
        published, precision = r.published, r.date_precision
        if published is None:
            published = _estimate(r.last_modified, r.first_seen_at, credited.get(r.url, []))
            precision = ESTIMATE if published is not None else None
        out[r.id] = Facts(
            url=r.url,
            domain=r.domain,
            published=published,
            precision=precision,
            first_seen=r.first_seen_at,
            aliases=frozenset(own),
            links=tuple(lk),
        )
    return out


_PT = ReusePair.__table__
_PAIRS_OF = select(_PT).where(or_(_PT.c.a_id.in_(_ids()), _PT.c.b_id.in_(_ids())))
_ORDER = select(
    Article.id, Article.url, Article.published, Article.date_precision, Article.first_seen_at
).where(Article.id.in_(_ids()))


def _decide(session: Session, article_ids: Iterable[int]) -> None:
    """Decide the direction of every pair touching the articles."""
    ids = sorted(set(article_ids))
    t = ReusePair.__table__
    pairs = []
    for i in range(0, len(ids), index.CHUNK):
        chunk = ids[i : i + index.CHUNK]
        pairs += session.connection().execute(_PAIRS_OF, {"ids": chunk}).all()
    pairs = list({p.id: p for p in pairs}.values())
    facts = _facts(session, {p.a_id for p in pairs} | {p.b_id for p in pairs})
    for p in pairs:
        if p.a_id not in facts or p.b_id not in facts:
            continue
        sig = direction_signals(facts[p.a_id], facts[p.b_id], p.containment_a, p.containment_b)
        d = decide(sig)
        side = {"x": p.a_id, "y": p.b_id}
        source = side.get(d.source) if d.source else None
        copy = (p.b_id if source == p.a_id else p.a_id) if source else None
        signals = [[s.name, side[s.favours], s.weight] for s in d.signals]
        values = {"source_id": source, "copy_id": copy, "confidence": d.confidence,
                  "credited": d.credited, "signals": signals}  # fmt: skip
        if any(getattr(p, k) != v for k, v in values.items()):
            session.execute(update(t).where(t.c.id == p.id).values(**values))


def _component(session: Session, seeds: Iterable[int]) -> tuple[set[int], list]:
    """Articles connected to the seeds through pairs, and those pairs."""
    nodes = set(seeds)
    frontier = sorted(nodes)
    pairs: dict[int, object] = {}
    while frontier and len(nodes) < MAX_COMPONENT:
        new: set[int] = set()
        for i in range(0, len(frontier), index.CHUNK):
            chunk = frontier[i : i + index.CHUNK]
            for r in session.connection().execute(_PAIRS_OF, {"ids": chunk}):
                pairs[r.id] = r
                new.update({r.a_id, r.b_id} - nodes)
        nodes |= new
        frontier = sorted(new)
    return nodes, list(pairs.values())


def _order_keys(session: Session, ids: Iterable[int]) -> dict[int, tuple]:
    """Tie-break keys: earliest possible publication, first seen, URL (never row ids)."""
    out: dict[int, tuple] = {}
    far = datetime.max.isoformat()
    ids = sorted(set(ids))
    for i in range(0, len(ids), index.CHUNK):
        for r in session.connection().execute(_ORDER, {"ids": ids[i : i + index.CHUNK]}):
            lo = date_interval(r.published, r.date_precision)[0].isoformat() if r.published else far
            seen = r.first_seen_at.isoformat() if r.first_seen_at else far
            out[r.id] = (lo, seen, r.url)
    return out


def _rechain(session: Session, seeds: Iterable[int]) -> set[int]:
    """Recompute direct sources and roots of the stories containing the seeds."""
    nodes, rows = _component(session, seeds)
    views = []
    for r in rows:
        if r.source_id is None:
            continue
        spans = tuple((p[0], p[1]) if r.copy_id == r.a_id else (p[2], p[3]) for p in r.passages)
        contained = r.containment_a if r.copy_id == r.a_id else r.containment_b
        views.append(PairView(r.source_id, r.copy_id, r.similarity, contained, r.confidence,
                              credit_level(r.signals, r.source_id), spans))  # fmt: skip
    result = chains(views, _order_keys(session, nodes))
    t = ReuseProvenance.__table__
    ids = sorted(nodes)
    for i in range(0, len(ids), index.CHUNK):
        session.execute(delete(t).where(t.c.article_id.in_(ids[i : i + index.CHUNK])))
    if result:
        session.execute(
            t.insert(),
            [{"article_id": a, "source_id": c.sources[0] if c.sources else None,
              "sources": list(c.sources), "root_id": c.root, "depth": c.depth,
              "confidence": round(c.confidence, 4)} for a, c in sorted(result.items())],
        )  # fmt: skip
    return nodes


def _follow_urls(session: Session, ids: set[int]) -> list[str]:
    """Credit and canonical targets of the articles' pages that we have not stored yet."""
    if not ids:
        return []
    targets: set[str] = set()
    facts = _facts(session, ids)
    own = set().union(*(f.keys() for f in facts.values()))
    for f in facts.values():
        targets.update(u for k, u in f.links if k in FOLLOW_KINDS and url_key(u) not in own)
    if not targets:
        return []
    stored = set(session.scalars(select(Page.url).where(Page.url.in_(sorted(targets)))))
    stored |= set(session.scalars(select(Article.url).where(Article.url.in_(sorted(targets)))))
    return sorted(targets - stored)


def match_article(session: Session, article_id: int) -> MatchResult:
    """Index one stored article and update reuse pairs, directions and chains.

    Runs inside the caller's transaction (one per page) and does not commit.
    """
    result = MatchResult(article_id)
    docs = _load_docs(session, [article_id])
    if article_id not in docs:
        return result
    boilerplate, stock = _index(session, docs)
    touched, has_pairs = {article_id}, False
    plans = _compute(session, [article_id], cache=docs)
    for plan in plans:
        changed, has_pairs = _write(session, plan)
        touched |= changed
    _note_alignable(session, plans)
    if boilerplate or stock:
        others = sorted(_to_rematch(session, boilerplate, stock) - {article_id})
        result.rematched = len(others)
        touched |= set(others) | _verify(session, others)
    if len(touched) == 1 and not has_pairs:
        return result
    _decide(session, touched)
    _rechain(session, touched)
    result.pairs = _decisions(session, article_id)
    involved = {article_id} | {p.other_id for p in result.pairs}
    result.follow_urls = _follow_urls(session, involved)
    return result


@dataclass(slots=True)
class BatchResult:
    """What matching a batch recorded: articles matched, other articles matched again,
    and the outbox rows written for the crawlers."""

    matched: list[int] = field(default_factory=list)
    rematched: int = 0  # other articles queued again (boilerplate or stock phrases learnt)
    follow_urls: list[str] = field(default_factory=list)


# Two matchers record their batches one at a time (PostgreSQL; SQLite's writers are
# serialised by BEGIN IMMEDIATE): decisions and chains read every pair the other wrote.
_LOCK_KEY = 0x70726F76  # "prov"


def _serialise(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))


def match_batch(
    engine: Engine,
    article_ids: Iterable[int],
    worker: str | None = None,
    announce: bool = True,
    reader: Engine | None = None,
) -> BatchResult:
    """Match stored articles in three steps, safe with other matchers at work:

    1. index them and commit, so a matcher reading candidates from now on sees them
       (articles carrying fingerprints that became boilerplate are queued again);
    2. read candidates and align (no lock: the CPU-heavy part runs in parallel);
    3. in one serialised transaction, write the pairs, decide directions, recompute
       chains, write the outbox, and drop ``worker``'s queue claims of the articles.

    Of two copies indexed at the same moment by two matchers, the one whose step 2
    starts later sees the other (step 1 committed before it); pair rows are unique and
    written with an upsert; decisions and chains are recomputed from stored rows after
    the other matcher's commit (the lock), so the result does not depend on the order.
    ``announce``: tell the crawlers which articles were matched (outbox "matched" rows).
    ``reader``: an engine for the reads (texts and fingerprints, candidates, alignment).
    On SQLite, a writer engine takes the database's one write lock at every ``BEGIN``;
    reading and aligning under it held up the crawl's own writes for as long.
    """
    from crawler.db import match_queue

    ids = sorted(set(article_ids))
    result = BatchResult()
    reader = reader or engine
    with Session(reader) as s, s.begin():
        # Fingerprinted outside the write lock. A text stored again meanwhile is queued
        # again by the crawl, and matched again with its new text.
        docs = _load_docs(s, ids)
    with Session(engine) as s, s.begin():
        boilerplate, stock = _index(s, docs, matched=False)
        if boilerplate or stock:
            # Articles carrying fingerprints that just became boilerplate or stock phrases
            # are matched again through the queue, in the transaction that made them so
            # (a matcher dying after it loses nothing): verifying them inline made up
            # two-thirds of a matcher's work, the same carriers again and again, where
            # the queue merges repeats and spreads them over the matchers.
            others = sorted(_to_rematch(s, boilerplate, stock) - set(docs))
            match_queue.enqueue(s.connection(), others)
            result.rematched = len(others)
    with Session(reader) as s, s.begin():
        index.refresh_statistics(s)
        plans = _compute(s, docs, cache=docs)
    with Session(engine) as s, s.begin():
        _serialise(s)
        touched: set[int] = set()
        paired: set[int] = set()
        for plan in plans:
            changed, has_pairs = _write(s, plan)
            if changed or has_pairs:
                touched |= {plan.x_id} | changed
                paired.add(plan.x_id)
        if touched:
            _decide(s, touched)
            _rechain(s, touched)
        if stale := _judged_anew(s, _note_alignable(s, plans) - set(docs), plans):
            match_queue.enqueue(s.connection(), sorted(stale))
            result.rematched += len(stale)
        involved = set(paired) | _partners(s, paired)
        result.follow_urls = _follow_urls(s, involved)
        result.matched = sorted(docs)
        # First matchings are announced; a re-match (queued by a boilerplate crossing)
        # was announced when it was first recorded.
        d = ReuseDocument.__table__
        first = set(
            s.scalars(
                select(d.c.article_id).where(d.c.article_id.in_(ids), d.c.matched_at.is_(None))
            )
        )
        if first:
            s.execute(
                update(d).where(d.c.article_id.in_(sorted(first))).values(matched_at=utcnow())
            )
        if worker is not None:
            conn = s.connection()
            urls = dict(s.execute(select(Article.id, Article.url).where(Article.id.in_(ids))).all())
            match_queue.outbox(
                conn,
                [(match_queue.FOLLOW, u, None) for u in result.follow_urls]
                + [
                    (match_queue.MATCHED, urls[a], a)
                    for a in result.matched
                    if announce and a in urls and a in first
                ],  # fmt: skip
            )
            match_queue.done(conn, worker, ids)
    return result


def _partners(session: Session, ids: set[int]) -> set[int]:
    """Articles paired with any of ``ids``."""
    out: set[int] = set()
    conn = session.connection()
    chunked = sorted(ids)
    for i in range(0, len(chunked), index.CHUNK):
        for r in conn.execute(_PAIRS_OF, {"ids": chunked[i : i + index.CHUNK]}):
            out.update((r.a_id, r.b_id))
    return out


def _decisions(session: Session, article_id: int) -> list[PairDecision]:
    t = ReusePair.__table__
    out = []
    for p in session.execute(select(t).where(or_(t.c.a_id == article_id, t.c.b_id == article_id))):
        other = p.b_id if p.a_id == article_id else p.a_id
        role = "undecided" if p.source_id is None else (
            "copy" if p.copy_id == article_id else "source")  # fmt: skip
        url = session.scalar(select(Article.url).where(Article.id == other)) or ""
        sigs = tuple(f"{s[0]}->{'self' if s[1] == article_id else 'other'}" for s in p.signals)
        out.append(PairDecision(other, url, role, p.kind, p.similarity, p.confidence, sigs))
    return sorted(out, key=lambda d: d.other_url)


def _clear(session: Session) -> None:
    for model in (ReuseProvenance, ReusePair, ReuseDocument, ReusePosting, ReuseMark):
        session.execute(delete(model.__table__))


def rebuild(engine: Engine, progress: Progress | None = None, batch: int = 500) -> dict[str, int]:
    """Recompute the index, pairs, directions and chains of the whole database."""
    with Session(engine) as s, s.begin():
        _clear(s)
        ids = list(s.scalars(select(Article.id).order_by(Article.id)))
    total = len(ids)
    for step in ("index", "verify"):
        for i in range(0, total, batch):
            chunk = ids[i : i + batch]
            with Session(engine) as s, s.begin():
                if step == "index":
                    for doc in _load_docs(s, chunk).values():
                        fps = [h for _, h in doc.fps]
                        index.add_document(s, doc.id, doc.outlet_id, doc.text_hash, fps, False)
                else:
                    _verify(s, chunk, only_greater=True)
            if progress:
                progress(step, min(i + batch, total), total)
        if step == "index":
            with Session(engine) as s, s.begin():
                index.mark_all(s)
    with Session(engine) as s, s.begin():
        t = ReusePair.__table__
        paired = sorted(set(s.scalars(select(t.c.a_id))) | set(s.scalars(select(t.c.b_id))))
    for i in range(0, len(paired), batch):
        with Session(engine) as s, s.begin():
            _decide(s, paired[i : i + batch])
    done: set[int] = set()
    with Session(engine) as s, s.begin():
        for aid in paired:
            if aid not in done:
                done |= _rechain(s, [aid])
        n_pairs = s.scalar(select(func.count()).select_from(ReusePair)) or 0
    if progress:
        progress("chains", len(paired), len(paired))
    return {"articles": total, "pairs": n_pairs, "paired_articles": len(paired)}


def match_pending(engine: Engine, progress: Progress | None = None, batch: int = 50) -> int:
    """Match what waits: the match queue, and articles not indexed or whose text changed
    since (a database filled before the queue existed); return how many were matched."""
    from crawler.db import match_queue, processes

    with Session(engine) as s, s.begin():
        d = ReuseDocument.__table__
        rows = s.execute(
            select(Article.id)
            .outerjoin(d, d.c.article_id == Article.id)
            .where(or_(d.c.article_id.is_(None), d.c.text_hash != Article.text_hash,
                       d.c.matched_at.is_(None)))
            .order_by(Article.id)
        ).scalars().all()  # fmt: skip
        conn = s.connection()
        match_queue.enqueue(conn, rows)
        total = match_queue.depth(conn)
    worker = processes.new_process_id()
    with Session(engine) as s, s.begin():
        processes.register(s, worker, "matcher", None)
    n = 0
    try:
        while True:
            with Session(engine) as s, s.begin():
                ids = match_queue.claim(s.connection(), worker, batch)
            if not ids:
                break
            match_batch(engine, ids, worker, announce=False)
            n += len(ids)
            if progress:
                progress("match", n, max(n, total))
    finally:
        with Session(engine) as s, s.begin():
            match_queue.release(s.connection(), worker)
            processes.forget(s, [worker])
    return n
