"""The Rasa server under the production profile (issue 14, test 5; issue 12's quick exit).

The real Rasa and action servers (tests/live.py) with credentials.production.yml, talked to over
socket.io with python-socketio's client, as the widget talks to them: no REST channel, a message
of a million characters answered with the phone numbers and never read, a second socket that
names the first one's session id neither joins its conversation nor erases it, and the debug
logging the profile refuses.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import socketio

from channels.socketio import DEFAULT_MAX_MESSAGE_LENGTH, TOO_LONG, Sessions
from tests.live import MODEL, ROOT, LiveStack, free_port, rasa_server_command, start_live_stack

ANSWER_SECONDS = 30
ONE_MEGABYTE = 1_000_000
PHONE_NUMBER = re.compile(r"\b0\d{2,4} \d{3,4}(?: \d{4})?\b|\b999\b")


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> Iterator[LiveStack]:
    workdir = tmp_path_factory.mktemp("production")
    env = {"LOG_LEVEL": "INFO", "LOG_LEVEL_LIBRARIES": "ERROR"}
    with start_live_stack(workdir, credentials="credentials.production.yml", env_overrides=env) as stack:
        yield stack


class Chat:
    """One socket.io connection to the Rasa server, as the widget makes it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.answers: List[Dict[str, Any]] = []
        self.session: Optional[Dict[str, Any]] = None
        self._confirmed = asyncio.Event()
        self._answered = asyncio.Event()
        self.client.on("bot_uttered", self._on_answer)
        self.client.on("session_confirm", self._on_confirm)

    async def _on_answer(self, message: Dict[str, Any]) -> None:
        self.answers.append(message)
        self._answered.set()

    async def _on_confirm(self, session: Any) -> None:
        self.session = session
        self._confirmed.set()

    async def connect(self, ask: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Connects and asks for a session (`ask`: session_id and session_token); the one given."""
        await self.client.connect(self.url, transports=["websocket"], wait_timeout=ANSWER_SECONDS)
        await self.client.emit("session_request", ask or {"session_id": None, "session_token": None})
        await asyncio.wait_for(self._confirmed.wait(), ANSWER_SECONDS)
        assert self.session is not None
        return self.session

    async def say(self, text: str, session_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Sends `text` (naming `session_id`, or its own) and waits for the answers to settle."""
        before = len(self.answers)
        self._answered.clear()
        named = session_id or (self.session or {}).get("session_id")
        await self.client.emit("user_uttered", {"message": text, "session_id": named})
        await asyncio.wait_for(self._answered.wait(), ANSWER_SECONDS)
        await self.settle()
        return self.answers[before:]

    async def settle(self, quiet: float = 1.5) -> None:
        """Waits until nothing has arrived for `quiet` seconds (a turn can have several answers)."""
        while True:
            count = len(self.answers)
            await asyncio.sleep(quiet)
            if len(self.answers) == count:
                return

    async def erase(self, session: Dict[str, Any]) -> Any:
        return await self.client.call("session_erase", session, timeout=ANSWER_SECONDS)

    async def close(self) -> None:
        await self.client.disconnect()


def events(stack: LiveStack, sender_id: str, type_name: Optional[str] = None) -> int:
    """How many events the tracker store's database holds for `sender_id` (of `type_name`)."""
    with sqlite3.connect(stack.tracker_db) as db:
        query = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
        args: List[str] = [sender_id]
        if type_name:
            query += " AND type_name = ?"
            args.append(type_name)
        return db.execute(query, args).fetchone()[0]


async def erased(stack: LiveStack, sender_id: str) -> bool:
    """Whether the conversation's events are gone from the database (the erase follows its answer)."""
    deadline = time.monotonic() + ANSWER_SECONDS
    while events(stack, sender_id) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return events(stack, sender_id) == 0


def texts(answers: List[Dict[str, Any]]) -> str:
    return " ".join(answer.get("text", "") for answer in answers)


# --- no REST ------------------------------------------------------------------------------------
def test_the_rest_channel_is_not_there(production: LiveStack):
    request = urllib.request.Request(
        production.webhook, b'{"sender": "anyone", "message": "hello"}', {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 404
    with urllib.request.urlopen(f"{production.rasa_url}/webhooks/socketio/", timeout=30) as up:
        assert up.status == 200  # the socket.io channel is


# --- a message over the limit ---------------------------------------------------------------------
async def test_a_message_of_a_million_characters_is_answered_with_the_numbers_and_never_read(
    production: LiveStack,
):
    chat = Chat(production.rasa_url)
    try:
        session = await chat.connect()
        started = time.monotonic()
        message = ("my neighbour's children are left alone. " * 25_000)[:ONE_MEGABYTE]
        assert len(message) == ONE_MEGABYTE
        [refusal] = await chat.say(message)
        refused_in = time.monotonic() - started
        assert "1,000,000 characters" in refusal["text"] and "10,000" in refusal["text"]
        for number in ("023 8083 3336", "023 8083 2300", "0800 1111", "999"):
            assert number in refusal["text"]
        # Never read: no user event, nothing at all, for the conversation (NLU makes a UserUttered).
        assert events(production, session["session_id"]) == 0

        # The conversation goes on: a message within the limit is read and answered.
        greeting = await chat.say("hello")
        assert "which of these describes you?" in texts(greeting)
        assert events(production, session["session_id"], "user") == 1
        print(f"\n1,000,000 characters refused in {refused_in:.3f} s (time to the answer, with settling)")
    finally:
        await chat.close()


async def test_a_message_at_the_limit_is_read(production: LiveStack):
    chat = Chat(production.rasa_url)
    try:
        session = await chat.connect()
        message = ("i am worried about the boy next door. " * 300)[:DEFAULT_MAX_MESSAGE_LENGTH]
        answers = await chat.say(message)
        assert "characters long" not in texts(answers)
        assert events(production, session["session_id"], "user") == 1
    finally:
        await chat.close()


def test_the_refusal_gives_only_numbers_the_assistant_already_gives():
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    guidance = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "guidance").glob("*.txt"))
    numbers = PHONE_NUMBER.findall(TOO_LONG)
    assert {"023 8083 3336", "023 8083 2300", "999"} <= set(numbers)
    for number in numbers:
        assert number in domain, number
    for number in set(numbers) - {"0800 1111"}:  # Childline is the one number not on the council's pages
        assert number in guidance, number
    assert "0800 1111" in TOO_LONG and "0800 1111" in domain


# --- a session is its socket's ------------------------------------------------------------------
async def test_a_second_socket_naming_the_first_ones_session_gets_none_of_it_and_cannot_erase_it(
    production: LiveStack,
):
    first, second = Chat(production.rasa_url), Chat(production.rasa_url)
    try:
        mine = await first.connect()
        assert re.fullmatch(r"[0-9a-f]{32}", mine["session_id"]) and len(mine["session_token"]) >= 40
        await first.say("hello")
        kept = events(production, mine["session_id"])
        assert kept > 0

        # It names the session, with no token and with a made-up one: it is given its own.
        theirs = await second.connect({"session_id": mine["session_id"], "session_token": None})
        assert theirs["session_id"] != mine["session_id"]
        await second.client.emit(
            "session_request", {"session_id": mine["session_id"], "session_token": "A" * 43}
        )
        await second.settle(1)
        assert second.session["session_id"] != mine["session_id"]
        second_id = second.session["session_id"]

        # It writes into the first conversation by name: the words go to its own.
        heard_by_first = len(first.answers)
        await second.say("my name is Canary Intruder", session_id=mine["session_id"])
        assert events(production, second_id, "user") == 1
        assert events(production, mine["session_id"]) == kept
        assert len(first.answers) == heard_by_first

        # The first one talks on: the second hears nothing of it.
        heard_by_second = len(second.answers)
        answers = await first.say("A member of the public")
        assert "Is the child in immediate danger right now?" in texts(answers)
        await second.settle()
        assert len(second.answers) == heard_by_second

        # It asks to erase the first conversation: refused, nothing deleted.
        assert await second.erase({"session_id": mine["session_id"]}) is False
        assert await second.erase({"session_id": mine["session_id"], "session_token": "A" * 43}) is False
        assert events(production, mine["session_id"]) > kept

        # The first one erases its own: every event goes, and its token no longer opens it.
        assert await first.erase(mine) is True
        assert await erased(production, mine["session_id"])
    finally:
        await first.close()
        await second.close()

    again = Chat(production.rasa_url)
    try:
        assert (await again.connect(mine))["session_id"] != mine["session_id"]
    finally:
        await again.close()


async def test_a_reconnection_with_the_token_carries_the_conversation_on(production: LiveStack):
    chat = Chat(production.rasa_url)
    try:
        session = await chat.connect()
        await chat.say("hello")
    finally:
        await chat.close()
    back = Chat(production.rasa_url)
    try:
        assert await back.connect(session) == session
        answers = await back.say("A member of the public")
        assert "Is the child in immediate danger right now?" in texts(answers)
        assert events(production, session["session_id"], "user") == 2
    finally:
        await back.close()


def test_session_tokens_prove_only_their_own_session():
    sessions = Sessions(b"k" * 32)
    session_id, resumed = sessions.bind("socket-1", None)
    assert not resumed and re.fullmatch(r"[0-9a-f]{32}", session_id)
    token = sessions.token(session_id)
    assert sessions.bind("socket-2", {"session_id": session_id, "session_token": token}) == (session_id, True)
    other, _ = sessions.bind("socket-3", {"session_id": session_id, "session_token": token[:-1] + "x"})
    assert other != session_id
    assert not sessions.proves(session_id, Sessions(b"j" * 32).token(session_id))
    assert sorted(sessions.revoke(session_id)) == ["socket-1", "socket-2"]
    assert not sessions.proves(session_id, token)


# --- no debug logging ---------------------------------------------------------------------------
REFUSED_LOGGING = {
    "--debug": ({}, ["--debug"]),
    "LOG_LEVEL=DEBUG": ({"LOG_LEVEL": "DEBUG"}, []),
    "LOG_LEVEL_LIBRARIES=INFO": ({"LOG_LEVEL_LIBRARIES": "INFO"}, []),
    "LOG_LEVEL_LIBRARIES=DEBUG": ({"LOG_LEVEL_LIBRARIES": "DEBUG"}, []),
}


@pytest.mark.parametrize("how", list(REFUSED_LOGGING))
def test_the_production_profile_refuses_to_start_with_debug_logging(tmp_path: Path, how: str):
    assert MODEL.exists(), f"{MODEL} is missing: run `make train` first (make test does)"
    env_changes, args = REFUSED_LOGGING[how]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOG_LEVEL")},
        "RASA_TELEMETRY_ENABLED": "false",
        "TRACKER_STORE_DB": str(tmp_path / "rasa.db"),
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
        **env_changes,
    }
    done = subprocess.run(
        rasa_server_command(free_port(), "credentials.production.yml", args),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "The production profile refuses to start" in done.stderr


def test_the_production_profile_refuses_to_start_beside_the_rest_channel(tmp_path: Path):
    assert MODEL.exists(), f"{MODEL} is missing: run `make train` first (make test does)"
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "rest:\n\nchannels.socketio.SafeSocketIOInput:\n  profile: production\n", encoding="utf-8"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOG_LEVEL")},
        "RASA_TELEMETRY_ENABLED": "false",
        "TRACKER_STORE_DB": str(tmp_path / "rasa.db"),
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
    }
    done = subprocess.run(
        rasa_server_command(free_port(), str(credentials)),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0, done.stderr[-2000:]
    assert "other channels are configured (rest)" in done.stderr


# --- development keeps REST, with the same limit ------------------------------------------------
def test_in_development_rest_refuses_a_long_message_before_nlu_too(live_stack: LiveStack):
    chat = live_stack.conversation()
    [refusal] = chat.say("my neighbour's children are left alone. " * 25_000)
    assert "1,000,000 characters" in refusal["text"] and "023 8083 3336" in refusal["text"]
    assert events(live_stack, chat.sender) == 0
    assert "which of these describes you?" in " ".join(chat.texts("hello"))
    assert events(live_stack, chat.sender, "user") == 1
