"""Search backends: the documented protocol of each service, as pure request/parse pairs.

* SearXNG JSON API: ``GET {url}/search?q=...&format=json&pageno=N``; ``results[]`` with
  ``url``, ``title``, ``content``, ``publishedDate``; 403 when the instance does not
  enable JSON; ``unresponsive_engines`` lists engines that did not answer.
* GDELT DOC 2.0: ``GET {url}?query=...&mode=artlist&format=json&maxrecords=N``;
  ``articles[]`` with ``url``, ``title``, ``seendate``, ``domain``; ``{}`` for no match;
  errors as plain text with status 200; one request per 5 s.
* Brave Search API: ``GET {url}/res/v1/web/search?q=...&count=20`` with the key in the
  ``X-Subscription-Token`` header (``BRAVE_SEARCH_API_KEY``); ``web.results[]``.

Requests are sent by Scrapy (``crawler.search.discovery``) so the crawl's proxy,
User-Agent and archive apply; this module only builds them and reads the answers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "Backend",
    "BackendError",
    "Brave",
    "Gdelt",
    "SearchAnswer",
    "SearchResult",
    "Searxng",
    "parse_specs",
]


@dataclass(frozen=True, slots=True)
class SearchResult:
    url: str
    title: str = ""
    snippet: str = ""
    published: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "snippet": self.snippet,
                "published": self.published}  # fmt: skip


@dataclass(slots=True)
class SearchAnswer:
    """What one request brought: results, or the reason it brought none."""

    results: list[SearchResult] = field(default_factory=list)
    error: str | None = None  # reason code, e.g. "http_429", "json_disabled", "text_error"
    detail: str = ""
    retry_after: float | None = None  # seconds, for 429 and engines that did not answer

    @property
    def ok(self) -> bool:
        return self.error is None


class BackendError(ValueError):
    """A ``--search`` spec that cannot be used (unknown name, missing URL or key)."""


def _retry_after(headers: Mapping[str, str], default: float) -> float:
    value = headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return default  # an HTTP date or garbage: wait the backend's own pace


def _load_json(body: bytes) -> tuple[Any, str | None]:
    try:
        return json.loads(body.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError):
        text = body[:200].decode("utf-8", "replace").strip()
        return None, text or "empty body"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


class Backend:
    """A search service: its name, endpoint, pace, and how to ask and read it."""

    name = ""
    default_url: str | None = None
    default_delay = 1.0

    def __init__(self, url: str | None = None, delay: float | None = None) -> None:
        endpoint = url or self.default_url
        if not endpoint:
            raise BackendError(f"{self.name} needs an endpoint: --search {self.name}=URL")
        self.url = endpoint.rstrip("/")
        self.delay = self.default_delay if delay is None else delay

    def request(self, query: str) -> tuple[str, dict[str, str]]:
        """The URL and headers asking ``query``."""
        raise NotImplementedError

    def parse(self, status: int, headers: Mapping[str, str], body: bytes) -> SearchAnswer:
        """Read an answer; ``headers`` keys are lower-case."""
        if status == 429:
            return SearchAnswer(error="http_429", retry_after=_retry_after(headers, self.delay))
        if status != 200:
            detail = body[:200].decode("utf-8", "replace")
            return SearchAnswer(error=f"http_{status}", detail=detail)
        data, bad = _load_json(body)
        if bad is not None:
            return SearchAnswer(error="not_json", detail=bad)
        if not isinstance(data, dict):
            return SearchAnswer(error="bad_answer", detail=f"JSON {type(data).__name__}")
        return self.read(data)

    def read(self, data: dict[str, Any]) -> SearchAnswer:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r}, delay={self.delay})"


class Searxng(Backend):
    """A SearXNG instance (self-hosted metasearch), JSON output enabled."""

    name = "searxng"

    def request(self, query: str, page: int = 1) -> tuple[str, dict[str, str]]:
        qs = urlencode({"q": query, "format": "json", "pageno": page})
        return f"{self.url}/search?{qs}", {"Accept": "application/json"}

    def parse(self, status: int, headers: Mapping[str, str], body: bytes) -> SearchAnswer:
        if status == 403:
            return SearchAnswer(
                error="json_disabled",
                detail="the instance answers 403: enable 'json' in search.formats (settings.yml)",
            )
        return super().parse(status, headers, body)

    def read(self, data: dict[str, Any]) -> SearchAnswer:
        raw = data.get("results")
        if not isinstance(raw, list):
            return SearchAnswer(error="bad_answer", detail="no results list")
        results = [
            SearchResult(
                r["url"],
                _str(r.get("title")),
                _str(r.get("content")),
                _str(r.get("publishedDate")) or None,
            )  # fmt: skip
            for r in raw
            if isinstance(r, dict) and isinstance(r.get("url"), str)
        ]
        dead = data.get("unresponsive_engines") or []
        if not results and dead:
            names = ", ".join(str(e[0]) for e in dead if isinstance(e, list) and e)
            return SearchAnswer(
                error="unresponsive", detail=f"engines did not answer: {names}",
                retry_after=self.delay,
            )  # fmt: skip
        return SearchAnswer(results)


class Gdelt(Backend):
    """The GDELT DOC 2.0 API (news articles of the last three months, worldwide)."""

    name = "gdelt"
    default_url = "https://api.gdeltproject.org/api/v2/doc/doc"
    default_delay = 5.0  # GDELT asks for one request every 5 seconds
    max_records = 25

    def request(self, query: str) -> tuple[str, dict[str, str]]:
        qs = urlencode({"query": query, "mode": "artlist", "format": "json",
                        "maxrecords": self.max_records, "sort": "hybridrel"})  # fmt: skip
        return f"{self.url}?{qs}", {"Accept": "application/json"}

    def parse(self, status: int, headers: Mapping[str, str], body: bytes) -> SearchAnswer:
        stripped = body.strip()
        if status == 200 and stripped and stripped[:1] not in (b"{", b"["):
            # GDELT reports bad queries as plain text with status 200
            text = stripped[:200].decode("utf-8", "replace")
            return SearchAnswer(error="text_error", detail=text)
        return super().parse(status, headers, body)

    def read(self, data: dict[str, Any]) -> SearchAnswer:
        raw = data.get("articles", [])  # {} is GDELT's answer for no match
        if not isinstance(raw, list):
            return SearchAnswer(error="bad_answer", detail="articles is not a list")
        return SearchAnswer(
            [
                SearchResult(a["url"], _str(a.get("title")), "", _str(a.get("seendate")) or None)
                for a in raw
                if isinstance(a, dict) and isinstance(a.get("url"), str)
            ]
        )


class Brave(Backend):
    """The Brave Search API (web results); the key comes from ``BRAVE_SEARCH_API_KEY``."""

    name = "brave"
    default_url = "https://api.search.brave.com"
    key_variable = "BRAVE_SEARCH_API_KEY"

    def __init__(
        self, url: str | None = None, delay: float | None = None, key: str | None = None
    ) -> None:
        super().__init__(url, delay)
        self.key = key if key is not None else os.environ.get(self.key_variable, "")
        if not self.key:
            raise BackendError(f"brave needs an API key in ${self.key_variable}")

    def request(self, query: str) -> tuple[str, dict[str, str]]:
        qs = urlencode({"q": query, "count": 20})
        return f"{self.url}/res/v1/web/search?{qs}", {
            "Accept": "application/json",
            "X-Subscription-Token": self.key,
        }

    def read(self, data: dict[str, Any]) -> SearchAnswer:
        web = data.get("web") or {}
        raw = web.get("results", []) if isinstance(web, dict) else None
        if not isinstance(raw, list):
            return SearchAnswer(error="bad_answer", detail="web.results is not a list")
        return SearchAnswer(
            [
                SearchResult(
                    r["url"],
                    _str(r.get("title")),
                    _str(r.get("description")),
                    _str(r.get("page_age")) or None,
                )  # fmt: skip
                for r in raw
                if isinstance(r, dict) and isinstance(r.get("url"), str)
            ]
        )


BACKENDS: dict[str, type[Backend]] = {b.name: b for b in (Searxng, Gdelt, Brave)}


def parse_specs(specs: str | list[str], delay: float | None = None) -> list[Backend]:
    """``searxng=URL``, ``gdelt[=URL]``, ``brave[=URL]``, comma- or list-separated.

    >>> [b.name for b in parse_specs("searxng=http://s.test, gdelt")]
    ['searxng', 'gdelt']
    """
    items = specs.split(",") if isinstance(specs, str) else [s for x in specs for s in x.split(",")]
    out: list[Backend] = []
    for item in (s.strip() for s in items):
        if not item:
            continue
        name, _, url = item.partition("=")
        cls = BACKENDS.get(name.strip().lower())
        if cls is None:
            raise BackendError(f"unknown search backend {name!r} (known: {', '.join(BACKENDS)})")
        if any(b.name == cls.name for b in out):
            raise BackendError(f"search backend {cls.name} given twice")
        out.append(cls(url.strip() or None, delay))
    return out
