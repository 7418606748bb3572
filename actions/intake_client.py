"""Delivers one referral to the intake API and says what the answer means for the outbox.

One POST of the referral contract v1 with the service token and `referral_id` as the idempotency
key. The answer is classified, never raised: accepted (201 new, 200 replay of the same body),
rejected (a 4xx that will not change on retry, kept for staff), or retry (5xx, 408, 429, a refused
service token, timeouts, connection errors). Nothing here logs or raises anything that holds
personal data: errors are named by their class or HTTP status, never by a body.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping, Optional

import aiohttp

from actions.settings import Settings

RETRYABLE_4XX = frozenset(
    {
        408,  # request timeout
        429,  # rate limited: wait (Retry-After) and send again
        # A refused service token says nothing about the referral: it is a configuration fault
        # (token file replaced, wrong INTAKE_SERVICE_TOKEN). Keep the referral and retry, since the
        # token is read again at each attempt, fixing the configuration delivers it.
        401,
        403,
    }
)


class Outcome(str, Enum):
    ACCEPTED = "accepted"
    RETRY = "retry"
    REJECTED = "rejected"


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt came to. `error` is a class name or "HTTP <status>", never a body."""

    outcome: Outcome
    status: Optional[int] = None
    error: Optional[str] = None
    reference: Optional[str] = None
    rag: Optional[str] = None
    due_at: Optional[str] = None
    retry_after: Optional[float] = None


class InvalidReferral(ValueError):
    """The payload cannot be delivered at all (no referral_id); the message holds no payload data."""


def referral_id_of(payload: Mapping[str, Any]) -> str:
    referral_id = payload.get("referral_id") if isinstance(payload, Mapping) else None
    if not isinstance(referral_id, str) or not referral_id.strip():
        raise InvalidReferral("the referral has no referral_id")
    return referral_id


def encode_payload(payload: Mapping[str, Any]) -> str:
    """The canonical JSON text of a referral: the same referral always gives the same text."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


async def deliver(
    payload: Mapping[str, Any],
    settings: Settings,
    *,
    session: Optional[aiohttp.ClientSession] = None,
) -> DeliveryResult:
    """POST one referral to `settings.intake_url`, bounded by `settings.request_timeout_seconds`."""
    referral_id = referral_id_of(payload)
    token = settings.read_service_token()
    if token is None:
        # The intake service has not run yet (no token file): the referral waits.
        return DeliveryResult(Outcome.RETRY, error="NoServiceToken")
    body = encode_payload(payload).encode("utf-8")
    headers = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": referral_id,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    timeout = aiohttp.ClientTimeout(total=settings.request_timeout_seconds)
    try:
        if session is None:
            async with aiohttp.ClientSession() as own_session:
                return await _post(own_session, settings.intake_url, body, headers, timeout)
        return await _post(session, settings.intake_url, body, headers, timeout)
    except asyncio.TimeoutError as exc:
        return DeliveryResult(Outcome.RETRY, error=type(exc).__name__)
    except (aiohttp.ClientError, OSError) as exc:
        # Connection refused, reset, DNS: only the class name, its message may hold the address.
        return DeliveryResult(Outcome.RETRY, error=type(exc).__name__)


async def _post(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    timeout: aiohttp.ClientTimeout,
) -> DeliveryResult:
    # No redirects: a redirect would send the token and the referral somewhere not configured.
    async with session.post(
        url, data=body, headers=headers, timeout=timeout, allow_redirects=False
    ) as response:
        status = response.status
        if status in (200, 201):
            return _accepted(status, await response.read())
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if status == 409:
            # Same referral_id, different body, already at the intake: sending again cannot help.
            return DeliveryResult(Outcome.REJECTED, status=status, error="HTTP 409")
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            return DeliveryResult(Outcome.REJECTED, status=status, error=f"HTTP {status}")
        return DeliveryResult(Outcome.RETRY, status=status, error=f"HTTP {status}", retry_after=retry_after)


def _accepted(status: int, raw: bytes) -> DeliveryResult:
    try:
        receipt = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        receipt = None
    reference = receipt.get("reference") if isinstance(receipt, dict) else None
    if not isinstance(reference, str) or not reference:
        # Accepted but unreadable: sending again is safe (the intake answers 200 with the receipt).
        return DeliveryResult(Outcome.RETRY, status=status, error="InvalidReceipt")
    rag = receipt.get("rag")
    due_at = receipt.get("due_at")
    return DeliveryResult(
        Outcome.ACCEPTED,
        status=status,
        reference=reference,
        rag=rag if isinstance(rag, str) else None,
        due_at=due_at if isinstance(due_at, str) else None,
    )


def _retry_after(value: Optional[str]) -> Optional[float]:
    """Retry-After in seconds (the intake sends seconds; an HTTP date is ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
