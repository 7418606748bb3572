"""Rasa's event broker for the review store: every conversation event reaches the intake service,
where MASH staff review it (intake/src/intake/store/conversations.py); nothing waits in plain text.

Rasa's tracker store publishes each new event (conversations/tracker_store.py adds the ``review``
fields it reads with the domain, and tells of a stopped referral, ``conversation_replaced``, and
an erased conversation, ``conversation_erased``). ``publish`` is synchronous and quick: it seals
the message with the conversations' keyring (AES-256-GCM, associated data: the spool and the
message id) into a spool, a SQLite file under ``var/`` (0600, ``secure_delete``). A task in the
Rasa server's event loop sends the spool, oldest first, in batches, and deletes what was taken.
Two transports:

- ``http`` (the default, what ``make run`` uses): the intake's ``POST /api/v1/conversation-events``
  (service token); the spool loses what the intake answered for.
- ``amqp`` (several replicas, deploy/): each batch sealed again with the transport key
  (conversations/review_transport.py) and published to a durable RabbitMQ queue as a persistent
  message, with publisher confirms; the spool loses only what RabbitMQ confirmed. The intake
  consumes the queue (intake/src/intake/review_queue.py) and stores each batch as the HTTP route does.

When the intake (or RabbitMQ) is down, Rasa keeps answering: the spool grows, up to ``max_spool``
messages, and is delivered when it is back (with back-off). Past the cap, review events are
dropped and counted, and the count is logged without content; referrals never travel this way
(they have the action server's outbox). A message the intake refuses as invalid is dropped and
counted the same way (over RabbitMQ the intake counts it). An erased conversation's messages still
waiting are deleted from the spool before the erasure is queued, so they never leave.

Where: over HTTP, the intake service of ``INTAKE_URL`` (the action server's setting,
actions/settings.py: its origin, https unless on loopback), with the same service token; over
AMQP, ``REVIEW_AMQP_URL`` (amqps unless on loopback) and the queue ``REVIEW_AMQP_QUEUE``
(``review_events``). The transport is ``REVIEW_TRANSPORT`` (``http``). The spool is
``REVIEW_SPOOL_DB``, else ``review_spool.db`` beside the tracker store's SQLite file
(``TRACKER_STORE_DB``), else ``var/review_spool.db``. Each can be given in endpoints.yml instead.

    endpoints.yml:
      event_broker:
        type: conversations.review_broker.ReviewEventBroker
        # transport: amqp          (deploy/endpoints.yml)
        # url: ${REVIEW_AMQP_URL}
        # queue: ${REVIEW_AMQP_QUEUE}
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import aiohttp
from aiormq.exceptions import DeliveryError, PublishError
from pamqp.commands import Basic
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from actions.settings import Settings, check_transport, load_settings
from conversations import review_transport
from conversations.keyring import Keys
from conversations.private_files import PROJECT_VAR, private_database
from conversations.tracker_store import (
    CONVERSATION_ERASED,
    CONVERSATION_REPLACED,
    KEYRING_FILE_VARIABLE,
    KEYRING_NAME,
    KEYS_VARIABLE,
)

logger = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/conversation-events"
SPOOL_NAME = "review_spool.db"
BATCH_MESSAGES = 200
BATCH_BYTES = 768 * 1024  # under the intake's 1 MiB limit for a batch
MAX_SPOOL = 100_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS spool (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    sealed TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS spool_conversation ON spool (conversation_id);
"""


def intake_origin(url: str) -> str:
    """``https://host:port`` of a URL (INTAKE_URL names the referrals route; events go beside it)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def default_spool(env: Any) -> Path:
    if env.get("REVIEW_SPOOL_DB"):
        return Path(env["REVIEW_SPOOL_DB"])
    tracker = env.get("TRACKER_STORE_DB")
    return (Path(tracker).parent if tracker else PROJECT_VAR) / SPOOL_NAME


def spool_associated_data(message_id: str) -> bytes:
    return json.dumps(["review_spool", message_id]).encode("utf-8")


def review_message(body: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The intake's review message for what the tracker store published (None: nothing to send)."""
    body = dict(body)
    conversation_id = body.pop("sender_id", None)
    if not isinstance(conversation_id, str):
        return None
    message_id = str(uuid.uuid4())
    kind = body.get("event")
    # ``through``: the last event (its row in the tracker store) an erasure or replacement covers.
    through = {"through": body["through"]} if isinstance(body.get("through"), int) else {}
    if kind == CONVERSATION_ERASED:
        return {
            "kind": "erased",
            "message_id": message_id,
            "conversation_id": conversation_id,
            "reason": body.get("reason"),
            **through,
        }
    if kind == CONVERSATION_REPLACED:
        return {
            "kind": "replaced",
            "message_id": message_id,
            "conversation_id": conversation_id,
            "events": [_part(e) for e in body.get("events") or []],
            **through,
        }
    return {"kind": "event", "message_id": message_id, "conversation_id": conversation_id, **_part(body)}


def _part(event: Dict[str, Any]) -> Dict[str, Any]:
    event = dict(event)
    review = event.pop("review", None) or {"type": event.get("event"), "at": event.get("timestamp")}
    event.pop("sender_id", None)
    return {"event": event, "review": review}


class Spool:
    """The messages waiting for the intake, sealed, in a private SQLite file; safe across threads
    and processes (SQLite's own locking; WAL)."""

    def __init__(self, path: Path, keys: Keys, *, max_messages: int = MAX_SPOOL) -> None:
        self.path = Path(path)
        self.keys = keys
        self.max_messages = max_messages
        private_database(self.path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), timeout=5, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")
        # WAL with NORMAL: a commit survives the process dying (not the machine losing power,
        # for review events only; referrals have the outbox), without a sync to disk each time.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        private_database(self.path)  # the WAL and shared-memory files it just made

    def put(self, message: Dict[str, Any]) -> bool:
        """Queue a message; False (nothing queued) when the spool is full."""
        return self.put_many([message]) == 1

    def put_many(self, messages: List[Dict[str, Any]]) -> int:
        """Queue messages in one transaction (one write to disk for a turn's events); how many
        were queued (those past the cap are not)."""
        sealed = [
            (
                m,
                self.keys.seal(
                    json.dumps(m, ensure_ascii=False).encode("utf-8"),
                    spool_associated_data(m["message_id"]),
                ),
            )
            for m in messages
        ]
        queued = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                room = self.max_messages - self.count()
                for message, text in sealed:
                    if message["kind"] == "erased":  # what waits of it never leaves
                        self._db.execute(
                            "DELETE FROM spool WHERE conversation_id = ?", (message["conversation_id"],)
                        )
                        room = self.max_messages - self.count()
                    elif room <= 0:
                        continue
                    self._db.execute(
                        "INSERT INTO spool (message_id, conversation_id, sealed) VALUES (?, ?, ?)",
                        (message["message_id"], message["conversation_id"], text),
                    )
                    room -= 1
                    queued += 1
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return queued

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM spool").fetchone()[0])

    def oldest(
        self, limit: int = BATCH_MESSAGES, max_bytes: int = BATCH_BYTES
    ) -> List[Tuple[int, Dict[str, Any]]]:
        """The oldest messages, opened, as many as fit in one batch (at least one)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, message_id, sealed FROM spool ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
        batch, size = [], 0
        for row_id, message_id, sealed in rows:
            message = json.loads(self.keys.open(sealed, spool_associated_data(message_id)))
            size += len(json.dumps(message, ensure_ascii=False).encode("utf-8"))
            if batch and size > max_bytes:
                break
            batch.append((row_id, message))
        return batch

    def delete(self, row_ids: List[int]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM spool WHERE id = ?", [(i,) for i in row_ids])

    def close(self) -> None:
        self._db.close()


@dataclass(frozen=True)
class Answer:
    """What became of a batch: taken (``refused`` of its messages refused as invalid), refused
    whole (``refused_whole`` says why: the broker halves it, then drops the one message), or not
    taken (sent again later)."""

    taken: bool
    refused: int = 0
    refused_whole: Optional[str] = None


NOT_TAKEN = Answer(taken=False)


class HttpTransport:
    """The batches posted to the intake's ``POST /api/v1/conversation-events``."""

    name = "the intake"

    def __init__(self, url: str, token: Optional[str], settings: Settings) -> None:
        self.url, self._token, self._settings = url, token, settings
        self._session: Optional[aiohttp.ClientSession] = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, messages: List[Dict[str, Any]]) -> Answer:
        token = self._token or self._settings.read_service_token()
        if not token or self._session is None:
            return NOT_TAKEN
        async with self._session.post(
            self.url, json={"messages": messages}, headers={"Authorization": f"Bearer {token}"}
        ) as response:
            if response.status == 200:
                answer = await response.json()
                return Answer(taken=True, refused=len(answer.get("refused") or []))
            if response.status in (413, 422):
                return Answer(taken=False, refused_whole=f"the intake refused it ({response.status})")
            logger.warning("The intake answered %d to review events; retrying", response.status)
            return NOT_TAKEN


class AmqpTransport:
    """The batches sealed with the transport key and published to a durable RabbitMQ queue as
    persistent messages; a batch is taken when RabbitMQ confirms it (publisher confirms)."""

    name = "RabbitMQ"

    def __init__(self, url: str, queue: str, key: bytes) -> None:
        self.url, self.queue, self._key = url, queue, key
        self._connection: Optional[aio_pika.abc.AbstractConnection] = None
        self._channel: Optional[aio_pika.abc.AbstractChannel] = None

    async def open(self) -> None:
        """Connected at the first batch (and again after a failure), not here."""

    async def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and not connection.is_closed:
            await connection.close()

    async def _ready_channel(self) -> aio_pika.abc.AbstractChannel:
        if self._channel is None or self._channel.is_closed:
            await self.close()
            self._connection = await aio_pika.connect(self.url, timeout=10)
            self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
            await self._channel.declare_queue(
                self.queue, durable=True, arguments=review_transport.queue_arguments(self.queue)
            )
        return self._channel

    async def send(self, messages: List[Dict[str, Any]]) -> Answer:
        message_id = str(uuid.uuid4())
        body = json.dumps({"messages": messages}, ensure_ascii=False).encode("utf-8")
        message = aio_pika.Message(
            review_transport.seal_batch(self._key, message_id, body),
            message_id=message_id,
            content_type=review_transport.CONTENT_TYPE,
            type=review_transport.MESSAGE_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            channel = await self._ready_channel()
            confirmation = await channel.default_exchange.publish(message, routing_key=self.queue, timeout=30)
        except (DeliveryError, PublishError):  # nacked (the queue is full) or not routed
            logger.warning("RabbitMQ did not take a batch of review events (%d); retrying", len(messages))
            return NOT_TAKEN
        except BaseException:
            await self.close()  # connected again for the next batch
            raise
        return Answer(taken=True) if isinstance(confirmation, Basic.Ack) else NOT_TAKEN


class ReviewEventBroker(EventBroker):
    """Seals each event into the spool; a task delivers the spool, over HTTP to the intake service
    or over RabbitMQ to the intake's consumer."""

    def __init__(
        self,
        url: Optional[Text] = None,
        spool: Optional[Text] = None,
        *,
        transport: Optional[Text] = None,
        queue: Optional[Text] = None,
        token: Optional[Text] = None,
        keys: Optional[Keys] = None,
        transport_key: Optional[bytes] = None,
        max_spool: int = MAX_SPOOL,
        retry_seconds: float = 1.0,
        max_retry_seconds: float = 60.0,
        **_ignored: Any,
    ) -> None:
        env = os.environ
        kind = (transport or env.get(review_transport.TRANSPORT_ENV) or "http").lower()
        if kind == "amqp":
            self.transport: Any = AmqpTransport(
                review_transport.check_amqp_url(
                    review_transport.URL_ENV, url or env.get(review_transport.URL_ENV) or ""
                ),
                review_transport.check_queue(
                    review_transport.QUEUE_ENV,
                    queue or env.get(review_transport.QUEUE_ENV) or review_transport.DEFAULT_QUEUE,
                ),
                transport_key or review_transport.transport_key(env),
            )
        elif kind == "http":
            settings = load_settings()
            origin = check_transport("the review store's URL", intake_origin(url or settings.intake_url))
            self.transport = HttpTransport(origin + EVENTS_PATH, token, settings)
        else:
            raise ValueError(
                f"{review_transport.TRANSPORT_ENV} (the review broker's transport) must be http or amqp"
            )
        path = Path(spool) if spool else default_spool(env)
        keys = keys or Keys.from_environment(
            env,
            variable=KEYS_VARIABLE,
            file_variable=KEYRING_FILE_VARIABLE,
            default_file=path.parent / KEYRING_NAME,
        )
        self.spool = Spool(path, keys, max_messages=max_spool)
        self.retry_seconds, self.max_retry_seconds = retry_seconds, max_retry_seconds
        self.dropped = 0  # review events lost (spool full, or refused by the intake): counted
        self.delivered = 0
        self._batch_limit = BATCH_MESSAGES  # halved while the intake refuses a batch as too big
        self._wake: Optional[asyncio.Event] = None
        self._task: Optional[asyncio.Task] = None

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[asyncio.AbstractEventLoop] = None
    ) -> "ReviewEventBroker":
        return cls(url=broker_config.url, **broker_config.kwargs)

    # --- Rasa's side: quick, synchronous, never raises into the conversation ---------------------

    def publish(self, event: Dict[Text, Any]) -> None:
        self.publish_many([event])

    def publish_many(self, events: List[Dict[Text, Any]]) -> None:
        """Queue a turn's events together (the tracker store calls this for each save)."""
        try:
            messages = [m for m in (review_message(e) for e in events) if m is not None]
            if not messages:
                return
            queued = self.spool.put_many(messages)
            if queued < len(messages):
                self._count_dropped(len(messages) - queued, "the review spool is full")
        except Exception as exc:  # a review event must never stop a conversation
            self._count_dropped(len(events), f"review events could not be queued ({type(exc).__name__})")
            return
        self._start_delivery()

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                logger.debug("Review delivery stopped; %d message(s) wait in the spool", self.spool.count())
        self.spool.close()

    # --- delivery -------------------------------------------------------------------------------

    def _start_delivery(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a command-line tool): the server's task delivers what it spooled
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._deliver_forever())
        if self._wake is not None:
            self._wake.set()

    async def flush(self) -> int:
        """Send what waits until the spool is empty or it is not taken; how many are left."""
        await self.transport.open()
        try:
            while await self._send_one_batch():
                pass
        except Exception as exc:
            logger.warning(
                "Review events not delivered to %s yet (%s)", self.transport.name, type(exc).__name__
            )
        finally:
            await self.transport.close()
        return self.spool.count()

    async def _deliver_forever(self) -> None:
        delay = self.retry_seconds
        await self.transport.open()
        try:
            while True:
                try:
                    sent = await self._send_one_batch()
                except Exception as exc:
                    logger.warning(
                        "Review events not delivered to %s yet (%s); retrying",
                        self.transport.name,
                        type(exc).__name__,
                    )
                    sent = None
                if sent:
                    delay = self.retry_seconds
                    continue
                if sent is None:  # not taken: back off
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_retry_seconds)
                    continue
                assert self._wake is not None
                self._wake.clear()
                if self.spool.count():
                    continue
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.max_retry_seconds)
                except asyncio.TimeoutError:
                    pass
        finally:
            await self.transport.close()

    async def _send_one_batch(self) -> Optional[bool]:
        """True: a batch went (send more); False: nothing waits; None: it was not taken."""
        batch = await asyncio.to_thread(self.spool.oldest, self._batch_limit)
        if not batch:
            return False
        answer = await self.transport.send([message for _, message in batch])
        if answer.taken:
            if answer.refused:
                self._count_dropped(answer.refused, "the intake refused review events as invalid")
            await asyncio.to_thread(self.spool.delete, [row_id for row_id, _ in batch])
            self.delivered += len(batch) - answer.refused
            self._batch_limit = BATCH_MESSAGES
            return True
        if answer.refused_whole:
            if len(batch) > 1:  # smaller batches, until the one it refuses is found
                self._batch_limit = max(1, len(batch) // 2)
                return True
            self._count_dropped(1, f"a review message was refused: {answer.refused_whole}")
            await asyncio.to_thread(self.spool.delete, [batch[0][0]])
            return True
        return None

    def _count_dropped(self, count: int, why: str) -> None:
        self.dropped += count
        logger.error("%d review event(s) dropped: %s (%d dropped since start)", count, why, self.dropped)
