"""Search engines of the simulated web: SearXNG, GDELT DOC 2.0 and Brave, over its pages.

Each host answers the documented protocol of the service it stands for, from one
full-text index of the simulated articles (islands included, robots-disallowed pages
not). A query's quoted phrases must occur in an article's text (word for word, case and
punctuation aside) for an exact hit; like real engines, a few pages that share only
some of the query's words come after them (same-event reports among them). The trouble
researchers meet is acted out deterministically, counted per host:

* every ``LIMIT_EVERY``-th request answers 429 with ``Retry-After: 1``;
* SearXNG: every ``UNRESPONSIVE_EVERY``-th answer has no results and lists an engine
  in ``unresponsive_engines``; ``nojson.search.test`` answers 403 (JSON not enabled);
* GDELT: a phrase of fewer than 3 words gets the plain-text error
  ``The specified phrase is too short.`` with status 200; no match answers ``{}``.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from .model import Art, Response

if TYPE_CHECKING:
    from .web import SimWeb

SEARX = "searx.search.test"
SEARX_NOJSON = "nojson.search.test"
GDELT = "gdelt.search.test"
BRAVE = "brave.search.test"
HOSTS = frozenset({SEARX, SEARX_NOJSON, GDELT, BRAVE})
GDELT_PATH = "/api/v2/doc/doc"
BRAVE_PATH = "/res/v1/web/search"
LIMIT_EVERY = 5
UNRESPONSIVE_EVERY = 7
LOOSE = 3  # results that share only some words, after the exact hits
PAGE = 10
_WORD = re.compile(r"\w+")
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"


def _norm(text: str) -> str:
    """Case-folded words joined by single spaces, padded: ' a b c '."""
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


@dataclass
class _Doc:
    art: Art
    text: str  # plain text: title, dek, paragraphs
    norm: str
    words: frozenset[str]


def _json(data: object, status: int = 200) -> Response:
    body = json.dumps(data).encode()
    return Response(status, (("Content-Type", JSON_TYPE),), body)


def _text(body: str, status: int = 200) -> Response:
    return Response(status, (("Content-Type", TEXT_TYPE),), body.encode())


class SearchEngine:
    """All search hosts of one simulated web (thread-safe: the proxy serves in threads)."""

    def __init__(self, web: SimWeb) -> None:
        self.web = web
        self._docs: list[_Doc] | None = None
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()

    @property
    def docs(self) -> list[_Doc]:
        with self._lock:
            if self._docs is None:
                self._docs = []
                for a in self.web.arts:
                    if a.disallowed:
                        continue
                    text = "\n".join([a.title, a.dek, *a.paragraphs])
                    norm = _norm(text)
                    self._docs.append(_Doc(a, text, norm, frozenset(norm.split())))
            return self._docs

    def search(self, query: str) -> list[tuple[_Doc, bool]]:
        """Exact-phrase hits first, then up to ``LOOSE`` pages sharing most other words."""
        phrases = [_norm(p) for p in re.findall(r'"([^"]+)"', query)]
        loose_words = set(_norm(query).split())
        if not loose_words:
            return []
        exact = [d for d in self.docs if phrases and all(p in d.norm for p in phrases)]
        hit = {id(d) for d in exact}
        scored = []
        for d in self.docs:
            if id(d) in hit:
                continue
            share = len(loose_words & d.words) / len(loose_words)
            if share >= 0.5:
                scored.append((-share, d.art.id, d))
        loose = [d for *_, d in sorted(scored, key=lambda t: t[:2])[:LOOSE]]
        if not phrases:
            return [(d, False) for d in loose]
        return [(d, True) for d in exact] + [(d, False) for d in loose]

    def _count(self, host: str) -> int:
        with self._lock:
            self.requests[host] += 1
            return self.requests[host]

    def response(self, url: str) -> Response:
        u = urlsplit(url)
        host = (u.hostname or "").lower()
        args = {k: v[-1] for k, v in parse_qs(u.query).items()}
        if u.path in ("/robots.txt", "/favicon.ico"):
            return _text("not found\n", 404)
        n = self._count(host)
        if n % LIMIT_EVERY == 0:
            return Response(
                429,
                (("Content-Type", TEXT_TYPE), ("Retry-After", "1")),
                b"Too Many Requests\n",
            )
        if host in (SEARX, SEARX_NOJSON):
            return self._searx(u.path, args, host, n)
        if host == GDELT:
            return self._gdelt(u.path, args)
        return self._brave(u.path, args)

    def _snippet(self, d: _Doc, query: str) -> str:
        """About 30 words around the first quoted phrase (or the start of the text)."""
        words = d.text.split()
        m = re.search(r'"([^"]+)"', query)
        start = 0
        if m:
            first = _norm(m.group(1)).split()[:1]
            for i, w in enumerate(words):
                if first and _norm(w).strip() == first[0]:
                    start = max(0, i - 5)
                    if _norm(" ".join(words[i : i + 40])).find(_norm(m.group(1))) >= 0:
                        break
        return " ".join(words[start : start + 30])

    def _searx(self, path: str, args: dict[str, str], host: str, n: int) -> Response:
        if path != "/search" or not args.get("q"):
            return _text("not found\n", 404)
        if args.get("format") != "json":
            return Response(200, (("Content-Type", "text/html; charset=utf-8"),), b"<html></html>")
        if host == SEARX_NOJSON:
            return _text("Forbidden\n", 403)
        q = args["q"]
        try:
            page = max(1, int(args.get("pageno", "1")))
        except ValueError:
            page = 1
        unresponsive = n % UNRESPONSIVE_EVERY == 0
        hits = [] if unresponsive else self.search(q)
        results = [
            {
                "url": d.art.url,
                "title": d.art.title,
                "content": self._snippet(d, q),
                "publishedDate": d.art.time.isoformat() if d.art.published else None,
                "engine": "duckduckgo",
                "engines": ["duckduckgo", "bing"] if exact else ["bing"],
                "score": 2.0 if exact else 0.5,
                "category": "general",
            }
            for d, exact in hits[(page - 1) * PAGE : page * PAGE]
        ]
        return _json(
            {
                "query": q,
                "number_of_results": len(hits),
                "results": results,
                "answers": [],
                "corrections": [],
                "infoboxes": [],
                "suggestions": [],
                "unresponsive_engines": [["duckduckgo", "timeout"], ["bing", "timeout"]]
                if unresponsive
                else [],
            }
        )

    def _gdelt(self, path: str, args: dict[str, str]) -> Response:
        if path != GDELT_PATH:
            return _text("not found\n", 404)
        q = args.get("query", "")
        if args.get("mode", "").lower() != "artlist" or args.get("format", "").lower() != "json":
            return _text("Invalid mode or format.\n")
        if not q.strip():
            return _text("Please specify a query.\n")
        phrases = re.findall(r'"([^"]+)"', q)
        if any(len(_norm(p).split()) < 3 for p in phrases):
            return _text("The specified phrase is too short.\n")
        try:
            limit = min(250, max(1, int(args.get("maxrecords", "75"))))
        except ValueError:
            limit = 75
        hits = self.search(q)[:limit]
        if not hits:
            return _json({})
        return _json(
            {
                "articles": [
                    {
                        "url": d.art.url,
                        "url_mobile": "",
                        "title": d.art.title,
                        "seendate": d.art.time.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"),
                        "socialimage": "",
                        "domain": d.art.outlet.domain,
                        "language": "English" if d.art.lang == "en" else d.art.lang,
                        "sourcecountry": "",
                    }
                    for d, _ in hits
                ]
            }
        )

    def _brave(self, path: str, args: dict[str, str]) -> Response:
        if path != BRAVE_PATH:
            return _text("not found\n", 404)
        q = args.get("q", "")
        if not q:
            return _json({"type": "ErrorResponse", "error": {"code": "VALIDATION"}}, 422)
        try:
            count = min(20, max(1, int(args.get("count", "20"))))
        except ValueError:
            count = 20
        hits = self.search(q)[:count]
        return _json(
            {
                "type": "search",
                "query": {"original": q},
                "web": {
                    "type": "search",
                    "results": [
                        {
                            "title": d.art.title,
                            "url": d.art.url,
                            "description": self._snippet(d, q),
                            "page_age": d.art.time.isoformat(),
                        }
                        for d, _ in hits
                    ],
                },
            }
        )
