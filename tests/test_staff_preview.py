"""Staff preview sessions (channels/preview.py, channels/socketio.py's Sessions) and what follows
from them: a ticket made by the intake is read by the Rasa server, and nothing else is; a preview
session's token proves a preview and never a live conversation; a referral made in a preview is
sent with `preview: true`. The whole path in a browser is tests/test_staff_preview_browser.py.
"""

from __future__ import annotations

import base64
import re
import subprocess
import time

import pytest
from rasa_sdk import Tracker

from actions.referral.form import payload_from
from channels.preview import signature, ticket_is_valid
from channels.socketio import Sessions
from nlp.names import PREVIEW_CHANNEL
from tests.intake_service import INTAKE_PYTHON
from tests.live import ROOT
from tests.referral_examples import ANONYMOUS_NEIGHBOUR

KEY = b"p" * 32
ENV = {"STAFF_PREVIEW_KEY": base64.b64encode(KEY).decode()}


def ticket(key: bytes = KEY, expires: float | None = None, nonce: str = "n" * 24) -> str:
    expires = int(time.time() + 3600 if expires is None else expires)
    return f"v1.{expires}.{nonce}.{signature(key, expires, nonce)}"


def test_a_ticket_made_by_the_intake_is_valid_for_the_rasa_server_and_a_changed_one_is_not():
    made = subprocess.run(
        [str(INTAKE_PYTHON), "-c",
         "import base64, sys; from intake.preview import make_ticket; "
         "print(make_ticket(base64.b64decode(sys.argv[1]), 60))", ENV["STAFF_PREVIEW_KEY"]],
        cwd=ROOT / "intake", capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    assert ticket_is_valid(made, ENV)
    version, expires, nonce, mac = made.split(".")
    assert not ticket_is_valid(f"{version}.{int(expires) + 60}.{nonce}.{mac}", ENV)
    assert not ticket_is_valid(f"{version}.{expires}.{nonce}x.{mac}", ENV)
    assert not ticket_is_valid(made, {"STAFF_PREVIEW_KEY": base64.b64encode(b"q" * 32).decode()})


@pytest.mark.parametrize(
    "presented",
    [
        ticket(expires=time.time() - 1),  # expired
        ticket(expires=time.time() + 3 * 24 * 3600),  # claims to live longer than any we make
        ticket(key=b"x" * 32),  # another key
        ticket()[:-1] + ("A" if ticket()[-1] != "A" else "B"),  # a changed signature
        "v1.not-a-ticket",
        "",
        None,
        12345,
        {"ticket": ticket()},
        "v1." + "9" * 10 + "." + "n" * 5000,
    ],
)
def test_a_ticket_that_is_not_the_intakes_and_current_is_refused(presented):
    assert not ticket_is_valid(presented, ENV)


def test_without_a_key_no_ticket_is_valid(tmp_path):
    assert not ticket_is_valid(ticket(), {"STAFF_PREVIEW_KEY_FILE": str(tmp_path / "none")})
    short = tmp_path / "short"
    short.write_text(base64.b64encode(b"k" * 8).decode())
    assert not ticket_is_valid(ticket(b"k" * 8), {"STAFF_PREVIEW_KEY_FILE": str(short)})
    made = tmp_path / "key"
    made.write_text(ENV["STAFF_PREVIEW_KEY"] + "\n")
    assert ticket_is_valid(ticket(), {"STAFF_PREVIEW_KEY_FILE": str(made)})


def test_a_preview_session_is_proved_by_its_own_token_and_never_becomes_a_live_one():
    sessions = Sessions(b"k" * 32)
    preview_id, resumed = sessions.bind("staff-socket", None, preview=True)
    assert not resumed and sessions.is_preview("staff-socket")
    preview_token = sessions.token(preview_id, preview=True)
    assert sessions.kind(preview_id, preview_token) == "preview"
    assert sessions.kind(preview_id, sessions.token(preview_id)) == "live"  # a different token

    # A reload, with or without the ticket: the same preview.
    assert sessions.bind("reload", {"session_id": preview_id, "session_token": preview_token}) == (
        preview_id,
        True,
    )
    assert sessions.is_preview("reload")

    # A live conversation is not carried into a preview page, nor a preview into a public one.
    live_id, _ = sessions.bind("public-socket", None)
    assert not sessions.is_preview("public-socket")
    live_token = sessions.token(live_id)
    other, resumed = sessions.bind(
        "staff-2", {"session_id": live_id, "session_token": live_token}, preview=True
    )
    assert other != live_id and not resumed and sessions.is_preview("staff-2")
    assert sessions.bind("public-2", {"session_id": live_id, "session_token": live_token}) == (live_id, True)
    assert not sessions.is_preview("public-2")

    # Erased: neither token proves anything, and its sockets are no longer previews.
    sessions.revoke(preview_id)
    assert sessions.kind(preview_id, preview_token) is None
    assert not sessions.is_preview("staff-socket") and not sessions.is_preview("reload")
    sessions.unbind("staff-2")
    assert not sessions.is_preview("staff-2")


def tracker_on(channel: str) -> Tracker:
    events = [{"event": "user", "text": "send it", "input_channel": channel, "parse_data": {}}]
    return Tracker("conversation-1", dict(ANONYMOUS_NEIGHBOUR), {}, events, False, None, {}, "action_listen")


@pytest.mark.parametrize(
    ("channel", "preview"), [(PREVIEW_CHANNEL, True), ("socketio", False), ("rest", False)]
)
def test_a_referral_from_a_preview_is_sent_as_one_from_the_web_chat_marked_preview(channel, preview):
    payload = payload_from(tracker_on(channel), "6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5")
    assert payload["preview"] is preview
    assert payload["channel"] == ("rest" if channel == "rest" else "webchat")
    assert re.fullmatch(r"conversation-1", payload["conversation_id"])
