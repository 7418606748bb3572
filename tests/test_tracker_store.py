"""The conversation store (conversations/tracker_store.py): sealed at rest on SQLite and PostgreSQL,
and a stopped referral leaves nothing behind.

PostgreSQL: the local server (CONVERSATIONS_TEST_PG_ADMIN_URL, default postgres@127.0.0.1:5432/test,
trust auth); each test gets a database of its own, dropped afterwards. If the server cannot be
reached the PostgreSQL cases skip, saying why, or fail when CI is set.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sqlite3
import stat
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from conversations.keyring import Keys, UnreadableValue, sealed_key_id
from conversations.keys import main as keys_main
from conversations.retention import purge
from conversations.tracker_store import REMOVED, RedactingSQLTrackerStore, redact
from tests.missing import missing

PG_ADMIN_URL = os.environ.get("CONVERSATIONS_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")

# What a person might type: none of it may be readable at rest.
CHILD, POSTCODE, PHONE = "Zephyrine Quaddle", "SO17 9QX", "07700 900461"
CANARIES = (CHILD, POSTCODE, PHONE)

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, inform, stop_referral, EXTERNAL_referral_idle]
entities: [phone_number, postcode]
slots:
  child_name: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  referrer_phone: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  referral_outcome: {type: text, influence_conversation: false, mappings: [{type: custom}]}
forms:
  referral_form: {required_slots: [child_name, referrer_phone]}
responses:
  utter_greet: [{text: "Hi."}]
  utter_ask_child_name: [{text: "What is the child's name?"}]
"""
)


# --- what is redacted when a referral is stopped (no database) ---------------------------------


def test_everything_said_since_the_referral_began_is_overwritten_and_the_rest_is_kept():
    events = [
        {"event": "user", "text": "i'm worried about the boy next door", "parse_data": {"text": "x"}},
        {"event": "slot", "name": "referrer_type", "value": "public"},
        {"event": "active_loop", "name": "referral_form"},
        {
            "event": "user",
            "text": "Sam Jones",
            "parse_data": {"text": "Sam Jones", "entities": [{"value": "Sam"}]},
        },
        {"event": "slot", "name": "name", "value": "Sam Jones"},
        {"event": "bot", "text": "Here is exactly what will be sent: Sam Jones", "data": {"buttons": []}},
        {"event": "slot", "name": "referral_outcome", "value": "cancelled"},
    ]
    changed = redact(events)
    assert changed == [3, 4, 5]
    assert events[0]["text"] == "i'm worried about the boy next door"
    assert events[1]["value"] == "public"
    assert events[3]["text"] == REMOVED and events[3]["parse_data"] == {"text": REMOVED, "entities": []}
    assert events[4]["value"] is None
    assert events[5]["text"] == REMOVED
    assert events[6]["value"] == "cancelled"
    assert "Sam" not in str(events)


def test_a_conversation_without_a_referral_is_left_alone():
    events = [{"event": "user", "text": "what is MASH", "parse_data": {}}]
    assert redact(events) == []
    assert events[0]["text"] == "what is MASH"


# --- the store, on SQLite and on PostgreSQL ----------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[sa.engine.Engine]:
    """An AUTOCOMMIT engine on the local PostgreSQL's admin database; skip or fail if unreachable."""
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({type(exc.orig).__name__})"
        missing(f"{reason}; start it (or set CONVERSATIONS_TEST_PG_ADMIN_URL) to run these")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_database(postgres_admin: sa.engine.Engine) -> Iterator[Dict[str, Any]]:
    """A database of this test's own; the tracker store's arguments for it. Dropped afterwards."""
    name = f"conversations_test_{os.getpid()}_{secrets.token_hex(4)}"
    with postgres_admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL)
    try:
        yield {
            "dialect": "postgresql",
            "host": url.host,
            "port": url.port or 5432,
            "username": url.username,
            "password": url.password,
            "db": name,
        }
    finally:
        with postgres_admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Dict[str, Any]:
    if request.param == "sqlite":
        return {"dialect": "sqlite", "db": str(tmp_path / "var" / "rasa.db")}
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def open_store(database: Dict[str, Any], tmp_path: Path) -> Iterator[Callable[..., RedactingSQLTrackerStore]]:
    """Opens the store as the Rasa server does; every store opened shares one keyring file."""
    opened: List[RedactingSQLTrackerStore] = []

    def make(**changes: Any) -> RedactingSQLTrackerStore:
        arguments = {"domain": DOMAIN, "keys": Keys(path=tmp_path / "var" / "conversation_keyring")}
        store = RedactingSQLTrackerStore(**{**database, **arguments, **changes})
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.engine.dispose()


def conversation(sender_id: str, *, stopped: bool = False) -> DialogueStateTracker:
    """A referral in which a child's name, postcode and phone number are typed and recorded."""
    tracker = DialogueStateTracker(sender_id, DOMAIN.slots)
    said = f"{CHILD} lives at {POSTCODE}, ring me on {PHONE}"
    entities = [
        {"entity": "postcode", "value": POSTCODE, "start": 23, "end": 31},
        {"entity": "phone_number", "value": PHONE, "start": 45, "end": 57},
    ]
    for event in (
        UserUttered("hello", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        BotUttered("Hi."),
        ActionExecuted("referral_form"),
        ActiveLoop("referral_form"),
        UserUttered(said, {"name": "inform", "confidence": 0.9}, entities),
        SlotSet("child_name", CHILD),
        SlotSet("referrer_phone", PHONE),
        BotUttered(f"Here is exactly what will be sent: {CHILD}, {POSTCODE}, {PHONE}"),
    ):
        tracker.update(event)
    if stopped:
        tracker.update(UserUttered("/stop_referral", {"name": "stop_referral", "confidence": 1.0}))
        tracker.update(SlotSet("referral_outcome", "cancelled"))
    return tracker


def save(store: RedactingSQLTrackerStore, tracker: DialogueStateTracker) -> None:
    asyncio.run(store.save(tracker))


def retrieve(store: RedactingSQLTrackerStore, sender_id: str) -> DialogueStateTracker:
    tracker = asyncio.run(store.retrieve_full_tracker(sender_id))
    assert tracker is not None
    return tracker


def rows(store: RedactingSQLTrackerStore) -> List[Sequence[Any]]:
    """Every column of every row of the events table, as a dump of the database would show them."""
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text("SELECT * FROM events ORDER BY id"))]


def assert_no_canary_in(text: str, where: str) -> None:
    for canary in CANARIES:
        for form in (canary, canary.replace(" ", "")):
            assert form.lower() not in text.lower(), f"{form!r} readable in {where}"


def assert_nothing_readable(store: RedactingSQLTrackerStore) -> None:
    assert_no_canary_in(json.dumps([list(map(str, row)) for row in rows(store)]), "the events table")
    if store.database_file is not None:
        for path in store.database_file.parent.iterdir():
            assert_no_canary_in(path.read_bytes().decode("latin-1"), path.name)


def test_a_conversation_comes_back_whole_and_nothing_of_it_is_readable_in_the_database(open_store):
    store, saved = open_store(), conversation("conversation-a")
    save(store, saved)
    back = retrieve(store, "conversation-a")
    assert back.get_slot("child_name") == CHILD and back.get_slot("referrer_phone") == PHONE
    assert [e.as_dict() for e in back.events] == [e.as_dict() for e in saved.events]
    assert back.latest_message.entities[0]["value"] == POSTCODE
    assert_nothing_readable(store)
    table = rows(store)
    assert all(sealed_key_id(row[-1]) == 1 for row in table)  # data, the last column
    # The intent and action names are kept, readable: they are the domain's, not the person's.
    assert {row[4] for row in table} >= {"greet", "inform"}
    assert {row[5] for row in table} >= {"utter_greet", "referral_form", "child_name"}


def test_a_sealed_event_moved_to_another_row_or_conversation_does_not_open(open_store):
    store = open_store()
    save(store, conversation("conversation-a"))
    save(store, conversation("conversation-b"))
    table = store.SQLEvent.__table__
    with store.engine.begin() as connection:
        first_a, second_a = connection.execute(
            sa.select(table.c.id, table.c.data).where(table.c.sender_id == "conversation-a").limit(2)
        ).fetchall()
        first_b = connection.execute(
            sa.select(table.c.id).where(table.c.sender_id == "conversation-b").limit(1)
        ).scalar()
        # conversation-a's first event copied over conversation-b's: same type, another conversation.
        connection.execute(table.update().where(table.c.id == first_b).values(data=first_a.data))
        # conversation-a's first two events swapped.
        connection.execute(table.update().where(table.c.id == first_a.id).values(data=second_a.data))
        connection.execute(table.update().where(table.c.id == second_a.id).values(data=first_a.data))
    for sender_id in ("conversation-a", "conversation-b"):
        with pytest.raises(UnreadableValue, match="does not open"):
            retrieve(store, sender_id)


def test_a_stopped_referral_is_overwritten_and_what_came_before_is_kept(open_store):
    store = open_store()
    save(store, conversation("stopped", stopped=True))
    back = retrieve(store, "stopped")
    texts = [e.as_dict().get("text") for e in back.events if e.as_dict()["event"] in ("user", "bot")]
    assert texts[:2] == ["hello", "Hi."]
    assert texts[2:4] == [REMOVED, REMOVED]
    assert back.get_slot("child_name") is None and back.get_slot("referral_outcome") == "cancelled"
    assert CHILD not in json.dumps([e.as_dict() for e in back.events])
    assert_nothing_readable(store)


def new_session(tracker: DialogueStateTracker, text: str = "hello again") -> DialogueStateTracker:
    """The events Rasa adds when the person writes after the session expired."""
    for event in (
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "greet", "confidence": 1.0}),
    ):
        tracker.update(event)
    return tracker


def test_a_referral_left_open_when_its_session_expired_is_overwritten_as_the_next_session_starts(open_store):
    store = open_store()
    save(store, conversation("came-back"))
    save(store, new_session(retrieve(store, "came-back")))
    back = retrieve(store, "came-back")
    texts = [e.as_dict().get("text") for e in back.events if e.as_dict()["event"] in ("user", "bot")]
    assert texts == ["hello", "Hi.", REMOVED, REMOVED, "hello again"]
    assert CHILD not in json.dumps([e.as_dict() for e in back.events])
    assert_nothing_readable(store)


def test_a_new_session_after_a_finished_referral_or_none_overwrites_nothing(open_store):
    store = open_store()
    finished = conversation("finished")
    finished.update(ActiveLoop(None))
    save(store, finished)
    save(store, new_session(retrieve(store, "finished")))
    texts = [
        e.as_dict().get("text") for e in retrieve(store, "finished").events if e.as_dict()["event"] == "user"
    ]
    assert texts[1].startswith(CHILD) and texts[-1] == "hello again"
    # A second new session: the session before it had no form; nothing of the first is touched.
    save(store, new_session(retrieve(store, "finished"), "and again"))
    texts = [
        e.as_dict().get("text") for e in retrieve(store, "finished").events if e.as_dict()["event"] == "user"
    ]
    assert texts[1].startswith(CHILD) and texts[-2:] == ["hello again", "and again"]


def test_an_abandoned_referral_is_erased_an_hour_after_the_person_last_wrote_whatever_the_warning(open_store):
    store = open_store()
    tracker = DialogueStateTracker("warned", DOMAIN.slots)
    start = 1_800_000_000.0
    for event in (
        UserUttered("hello", {"name": "greet", "confidence": 1.0}, timestamp=start),
        ActionExecuted("referral_form", timestamp=start + 1),
        ActiveLoop("referral_form", timestamp=start + 1),
        UserUttered(CHILD, {"name": "inform", "confidence": 0.9}, timestamp=start + 60),
        SlotSet("child_name", CHILD, timestamp=start + 61),
        # Rasa's reminder 50 minutes later (actions/session.py): the assistant, not the person.
        UserUttered(
            "EXTERNAL: EXTERNAL_referral_idle",
            {"name": "EXTERNAL_referral_idle", "confidence": 1.0},
            timestamp=start + 60 + 50 * 60,
        ),  # fmt: skip
        BotUttered("Are you still there?", timestamp=start + 61 + 50 * 60),
    ):
        tracker.update(event)
    save(store, tracker)
    at = start + 60 + 61 * 60  # 61 minutes after the person's last message, 11 after the warning
    report = asyncio.run(purge(store, now=at, session_expiry_minutes=60))
    assert report["abandoned_referrals_erased"] == 1
    assert asyncio.run(store.retrieve_full_tracker("warned")) is None


def test_after_rotation_new_events_use_the_new_key_old_ones_still_open_and_reencrypt_moves_them(
    open_store, tmp_path
):
    store = open_store()
    save(store, conversation("before"))
    assert Keys(path=tmp_path / "var" / "conversation_keyring").rotate() == 2
    save(store, conversation("after"))  # the running store rereads its keyring file
    assert store.key_usage() == {1: 9, 2: 9}
    assert retrieve(store, "before").get_slot("child_name") == CHILD
    assert store.reencrypt() == 9
    assert store.key_usage() == {2: 9 + 9}
    store.keys.retire(1)
    for sender_id in ("before", "after"):
        assert retrieve(store, sender_id).get_slot("child_name") == CHILD
    assert_nothing_readable(store)


def test_events_written_in_plain_text_before_the_upgrade_are_sealed_when_the_store_starts(
    open_store, database, caplog
):
    caplog.set_level(logging.WARNING)
    open_store().engine.dispose()  # the table exists
    old = sa.create_engine(RedactingSQLTrackerStore.get_db_url(**_url_arguments(database)))
    with old.begin() as connection:  # as Rasa's own SQLTrackerStore wrote it
        for event in conversation("from-before").events:
            data = event.as_dict()
            connection.execute(
                sa.text(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
                    " VALUES ('from-before', :type, :time, NULL, NULL, :data)"
                ),
                {"type": event.type_name, "time": data["timestamp"], "data": json.dumps(data)},
            )
    old.dispose()
    store = open_store()
    assert "Sealed 9 conversation event(s) stored in plain text before" in caplog.text
    assert store.key_usage() == {1: 9}
    assert retrieve(store, "from-before").get_slot("child_name") == CHILD
    assert_nothing_readable(store)  # SQLite's secure_delete: not even in free pages


def test_a_row_id_is_never_given_twice_even_after_the_newest_rows_are_erased(open_store):
    # The review store takes an erasure's last row id as a cut-off: an id given again to a later
    # event of the same conversation would hide that event from staff.
    store = open_store()
    save(store, conversation("first"))
    last = rows(store)[-1][0]
    assert asyncio.run(store.erase("first", reason="quick_exit")) == 9
    save(store, conversation("first"))
    assert min(row[0] for row in rows(store)) > last


def test_a_sqlite_events_table_made_before_is_rebuilt_to_never_reuse_ids_keeping_every_row(tmp_path):
    folder = tmp_path / "var"
    keys = Keys(path=folder / "conversation_keyring")
    store = RedactingSQLTrackerStore(DOMAIN, db=str(folder / "rasa.db"), keys=keys)
    save(store, conversation("kept"))
    before = rows(store)
    store.engine.dispose()
    with sqlite3.connect(folder / "rasa.db") as connection:  # the table as Rasa alone makes it
        connection.executescript(
            "ALTER TABLE events RENAME TO old; DROP INDEX ix_events_sender_id;"
            " CREATE TABLE events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
            " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
            " action_name VARCHAR(255), data TEXT);"
            " CREATE INDEX ix_events_sender_id ON events (sender_id);"
            " INSERT INTO events SELECT * FROM old; DROP TABLE old;"
        )
    store = RedactingSQLTrackerStore(DOMAIN, db=str(folder / "rasa.db"), keys=keys)
    assert rows(store) == before  # every row, its id and sealed data unchanged
    assert retrieve(store, "kept").get_slot("child_name") == CHILD  # still opens (bound to its id)
    asyncio.run(store.erase("kept", reason="abandoned"))
    save(store, conversation("kept"))
    assert min(row[0] for row in rows(store)) > before[-1][0]
    with sqlite3.connect(folder / "rasa.db") as connection:
        made = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
        indexes = connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    assert "AUTOINCREMENT" in made and ("ix_events_sender_id",) in indexes
    store.engine.dispose()
    assert_nothing_readable(store)


def _url_arguments(database: Dict[str, Any]) -> Dict[str, Any]:
    names = ("dialect", "host", "port", "db", "username", "password")
    return {name: database[name] for name in names if name in database}


def test_a_name_the_domain_does_not_know_is_not_kept_in_the_intent_or_action_columns(open_store):
    store = open_store()
    tracker = DialogueStateTracker("slash", DOMAIN.slots)
    tracker.update(UserUttered(f"/{CHILD}", {"name": CHILD, "confidence": 1.0}))
    tracker.update(ActionExecuted(f"{CHILD} {PHONE}"))
    save(store, tracker)
    assert [row[4:6] for row in rows(store)] == [(None, None), (None, None)]
    assert_nothing_readable(store)


def test_the_sqlite_database_is_0600_in_a_0700_folder(tmp_path):
    folder = tmp_path / "var"
    store = RedactingSQLTrackerStore(DOMAIN, db=str(folder / "rasa.db"))  # its keyring beside it
    save(store, conversation("modes"))
    store.engine.dispose()
    assert (folder / "conversation_keyring").exists()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    with sqlite3.connect(store.database_file) as connection:
        assert connection.execute("SELECT COUNT(*) FROM events").fetchone() == (9,)


def test_the_keys_command_rotates_reencrypts_and_retires_for_the_conversations(
    open_store, database, tmp_path, monkeypatch, capsys
):
    store = open_store()
    save(store, conversation("cli"))
    endpoints = tmp_path / "endpoints.yml"
    block = {"type": "conversations.tracker_store.RedactingSQLTrackerStore", **database}
    block["db"] = "${TRACKER_STORE_DB}"
    endpoints.write_text(json.dumps({"action_endpoint": {"url": "${NOT_NEEDED}"}, "tracker_store": block}))
    monkeypatch.setenv("TRACKER_STORE_DB", database["db"])
    monkeypatch.setenv("CONVERSATION_KEYRING_FILE", str(tmp_path / "var" / "conversation_keyring"))

    def run(*argv: str) -> int:
        return keys_main(["--only", "conversations", "--endpoints", str(endpoints), *argv])

    assert run("rotate-key") == 0
    assert run("retire-key", "1") == 1  # still in use
    assert "key 1 still seals 9 row(s)" in capsys.readouterr().err
    assert run("reencrypt") == 0 and "re-sealed 9 row(s) with key 2" in capsys.readouterr().out
    assert run("retire-key", "1") == 0
    assert run("key-usage") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "  key 2 (current): 9 row(s)"
    assert retrieve(store, "cli").get_slot("child_name") == CHILD
