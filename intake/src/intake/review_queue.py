"""The review events over RabbitMQ: the consumer the intake server runs when INTAKE_REVIEW_AMQP_URL
is set (__main__.py starts it with the server and stops it with it).

Each message is a batch the Rasa replicas' review broker sealed with the transport key
(review_transport.py). The consumer opens it and stores it through `store.receive_batch`, the
HTTP route's own path, one batch at a time in the queue's order, and acks it only after the
database has committed: a consumer stopped or killed in between gets the batch again, and the
store takes each message once (by its message_id).

A batch that does not open (altered, moved, sealed with another key), is not JSON or is not a
batch is rejected: RabbitMQ dead-letters it, still sealed, to ``<queue>.refused`` (kept a week,
for an operator to move back once a key is put right), and it is counted and logged without
content. A message refused inside a valid batch is counted and logged the same way; the rest of
the batch is stored. While the database does not answer, the batch is held and tried again with
back-off (nothing lost, the order kept); while RabbitMQ does not answer, the consumer connects
again with back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from cryptography.exceptions import InvalidTag

from intake.review import Refused
from intake.review_transport import (
    CONTENT_TYPE,
    MESSAGE_TYPE,
    REFUSED_TTL_MS,
    open_batch,
    queue_arguments,
    refused_queue,
)
from intake.routes.deps import InvalidBody, parse_json
from intake.settings import MAX_REVIEW_BODY_BYTES

log = logging.getLogger("intake.review_queue")

# A sealed batch is its JSON and 28 bytes; the broker's batches stay under 768 KiB.
MAX_SEALED_BYTES = MAX_REVIEW_BODY_BYTES + 1024


class ReviewConsumer:
    """Consumes the review queue into the review store until stopped."""

    def __init__(
        self,
        store: Any,
        url: str,
        queue: str,
        key: bytes,
        *,
        retry_seconds: float = 1.0,
        max_retry_seconds: float = 30.0,
        prefetch: int = 8,
    ) -> None:
        self.store, self.url, self.queue, self._key = store, url, queue, key
        self.retry_seconds, self.max_retry_seconds, self.prefetch = (
            retry_seconds,
            max_retry_seconds,
            prefetch,
        )
        self.batches_stored = 0
        self.batches_refused = 0  # rejected whole (dead-lettered)
        self.messages_refused = 0  # refused inside a batch that was stored
        self.consuming = asyncio.Event()  # set while subscribed to the queue
        self._task: asyncio.Task | None = None

    def start(self) -> asyncio.Task:
        self._task = asyncio.get_running_loop().create_task(self.run())
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        delay = self.retry_seconds
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # only the type: a message may name the URL or the data
                if self.consuming.is_set():  # it was connected: back off from the start again
                    delay = self.retry_seconds
                log.warning(
                    "review queue: RabbitMQ not reachable or the connection was lost (%s); "
                    "connecting again in %.0f s",
                    type(exc).__name__,
                    delay,
                )
            finally:
                self.consuming.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_retry_seconds)

    async def _consume(self) -> None:
        connection = await aio_pika.connect(self.url, timeout=10)
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            await channel.declare_queue(
                refused_queue(self.queue), durable=True, arguments={"x-message-ttl": REFUSED_TTL_MS}
            )
            queue = await channel.declare_queue(
                self.queue, durable=True, arguments=queue_arguments(self.queue)
            )
            # Deliveries are handled one at a time, in order: aio-pika would run them at once.
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            closed = asyncio.Event()
            channel.close_callbacks.add(lambda *_: closed.set())
            connection.close_callbacks.add(lambda *_: closed.set())

            async def deliver(message: AbstractIncomingMessage) -> None:
                inbox.put_nowait(message)

            await queue.consume(deliver)
            self.consuming.set()
            log.info("review queue: consuming review events from RabbitMQ (queue %s)", self.queue)
            while True:
                waiting = asyncio.ensure_future(inbox.get())
                ending = asyncio.ensure_future(closed.wait())
                done, _ = await asyncio.wait({waiting, ending}, return_when=asyncio.FIRST_COMPLETED)
                if waiting not in done:
                    waiting.cancel()
                    raise ConnectionError("the channel to RabbitMQ closed")
                ending.cancel()
                await self.handle(waiting.result())

    async def handle(self, message: AbstractIncomingMessage) -> None:
        """Store one sealed batch and ack it, or reject it (dead-lettered), counted."""
        body, why = self._open(message)
        if body is None:
            return await self._refuse(message, why)
        delay = self.retry_seconds
        while True:
            try:
                report = await self.store.receive_batch(body)
                break
            except Refused:
                return await self._refuse(message, "it is not a batch of review messages")
            except Exception as exc:  # the database: hold the batch, try again
                log.warning(
                    "review queue: a batch could not be stored yet (%s); trying again in %.0f s",
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_seconds)
        await message.ack()
        self.batches_stored += 1
        if report["superseded"]:  # another replica's spool, late: an erasure came before it
            log.info(
                "review queue: %d review event(s) superseded by an erasure or replacement "
                "received before them, not stored",
                report["superseded"],
            )
        if report["refused"]:
            self.messages_refused += len(report["refused"])
            log.error(
                "review queue: %d review message(s) refused as invalid (%s) (%d since start)",
                len(report["refused"]),
                "; ".join(sorted({r["message"] for r in report["refused"]})),
                self.messages_refused,
            )

    def _open(self, message: AbstractIncomingMessage) -> tuple[Any, str]:
        """The batch's JSON, or None and why it cannot be opened (never its content)."""
        if message.type != MESSAGE_TYPE or message.content_type != CONTENT_TYPE:
            return None, "it is not a sealed review batch"
        if not message.message_id or len(message.body) > MAX_SEALED_BYTES:
            return None, "it has no message id or is too large"
        try:
            opened = open_batch(self._key, message.message_id, message.body)
        except InvalidTag:
            return None, "it does not open with the transport key (altered, or another key)"
        try:
            return parse_json(opened), ""  # strict, as the HTTP route reads a body
        except InvalidBody:
            return None, "it is not JSON"

    async def _refuse(self, message: AbstractIncomingMessage, why: str) -> None:
        await message.reject(requeue=False)
        self.batches_refused += 1
        log.error(
            "review queue: a batch of review events refused and dead-lettered to %s: %s "
            "(%d refused since start)",
            refused_queue(self.queue),
            why,
            self.batches_refused,
        )
