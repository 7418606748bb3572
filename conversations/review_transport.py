"""Review events over RabbitMQ: the sealed batch the review broker publishes and the intake opens.

RabbitMQ keeps a durable queue's persistent messages on its disk, so nothing goes on the queue in
the clear: a batch (``{"messages": [...]}``, the body the HTTP transport posts) is sealed with
AES-256-GCM under the *transport key*, which the Rasa replicas and the intake share, and bound to
its AMQP message id (associated data), so a body copied under another id does not open:

    body = 12-byte random nonce || ciphertext || 16-byte tag
    key  = HKDF-SHA256(transport key, info "scs-review-transport:v1"), 32 bytes
    associated data = ["review_batch", "v1", <message id>] as JSON

The transport key is ``REVIEW_TRANSPORT_KEY`` (base64, at least 32 bytes; the same for every
replica and the intake), else the 0600 file ``REVIEW_TRANSPORT_KEY_FILE``, else
``review_transport_key`` in the project's var/, made on first run by whichever side starts first
(linked into place complete, so both read the same key). The intake's half is
``intake.review_transport``; tests/test_review_amqp.py checks that one opens what the other seals.

Both sides declare the queue with the same arguments (RabbitMQ refuses a second declaration that
differs): durable; what the intake refuses is dead-lettered to ``<queue>.refused`` (sealed still);
past ``MAX_QUEUE_BYTES`` RabbitMQ refuses new batches, which then wait in the replicas' spools.

``REVIEW_AMQP_URL`` carries RabbitMQ's password: it must be ``amqps://`` unless its host is
loopback, and no message or log line repeats it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Mapping
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from actions.settings import is_loopback_host
from conversations.private_files import PROJECT_VAR, tighten, write_private_file

KEY_ENV = "REVIEW_TRANSPORT_KEY"
KEY_FILE_ENV = "REVIEW_TRANSPORT_KEY_FILE"
KEY_FILE_NAME = "review_transport_key"
TRANSPORT_ENV = "REVIEW_TRANSPORT"
URL_ENV = "REVIEW_AMQP_URL"
QUEUE_ENV = "REVIEW_AMQP_QUEUE"
DEFAULT_QUEUE = "review_events"
CONTENT_TYPE = "application/vnd.scs.review-batch+aes-256-gcm"
MESSAGE_TYPE = "review_batch.v1"
NONCE_BYTES = 12
MAX_QUEUE_BYTES = 512 * 1024 * 1024


def new_key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii") + "\n"


def parse_key(text: str, where: str) -> bytes:
    """The AES-256 key derived from the base64 transport key (ValueError naming `where`, never the key)."""
    try:
        secret = base64.b64decode(text.strip(), validate=True)
    except (ValueError, binascii.Error):
        raise ValueError(f"{where} is not base64") from None
    if len(secret) < 32:
        raise ValueError(f"{where} must hold at least 32 bytes (base64)")
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"scs-review-transport:v1").derive(secret)


def transport_key(environ: Mapping[str, str]) -> bytes:
    """The transport key from the environment, else from its file (created 0600 if missing)."""
    if environ.get(KEY_ENV):
        return parse_key(environ[KEY_ENV], KEY_ENV)
    path = Path(environ.get(KEY_FILE_ENV) or PROJECT_VAR / KEY_FILE_NAME).expanduser()
    if not path.exists():
        write_private_file(path, new_key_text(), replace=False)  # another side's, if it was first
    tighten(path, 0o600)
    return parse_key(path.read_text(encoding="ascii"), f"{KEY_FILE_ENV} ({path.name})")


def associated_data(message_id: str) -> bytes:
    return json.dumps(["review_batch", "v1", message_id]).encode("utf-8")


def seal_batch(key: bytes, message_id: str, body: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, body, associated_data(message_id))


def open_batch(key: bytes, message_id: str, sealed: bytes) -> bytes:
    """The batch's JSON; cryptography's InvalidTag when it was altered, moved or sealed with another key."""
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data(message_id))


def queue_arguments(queue: str) -> Dict[str, Any]:
    """The review queue's arguments, as the intake declares it too (intake.review_transport)."""
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


def check_amqp_url(name: str, url: str) -> str:
    """`url` if it is amqps://, or amqp:// to a loopback host; else a ValueError naming `name`
    (never the URL, which holds RabbitMQ's password)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number from 0 to 65535 is a ValueError)
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"{name} must be an amqps:// URL (it does not parse as a URL)") from None
    scheme = parts.scheme.lower()
    if scheme not in ("amqp", "amqps") or not parts.hostname:
        raise ValueError(f"{name} must be an amqps:// URL with a host (amqp:// only to a loopback host)")
    if scheme == "amqp" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"{name} must be an amqps:// URL: amqp:// is allowed only to a loopback host "
            "(127.0.0.0/8, ::1 or localhost), and this one is not, so RabbitMQ's password would "
            "cross the network unencrypted"
        )
    return url
