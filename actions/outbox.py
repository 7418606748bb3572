"""The durable outbox: no referral is lost while the intake service is down.

`submit` stores the referral, then tries to deliver it at once; `run_outbox_worker` (started by
actions/server.py) retries what is still pending, with exponential backoff and jitter, until the
intake accepts it. The outbox is a SQLite file (WAL, synchronous=FULL) so it survives a restart of
the action server; `referral_id` is its primary key, so the same referral is never stored twice.

Personal data: until the intake accepts a referral, its payload (names, contact details, the
concern) is in this file. It lives under `var/` (never committed), the folder is created 0700 and
the file 0600, and SQLite overwrites deleted content (secure_delete). Once the intake has accepted a
referral its payload is deleted, keeping only the id, reference, RAG, due time and times, so the
outbox never becomes a second copy of the referrals. A rejected referral keeps its payload for
staff to act on. No log line written here holds anything from a payload: referral ids (random
UUIDs), states, HTTP statuses and exception class names only.

SQLite calls are synchronous: each is one short local transaction, and referrals are rare, so they
run on the event loop rather than in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Literal, Mapping, Optional, Tuple, Union

import aiohttp

from actions.intake_client import (
    DeliveryResult,
    Outcome,
    deliver,
    encode_payload,
    referral_id_of,
)
from actions.settings import Settings, load_settings

logger = logging.getLogger(__name__)

PENDING = "pending"
DELIVERED = "delivered"
REJECTED = "rejected"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    referral_id     TEXT PRIMARY KEY,
    payload         TEXT,             -- the referral as JSON; NULL once the intake accepted it
    payload_sha256  TEXT NOT NULL,    -- tells a resubmission from a different body under the same id
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'rejected')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      REAL NOT NULL,    -- times are Unix seconds
    last_attempt_at REAL,
    next_attempt_at REAL,             -- NULL once delivered or rejected
    last_status     INTEGER,          -- HTTP status of the last answer, if there was one
    last_error      TEXT,             -- class of the last failure ("HTTP 503", "TimeoutError"), never a body
    reference       TEXT,             -- the intake's answer once accepted
    rag             TEXT,
    due_at          TEXT,
    settled_at      REAL              -- when it was delivered or rejected
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
"""

_BUSY_TIMEOUT_MS = 10_000

_ENTRY_COLUMNS = (
    "referral_id, state, attempts, created_at, last_attempt_at, next_attempt_at, last_status, "
    "last_error, reference, rag, due_at, settled_at, payload IS NOT NULL"
)


@dataclass(frozen=True)
class OutboxEntry:
    """One row of the outbox, without its payload (so it can be shown or logged safely)."""

    referral_id: str
    state: str
    attempts: int
    created_at: float
    last_attempt_at: Optional[float]
    next_attempt_at: Optional[float]
    last_status: Optional[int]
    last_error: Optional[str]
    reference: Optional[str]
    rag: Optional[str]
    due_at: Optional[str]
    settled_at: Optional[float]
    has_payload: bool


class Outbox:
    """Referrals waiting for (or settled by) the intake service, in one SQLite file."""

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        _create_private_file(self.path)
        self._db = sqlite3.connect(str(self.path), timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        self._db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")  # a commit survives a power cut
        self._db.execute("PRAGMA secure_delete = ON")  # deleted payloads are overwritten
        self._db.executescript(_SCHEMA)
        for suffix in ("-wal", "-shm"):  # SQLite gives these the database's mode; make sure
            _tighten(Path(f"{self.path}{suffix}"), 0o600)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def put(self, referral_id: str, payload: Mapping[str, Any]) -> bool:
        """Store a referral as pending, due now. True if stored; False if this id was already there.

        The first payload stored for an id is the one kept and delivered; a different payload under
        the same id is logged (id only) and dropped.
        """
        if referral_id_of(payload) != referral_id:
            raise ValueError("referral_id does not match the payload's referral_id")
        text = encode_payload(payload)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        now = time.time()
        inserted = self._db.execute(
            "INSERT INTO outbox (referral_id, payload, payload_sha256, state, created_at, next_attempt_at)"
            " VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (referral_id) DO NOTHING",
            (referral_id, text, digest, now, now),
        ).rowcount
        if inserted:
            return True
        row = self._db.execute(
            "SELECT payload_sha256 FROM outbox WHERE referral_id = ?", (referral_id,)
        ).fetchone()
        if row and row[0] != digest:
            logger.warning(
                "Referral %s is already in the outbox with a different payload; keeping the first",
                referral_id,
            )
        return False

    def get(self, referral_id: str) -> Optional[OutboxEntry]:
        row = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE referral_id = ?",  # noqa: S608 (fixed columns)
            (referral_id,),
        ).fetchone()
        return _entry(row) if row else None

    def entries(self) -> list[OutboxEntry]:
        rows = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM outbox ORDER BY created_at"  # noqa: S608 (fixed columns)
        ).fetchall()
        return [_entry(row) for row in rows]

    def payload(self, referral_id: str) -> Optional[Dict[str, Any]]:
        """The stored referral, or None once the intake has accepted it (or for an unknown id)."""
        row = self._db.execute("SELECT payload FROM outbox WHERE referral_id = ?", (referral_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] is not None else None

    def counts(self) -> Dict[str, int]:
        counts = {PENDING: 0, DELIVERED: 0, REJECTED: 0}
        for state, count in self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
            counts[state] = count
        return counts

    def next_due_at(self) -> Optional[float]:
        """When the next pending referral is due for an attempt (None: nothing is pending)."""
        row = self._db.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'").fetchone()
        return row[0] if row else None

    def claim(
        self, referral_id: Optional[str] = None, *, lease_seconds: float
    ) -> Optional[Tuple[str, Dict[str, Any]]]:
        """Take a due pending referral (this one, or the one due longest) for one delivery attempt.

        Claiming counts the attempt and moves `next_attempt_at` past the lease, so no other worker,
        in this process or another on the same file, sends it meanwhile; if this process dies
        mid-attempt the lease runs out and the referral is due again.
        """
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if referral_id is None:
                row = self._db.execute(
                    "SELECT referral_id, payload FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?"
                    " ORDER BY next_attempt_at LIMIT 1",
                    (now,),
                ).fetchone()
            else:
                row = self._db.execute(
                    "SELECT referral_id, payload FROM outbox"
                    " WHERE referral_id = ? AND state = 'pending' AND next_attempt_at <= ?",
                    (referral_id, now),
                ).fetchone()
            if row is not None:
                self._db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = ?"
                    " WHERE referral_id = ?",
                    (now, now + lease_seconds, row[0]),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return (row[0], json.loads(row[1])) if row else None

    def mark_delivered(self, referral_id: str, result: DeliveryResult) -> None:
        """The intake accepted it: keep its answer, delete the payload."""
        now = time.time()
        self._db.execute(
            "UPDATE outbox SET state = 'delivered', payload = NULL, reference = ?, rag = ?, due_at = ?,"
            " last_status = ?, last_error = NULL, next_attempt_at = NULL, settled_at = ?"
            " WHERE referral_id = ? AND state = 'pending'",
            (result.reference, result.rag, result.due_at, result.status, now, referral_id),
        )
        # Move the change into the database file and empty the WAL, so no copy of the deleted
        # payload stays behind in the WAL. Without waiting: if another connection is reading, the
        # next delivery's checkpoint (or SQLite's own) does it.
        self._db.execute("PRAGMA busy_timeout = 0")
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")

    def mark_rejected(self, referral_id: str, result: DeliveryResult) -> None:
        """The intake refused it for good: never retried, payload kept for staff."""
        self._db.execute(
            "UPDATE outbox SET state = 'rejected', last_status = ?, last_error = ?, next_attempt_at = NULL,"
            " settled_at = ? WHERE referral_id = ? AND state = 'pending'",
            (result.status, result.error, time.time(), referral_id),
        )

    def mark_retry(self, referral_id: str, result: DeliveryResult, next_attempt_at: float) -> None:
        self._db.execute(
            "UPDATE outbox SET last_status = ?, last_error = ?, next_attempt_at = ?"
            " WHERE referral_id = ? AND state = 'pending'",
            (result.status, result.error, next_attempt_at, referral_id),
        )


def _entry(row: tuple) -> OutboxEntry:
    return OutboxEntry(*row[:-1], has_payload=bool(row[-1]))


def _create_private_file(path: Path) -> None:
    """Create the folder (0700) and the file (0600) before SQLite opens it with its own mode."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _tighten(folder, 0o700)
    elif folder.stat().st_mode & 0o077:
        logger.warning("The outbox folder %s can be read by other users; 0700 is expected", folder)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    _tighten(path, 0o600)


def _tighten(path: Path, mode: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        if stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)


# --- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    """What `submit` came to, for the person waiting in the chat.

    accepted: the intake has it (reference, rag, due_at set). queued: saved in the outbox and will
    be passed on. rejected: the intake refused it; the person should phone. failed: it could be
    neither saved nor delivered; the person should phone.
    """

    status: Literal["accepted", "queued", "rejected", "failed"]
    referral_id: str
    reference: Optional[str] = None
    rag: Optional[str] = None
    due_at: Optional[str] = None

    @property
    def person_should_phone(self) -> bool:
        return self.status in ("rejected", "failed")


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


async def _attempt(
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
        _record(outbox, referral_id, result, settings)
    except sqlite3.Error as exc:
        logger.error("Referral %s: outcome not recorded in the outbox (%s)", referral_id, type(exc).__name__)
    return result


def _record(outbox: Outbox, referral_id: str, result: DeliveryResult, settings: Settings) -> None:
    if result.outcome is Outcome.ACCEPTED:
        outbox.mark_delivered(referral_id, result)
        logger.info("Referral %s accepted by the intake as %s", referral_id, result.reference)
    elif result.outcome is Outcome.REJECTED:
        outbox.mark_rejected(referral_id, result)
        logger.error(
            "Referral %s refused by the intake (%s); not retried, kept in the outbox for staff",
            referral_id,
            result.error,
        )
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


async def run_outbox_worker(outbox: Outbox, settings: Settings, stop_event: asyncio.Event) -> None:
    """Deliver due pending referrals, one at a time, until `stop_event` is set.

    Sleeps until the next referral is due, but never longer than `outbox_poll_seconds`, so it also
    sees referrals that `submit` (or another process) queued meanwhile. An unexpected error is
    logged by class and the loop carries on: the referrals are safe in the file.
    """
    logger.info("Outbox worker started: %d referral(s) pending", outbox.counts()[PENDING])
    lease = lease_seconds(settings)
    async with aiohttp.ClientSession() as session:
        while not stop_event.is_set():
            wait = settings.outbox_poll_seconds
            try:
                claimed = outbox.claim(lease_seconds=lease)
                if claimed is not None:
                    await _attempt(outbox, *claimed, settings, session)
                    continue
                due = outbox.next_due_at()
                if due is not None:
                    wait = min(wait, max(0.0, due - time.time()))
            except Exception as exc:
                logger.error("Outbox worker: %s; trying again shortly", type(exc).__name__)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=wait)
    logger.info("Outbox worker stopped")


_default: Optional[Tuple[Outbox, Settings]] = None


def use_outbox(outbox: Optional[Outbox], settings: Optional[Settings] = None) -> None:
    """Make `outbox` the one `submit` uses by default (actions/server.py does this at start-up)."""
    global _default
    _default = (outbox, settings or load_settings()) if outbox is not None else None


def _default_outbox() -> Tuple[Outbox, Settings]:
    """The outbox set by the server, or one opened on first use (e.g. under `rasa run actions`)."""
    global _default
    if _default is None:
        settings = load_settings()
        _default = (Outbox(settings.outbox_path), settings)
    return _default


async def submit(
    payload: Mapping[str, Any],
    *,
    outbox: Optional[Outbox] = None,
    settings: Optional[Settings] = None,
) -> SubmitResult:
    """Hand a referral over: store it in the outbox, then try to deliver it once, now.

    Safe to call again with the same referral (say the action runs twice): it is stored once, and
    an accepted referral answers with its reference without being sent again.
    """
    referral_id = referral_id_of(payload)
    try:
        if outbox is None or settings is None:
            default_outbox, default_settings = _default_outbox()
            outbox, settings = outbox or default_outbox, settings or default_settings
        outbox.put(referral_id, payload)
        entry = outbox.get(referral_id)
    except (sqlite3.Error, OSError) as exc:
        logger.error("Referral %s could not be saved in the outbox (%s)", referral_id, type(exc).__name__)
        return await _deliver_unsaved(referral_id, payload, settings or load_settings())

    if entry is not None and entry.state == DELIVERED:
        return SubmitResult("accepted", referral_id, entry.reference, entry.rag, entry.due_at)
    if entry is not None and entry.state == REJECTED:
        return SubmitResult("rejected", referral_id)
    claimed = outbox.claim(referral_id, lease_seconds=lease_seconds(settings))
    if claimed is None:  # waiting for its next retry, or being sent by the worker right now
        return SubmitResult("queued", referral_id)
    result = await _attempt(outbox, referral_id, claimed[1], settings)
    if result.outcome is Outcome.ACCEPTED:
        return SubmitResult("accepted", referral_id, result.reference, result.rag, result.due_at)
    if result.outcome is Outcome.REJECTED:
        return SubmitResult("rejected", referral_id)
    return SubmitResult("queued", referral_id)


async def _deliver_unsaved(referral_id: str, payload: Mapping[str, Any], settings: Settings) -> SubmitResult:
    """Last resort when the outbox cannot be written: one direct attempt, nothing kept."""
    result = await deliver(payload, settings)
    if result.outcome is Outcome.ACCEPTED:
        logger.info("Referral %s accepted by the intake as %s", referral_id, result.reference)
        return SubmitResult("accepted", referral_id, result.reference, result.rag, result.due_at)
    logger.error("Referral %s neither saved nor delivered (%s)", referral_id, result.error)
    return SubmitResult("rejected" if result.outcome is Outcome.REJECTED else "failed", referral_id)
