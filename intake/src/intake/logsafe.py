"""A last line of defence for logs: no IP address, no query string, no exception message.

Our own log lines never hold a peer address, a query string or a request body (see app.py). Sanic's
and the libraries' lines are not ours to word: Sanic logs the full URL (query string included) when
a client goes away mid-request, and an exception's message can quote the data that caused it
(asyncpg and SQLAlchemy errors include the values sent). This filter, put on every log handler when
the server starts, rewrites each record before it is written:

- anything that parses as an IPv4 or IPv6 address becomes `[ip]` (the configured listen address,
  which is not a client's, is kept);
- a query string (`?` followed by text) becomes `?[query]`;
- an exception keeps its type and traceback (file, line, code) but not its message.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import traceback
from collections.abc import Iterable

# Candidates only: each is checked with `ipaddress` before it is redacted, so times like 09:41:07
# and version numbers like 1.2.3 are left alone.
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w.:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\d{1,3}(?:\.\d{1,3}){3})?"
    r"(?:%[\w.]+)?(?![\w.:])"
)
# An IPv4 address may be followed by `:port`.
_IPV4_CANDIDATE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_QUERY = re.compile(r"\?[^\s'\"<>]+")
LOGGERS = (
    "",
    "intake",
    "intake.access",
    "alembic",
    "sanic.root",
    "sanic.error",
    "sanic.access",
    "sanic.server",
    "sanic.websockets",
)


def redact(text: str, keep: Iterable[str] = ()) -> str:
    kept = set(keep)

    def ip(match: re.Match[str]) -> str:
        candidate = match.group(0)
        if candidate in kept:
            return candidate
        try:
            ipaddress.ip_address(candidate.split("%", 1)[0])
        except ValueError:
            return candidate
        return "[ip]"

    return _QUERY.sub("?[query]", _IPV4_CANDIDATE.sub(ip, _IPV6_CANDIDATE.sub(ip, text)))


class RedactingFilter(logging.Filter):
    def __init__(self, keep: Iterable[str] = ()):
        super().__init__("")
        self.keep = tuple(keep)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format
            message = str(record.msg)
        record.msg = redact(message, self.keep)
        record.args = ()
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            record.exc_text = (
                "Traceback (most recent call last):\n"
                + "".join(traceback.format_tb(tb))
                + f"{kind.__name__} (message withheld: it may hold request data)"
            )
            record.exc_info = None
        return True


def install(keep: Iterable[str] = ()) -> None:
    """Put a RedactingFilter on every handler of the loggers that can write a request's details
    (again after Sanic has made its handlers); a handler that has one already keeps it, with
    `keep` added to the addresses it leaves alone."""
    keep = tuple(keep)
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            existing = [f for f in handler.filters if isinstance(f, RedactingFilter)]
            if existing:
                for redactor in existing:
                    redactor.keep = tuple(dict.fromkeys((*redactor.keep, *keep)))
            else:
                handler.addFilter(RedactingFilter(keep))
