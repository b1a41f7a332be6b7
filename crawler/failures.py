"""Reason codes for requests that produced no usable page, from Scrapy/Twisted failures."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure

from crawler.addresses import PrivateAddressError
from crawler.middlewares import RedirectLoopError
from crawler.traps import TrapRefused

_BY_TYPE: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, twisted_error.TimeoutError, twisted_error.TCPTimedOutError), "timeout"),
    ((CannotResolveHostError, twisted_error.DNSLookupError), "dns_error"),
    ((DownloadConnectionRefusedError, twisted_error.ConnectionRefusedError), "connection_refused"),
    ((ResponseDataLossError,), "data_loss"),
    ((DownloadCancelledError,), "too_large"),
    ((DownloadFailedError, twisted_error.ConnectionLost, twisted_error.ConnectionDone),
     "connection_lost"),
)  # fmt: skip


# Our own refusals (subclasses of IgnoreRequest), each with its reason.
_REFUSALS: tuple[tuple[type[IgnoreRequest], str], ...] = (
    (PrivateAddressError, "private_address"),
    (RedirectLoopError, "redirect_loop"),
    (TrapRefused, "trap"),
)


def reason_for(exc: BaseException, meta: dict[str, Any], url: str) -> tuple[str, int | None]:
    """(reason code, HTTP status or None) for an exception met while fetching ``url``."""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http_{status}", status
    for refusal, reason in _REFUSALS:
        if isinstance(exc, refusal):
            return reason, None
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "robots.txt" in message:
            return "robots", None
        if "max redirections" in message:
            hops = [*meta.get("redirect_urls", []), url]
            return ("redirect_loop" if len(set(hops)) < len(hops) else "too_many_redirects"), None
        if "DOWNLOAD_MAXSIZE" in message or "max size" in message:
            return "too_large", None
        return "ignored", None
    for types, reason in _BY_TYPE:
        if isinstance(exc, types):
            if reason == "too_large" and "max size" not in str(exc):
                return "cancelled", None
            return reason, None
    return type(exc).__name__.lower()[:64], None


def describe_failure(failure: Failure) -> str:
    """One line for logs and ``pages.error_detail``."""
    value = failure.value
    text = str(value).strip().splitlines()
    return f"{type(value).__name__}: {text[0] if text else ''}"[:500]
