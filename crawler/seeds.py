"""Seed URLs from the command line or a file: one URL a line, ``#`` comments allowed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.urls import is_http_url, normalize_url


@dataclass(frozen=True, slots=True)
class RejectedSeed:
    line_no: int
    text: str
    reason: str


def check_seed(text: str) -> str | None:
    """Why ``text`` is not a usable seed URL, or None when it is."""
    if any(ch.isspace() for ch in text):
        return "contains white space"
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        return f"unparsable URL ({exc})"
    if not parts.scheme:
        return "no scheme: write http:// or https://"
    if parts.scheme not in ("http", "https"):
        return f"unsupported scheme {parts.scheme!r}: only http and https are crawled"
    if not is_http_url(text) or "." not in (parts.hostname or ""):
        return "no valid host name"
    return None


def parse_seeds(lines: Iterable[str]) -> tuple[list[str], list[RejectedSeed]]:
    """Valid seed URLs (normalised, in order, without repeats) and rejected lines."""
    urls: list[str] = []
    rejected: list[RejectedSeed] = []
    seen: set[str] = set()
    for line_no, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if " #" in text:
            text = text.split(" #", 1)[0].strip()
        if not text:
            continue
        reason = check_seed(text)
        if reason:
            rejected.append(RejectedSeed(line_no, text, reason))
            continue
        url = normalize_url(text)
        if url not in seen:
            seen.add(url)
            urls.append(url)
    return urls, rejected
