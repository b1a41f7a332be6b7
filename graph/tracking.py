"""Query parameters that identify a visitor or a campaign, never a document.

The one rule both URL normalisers follow: ``crawler.urls.normalize_url`` (stored URLs)
and ``graph.direction.url_key`` (comparing a credit link with an article's URL). It
imports nothing, so the crawler and ``graph/`` (which never imports the crawler) share it.
"""

from __future__ import annotations

__all__ = ["NOISE_PARAMS", "NOISE_PREFIXES", "is_noise_param"]

# Removing session ids turns session-id traps (a page linking to itself with a new id)
# into duplicates; campaign tags make one article look like many.
NOISE_PARAMS = frozenset(
    {
        "sid", "sessionid", "session_id", "session-id", "phpsessid", "jsessionid", "sessid",
        "oscsid", "cfid", "cftoken", "zenid", "s_sid", "ssid", "sess",
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "ref_src",
    }
)  # fmt: skip
# utm_source, utm_medium, ...; ASP's ASPSESSIONIDQQGTRB... carries a random suffix
NOISE_PREFIXES = ("utm_", "aspsessionid")


def is_noise_param(name: str) -> bool:
    """True when the query parameter ``name`` never identifies a document.

    >>> [is_noise_param(n) for n in ("utm_source", "UTM_Id", "PHPSESSID", "fbclid", "id", "p")]
    [True, True, True, True, False, False]
    """
    name = name.lower()
    return name in NOISE_PARAMS or name.startswith(NOISE_PREFIXES)
