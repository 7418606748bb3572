"""The sealed batches of review events that come over RabbitMQ (the intake's half of
conversations/review_transport.py, which the Rasa replicas publish with).

RabbitMQ keeps queued messages on its disk, so each message's body is a batch
(``{"messages": [...]}``, the body of ``POST /api/v1/conversation-events``) sealed with
AES-256-GCM under the transport key both halves hold, bound to its AMQP message id:

    body = 12-byte random nonce || ciphertext || 16-byte tag
    key  = HKDF-SHA256(transport key, info "scs-review-transport:v1"), 32 bytes
    associated data = ["review_batch", "v1", <message id>] as JSON

The transport key is REVIEW_TRANSPORT_KEY (base64, at least 32 bytes), else the 0600 file
REVIEW_TRANSPORT_KEY_FILE, else ``review_transport_key`` in the service's var folder, made on
first start when the queue is configured (by whichever of the two halves starts first). Both
halves declare the queue with the arguments below (RabbitMQ refuses a declaration that differs);
tests/test_review_amqp.py in the root suite checks the two halves against each other.
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake import preview

KEY_ENV = "REVIEW_TRANSPORT_KEY"
KEY_FILE_ENV = "REVIEW_TRANSPORT_KEY_FILE"
KEY_FILE_NAME = "review_transport_key"
DEFAULT_QUEUE = "review_events"
CONTENT_TYPE = "application/vnd.scs.review-batch+aes-256-gcm"
MESSAGE_TYPE = "review_batch.v1"
NONCE_BYTES = 12
MAX_QUEUE_BYTES = 512 * 1024 * 1024
REFUSED_TTL_MS = 7 * 24 * 3600 * 1000  # a refused batch is kept sealed a week, for an operator


def new_key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii") + "\n"


def parse_key(text: str, where: str) -> bytes:
    """The AES-256 key derived from the base64 transport key (ValueError naming `where`): base64
    of at least 32 bytes, as the preview key is."""
    secret = preview.parse_key(text, where)
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"scs-review-transport:v1").derive(secret)


def associated_data(message_id: str) -> bytes:
    return json.dumps(["review_batch", "v1", message_id]).encode("utf-8")


def seal_batch(key: bytes, message_id: str, body: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, body, associated_data(message_id))


def open_batch(key: bytes, message_id: str, sealed: bytes) -> bytes:
    """The batch's JSON; cryptography's InvalidTag when altered, moved or under another key."""
    return AESGCM(key).decrypt(
        sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data(message_id)
    )


def queue_arguments(queue: str) -> dict[str, Any]:
    return {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": refused_queue(queue),
        "x-max-length-bytes": MAX_QUEUE_BYTES,
        "x-overflow": "reject-publish",
    }


def refused_queue(queue: str) -> str:
    return f"{queue}.refused"


def check_queue(name: str, queue: str) -> str:
    """A queue name RabbitMQ takes and a log line may show: 1 to 200 letters, digits or _.:-"""
    if not isinstance(queue, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}", queue):
        raise ValueError(f"{name} must be 1 to 200 letters, digits or _.:- (a RabbitMQ queue name)")
    return queue
