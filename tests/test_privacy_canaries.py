"""Nothing a person types is readable at rest: canaries through the real servers (tests/live.py).

A child's name, a postcode and a phone number are typed into an ordinary conversation, a referral
that is sent (it waits in the outbox while the intake is down, then is delivered) and a referral
that is stopped. Every file under the live stack's work folder (the tracker store, the outbox, their
journals and WALs, the keyrings, the logs) is then read as bytes: no canary may appear, spaces or
not, in any case. Opened with the keys, the stores do give them back (the canaries were planted),
but not the stopped referral's. The same conversations copied into a PostgreSQL tracker store leave
nothing readable in a dump of its events table.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import stat
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from conversations.keyring import Keys
from conversations.tracker_store import RedactingSQLTrackerStore
from tests.live import MODEL
from tests.test_live_referrals import CHILD_AND_CONCERN, eventually, start_referral
from tests.test_tracker_store import postgres_admin, postgres_database  # noqa: F401 (fixtures)

# Phone numbers the form accepts (Ofcom's drama range, 07700 900xxx, is refused as not a real number).
CANARIES = {
    "conversation": ("Oriel Penhallow", "SO19 7QZ", "023 8041 7265"),
    "sent referral": ("Tamsin Quarrie", "SO16 4XE", "023 8041 7283"),
    "stopped referral": ("Ludo Fairweather", "SO15 2NP", "023 8041 7291"),
}
OWN_FILES = (
    "rasa.db",
    "conversation_keyring",
    "outbox.db",
    "outbox.db-wal",
    "outbox.db-shm",
    "outbox_keyring",
)


def canaries_readable_in(text: bytes, where: str) -> List[str]:
    found = []
    lowered = text.lower()
    for scenario, values in CANARIES.items():
        for value in values:
            for form in {value, value.replace(" ", "")}:
                if form.lower().encode() in lowered:
                    found.append(f"{form!r} ({scenario}) in {where}")
    return found


def canaries_in_files(folder: Path) -> List[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found += canaries_readable_in(path.read_bytes(), str(path.relative_to(folder)))
    return found


def named_referrer_and_child(child: str, postcode: str, phone: str) -> List[str]:
    return [
        "no, I will give my details",
        "Pat Green",
        phone,
        "skip",
        "his aunt",
        "I saw or heard it myself",
        child,
        "7 year old",
        f"14 Harbour View, {postcode}",
    ]


REST_OF_THE_REFERRAL = CHILD_AND_CONCERN[4:]  # what follows the child's address


@dataclass
class Planted:
    workdir: Path
    senders: Dict[str, str]
    while_waiting: List[str] = field(default_factory=list)
    delivered: Dict[str, Any] = field(default_factory=dict)


def outbox_states(workdir: Path) -> List[str]:
    with sqlite3.connect(workdir / "outbox.db") as db:
        return [state for (state,) in db.execute("SELECT state FROM outbox")]


@pytest.fixture(scope="module")
def planted(live_stack) -> Planted:
    """The three conversations, played once; what was readable while the referral waited."""
    workdir = live_stack.tracker_db.parent
    senders = {}

    chat = live_stack.conversation()
    senders["conversation"] = chat.sender
    child, postcode, phone = CANARIES["conversation"]
    chat.texts("hi")
    chat.texts(f"i'm worried about {child} who lives near me at {postcode}, you can ring me on {phone}")
    chat.texts("what happens after a referral?")

    chat = live_stack.conversation()
    senders["stopped referral"] = chat.sender
    start_referral(chat, "/identify_as_public")
    for answer in named_referrer_and_child(*CANARIES["stopped referral"]):
        chat.texts(answer)
    assert "Do you want to stop?" in " ".join(chat.texts("stop"))
    assert "Nothing has been sent" in " ".join(chat.texts("yes, stop"))

    chat = live_stack.conversation()
    senders["sent referral"] = chat.sender
    start_referral(chat, "/identify_as_public")
    for answer in named_referrer_and_child(*CANARIES["sent referral"]) + REST_OF_THE_REFERRAL:
        summary = chat.texts(answer)
    assert summary[0].startswith("Here is exactly what will be sent:")
    result = Planted(workdir, senders)
    before = len(live_stack.intake.payloads())
    live_stack.intake.down = True
    try:
        assert "saved and will be passed" in " ".join(chat.texts("send it"))
        assert outbox_states(workdir).count("pending") == 1
        result.while_waiting = canaries_in_files(workdir)
    finally:
        live_stack.intake.down = False
    assert eventually(lambda: len(live_stack.intake.payloads()) == before + 1)
    result.delivered = live_stack.intake.payloads()[-1]
    assert eventually(lambda: "pending" not in outbox_states(workdir))
    return result


@pytest.fixture(scope="module")
def conversations_opened(planted: Planted) -> Dict[str, List[Dict[str, Any]]]:
    """Each conversation's events, opened with the live stack's own keyring."""
    store = RedactingSQLTrackerStore(model_domain(), db=str(planted.workdir / "rasa.db"))
    try:
        return {scenario: events_of(store, sender) for scenario, sender in planted.senders.items()}
    finally:
        store.engine.dispose()


def model_domain() -> Domain:
    """The domain the live Rasa server ran with, from the trained model."""
    with tarfile.open(MODEL) as archive:
        for member in archive:
            if member.name.endswith("components/domain_provider/domain.yml"):
                return Domain.from_yaml(archive.extractfile(member).read().decode("utf-8"))
    raise AssertionError(f"no domain in {MODEL}")


def events_of(store: RedactingSQLTrackerStore, sender_id: str) -> List[Dict[str, Any]]:
    tracker = asyncio.run(store.retrieve_full_tracker(sender_id))
    assert tracker is not None, sender_id
    return [event.as_dict() for event in tracker.events]


def test_no_canary_is_readable_in_any_file_while_a_referral_waits_in_the_outbox(planted):
    assert planted.while_waiting == []


def test_no_canary_is_readable_in_any_file_of_the_live_stack_afterwards(planted):
    assert canaries_in_files(planted.workdir) == []
    for name in OWN_FILES:
        path = planted.workdir / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_the_stores_give_the_canaries_back_with_their_keys_but_not_the_stopped_referrals(
    planted, conversations_opened
):
    child, postcode, phone = CANARIES["sent referral"]
    assert planted.delivered["children"][0]["name"] == child
    assert postcode in planted.delivered["children"][0]["address"]
    assert planted.delivered["referrer"]["phone"].replace(" ", "") == phone.replace(" ", "")
    for scenario in ("conversation", "sent referral"):
        opened = json.dumps(conversations_opened[scenario])
        assert all(value in opened for value in CANARIES[scenario]), scenario
    assert canaries_readable_in(json.dumps(conversations_opened["stopped referral"]).encode(), "it") == []


def test_the_same_conversations_in_postgresql_leave_nothing_readable_in_its_events_table(
    conversations_opened,
    postgres_database,  # noqa: F811 (the fixture imported above)
    tmp_path,
):
    domain = model_domain()
    store = RedactingSQLTrackerStore(domain, **postgres_database, keys=Keys(path=tmp_path / "keyring"))
    try:
        for scenario, events in conversations_opened.items():
            tracker = DialogueStateTracker.from_dict(f"pg-{scenario}", events, domain.slots)
            asyncio.run(store.save(tracker))
        with store.engine.connect() as connection:
            dump = [tuple(map(str, row)) for row in connection.execute(sa.text("SELECT * FROM events"))]
        assert len(dump) == sum(map(len, conversations_opened.values()))
        assert canaries_readable_in(json.dumps(dump).encode(), "the events table") == []
        back = events_of(store, "pg-sent referral")
        assert all(value in json.dumps(back) for value in CANARIES["sent referral"])
    finally:
        store.engine.dispose()
