"""Which article of a reuse pair is the source: signals, each with a weight, and a decision.

Every signal favours one side with a weight in (0, 1), read as "how sure this signal
alone would make us". The two sides combine like independent evidence
(``1 - prod(1 - w)``), and the decision's confidence is the winner's strength times
the loser's weakness. Weak or conflicting evidence gives ``undecided`` rather than a
guess: a credit contradicted by clearly separated dates, mutual credits, or only a
first-seen order within one crawl.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from graph.tracking import is_noise_param

__all__ = [
    "ESTIMATE",
    "MIN_CONFIDENCE",
    "WEIGHTS",
    "Decision",
    "Facts",
    "Signal",
    "date_interval",
    "p_before",
    "decide",
    "direction_signals",
    "host_of",
    "url_key",
]

WEIGHTS = {
    "attribution": 0.95,  # the copy credits the source's URL in its text
    "canonical": 0.9,  # cross-site rel=canonical to the source
    "syndication_source": 0.9,
    "original_source": 0.9,
    "og_url": 0.7,  # og:url pointing to another site: usually a lazy copy of the meta
    "body": 0.5,  # a plain link to the source page inside the copy's text
    "attribution_outlet": 0.7,  # credit to the source's outlet (home page or domain)
    # publication times, uncertainty included: scaled by P(order). Calibrated on the tune
    # half of the simulated web (python -m tests.eval --real tune): edges decided on
    # clearly separated dates alone were right 116 times in 119 (97.5%); 0.93 leaves
    # room for messier dates than ours.
    "published": 0.93,
    # an undated page's time estimated from its HTTP Last-Modified (a page is not
    # published after it was last modified). On the tune half 13 of 13 such edges were
    # right (at 0.8 and at 0.88); the simulated servers' Last-Modified is exact, real
    # ones that stamp the fetch time earn less: kept just below "published".
    "published_estimate": 0.92,
    "excerpt": 0.3,  # one text is mostly inside the other, not the reverse
    "first_seen": 0.2,  # our crawls saw one long before the other
}
CREDIT_SIGNALS = frozenset(
    ["attribution", "canonical", "syndication_source", "original_source", "og_url"]
)
MIN_CONFIDENCE = 0.4
ESTIMATE = "estimate"  # precision of an undated page's time taken from Last-Modified
ESTIMATE_SPAN = timedelta(hours=12)
FIRST_SEEN_GAP = timedelta(hours=6)
MIN_ORDER_EVIDENCE = 0.2  # 2 * P(x before y) - 1 below this: the dates say nothing
EXCERPT_INSIDE = 0.8  # the excerpt is at least this much inside the other text
EXCERPT_OUTSIDE = 0.5  # and the other text at most this much inside the excerpt
# Uncertainty of a stated time, by articles.date_precision (see crawler/dates.py).
_ZONE_SLACK = (timedelta(hours=14), timedelta(hours=12))  # UTC+14 .. UTC-12


def url_key(url: str) -> str:
    """A URL reduced for comparison: no scheme, ``www.``, port, fragment, trailing slash,
    nor the session and tracking parameters of :mod:`graph.tracking`.

    >>> url_key("https://www.Example.com/a/?utm_source=x&sid=9&id=2#top")
    'example.com/a?id=2'
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    query = "&".join(
        q for q in parts.query.split("&") if q and not is_noise_param(q.split("=", 1)[0])
    )
    return f"{host}{path}" + (f"?{query}" if query else "")


def host_of(url: str) -> str:
    return (urlsplit(url.strip()).hostname or "").lower().removeprefix("www.")


def _in_domain(host: str, domain: str) -> bool:
    return bool(domain) and (host == domain or host.endswith("." + domain))


@dataclass(frozen=True, slots=True)
class Facts:
    """What direction needs to know about one article."""

    url: str
    domain: str  # the outlet's registered domain
    published: datetime | None = None
    precision: str | None = None  # "datetime" | "local" | "date" | None
    first_seen: datetime | None = None
    aliases: frozenset[str] = frozenset()  # url_key()s that resolve to this article
    links: tuple[tuple[str, str], ...] = ()  # (kind, to_url) of its page

    def keys(self) -> frozenset[str]:
        return self.aliases | {url_key(self.url)}


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    favours: str  # "x" or "y": the side this signal says is the source
    weight: float


@dataclass(frozen=True, slots=True)
class Decision:
    source: str | None  # "x", "y" or None (undecided)
    confidence: float
    signals: tuple[Signal, ...] = field(default_factory=tuple)

    @property
    def credited(self) -> bool:
        """The copy credits its source (a credit link or a cross-site meta link)."""
        return any(
            s.favours == self.source and (s.name in CREDIT_SIGNALS or s.name.endswith("outlet"))
            for s in self.signals
        )


def date_interval(published: datetime | None, precision: str | None) -> tuple[datetime, datetime]:
    """Earliest and latest true instant for a stored publication time."""
    assert published is not None
    if precision == "datetime":
        return published, published
    if precision == "local":
        return published - _ZONE_SLACK[0], published + _ZONE_SLACK[1]
    day = published.replace(hour=0, minute=0, second=0, microsecond=0)
    if precision == ESTIMATE:  # at most the stated instant (see _order)
        return published - ESTIMATE_SPAN, published
    if precision == "month":  # some day of that month (see crawler.dates.fallback_day)
        end = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
        return day - _ZONE_SLACK[0], end + _ZONE_SLACK[1]
    if precision == "date" and (day.month, day.day) == (1, 1):
        # 1 January at day precision is what date guessers (htmldate) give for a bare
        # year, e.g. from a copyright line: read it as "some time that year"
        end = day.replace(year=day.year + 1)
        return day - _ZONE_SLACK[0], end + _ZONE_SLACK[1]
    # a day (or unknown precision): the whole day in any time zone
    return day - _ZONE_SLACK[0], day + timedelta(days=1) + _ZONE_SLACK[1]


def _interval(f: Facts) -> tuple[float, float]:
    """Publication interval in POSIX seconds; nothing is published after we saw it."""
    lo, hi = date_interval(f.published, f.precision)
    if f.first_seen is not None and f.first_seen >= lo:
        hi = min(hi, f.first_seen)
    return lo.timestamp(), hi.timestamp()


def _ramp_integral(x0: float, x1: float, t: float) -> float:
    """Integral up to ``t`` of the CDF of a uniform time on [x0, x1] (a step if x0 == x1)."""
    if t <= x0:
        return 0.0
    if x1 <= x0:
        return t - x0
    if t <= x1:
        return (t - x0) ** 2 / (2 * (x1 - x0))
    return (x1 - x0) / 2 + (t - x1)


def p_before(x: tuple[float, float], y: tuple[float, float]) -> float:
    """P(a uniform time in interval x is earlier than a uniform time in interval y).

    >>> p_before((0, 0), (10, 10)), p_before((0, 10), (0, 10)), p_before((0, 10), (10, 20))
    (1.0, 0.5, 1.0)
    """
    (x0, x1), (y0, y1) = x, y
    if y1 > y0:
        return (_ramp_integral(x0, x1, y1) - _ramp_integral(x0, x1, y0)) / (y1 - y0)
    if x1 > x0:
        return min(1.0, max(0.0, (y0 - x0) / (x1 - x0)))
    return 1.0 if x0 < y0 else 0.0 if x0 > y0 else 0.5


def _order(x: Facts, y: Facts) -> float:
    """P(x was published before y), from stated times or estimates.

    An estimate (an undated page's Last-Modified) is only an upper bound: a dated page
    after it is later; a dated page more than ``ESTIMATE_SPAN`` before it is earlier
    (pages are rarely modified long after they appear); in between nothing is known.
    """
    ix, iy = _interval(x), _interval(y)
    if ESTIMATE not in (x.precision, y.precision):
        return p_before(ix, iy)
    if ix[1] < iy[0]:
        return 1.0
    if iy[1] < ix[0]:
        return 0.0
    return 0.5


def _credits(copy: Facts, source: Facts) -> list[Signal]:
    """Signals that ``copy`` names ``source`` (exact page, or its outlet)."""
    keys = source.keys()
    found: dict[str, float] = {}
    for kind, to_url in copy.links:
        if kind not in WEIGHTS:
            continue
        if url_key(to_url) in keys:
            found[kind] = WEIGHTS[kind]
        elif (
            kind == "attribution"
            and copy.domain != source.domain
            and _in_domain(host_of(to_url), source.domain)
        ):
            found["attribution_outlet"] = WEIGHTS["attribution_outlet"]
    return [Signal(name, "", w) for name, w in sorted(found.items())]


def direction_signals(x: Facts, y: Facts, contained_x: float, contained_y: float) -> list[Signal]:
    """All signals on which of x and y is the source.

    ``contained_x`` is the share of x's text found in y, and vice versa.
    """
    out = [Signal(s.name, "y", s.weight) for s in _credits(x, y)]
    out += [Signal(s.name, "x", s.weight) for s in _credits(y, x)]
    if x.published is not None and y.published is not None:
        p = _order(x, y)
        strength = abs(2 * p - 1)
        if strength >= MIN_ORDER_EVIDENCE:
            name = "published_estimate" if ESTIMATE in (x.precision, y.precision) else "published"
            w = round(WEIGHTS[name] * strength, 3)
            out.append(Signal(name, "x" if p > 0.5 else "y", w))
    if contained_y >= EXCERPT_INSIDE and contained_x <= EXCERPT_OUTSIDE:
        out.append(Signal("excerpt", "x", WEIGHTS["excerpt"]))
    elif contained_x >= EXCERPT_INSIDE and contained_y <= EXCERPT_OUTSIDE:
        out.append(Signal("excerpt", "y", WEIGHTS["excerpt"]))
    if x.first_seen is not None and y.first_seen is not None:
        if y.first_seen - x.first_seen > FIRST_SEEN_GAP:
            out.append(Signal("first_seen", "x", WEIGHTS["first_seen"]))
        elif x.first_seen - y.first_seen > FIRST_SEEN_GAP:
            out.append(Signal("first_seen", "y", WEIGHTS["first_seen"]))
    return out


def _strength(signals: list[Signal], side: str) -> float:
    p = 1.0
    for s in signals:
        if s.favours == side:
            p *= 1.0 - s.weight
    return 1.0 - p


def decide(signals: list[Signal], min_confidence: float = MIN_CONFIDENCE) -> Decision:
    """Combine signals into a decision, or ``undecided`` when they are weak or conflict.

    >>> decide([Signal("attribution", "x", 0.95)]).source
    'x'
    >>> decide([Signal("attribution", "x", 0.95), Signal("attribution", "y", 0.95)]).source is None
    True
    """
    px, py = _strength(signals, "x"), _strength(signals, "y")
    if px >= py:
        side, confidence = "x", px * (1.0 - py)
    else:
        side, confidence = "y", py * (1.0 - px)
    confidence = round(confidence, 4)
    ordered = tuple(sorted(signals, key=lambda s: (s.name, s.favours)))
    if confidence < min_confidence:
        return Decision(None, confidence, ordered)
    return Decision(side, confidence, ordered)
