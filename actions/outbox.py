"""The durable outbox: no referral is lost or delayed while the intake service is down or slow.

`submit` stores the referral in the outbox file (actions/outbox_store.py), then tries to deliver it
at once; `run_outbox_worker` (started by actions/server.py) retries what is still pending, with
exponential backoff and jitter, until the intake accepts it, most urgent first: red before amber
before green. Once the intake accepts one, whatever waits out a backoff is due at once, so a red
referral does not wait for its own backoff while green ones go. One conversation may make only
`max_referrals_per_conversation` referrals, so a flood from one chat cannot bury the others.

A referral ends accepted by the intake or in front of a person. One the intake refuses (a 4xx that
will not change on retry) is kept as rejected with its payload, and `assess_health` (the action
server's /health) fails until staff resend or resolve it with `python -m actions.outbox_cli`; it
also fails while the oldest pending referral has waited longer than `outbox_alert_pending_seconds`.
If the file cannot be written (locked, disk full), `submit` still answers: it tries the intake
directly, and otherwise keeps the referral in memory, where the worker keeps trying to save and
send it, and tells the person to phone, since memory does not survive a restart.

No log line written here holds anything from a payload: referral ids (random UUIDs), states, HTTP
statuses and exception class names only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Dict, Literal, Mapping, Optional, Tuple

import aiohttp

from actions.intake_client import DeliveryResult, InvalidReferral, Outcome, deliver, referral_id_of
from actions.outbox_store import (
    DELIVERED,
    PENDING,
    PRIORITY,
    REJECTED,
    RESOLVED,
    HeldReferral,
    Outbox,
    OutboxEntry,
    TooManyReferrals,
    open_outbox,
)
from actions.settings import Settings, load_settings

__all__ = [
    "DELIVERED",
    "PENDING",
    "PRIORITY",
    "REJECTED",
    "RESOLVED",
    "Outbox",
    "OutboxEntry",
    "SubmitResult",
    "assess_health",
    "attempt",
    "backoff_delay",
    "lease_seconds",
    "open_outbox",
    "outbox_health",
    "run_outbox_worker",
    "submit",
    "use_outbox",
]

logger = logging.getLogger(__name__)


# --- health ----------------------------------------------------------------------------------


def assess_health(
    counts: Mapping[str, int],
    oldest_pending_at: Optional[float],
    held: int,
    settings: Settings,
    *,
    now: Optional[float] = None,
) -> Tuple[bool, Dict[str, Any]]:
    """Whether the outbox needs nobody's attention, and a body to say so: counts, no personal data."""
    now = time.time() if now is None else now
    oldest = None if oldest_pending_at is None else round(max(0.0, now - oldest_pending_at), 1)
    problems = []
    if counts.get(REJECTED):
        problems.append(
            f"{counts[REJECTED]} referral(s) refused by the intake: see python -m actions.outbox_cli list"
        )
    if oldest is not None and oldest > settings.outbox_alert_pending_seconds:
        problems.append(
            f"a referral has waited {oldest:.0f}s for the intake (alert after "
            f"{settings.outbox_alert_pending_seconds:.0f}s)"
        )
    if held:
        problems.append(f"{held} referral(s) could not be saved in the outbox file and are held in memory")
    body = {
        "status": "failing" if problems else "ok",
        "outbox": {
            PENDING: counts.get(PENDING, 0),
            REJECTED: counts.get(REJECTED, 0),
            DELIVERED: counts.get(DELIVERED, 0),
            RESOLVED: counts.get(RESOLVED, 0),
            "held_in_memory": held,
            "oldest_pending_seconds": oldest,
        },
        "problems": problems,
    }
    return not problems, body


async def outbox_health(outbox: Outbox, settings: Settings) -> Tuple[bool, Dict[str, Any]]:
    def read() -> Tuple[Dict[str, int], Optional[float]]:
        return outbox.counts(), outbox.oldest_pending_at()

    counts, oldest = await outbox.call(read)
    return assess_health(counts, oldest, len(outbox.held), settings)


# --- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    """What `submit` came to, for the person waiting in the chat.

    accepted: the intake has it (reference, rag, due_at set). queued: saved in the outbox and will
    be passed on. rejected: the intake refused it; the person should phone. failed: it could be
    neither saved nor delivered; the person should phone. refused: its conversation has made the
    most referrals it may; the person should phone. `held`: not saved in the file but kept in this
    process, which keeps trying to save and send it (lost if the process stops: hence the phone).
    """

    status: Literal["accepted", "queued", "rejected", "failed", "refused"]
    referral_id: str
    reference: Optional[str] = None
    rag: Optional[str] = None
    due_at: Optional[str] = None
    held: bool = False

    @property
    def person_should_phone(self) -> bool:
        return self.status in ("rejected", "failed", "refused")


def backoff_delay(
    attempts: int,
    settings: Settings,
    *,
    retry_after: Optional[float] = None,
    rng: Optional[random.Random] = None,
) -> float:
    """Seconds to wait after `attempts` failed attempts: exponential, capped, with jitter.

    The jitter (50% to 100% of the step) spreads retries when many referrals queued at once; a
    Retry-After from the intake is honoured up to the cap.
    """
    try:
        step = settings.retry_initial_seconds * settings.retry_factor ** max(0, attempts - 1)
    except OverflowError:  # days of retries: the cap applies anyway
        step = settings.retry_max_seconds
    step = min(step, settings.retry_max_seconds)
    delay = step * (rng or _jitter).uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.retry_max_seconds))
    return delay


_jitter = random.Random()  # noqa: S311 (jitter, not security)


def lease_seconds(settings: Settings) -> float:
    """How long a claimed referral is left alone: longer than any one attempt can take."""
    return settings.request_timeout_seconds * 2 + 1.0


async def attempt(
    outbox: Outbox,
    referral_id: str,
    payload: Mapping[str, Any],
    settings: Settings,
    session: Optional[aiohttp.ClientSession] = None,
) -> DeliveryResult:
    """Deliver one claimed referral and record what came of it.

    If the outcome cannot be recorded, the referral stays claimed and is sent again when the lease
    runs out; the intake answers a repeat with the same receipt, so nothing is lost or doubled.
    """
    result = await deliver(payload, settings, session=session)
    try:
        await outbox.call(_record, outbox, referral_id, result, settings)
    except Exception as exc:
        logger.error("Referral %s: outcome not recorded in the outbox (%s)", referral_id, type(exc).__name__)
    return result


def _record(outbox: Outbox, referral_id: str, result: DeliveryResult, settings: Settings) -> None:
    if result.outcome is Outcome.ACCEPTED:
        outbox.mark_delivered(referral_id, result)
        logger.info("Referral %s accepted by the intake as %s", referral_id, result.reference)
        # The intake is up: what waits out a backoff goes now, most urgent first, rather than a
        # red referral waiting for its own backoff to end while green ones go.
        due_now = outbox.make_due_now()
        if due_now:
            logger.info("The intake accepts again: %d waiting referral(s) due now", due_now)
    elif result.outcome is Outcome.REJECTED:
        outbox.mark_rejected(referral_id, result)
        _log_refusal(referral_id, result)
    else:
        entry = outbox.get(referral_id)
        attempts = entry.attempts if entry else 1
        delay = backoff_delay(attempts, settings, retry_after=result.retry_after)
        outbox.mark_retry(referral_id, result, time.time() + delay)
        if result.status in (401, 403):
            logger.error(
                "The intake refused the service token (%s): check INTAKE_SERVICE_TOKEN or %s;"
                " referral %s waits in the outbox",
                result.error,
                settings.service_token_file,
                referral_id,
            )
        else:
            logger.warning(
                "Referral %s not delivered (%s, attempt %d); retrying in %.1fs",
                referral_id,
                result.error,
                attempts,
                delay,
            )


def _log_refusal(referral_id: str, result: DeliveryResult) -> None:
    logger.error(
        "Referral %s refused by the intake (%s); not retried, kept in the outbox for staff:"
        " python -m actions.outbox_cli list",
        referral_id,
        result.error,
    )


_EXPIRE_EVERY_SECONDS = 3600.0


async def run_outbox_worker(outbox: Outbox, settings: Settings, stop_event: asyncio.Event) -> None:
    """Deliver due pending referrals, one at a time, most urgent first, until `stop_event` is set.

    Sleeps until the next referral is due, but never longer than `outbox_poll_seconds`, so it also
    sees referrals that `submit` (or another process) queued meanwhile. Each round it first tries
    to save (or else send) the referrals held in memory, and once an hour it deletes what is left
    of referrals settled `outbox_keep_settled_days` ago. An unexpected error is logged by class
    and the loop carries on: the referrals are safe in the file (or held).
    """
    with contextlib.suppress(Exception):
        pending = (await outbox.call(outbox.counts))[PENDING]
        logger.info("Outbox worker started: %d referral(s) pending", pending)
    lease = lease_seconds(settings)
    expire_at = 0.0
    async with aiohttp.ClientSession() as session:
        while not stop_event.is_set():
            wait = settings.outbox_poll_seconds
            try:
                if outbox.held:
                    await _settle_held(outbox, settings, session)
                if time.time() >= expire_at:
                    expire_at = time.time() + _EXPIRE_EVERY_SECONDS
                    await _expire_settled(outbox, settings)
                claimed = await outbox.call(outbox.claim, lease_seconds=lease)
                if claimed is not None:
                    await attempt(outbox, *claimed, settings, session)
                    continue
                due = await outbox.call(outbox.next_due_at)
                if due is not None:
                    wait = min(wait, max(0.0, due - time.time()))
            except Exception as exc:
                logger.error("Outbox worker: %s; trying again shortly", type(exc).__name__)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=wait)
    logger.info("Outbox worker stopped")


async def _expire_settled(outbox: Outbox, settings: Settings) -> None:
    settled_before = time.time() - settings.outbox_keep_settled_days * 86400
    expired = await outbox.call(outbox.expire_settled, settled_before=settled_before)
    if expired:
        logger.info(
            "Outbox: %d settled referral(s) older than %g days deleted",
            expired,
            settings.outbox_keep_settled_days,
        )


async def _settle_held(outbox: Outbox, settings: Settings, session: aiohttp.ClientSession) -> None:
    """Save each referral held in memory in the file; while it cannot be, send it when due."""
    for referral_id, held in list(outbox.held.items()):
        try:
            await outbox.call(outbox.put, referral_id, held.payload)
            if held.rejection is not None:
                await outbox.call(outbox.mark_rejected, referral_id, held.rejection)
        except Exception as exc:
            if held.rejection is None and held.next_attempt_at <= time.time():
                await _deliver_held(outbox, referral_id, held, settings, session)
            else:
                logger.warning("Referral %s still cannot be saved (%s)", referral_id, type(exc).__name__)
            continue
        del outbox.held[referral_id]
        logger.info("Referral %s, held in memory, is now saved in the outbox", referral_id)


async def _deliver_held(
    outbox: Outbox,
    referral_id: str,
    held: HeldReferral,
    settings: Settings,
    session: aiohttp.ClientSession,
) -> None:
    result = await deliver(held.payload, settings, session=session)
    if result.outcome is Outcome.ACCEPTED:
        outbox.held.pop(referral_id, None)
        logger.info(
            "Referral %s, held in memory, accepted by the intake as %s", referral_id, result.reference
        )
    elif result.outcome is Outcome.REJECTED:
        held.rejection = result
        _log_refusal(referral_id, result)
    else:
        held.next_attempt_at = time.time() + backoff_delay(
            held.attempts, settings, retry_after=result.retry_after
        )
        held.attempts += 1
        logger.warning(
            "Referral %s, held in memory, not delivered (%s, attempt %d)",
            referral_id,
            result.error,
            held.attempts,
        )


_default: Optional[Tuple[Outbox, Settings]] = None


def use_outbox(outbox: Optional[Outbox], settings: Optional[Settings] = None) -> None:
    """Make `outbox` the one `submit` uses by default (actions/server.py does this at start-up)."""
    global _default
    _default = (outbox, settings or load_settings()) if outbox is not None else None


async def _default_outbox() -> Tuple[Optional[Outbox], Settings]:
    """The outbox set by the server, or one opened on first use (e.g. under `rasa run actions`).

    None for the outbox when it cannot be opened: the error is logged, submit goes on without it.
    """
    global _default
    if _default is not None:
        return _default
    settings = load_settings()
    try:
        outbox = await asyncio.to_thread(open_outbox, settings)
    except Exception as exc:
        logger.error("Outbox %s not opened (%s)", settings.outbox_path, type(exc).__name__)
        return None, settings
    if _default is None:
        _default = (outbox, settings)
    else:  # opened meanwhile by another submit
        await asyncio.to_thread(outbox.close)
    return _default


async def submit(
    payload: Mapping[str, Any],
    *,
    outbox: Optional[Outbox] = None,
    settings: Optional[Settings] = None,
) -> SubmitResult:
    """Hand a referral over: store it in the outbox, then try to deliver it once, now.

    Never raises: whatever fails, the result says whether the person should phone. Safe to call
    again with the same referral (say the action runs twice): it is stored once, and an accepted
    referral answers with its reference without being sent again.
    """
    try:
        return await _submit(payload, outbox, settings)
    except Exception as exc:  # the person gets an answer with the phone numbers, whatever broke
        logger.error("Referral not handed over (%s); the person is told to phone", type(exc).__name__)
        referral_id = payload.get("referral_id") if isinstance(payload, Mapping) else None
        return SubmitResult("failed", referral_id if isinstance(referral_id, str) else "")


async def _submit(
    payload: Mapping[str, Any], outbox: Optional[Outbox], settings: Optional[Settings]
) -> SubmitResult:
    try:
        referral_id = referral_id_of(payload)
    except InvalidReferral:
        logger.error("A referral without a referral_id was not sent; the person is told to phone")
        return SubmitResult("failed", "")
    if outbox is None or settings is None:
        default_outbox, default_settings = await _default_outbox()
        outbox, settings = outbox or default_outbox, settings or default_settings
    if outbox is None:
        return await _deliver_unsaved(referral_id, payload, settings, None)

    try:
        entry, claimed = await outbox.call(
            outbox.admit,
            referral_id,
            payload,
            max_per_conversation=settings.max_referrals_per_conversation,
            lease_seconds=lease_seconds(settings),
        )
    except TooManyReferrals:
        return _refused(referral_id, settings)
    except Exception as exc:
        logger.error("Referral %s could not be saved in the outbox (%s)", referral_id, type(exc).__name__)
        return await _deliver_unsaved(referral_id, payload, settings, outbox)

    if entry is not None and entry.state == DELIVERED:
        return SubmitResult("accepted", referral_id, entry.reference, entry.rag, entry.due_at)
    if entry is not None and entry.state in (REJECTED, RESOLVED):
        return SubmitResult("rejected", referral_id)
    if claimed is None:  # waiting for its next retry, being sent by the worker, or not claimable now
        return SubmitResult("queued", referral_id)
    result = await attempt(outbox, referral_id, claimed, settings)
    if result.outcome is Outcome.ACCEPTED:
        return SubmitResult("accepted", referral_id, result.reference, result.rag, result.due_at)
    if result.outcome is Outcome.REJECTED:
        return SubmitResult("rejected", referral_id)
    return SubmitResult("queued", referral_id)


def _refused(referral_id: str, settings: Settings) -> SubmitResult:
    logger.warning(
        "Referral %s refused: its conversation has made %d referrals already; the person is told to phone",
        referral_id,
        settings.max_referrals_per_conversation,
    )
    return SubmitResult("refused", referral_id)


async def _deliver_unsaved(
    referral_id: str, payload: Mapping[str, Any], settings: Settings, outbox: Optional[Outbox]
) -> SubmitResult:
    """When the file cannot take a referral: one direct attempt, then hold it in memory.

    The person is told to phone unless the intake accepted it: a referral in memory is lost if the
    action server stops, and how long the file stays unwritable is unknown. Sent again later, the
    intake keeps it once; MASH hearing of it twice (chat and phone) is safer than not at all.
    """
    if referral_id in (outbox.held if outbox else {}):
        return SubmitResult("failed", referral_id, held=True)
    result = await deliver(payload, settings)
    if result.outcome is Outcome.ACCEPTED:
        logger.info(
            "Referral %s accepted by the intake as %s (not saved in the outbox)",
            referral_id,
            result.reference,
        )
        return SubmitResult("accepted", referral_id, result.reference, result.rag, result.due_at)
    status = "rejected" if result.outcome is Outcome.REJECTED else "failed"
    if outbox is None:
        logger.error("Referral %s neither saved nor delivered (%s)", referral_id, result.error)
        return SubmitResult(status, referral_id)
    try:
        outbox.hold(
            referral_id,
            payload,
            next_attempt_at=time.time() + backoff_delay(1, settings, retry_after=result.retry_after),
            rejection=result if result.outcome is Outcome.REJECTED else None,
            max_per_conversation=settings.max_referrals_per_conversation,
        )
    except TooManyReferrals:
        logger.error("Referral %s neither saved, delivered nor held (%s)", referral_id, result.error)
        return SubmitResult(status, referral_id)
    logger.error(
        "Referral %s neither saved nor delivered (%s): held in memory, the outbox worker keeps trying",
        referral_id,
        result.error,
    )
    return SubmitResult(status, referral_id, held=True)
