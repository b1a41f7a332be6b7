"""Search backends: each protocol's requests and answers, from tables and from the
simulated engines (``tests.simweb.search``), errors and rate limits included."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.search.backends import (
    Backend,
    BackendError,
    Brave,
    Gdelt,
    Searxng,
    parse_specs,
)
from graph.queries import passages, phrase_query
from tests.simweb import generate
from tests.simweb import search as sim

J = {"content-type": "application/json"}


def _body(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.fixture(scope="module")
def web():  # type: ignore[no-untyped-def]
    return generate()


def _ask(web, backend: Backend, query: str):  # type: ignore[no-untyped-def]
    url, _ = backend.request(query)
    r = web.response(url)
    return backend.parse(r.status, {k.lower(): v for k, v in r.headers}, r.body)


def _fresh(web) -> None:  # type: ignore[no-untyped-def]
    """Start each test at the beginning of the engines' request counters."""
    web.search.requests.clear()


# -- specs -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "names", "urls"),
    [
        ("searxng=http://s.test", ["searxng"], ["http://s.test"]),
        ("gdelt", ["gdelt"], [Gdelt.default_url]),
        ("gdelt=http://g.test/api/", ["gdelt"], ["http://g.test/api"]),
        ("searxng=http://s.test, gdelt", ["searxng", "gdelt"],
         ["http://s.test", Gdelt.default_url]),
        (["searxng=http://a.test", "gdelt=http://b.test"], ["searxng", "gdelt"],
         ["http://a.test", "http://b.test"]),
    ],
)  # fmt: skip
def test_parse_specs(spec: str | list[str], names: list[str], urls: list[str]) -> None:
    backends = parse_specs(spec)
    assert [b.name for b in backends] == names
    assert [b.url for b in backends] == urls


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bing", "unknown search backend"),
        ("searxng", "needs an endpoint"),
        ("gdelt,gdelt", "given twice"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(BackendError, match=message):
        parse_specs(spec)


def test_brave_needs_a_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRAVE_SEARCH_API_KEY", raising=False)
    with pytest.raises(BackendError, match="BRAVE_SEARCH_API_KEY"):
        parse_specs("brave")
    monkeypatch.setenv("BRAVE_SEARCH_API_KEY", "k123")
    (b,) = parse_specs("brave=http://brave.search.test")
    url, headers = b.request('"a b c"')
    assert headers["X-Subscription-Token"] == "k123"
    u = urlsplit(url)
    assert u.path == "/res/v1/web/search"
    assert parse_qs(u.query) == {"q": ['"a b c"'], "count": ["20"]}


@pytest.mark.parametrize(
    ("spec", "delay", "expected"),
    [("gdelt", None, 5.0), ("searxng=http://s.test", None, 1.0), ("gdelt", 0.5, 0.5)],
)
def test_each_backend_keeps_its_own_pace(spec: str, delay: float | None, expected: float) -> None:
    assert parse_specs(spec, delay)[0].delay == expected


def test_requests_follow_the_documented_protocols() -> None:
    url, _ = Searxng("http://s.test/").request('"x y z"', page=2)
    assert urlsplit(url).path == "/search"
    assert parse_qs(urlsplit(url).query) == {"q": ['"x y z"'], "format": ["json"], "pageno": ["2"]}
    url, _ = Gdelt().request('"x y z"')
    q = parse_qs(urlsplit(url).query)
    assert url.startswith("https://api.gdeltproject.org/api/v2/doc/doc?")
    assert q["query"] == ['"x y z"'] and q["mode"] == ["artlist"] and q["format"] == ["json"]
    assert "maxrecords" in q


# -- answers, from tables --------------------------------------------------------------
SX = Searxng("http://s.test")
GD = Gdelt("http://g.test")
BR = Brave("http://b.test", key="k")


@pytest.mark.parametrize(
    ("backend", "status", "headers", "body", "error", "n", "retry"),
    [
        (SX, 200, J, _body({"results": [{"url": "http://a.test/1", "title": "T",
                                         "content": "C"}]}), None, 1, None),
        (SX, 200, J, _body({"results": [], "unresponsive_engines": [["google", "timeout"]]}),
         "unresponsive", 0, 1.0),
        (SX, 200, J, _body({"results": [], "unresponsive_engines": []}), None, 0, None),
        (SX, 200, J, _body({"results": [{"title": "no url"}, {"url": 5}]}), None, 0, None),
        (SX, 403, {}, b"Forbidden", "json_disabled", 0, None),
        (SX, 429, {"retry-after": "7"}, b"", "http_429", 0, 7.0),
        (SX, 429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, b"", "http_429", 0, 1.0),
        (SX, 200, J, b"<html>not json</html>", "not_json", 0, None),
        (SX, 200, J, _body([1, 2]), "bad_answer", 0, None),
        (SX, 502, {}, b"bad gateway", "http_502", 0, None),
        (GD, 200, J, _body({}), None, 0, None),
        (GD, 200, J, _body({"articles": [{"url": "http://a.test/1", "title": "T",
                                          "seendate": "20250101T000000Z"}]}), None, 1, None),
        (GD, 200, {"content-type": "text/plain"}, b"The specified phrase is too short.\n",
         "text_error", 0, None),
        (GD, 200, J, b"Your query was too short or too long.", "text_error", 0, None),
        (GD, 429, {"retry-after": "5"}, b"Please limit requests to one every 5 seconds",
         "http_429", 0, 5.0),
        (GD, 200, J, _body({"articles": "none"}), "bad_answer", 0, None),
        (BR, 200, J, _body({"web": {"results": [{"url": "http://a.test/1", "title": "T",
                                                 "description": "D"}]}}), None, 1, None),
        (BR, 200, J, _body({"type": "search"}), None, 0, None),
        (BR, 422, J, _body({"type": "ErrorResponse"}), "http_422", 0, None),
        (BR, 429, {"retry-after": "1"}, b"", "http_429", 0, 1.0),
    ],
)  # fmt: skip
def test_answers(
    backend: Backend,
    status: int,
    headers: dict[str, str],
    body: bytes,
    error: str | None,
    n: int,
    retry: float | None,
) -> None:
    answer = backend.parse(status, headers, body)
    assert answer.error == error
    assert len(answer.results) == n
    assert answer.retry_after == retry


# -- against the simulated engines -----------------------------------------------------
def _island_copy_and_query(web):  # type: ignore[no-untyped-def]
    copy = next(a for a in web.arts if a.outlet in web.islands and a.form == "e")
    text = "\n".join(copy.source.paragraphs)
    return copy, phrase_query(passages(text, 1)[0])


@pytest.mark.parametrize("make", [lambda: Searxng(f"http://{sim.SEARX}"),
                                  lambda: Gdelt(f"http://{sim.GDELT}{sim.GDELT_PATH}"),
                                  lambda: Brave(f"http://{sim.BRAVE}", key="k")])  # fmt: skip
def test_phrase_search_finds_the_island_copy(web, make) -> None:  # type: ignore[no-untyped-def]
    _fresh(web)
    backend = make()
    copy, query = _island_copy_and_query(web)
    answer = _ask(web, backend, query)
    assert answer.ok, answer
    urls = [r.url for r in answer.results]
    assert copy.url in urls and copy.source.url in urls
    # exact hits first; pages sharing only some words (other stories) come after them
    story = {a.url for a in web.arts if a.story == copy.story}
    assert urls[0] in story
    outside = [i for i, u in enumerate(urls) if u not in story]
    assert all(i > urls.index(copy.url) for i in outside)


def test_simulated_rate_limit_and_unresponsive_engines(web) -> None:  # type: ignore[no-untyped-def]
    _fresh(web)
    backend = Searxng(f"http://{sim.SEARX}")
    _, query = _island_copy_and_query(web)
    errors = [
        _ask(web, backend, query).error for _ in range(sim.LIMIT_EVERY * sim.UNRESPONSIVE_EVERY)
    ]
    assert errors[sim.LIMIT_EVERY - 1] == "http_429"
    assert errors[sim.UNRESPONSIVE_EVERY - 1] == "unresponsive"
    assert errors.count(None) == len(errors) - errors.count("http_429") - errors.count(
        "unresponsive"
    )


def test_simulated_json_disabled_gdelt_errors_and_no_match(web) -> None:  # type: ignore[no-untyped-def]
    _fresh(web)
    assert _ask(web, Searxng(f"http://{sim.SEARX_NOJSON}"), '"a b c d"').error == "json_disabled"
    gd = Gdelt(f"http://{sim.GDELT}{sim.GDELT_PATH}")
    short = _ask(web, gd, '"too short"')
    assert short.error == "text_error" and "too short" in short.detail
    none = _ask(web, gd, '"zzyzx qwertyuiop asdfghjkl mnbvcxz"')
    assert none.ok and none.results == []
    r = web.response(gd.request('"zzyzx qwertyuiop asdfghjkl mnbvcxz"')[0])
    assert r.body == b"{}"
