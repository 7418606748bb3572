"""Staff preview tickets: how the Rasa server knows a web chat is a staff member's preview.

The staff console's preview page (intake: routes/console/preview.py) is the public widget talking
to this server, for a signed-in staff member. Its conversations must be told apart from the
public's, and not by anything a browser could claim: a referral made in a preview is stored with
``preview: true`` and kept out of the live queue, so a member of the public who could mark their
own conversation "preview" would hide a real referral from MASH. So the page carries a *ticket*
the intake signed, and only a socket presenting a valid one is given a preview session:

    ticket = "v1." + expires (Unix seconds) + "." + nonce + "." + base64url(HMAC-SHA256(key,
             "staff-preview:v1:" + expires + ":" + nonce))

under a key only the intake and the Rasa servers hold: ``STAFF_PREVIEW_KEY`` (base64, at least 32
bytes; the same on every server, as for several replicas), else the file the intake makes on its
first start (0600), ``STAFF_PREVIEW_KEY_FILE``, else ``staff_preview_key`` in the project's var/.
The file is read when a ticket is checked, not at start-up, so the two may start in any order.
A ticket lives for an hour (the intake's ``INTAKE_STAFF_PREVIEW_MINUTES``); the preview session it
opens is then proved by its own session token, of a different kind from the public's
(channels/socketio.py), so a reload carries on the preview and nothing turns it into a live one.

The intake's half of this (making tickets) is ``intake.preview``; tests/test_staff_preview.py
checks that a ticket made by one is read by the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import time
from pathlib import Path
from typing import Mapping, Optional

logger = logging.getLogger(__name__)

KEY_ENV = "STAFF_PREVIEW_KEY"
KEY_FILE_ENV = "STAFF_PREVIEW_KEY_FILE"
KEY_FILE_NAME = "staff_preview_key"
PROJECT_VAR = Path(__file__).resolve().parent.parent / "var"
# The longest a ticket may claim to live: one claiming more was not made by our intake.
MAX_LIFETIME_SECONDS = 24 * 3600
_TICKET = re.compile(r"^v1\.(\d{10})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$")


def signature(key: bytes, expires: int, nonce: str) -> str:
    digest = hmac.new(key, f"staff-preview:v1:{expires}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def read_key(environ: Mapping[str, str]) -> Optional[bytes]:
    """The preview key, or None when there is none yet (no preview can start: said in the log)."""
    if environ.get(KEY_ENV):
        try:
            key = base64.b64decode(environ[KEY_ENV], validate=True)
        except ValueError:
            logger.error("%s is not base64: no staff preview can start", KEY_ENV)
            return None
    else:
        path = Path(environ.get(KEY_FILE_ENV) or PROJECT_VAR / KEY_FILE_NAME)
        try:
            key = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
        except (OSError, ValueError):
            logger.warning("The staff preview key cannot be read: no staff preview can start")
            return None
    if len(key) < 32:
        logger.error("The staff preview key holds fewer than 32 bytes: no staff preview can start")
        return None
    return key


def ticket_is_valid(
    ticket: object, environ: Optional[Mapping[str, str]] = None, now: Optional[float] = None
) -> bool:
    """Whether `ticket` was made by the intake with the preview key and has not expired."""
    if not isinstance(ticket, str) or len(ticket) > 200:
        return False
    match = _TICKET.match(ticket)
    if not match:
        return False
    expires, nonce, presented = int(match.group(1)), match.group(2), match.group(3)
    now = time.time() if now is None else now
    if not now < expires <= now + MAX_LIFETIME_SECONDS:
        return False
    key = read_key(os.environ if environ is None else environ)
    return key is not None and hmac.compare_digest(signature(key, expires, nonce), presented)
