"""The review events over RabbitMQ (issues 12 and 15): the Rasa half (conversations/review_broker.py,
transport amqp) and the real intake service consuming the queue (intake/src/intake/review_queue.py),
through the machine's RabbitMQ on 127.0.0.1:5672.

A conversation goes tracker store -> spool -> RabbitMQ -> the intake's consumer -> the review store
and staff read it; what RabbitMQ holds is sealed (no name, postcode or phone number in its bytes);
RabbitMQ down then up loses nothing; an intake killed mid-stream and started again stores every
message once; a batch sealed with another key is refused and counted; an erased conversation's
waiting events never leave; and what another replica's spool still holds of a conversation erased
or stopped through the first never reaches the review store after it. Each test has its own queue,
deleted afterwards; RabbitMQ missing fails the tests under CI and skips them elsewhere.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
import time
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from cryptography.exceptions import InvalidTag
from rasa.shared.core.trackers import DialogueStateTracker

from conversations import review_transport
from conversations.keyring import Keys
from conversations.review_broker import ReviewEventBroker
from conversations.tracker_store import RedactingSQLTrackerStore
from nlp.names import WORRY_INTENT
from tests.intake_service import IntakeService
from tests.rabbitmq import AMQP_URL, TcpProxy, delete_queues, need_rabbitmq, new_queue_name, take_all, waiting
from tests.test_review_broker import CANARIES, DOMAIN, ROOT, eventually, readable, worry_then_form


def new_key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode()


KEY_TEXT = new_key_text()
KEY = review_transport.parse_key(KEY_TEXT, "the tests' transport key")


@pytest.fixture
def queue():
    need_rabbitmq()
    name = new_queue_name()
    yield name
    delete_queues(name)


def amqp_store(
    folder: Path,
    url: str,
    queue: str,
    key: Optional[bytes] = KEY,
    spool: str = "review_spool.db",
    **options: Any,
):
    """The Rasa server's tracker store with the review broker on RabbitMQ, state under `folder`
    (a second replica: the same folder, its own `spool`)."""
    folder.mkdir(mode=0o700, exist_ok=True)
    keys = Keys(path=folder / "conversation_keyring")
    broker = ReviewEventBroker(
        url=url,
        spool=str(folder / spool),
        transport="amqp",
        queue=queue,
        transport_key=key,
        keys=keys,
        retry_seconds=0.05,
        max_retry_seconds=0.2,
        **options,
    )
    store = RedactingSQLTrackerStore(DOMAIN, event_broker=broker, db=str(folder / "rasa.db"), keys=keys)
    return store, broker


def consuming_intake(tmp_path: Path, queue: str, **env: str) -> IntakeService:
    folder = tmp_path / "intake"
    folder.mkdir(mode=0o700, exist_ok=True)
    return IntakeService(
        folder,
        env={
            "INTAKE_REVIEW_AMQP_URL": AMQP_URL,
            "INTAKE_REVIEW_AMQP_QUEUE": queue,
            "REVIEW_TRANSPORT_KEY": KEY_TEXT,
            **env,
        },
    )


def events_of(intake: IntakeService, conversation_id: str, expected: int = 9) -> int:
    """How many events the review store holds of a conversation, once it holds `expected` (a
    batch is stored a message at a time) or after waiting for them."""

    def count() -> int:
        conversation = intake.conversation(conversation_id)
        return len(conversation["events"]) if conversation else 0

    eventually(lambda: count() >= expected)
    time.sleep(0.2)  # and no more arrive
    return count()


def opened(body: bytes, info: dict) -> dict:
    return json.loads(review_transport.open_batch(KEY, info["message_id"], body))


@pytest.fixture
def intake_down(tmp_path, queue):
    """The intake service, configured to consume `queue`, not started: a test starts it."""
    service = consuming_intake(tmp_path, queue)
    yield service
    service.stop()


def test_a_conversation_goes_through_rabbitmq_to_the_review_store_and_staff_read_it(
    tmp_path, queue, monkeypatch
):
    # Both halves share the transport key through a file (the first to start makes it, 0600).
    key_file = tmp_path / "shared" / "review_transport_key"
    monkeypatch.delenv("REVIEW_TRANSPORT_KEY", raising=False)
    monkeypatch.setenv("REVIEW_TRANSPORT_KEY_FILE", str(key_file))
    store, broker = amqp_store(tmp_path / "rasa", AMQP_URL, queue, key=None)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    intake = consuming_intake(
        tmp_path, queue, REVIEW_TRANSPORT_KEY="", REVIEW_TRANSPORT_KEY_FILE=str(key_file)
    )
    intake.start()
    try:
        asyncio.run(store.save(worry_then_form("amqp-round-trip", time.time())))
        assert asyncio.run(broker.flush()) == 0  # RabbitMQ confirmed it: the spool is empty
        # Its events may arrive in more than one batch: wait for all nine the store saved.
        conversation = eventually(
            lambda: next(
                (c for c in [intake.conversation("amqp-round-trip")] if c and len(c["events"]) >= 9), None
            )
        )
        assert conversation is not None, (intake.conversation("amqp-round-trip"), intake.log()[-2000:])
        users = [e for e in conversation["events"] if e["type"] == "user"]
        assert [(u["intent"], u["confidence"]) for u in users] == [(WORRY_INTENT, 0.87), ("faq", 0.42)]
        assert len(conversation["events"]) == 9 and conversation["channel"] == "socketio"
        assert "consuming review events from RabbitMQ" in intake.log()
        assert waiting(queue) == 0
    finally:
        intake.stop()
    assert readable(tmp_path / "rasa") == [] and readable(intake.var_dir) == []
    for canary in (*CANARIES, "guest:guest"):
        assert canary not in intake.log()


def test_what_rabbitmq_holds_is_sealed_and_bound_to_its_message(tmp_path, queue):
    store, broker = amqp_store(tmp_path / "rasa", AMQP_URL, queue)
    asyncio.run(store.save(worry_then_form("amqp-sealed", time.time())))
    assert asyncio.run(broker.flush()) == 0
    [(body, info)] = take_all(queue)
    everything = (body + repr(info).encode()).lower()
    for canary in (*CANARIES, "worried about the little girl"):
        assert canary.lower().encode() not in everything, canary
    assert info["delivery_mode"] == 2 and info["content_type"] == review_transport.CONTENT_TYPE
    batch = opened(body, info)  # the canaries were there, sealed
    assert {m["conversation_id"] for m in batch["messages"]} == {"amqp-sealed"}
    assert any(CANARIES[0] in json.dumps(m) for m in batch["messages"])
    with pytest.raises(InvalidTag):  # under another message id it does not open
        review_transport.open_batch(KEY, "another-id", body)


def test_rabbitmq_down_then_up_the_conversation_goes_on_and_nothing_is_lost(tmp_path, queue, intake_down):
    proxy = TcpProxy()  # RabbitMQ as the broker reaches it: closed, then open, then closed again
    store, broker = amqp_store(tmp_path / "rasa", proxy.url, queue)
    now = time.time()

    async def scenario() -> None:
        await store.save(worry_then_form("while-down", now))  # the delivery task starts: refused
        await asyncio.sleep(0.5)
        assert broker.spool.count() == 9 and broker.dropped == 0
        assert await store.retrieve("while-down") is not None  # Rasa answered meanwhile
        proxy.open()
        assert await eventually_async(lambda: broker.spool.count() == 0)
        proxy.close()  # down again, with the broker connected
        await store.save(worry_then_form("down-again", now + 100))
        await asyncio.sleep(0.5)
        assert broker.spool.count() == 9
        proxy.open()
        assert await eventually_async(lambda: broker.spool.count() == 0)
        await broker.close()

    try:
        asyncio.run(scenario())
    finally:
        proxy.close()
    assert broker.dropped == 0 and broker.delivered == 18
    intake_down.start()
    for conversation_id in ("while-down", "down-again"):
        assert events_of(intake_down, conversation_id) == 9, conversation_id


def test_an_intake_killed_mid_stream_and_started_again_stores_every_message_once(
    tmp_path, queue, intake_down
):
    store, broker = amqp_store(tmp_path / "rasa", AMQP_URL, queue)
    now = time.time()
    senders = [f"stream-{i}" for i in range(40)]
    for index, sender in enumerate(senders):  # one batch each
        asyncio.run(store.save(worry_then_form(sender, now + index)))
        assert asyncio.run(broker.flush()) == 0
    assert waiting(queue) == len(senders)
    intake_down.start()
    # Fewer ready than all but the consumer's prefetch (8, unacked): it has acked some.
    assert eventually(lambda: waiting(queue) < len(senders) - 8, seconds=30)
    intake_down.kill()  # SIGKILL: what it held unacked goes back to the queue
    left = waiting(queue)
    assert 0 < left < len(senders), "not mid-stream"
    intake_down.start()
    assert eventually(lambda: waiting(queue) == 0, seconds=60)
    for sender in senders:
        assert events_of(intake_down, sender) == 9, sender
    status, listed = intake_down.staff("GET", "/conversations?limit=200")
    assert status == 200 and listed["total"] == len(senders)


def test_a_batch_sealed_with_another_key_is_refused_counted_and_kept_sealed(tmp_path, queue, intake_down):
    wrong_store, wrong = amqp_store(
        tmp_path / "wrong", AMQP_URL, queue, key=review_transport.parse_key(new_key_text(), "x")
    )
    right_store, right = amqp_store(tmp_path / "right", AMQP_URL, queue)
    asyncio.run(wrong_store.save(worry_then_form("wrong-key", time.time())))
    assert asyncio.run(wrong.flush()) == 0
    asyncio.run(right_store.save(worry_then_form("right-key", time.time())))
    assert asyncio.run(right.flush()) == 0
    intake_down.start()
    assert eventually(lambda: intake_down.conversation("right-key"))
    assert intake_down.conversation("wrong-key") is None
    refused = review_transport.refused_queue(queue)
    assert eventually(lambda: waiting(refused) == 1)
    log = intake_down.log()
    assert "does not open with the transport key" in log and "(1 refused since start)" in log
    for canary in CANARIES:
        assert canary not in log


def test_an_erased_conversations_waiting_events_never_leave(tmp_path, queue):
    proxy = TcpProxy()  # closed: RabbitMQ down while the conversation is erased
    store, broker = amqp_store(tmp_path / "rasa", proxy.url, queue)
    asyncio.run(store.save(worry_then_form("erased-waiting", time.time())))
    assert asyncio.run(broker.flush()) == 9
    asyncio.run(store.erase("erased-waiting", reason="quick_exit"))
    assert broker.spool.count() == 1
    proxy.open()
    try:
        assert asyncio.run(broker.flush()) == 0
    finally:
        proxy.close()
    messages = [m for body, info in take_all(queue) for m in opened(body, info)["messages"]]
    assert [(m["kind"], m["conversation_id"]) for m in messages] == [("erased", "erased-waiting")]


@pytest.mark.parametrize("through_a", ["erased", "replaced"])
def test_what_another_replica_still_holds_never_reaches_the_review_store_after_it(
    tmp_path, queue, intake_down, through_a
):
    # Two replicas share the tracker store; each has its own spool. Replica B answers a turn while
    # cut off from RabbitMQ, so its events wait in its spool; then the person presses quick exit
    # (or stops the referral) on a connection to replica A, which reaches RabbitMQ.
    store_a, broker_a = amqp_store(tmp_path / "rasa", AMQP_URL, queue, spool="spool_a.db")
    proxy = TcpProxy()
    store_b, broker_b = amqp_store(tmp_path / "rasa", proxy.url, queue, spool="spool_b.db")
    sender, now = f"two-replicas-{through_a}", time.time()
    try:
        asyncio.run(store_b.save(worry_then_form(sender, now)))
        assert asyncio.run(broker_b.flush()) == 9  # waiting in B's spool
        if through_a == "erased":
            asyncio.run(store_a.erase(sender, reason="quick_exit"))
        else:
            store_a.overwrite_referral(sender)
        assert asyncio.run(broker_a.flush()) == 0
        intake_down.start()
        if through_a == "erased":
            assert eventually(lambda: waiting(queue) == 0)
        else:
            assert events_of(intake_down, sender) == 9  # as it now reads, the answers overwritten
        proxy.open()  # B is back: its spool goes out, after A's erasure or replacement
        assert asyncio.run(broker_b.flush()) == 0
        # The person carries on (a new session after quick exit; after stopping the referral, the
        # same one): that turn comes after the cut-off and is stored, so B's batch was read.
        tracker = asyncio.run(store_b.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)
        for new in list(worry_then_form(sender, now + 60).events)[:2]:  # the worry, no names
            tracker.update(new)
        asyncio.run(store_b.save(tracker))
        assert asyncio.run(broker_b.flush()) == 0
        expected = 2 if through_a == "erased" else 11
        assert events_of(intake_down, sender, expected) == expected
    finally:
        proxy.close()
    conversation = intake_down.conversation(sender)
    text = json.dumps(conversation)
    at = [_seconds(e["at"]) for e in conversation["events"]]
    if through_a == "erased":  # only the new session: nothing from before the quick exit
        assert min(at) >= now + 60 - 0.001, at
    for canary in CANARIES:
        assert canary not in text, canary
    assert "superseded" in intake_down.log()


def _seconds(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


async def eventually_async(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


# --- configuration (no RabbitMQ needed) -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["amqp://guest:guest@127.0.0.1:5672/", "amqp://localhost", "amqps://u:p@rabbit.internal:5671/"],
)
def test_amqps_anywhere_and_amqp_on_a_loopback_host_are_taken(tmp_path, url):
    _, broker = amqp_store(tmp_path / "rasa", url, "review_events")
    assert broker.transport.url == url and broker.transport.queue == "review_events"


@pytest.mark.parametrize(
    "url",
    ["amqp://u:hunter2@rabbit.example.org/", "amqp://10.0.0.5", "http://127.0.0.1:5672", "", "amqps://"],
)
def test_plain_amqp_off_this_machine_stops_the_server_without_repeating_the_url(tmp_path, url):
    with pytest.raises(ValueError, match=r"^REVIEW_AMQP_URL must be an amqps:// URL") as refused:
        amqp_store(tmp_path / "rasa", url, "review_events")
    assert "hunter2" not in str(refused.value) and "example" not in str(refused.value)


def test_an_unknown_transport_or_queue_name_stops_the_server(tmp_path):
    with pytest.raises(ValueError, match="REVIEW_TRANSPORT"):
        ReviewEventBroker(spool=str(tmp_path / "spool.db"), transport="kafka", keys=Keys(path=tmp_path / "k"))
    with pytest.raises(ValueError, match="REVIEW_AMQP_QUEUE"):
        amqp_store(tmp_path / "rasa", AMQP_URL, "no spaces please")


def test_the_transport_key_file_is_made_once_and_private(tmp_path):
    path = tmp_path / "var" / "review_transport_key"
    env = {"REVIEW_TRANSPORT_KEY_FILE": str(path)}
    first, second = review_transport.transport_key(env), review_transport.transport_key(env)
    assert first == second and len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text())) == 32
    given = review_transport.transport_key({**env, "REVIEW_TRANSPORT_KEY": KEY_TEXT})
    assert given == KEY != first
    with pytest.raises(ValueError, match="at least 32 bytes"):
        review_transport.transport_key({"REVIEW_TRANSPORT_KEY": base64.b64encode(b"short").decode()})


def test_make_run_keeps_http_and_the_scale_out_topology_uses_rabbitmq():
    default = yaml.safe_load((ROOT / "endpoints.yml").read_text())["event_broker"]
    assert default == {"type": "conversations.review_broker.ReviewEventBroker"}
    deploy = yaml.safe_load((ROOT / "deploy" / "endpoints.yml").read_text())["event_broker"]
    assert deploy["transport"] == "amqp" and deploy["url"] == "${REVIEW_AMQP_URL}"
