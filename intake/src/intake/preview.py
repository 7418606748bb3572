"""Tickets for the staff console's preview of the assistant (what Rasa X's "talk to your bot" did).

The preview page (routes/console/preview.py) is the public chat widget talking to the running
assistant for a signed-in staff member. Its conversations, and the referrals made in them, must be
told apart from the public's by something no browser could claim: the page carries a ticket
signed with a key only this service and the Rasa servers hold, and the Rasa server gives a socket
that shows a valid one a preview session (channels/preview.py on the Rasa side reads the ticket;
both halves are checked against each other by tests/test_staff_preview.py):

    v1.<expires, Unix seconds>.<nonce>.<base64url HMAC-SHA256(key, "staff-preview:v1:<expires>:<nonce>")>

The key is STAFF_PREVIEW_KEY (base64, at least 32 bytes), else the 0600 file
STAFF_PREVIEW_KEY_FILE, else `staff_preview_key` in the service's var folder, made on first start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

KEY_ENV = "STAFF_PREVIEW_KEY"
KEY_FILE_ENV = "STAFF_PREVIEW_KEY_FILE"
KEY_FILE_NAME = "staff_preview_key"


def new_key_text() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii") + "\n"


def parse_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ValueError(f"{where} is not base64") from None
    if len(key) < 32:
        raise ValueError(f"{where} must hold at least 32 bytes (base64)")
    return key


def signature(key: bytes, expires: int, nonce: str) -> str:
    digest = hmac.new(key, f"staff-preview:v1:{expires}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_ticket(key: bytes, minutes: int, now: float | None = None) -> str:
    """A ticket that opens preview sessions for `minutes` from now."""
    expires = int((time.time() if now is None else now) + minutes * 60)
    nonce = secrets.token_urlsafe(18)
    return f"v1.{expires}.{nonce}.{signature(key, expires, nonce)}"
