"""Rasa's REST channel for development (credentials.yml: curl, the tests), with the web chat's
size limit: a message over `max_message_length` characters is answered with the refusal and the
phone numbers (channels/socketio.py's `TOO_LONG`) and never reaches NLU. The production profile
has no REST channel at all (docs/production.md).

    credentials.yml:  channels.rest.SafeRestInput: {max_message_length: 10000}
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.socketio import DEFAULT_MAX_MESSAGE_LENGTH, TOO_LONG

logger = logging.getLogger(__name__)


class SafeRestInput(RestInput):
    """REST at /webhooks/rest/webhook, as Rasa's, with a message size limit before NLU."""

    @classmethod
    def name(cls) -> Text:
        return "rest"  # the referral contract's channel, and the webhook's path

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        limit = int((credentials or {}).get("max_message_length") or DEFAULT_MAX_MESSAGE_LENGTH)
        if limit < 1:
            raise ValueError("max_message_length must be at least 1")
        return cls(limit)

    def __init__(self, max_message_length: int = DEFAULT_MAX_MESSAGE_LENGTH) -> None:
        self.max_message_length = max_message_length

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def refuse_long_messages(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
                return None
            try:
                body = request.json or {}
            except Exception:  # not JSON: Rasa's handler answers it as it does
                return None
            text = body.get("message") if isinstance(body, dict) else None
            if not isinstance(text, str) or len(text) <= self.max_message_length:
                return None
            logger.info("A message of %d characters was refused before NLU", len(text))
            refusal = TOO_LONG.format(length=f"{len(text):,}", limit=f"{self.max_message_length:,}")
            return response.json([{"recipient_id": str(body.get("sender") or "default"), "text": refusal}])

        return webhook
