"""The machine's RabbitMQ (127.0.0.1:5672, guest/guest) for the review events' tests: a queue of
a test's own, read raw as RabbitMQ holds it and deleted afterwards, and a TCP proxy in front of
RabbitMQ that a test closes and opens again, as RabbitMQ going down and coming back would look."""

from __future__ import annotations

import asyncio
import contextlib
import os
import selectors
import socket
import threading
import uuid
from typing import Any, Dict, List, Optional, Tuple

import aio_pika

from conversations import review_transport
from tests.missing import missing

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def need_rabbitmq() -> None:
    """Skip (fail under CI) when RabbitMQ does not answer."""

    async def probe() -> None:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        missing(f"RabbitMQ is not reachable at 127.0.0.1:5672 ({type(exc).__name__})")


def new_queue_name() -> str:
    return f"test_review_{uuid.uuid4().hex[:12]}"


def amqp_url_via(port: int) -> str:
    return f"amqp://guest:guest@127.0.0.1:{port}/"


async def _with_channel(work):
    connection = await aio_pika.connect(AMQP_URL, timeout=5)
    try:
        channel = await connection.channel()
        return await work(channel)
    finally:
        await connection.close()


def waiting(queue: str) -> int:
    """How many messages wait in `queue` (0 if it does not exist yet)."""

    async def work(channel) -> int:
        try:
            declared = await channel.declare_queue(queue, passive=True)
        except aio_pika.exceptions.ChannelClosed:
            return 0
        return declared.declaration_result.message_count

    return asyncio.run(_with_channel(work))


def take_all(queue: str) -> List[Tuple[bytes, Dict[str, Any]]]:
    """Every message waiting in `queue`, removed: its body as RabbitMQ held it and its properties."""

    async def work(channel):
        found = []
        declared = await channel.declare_queue(
            queue, durable=True, arguments=review_transport.queue_arguments(queue)
        )
        while True:
            message = await declared.get(no_ack=True, fail=False)
            if message is None:
                return found
            found.append((message.body, message.info()))

    return asyncio.run(_with_channel(work))


def delete_queues(queue: str) -> None:
    async def work(channel) -> None:
        for name in (queue, review_transport.refused_queue(queue)):
            await channel.queue_delete(name)

    asyncio.run(_with_channel(work))


class TcpProxy:
    """127.0.0.1:<port> forwarded to RabbitMQ while open; `close()` drops every connection and
    refuses new ones (RabbitMQ down), `open()` takes them again on the same port."""

    def __init__(self, target: Tuple[str, int] = ("127.0.0.1", 5672)) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return amqp_url_via(self.port)

    def open(self) -> "TcpProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _serve(self, listener: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        peers: Dict[socket.socket, socket.socket] = {}
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.05):
                    sock = key.fileobj
                    if sock is listener:
                        client, _ = listener.accept()
                        try:
                            upstream = socket.create_connection(self.target, timeout=5)
                        except OSError:
                            client.close()
                            continue
                        peers[client], peers[upstream] = upstream, client
                        selector.register(client, selectors.EVENT_READ)
                        selector.register(upstream, selectors.EVENT_READ)
                        continue
                    data = b""
                    with contextlib.suppress(OSError):
                        data = sock.recv(65536)
                    other = peers.get(sock)
                    if data and other is not None:
                        with contextlib.suppress(OSError):
                            other.sendall(data)
                            continue
                    for end in (sock, other):
                        if end is not None and end in peers:
                            selector.unregister(end)
                            peers.pop(end, None)
                            end.close()
        finally:
            for end in list(peers):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            selector.close()
            listener.close()
