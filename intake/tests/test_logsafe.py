"""The redacting filter every log handler gets when the server starts."""

import logging

import pytest

from intake import logsafe
from intake.logsafe import RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("client 198.51.100.7:50022 sent", "client [ip]:50022 sent"),
        ("peer [2001:db8::7]:443 gone", "peer [[ip]]:443 gone"),
        ("mapped ::ffff:203.0.113.9 here", "mapped [ip] here"),
        ("fe80::1%eth0 link-local", "[ip] link-local"),
        (
            "Request: GET http://x/api/v1/staff/referrals?name=Jane%20Doe stopped.",
            "Request: GET http://x/api/v1/staff/referrals?[query] stopped.",
        ),
        (
            "at 09:41:07, version 1.2.3, 1.2.3.4.5 parts",
            "at 09:41:07, version 1.2.3, 1.2.3.4.5 parts",
        ),
        ("Is it on? yes", "Is it on? yes"),
    ],
)
def test_addresses_and_query_strings_are_redacted(text, expected):
    assert redact(text) == expected


def test_the_listen_address_may_be_kept():
    assert redact("listening on http://127.0.0.1:8000", keep=["127.0.0.1"]) == (
        "listening on http://127.0.0.1:8000"
    )
    assert redact("from 127.0.0.3", keep=["127.0.0.1"]) == "from [ip]"


def record(msg, *args, exc_info=None):
    return logging.LogRecord("sanic.error", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_filter_rewrites_arguments_and_withholds_exception_messages():
    name = "".join(["Mai", "sie"])  # so the traceback's own code line does not spell it
    try:
        raise ValueError(f"invalid input for query argument $1: {name!r}")
    except ValueError:
        import sys

        entry = record("uri: %s from %s", f"/x?who={name}", "198.51.100.7", exc_info=sys.exc_info())
    assert RedactingFilter().filter(entry) is True
    text = logging.Formatter("%(message)s").format(entry)
    assert "Maisie" not in text
    assert "198.51.100.7" not in text
    assert "ValueError (message withheld" in text
    assert "Traceback (most recent call last)" in text  # still debuggable: where, not what


async def test_install_puts_the_filter_on_sanics_handlers(make_client):
    await make_client()  # Sanic sets up its log handlers when an app is made
    logsafe.install()
    handlers = [
        h for name in ("sanic.root", "sanic.error") for h in logging.getLogger(name).handlers
    ]
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)


def test_installing_again_widens_what_is_kept_without_stacking_filters():
    logger = logging.getLogger("intake")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        logsafe.install()
        logsafe.install(keep=["127.0.0.1"])
        redactors = [f for f in handler.filters if isinstance(f, RedactingFilter)]
        assert len(redactors) == 1
        entry = record("listening on http://%s:8000, client %s", "127.0.0.1", "127.0.0.3")
        redactors[0].filter(entry)
        assert entry.getMessage() == "listening on http://127.0.0.1:8000, client [ip]"
    finally:
        logger.removeHandler(handler)
