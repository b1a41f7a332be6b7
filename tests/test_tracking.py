"""One rule for session and tracking parameters, followed by both URL normalisers."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from crawler.urls import normalize_url
from graph.direction import url_key
from graph.tracking import is_noise_param


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("utm_source=x&utm_medium=y", ""),
        ("utm_id=1&utm_custom=2", ""),  # any utm_ tag, not a fixed list
        ("UTM_Source=x&id=3", "id=3"),
        ("fbclid=a&gclid=b&mc_cid=c&mc_eid=d&ref_src=e", ""),
        ("sid=1&PHPSESSID=2&jsessionid=3&session_id=4&sessid=5&oscsid=6", ""),
        ("id=7&page=2", "id=7&page=2"),
        ("p=17&utm_campaign=spring", "p=17"),
        ("sidebar=1&ref=home", "ref=home&sidebar=1"),  # prefixes of noise names are kept
    ],
)
def test_both_normalisers_drop_the_same_parameters(query: str, kept: str) -> None:
    url = f"https://news.test/story?{query}"
    stored = urlsplit(normalize_url(url)).query
    compared = url_key(url).partition("?")[2]
    assert sorted(parse_qsl(stored)) == sorted(parse_qsl(kept))
    assert sorted(parse_qsl(compared)) == sorted(parse_qsl(kept))
    assert all(not is_noise_param(k) for k, _ in parse_qsl(stored + "&" + compared))
