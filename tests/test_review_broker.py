"""The review store's Rasa half (conversations/review_broker.py, the tracker store's review fields,
conversations/retention.py) against the real intake service (tests/intake_service.py).

Events wait sealed in the spool while the intake is down and arrive once when it is back, with
the intents and confidences Rasa recorded; a stopped referral arrives overwritten; an erased
conversation leaves the spool and the review store; the retention purge deletes idle
conversations and erases a referral abandoned when its session expired, keeping an earlier sent
referral's transcript. Nothing is readable in any file on either side.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from conversations.keyring import Keys
from conversations.retention import purge
from conversations.review_broker import ReviewEventBroker
from conversations.tracker_store import REMOVED, RedactingSQLTrackerStore
from nlp.names import SAFETY_NET_KEY, WORRY_INTENT
from tests.intake_service import IntakeService

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
CHILD, POSTCODE, PHONE = "Perpetua Vandeleur", "SO18 6QT", "023 8041 7722"
CANARIES = (CHILD, POSTCODE, PHONE, PHONE.replace(" ", ""))


@pytest.fixture
def intake(tmp_path):
    folder = tmp_path / "intake"
    folder.mkdir(mode=0o700)
    service = IntakeService(folder).start()
    yield service
    service.stop()


def make_store(folder: Path, intake: IntakeService, **broker_options: Any):
    keys = Keys(path=folder / "conversation_keyring")
    broker = ReviewEventBroker(
        url=intake.url,
        spool=str(folder / "review_spool.db"),
        token=intake.env["INTAKE_SERVICE_TOKEN"],
        keys=keys,
        retry_seconds=0.05,
        max_retry_seconds=0.2,
        **broker_options,
    )
    store = RedactingSQLTrackerStore(DOMAIN, event_broker=broker, db=str(folder / "rasa.db"), keys=keys)
    return store, broker


def user(text: str, intent: str, confidence: float, at: float, **parse: Any) -> UserUttered:
    data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": 0.01}],
        "entities": [],
        **parse,
    }
    return UserUttered(text, data["intent"], [], parse_data=data, timestamp=at, input_channel="socketio")


def worry_then_form(sender: str, at: float, *, sent_before: bool = False) -> DialogueStateTracker:
    events: List[Any] = []
    if sent_before:
        events += [
            ActiveLoop("referral_form", timestamp=at - 50),
            SlotSet("child_name", "An Earlier Child", timestamp=at - 49),
            ActiveLoop(None, timestamp=at - 48),
            SlotSet("referral_outcome", "accepted", timestamp=at - 47),
        ]
    events += [
        ActionExecuted("action_listen", timestamp=at),
        user(
            "i'm worried about the little girl next door",
            WORRY_INTENT,
            0.87,
            at + 1,
            **{SAFETY_NET_KEY: {"reasons": ["x"]}},
        ),
        ActionExecuted("referral_form", timestamp=at + 2),
        ActiveLoop("referral_form", timestamp=at + 3),
        BotUttered("What is the child's name?", timestamp=at + 4),
        ActionExecuted("action_listen", timestamp=at + 5),
        user(f"{CHILD}, {POSTCODE}, ring me on {PHONE}", "faq", 0.42, at + 6),
        SlotSet("child_name", CHILD, timestamp=at + 7),
        SlotSet("child_address", POSTCODE, timestamp=at + 8),
    ]
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def eventually(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return check()


def readable(folder: Path) -> List[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            found += [f"{c} in {path.name}" for c in CANARIES if c.lower().encode() in data]
    return found


async def deliver(broker: ReviewEventBroker) -> int:
    return await broker.flush()


def test_events_wait_sealed_while_the_intake_is_down_and_arrive_once_with_their_intents(tmp_path, intake):
    folder = tmp_path / "rasa"
    folder.mkdir(mode=0o700)
    store, broker = make_store(folder, intake)
    intake.stop()
    now = time.time()
    asyncio.run(store.save(worry_then_form("down-1", now)))
    assert broker.spool.count() == 9
    assert asyncio.run(deliver(broker)) == 9  # nothing taken: the intake is down
    assert readable(folder) == []

    intake.start()
    assert asyncio.run(deliver(broker)) == 0
    asyncio.run(deliver(broker))  # a second flush sends nothing twice
    conversation = intake.conversation("down-1")
    assert conversation is not None
    users = [e for e in conversation["events"] if e["type"] == "user"]
    assert [(u["intent"], u["confidence"]) for u in users] == [(WORRY_INTENT, 0.87), ("faq", 0.42)]
    assert users[0]["event"]["parse_data"]["intent_ranking"][1]["name"] == "greet"
    assert conversation["safety_net_fired"] is True and conversation["channel"] == "socketio"
    assert len(conversation["events"]) == 9
    assert readable(folder) == [] and readable(intake.var_dir) == []


def test_a_stopped_referral_arrives_overwritten_and_an_erased_one_leaves_both_stores(tmp_path, intake):
    folder = tmp_path / "rasa"
    folder.mkdir(mode=0o700)
    store, broker = make_store(folder, intake)
    now = time.time()
    tracker = worry_then_form("stopped", now)
    asyncio.run(store.save(tracker))
    tracker.update(SlotSet("referral_outcome", "cancelled", timestamp=now + 9))
    asyncio.run(store.save(tracker))
    assert asyncio.run(deliver(broker)) == 0
    held = intake.conversation("stopped")
    texts = [e["event"].get("text") for e in held["events"] if e["type"] in ("user", "bot")]
    assert texts[0] == "i'm worried about the little girl next door"
    assert texts[1:] == [REMOVED, REMOVED]

    asyncio.run(store.save(worry_then_form("quick", now)))
    asyncio.run(deliver(broker))
    assert intake.conversation("quick") is not None
    asyncio.run(store.save(worry_then_form("quick-pending", now)))  # not yet delivered
    intake.stop()
    asyncio.run(store.erase("quick", reason="quick_exit"))
    asyncio.run(store.erase("quick-pending", reason="quick_exit"))
    # What waited of an erased conversation never leaves: only the two erasures wait.
    assert broker.spool.count() == 2
    intake.start()
    assert asyncio.run(deliver(broker)) == 0
    assert intake.conversation("quick") is None and intake.conversation("quick-pending") is None
    assert asyncio.run(store.retrieve("quick")) is None
    assert readable(folder) == [] and readable(intake.var_dir) == []


def test_each_event_names_its_row_and_an_erasure_or_replacement_the_last_row_it_covers(tmp_path, intake):
    # What lets the review store set aside what another replica's spool sends late
    # (tests/test_review_amqp.py plays that with two spools and the real intake).
    folder = tmp_path / "rasa"
    folder.mkdir(mode=0o700)
    store, broker = make_store(folder, intake)
    intake.stop()  # so the spool keeps what the store publishes
    now = time.time()
    asyncio.run(store.save(worry_then_form("numbered", now)))
    asyncio.run(store.save(worry_then_form("other", now)))
    store.overwrite_referral("numbered")
    asyncio.run(store.erase("other", reason="quick_exit"))
    with store.session_scope() as session:
        rows = [
            r.id
            for r in session.query(store.SQLEvent)
            .filter(store.SQLEvent.sender_id == "numbered")
            .order_by(store.SQLEvent.id)
        ]
    messages = [m for _, m in broker.spool.oldest(limit=100)]
    events = [m for m in messages if m["kind"] == "event"]
    assert [m["review"]["seq"] for m in events] == rows  # "other"'s went with its erasure
    [replaced] = [m for m in messages if m["kind"] == "replaced"]
    assert [e["review"]["seq"] for e in replaced["events"]] == rows
    assert replaced["through"] == rows[-1]
    [erased] = [m for m in messages if m["kind"] == "erased"]
    assert erased["through"] == rows[-1] + 9  # the last of "other"'s nine rows, saved after
    assert asyncio.run(store.erase("never-seen", reason="quick_exit")) == 0
    [nothing] = [m for _, m in broker.spool.oldest(limit=100) if m["conversation_id"] == "never-seen"]
    assert "through" not in nothing


def test_the_purge_deletes_idle_conversations_and_erases_abandoned_referrals(tmp_path, intake):
    folder = tmp_path / "rasa"
    folder.mkdir(mode=0o700)
    store, broker = make_store(folder, intake)
    now = time.time()
    asyncio.run(store.save(worry_then_form("abandoned", now)))
    asyncio.run(store.save(worry_then_form("sent-then-abandoned", now, sent_before=True)))
    finished = DialogueStateTracker.from_events(
        "finished",
        [ActionExecuted("action_listen", timestamp=now), user("thank you", "thank", 0.99, now + 1)],
        DOMAIN.slots,
    )
    asyncio.run(store.save(finished))
    asyncio.run(deliver(broker))

    within = asyncio.run(purge(store, now=now + 30 * 60, session_expiry_minutes=60))
    assert within == {
        "conversations_deleted": 0,
        "abandoned_referrals_erased": 0,
        "abandoned_referrals_overwritten": 0,
    }
    later = asyncio.run(purge(store, now=now + 61 * 60, session_expiry_minutes=60))
    assert later == {
        "conversations_deleted": 0,
        "abandoned_referrals_erased": 1,
        "abandoned_referrals_overwritten": 1,
    }
    asyncio.run(deliver(broker))
    assert asyncio.run(store.retrieve("abandoned")) is None
    assert intake.conversation("abandoned") is None
    kept = intake.conversation("sent-then-abandoned")
    opened = str(store.opened_events("sent-then-abandoned")) + str(kept)
    assert "An Earlier Child" in opened and CHILD not in opened  # the sent one's transcript stays
    assert intake.conversation("finished") is not None

    month = asyncio.run(purge(store, now=now + 31 * 86400, session_expiry_minutes=60))
    assert month["conversations_deleted"] == 2
    assert asyncio.run(store.retrieve("finished")) is None
    assert intake.conversation("finished") is not None  # the review store keeps it on its own terms
    assert readable(folder) == [] and readable(intake.var_dir) == []


def test_a_full_spool_drops_review_events_counts_them_and_the_conversation_goes_on(tmp_path, intake, caplog):
    folder = tmp_path / "rasa"
    folder.mkdir(mode=0o700)
    store, broker = make_store(folder, intake, max_spool=3)
    intake.stop()
    tracker = worry_then_form("full", time.time())
    asyncio.run(store.save(tracker))  # nine events, three fit
    assert broker.spool.count() == 3 and broker.dropped == 6
    assert asyncio.run(store.retrieve("full")) is not None  # the tracker store has them all
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "review event(s) dropped" in logged and CHILD not in logged
