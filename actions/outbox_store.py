"""The outbox file: referrals waiting for the intake service, or settled by it, in SQLite.

One table, keyed by `referral_id`, so the same referral is never stored twice. The file is WAL with
synchronous=FULL, so a stored referral survives a crash or a power cut, and it is upgraded in place
(`PRAGMA user_version`) keeping every row. `claim` hands out the most urgent due referral (red,
amber, green, then none, and within each the one due longest) under a lease, so two workers never
send it at once. `put` can cap the referrals of one conversation, counted by a SHA-256 digest of its
id (the id itself is not kept). Delivery, retries and the worker are in actions/outbox.py.

Personal data: until the intake accepts a referral, its payload (names, contact details, the
concern) is in this file, sealed with AES-256-GCM under the outbox's own keyring
(conversations/keyring.py: `OUTBOX_ENCRYPTION_KEYS`, else `outbox_keyring` beside the file, created
0600 on first run) and bound to its `referral_id`, so a payload copied onto another row does not
open. Payloads stored in plain text by an older outbox are sealed by the upgrade (user_version 3).
The other columns hold no personal data: states, times, RAG, the intake's reference and SHA-256
digests (of the payload, which holds a random UUID, and of the conversation id). It lives under
`var/` (never committed); the folder is 0700 and the file, its WAL and the keyring 0600, narrowed
when the outbox opens if found more open (conversations/private_files.py), and SQLite overwrites
deleted content (secure_delete). Once the intake has accepted a referral its payload is deleted,
keeping only the id, reference, RAG, due time and times, and that too is deleted by
`expire_settled`, so the outbox never becomes a second copy of the referrals. A rejected referral
keeps its payload for staff to act on until they resend or resolve it. Log lines hold referral ids
(random UUIDs) only.

SQLite calls block (a locked file waits up to the busy timeout), so async code runs them on the
outbox's own single thread (`Outbox.call`), never on the event loop; one lock serialises every use
of the one connection, so the synchronous methods are safe from any thread too. `held` is the
in-memory overflow for referrals the file cannot take (locked, full); it belongs to the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple, TypeVar, Union

from actions.intake_client import DeliveryResult, encode_payload, referral_id_of
from actions.settings import OUTBOX_KEYS_VARIABLE, Settings
from conversations.keyring import SEALED_PREFIX, Keys, is_sealed, sealed_key_id
from conversations.private_files import SQLITE_COMPANIONS, private_database, tighten_all

logger = logging.getLogger(__name__)

PENDING = "pending"
DELIVERED = "delivered"
REJECTED = "rejected"
RESOLVED = "resolved"  # rejected, then passed to MASH another way by staff (outbox_cli resolve)

# The order referrals are sent in: the assistant's provisional RAG, red first; none given is last.
PRIORITY = {"red": 0, "amber": 1, "green": 2}
_NO_PRIORITY = len(PRIORITY)

# PRAGMA user_version; 0 is the first outbox (no priority, no resolved state); 3 seals payloads.
_SCHEMA_VERSION = 3

_TABLE = """
CREATE TABLE outbox (
    referral_id     TEXT PRIMARY KEY,
    payload         TEXT,             -- the referral as JSON, sealed; NULL once the intake accepted it
    payload_sha256  TEXT NOT NULL,    -- tells a resubmission from a different body under the same id
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'rejected', 'resolved')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      REAL NOT NULL,    -- times are Unix seconds
    last_attempt_at REAL,
    next_attempt_at REAL,             -- NULL once delivered, rejected or resolved
    last_status     INTEGER,          -- HTTP status of the last answer, if there was one
    last_error      TEXT,             -- class of the last failure ("HTTP 503", "TimeoutError"), never a body
    reference       TEXT,             -- the intake's answer once accepted
    rag             TEXT,             -- the assistant's provisional RAG; the intake's once accepted
    due_at          TEXT,
    settled_at      REAL,             -- when it was delivered, rejected or resolved
    priority        INTEGER NOT NULL DEFAULT 3,  -- 0 red, 1 amber, 2 green, 3 none: sent in this order
    conversation_sha256 TEXT,         -- SHA-256 of the conversation id, to cap referrals per conversation
    leased_until    REAL              -- set while an attempt is in flight (see claim)
)
"""
_INDEXES = (
    "CREATE INDEX outbox_due ON outbox (state, priority, next_attempt_at)",
    "CREATE INDEX outbox_conversation ON outbox (conversation_sha256)",
)
_FIRST_COLUMNS = (
    "referral_id, payload, payload_sha256, state, attempts, created_at, last_attempt_at, "
    "next_attempt_at, last_status, last_error, reference, rag, due_at, settled_at"
)

KEYRING_NAME = "outbox_keyring"  # beside the outbox file unless the settings say otherwise

_ENTRY_COLUMNS = (
    "referral_id, state, attempts, created_at, last_attempt_at, next_attempt_at, last_status, "
    "last_error, reference, rag, due_at, settled_at, payload IS NOT NULL"
)

# Referrals held in memory while the file cannot be written: a bound, so a flood during an outage
# cannot exhaust the process.
MAX_HELD = 500

_T = TypeVar("_T")


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


@dataclass
class HeldReferral:
    """A referral the outbox file could not take, kept in this process until it can."""

    payload: Mapping[str, Any]
    conversation_key: Optional[str]
    attempts: int
    next_attempt_at: float
    rejection: Optional[DeliveryResult] = None  # the intake refused it: to be saved as rejected


class TooManyReferrals(Exception):
    """The referral's conversation already made the most referrals it may (the message holds no data)."""


def _locked(method: Callable[..., _T]) -> Callable[..., _T]:
    @functools.wraps(method)
    def run(self: "Outbox", *args: Any, **kwargs: Any) -> _T:
        with self._lock:
            return method(self, *args, **kwargs)

    return run


class Outbox:
    """Referrals waiting for (or settled by) the intake service, in one SQLite file.

    `held` is the in-memory overflow (referral id to HeldReferral) for when the file cannot be
    written; it is used from the event loop's thread only.
    """

    def __init__(
        self, path: Union[str, Path], *, busy_timeout_seconds: float = 5.0, keys: Optional[Keys] = None
    ) -> None:
        self.path = Path(path)
        self.held: Dict[str, HeldReferral] = {}
        self._busy_ms = max(0, int(busy_timeout_seconds * 1000))
        self._lock = threading.RLock()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        private_database(self.path)  # before SQLite creates it with a wider mode
        self.keys = keys or Keys(path=self.path.parent / KEYRING_NAME, variable=OUTBOX_KEYS_VARIABLE)
        self._db = sqlite3.connect(
            str(self.path), timeout=busy_timeout_seconds, isolation_level=None, check_same_thread=False
        )
        try:
            self._db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")  # a commit survives a power cut
            self._db.execute("PRAGMA secure_delete = ON")  # deleted payloads are overwritten
            self._create_or_upgrade()
        except BaseException:
            self._db.close()
            self._thread.shutdown(wait=False)
            raise
        # SQLite gives these the database's mode; make sure.
        tighten_all(Path(f"{self.path}{suffix}") for suffix in SQLITE_COMPANIONS)

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        with self._lock:
            self._db.close()

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def call(self, method: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run one of this outbox's methods on its own thread, so the event loop never waits on SQLite."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, functools.partial(method, *args, **kwargs))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise

    def _create_or_upgrade(self) -> None:
        """Create the table, or bring an older outbox up to this schema keeping every row."""
        if self._db.execute("PRAGMA user_version").fetchone()[0] == _SCHEMA_VERSION:
            return  # without a write lock, so the file opens while another process writes
        with self._transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version == _SCHEMA_VERSION:
                return
            if version > _SCHEMA_VERSION:
                raise RuntimeError(f"{self.path} was written by a newer version of the outbox")
            exists = self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
            ).fetchone()
            if not exists:
                self._db.execute(_TABLE)
                for index in _INDEXES:
                    self._db.execute(index)
            elif version < 2:  # SQLite cannot change a CHECK in place: copy into the new table
                self._db.execute("ALTER TABLE outbox RENAME TO outbox_old")
                self._db.execute(_TABLE)
                self._db.execute(
                    f"INSERT INTO outbox ({_FIRST_COLUMNS}) SELECT {_FIRST_COLUMNS} FROM outbox_old"  # noqa: S608
                )
                self._db.execute("DROP TABLE outbox_old")
                rows = self._db.execute("SELECT referral_id, payload FROM outbox WHERE payload IS NOT NULL")
                for referral_id, text in rows.fetchall():
                    payload = json.loads(text)
                    self._db.execute(
                        "UPDATE outbox SET priority = ?, conversation_sha256 = ?, rag = COALESCE(rag, ?)"
                        " WHERE referral_id = ?",
                        (
                            priority_of(payload),
                            conversation_key(payload),
                            provisional_rag(payload),
                            referral_id,
                        ),
                    )
                for index in _INDEXES:
                    self._db.execute(index)
            sealed = self._reseal(unless_like=f"{SEALED_PREFIX}%")  # version 3: payloads sealed
            self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        if sealed:
            logger.warning("Sealed %d outbox payload(s) stored in plain text before", sealed)
            self._checkpoint()  # the plain pages leave the WAL too

    @_locked
    def put(
        self,
        referral_id: str,
        payload: Mapping[str, Any],
        *,
        max_per_conversation: Optional[int] = None,
    ) -> bool:
        """Store a referral as pending, due now. True if stored; False if this id was already there.

        The first payload stored for an id is the one kept and delivered; a different payload under
        the same id is logged (id only) and dropped. With `max_per_conversation`, a new referral
        whose conversation already has that many in the outbox raises TooManyReferrals.
        """
        if referral_id_of(payload) != referral_id:
            raise ValueError("referral_id does not match the payload's referral_id")
        text = encode_payload(payload)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        conversation = conversation_key(payload)
        now = time.time()
        with self._transaction():
            row = self._db.execute(
                "SELECT payload_sha256 FROM outbox WHERE referral_id = ?", (referral_id,)
            ).fetchone()
            if row is not None:
                if row[0] != digest:
                    logger.warning(
                        "Referral %s is already in the outbox with a different payload; keeping the first",
                        referral_id,
                    )
                return False
            if max_per_conversation is not None and conversation is not None:
                (made,) = self._db.execute(
                    "SELECT COUNT(*) FROM outbox WHERE conversation_sha256 = ?", (conversation,)
                ).fetchone()
                if made >= max_per_conversation:
                    raise TooManyReferrals(f"the conversation has made {made} referrals already")
            self._db.execute(
                "INSERT INTO outbox (referral_id, payload, payload_sha256, state, created_at,"
                " next_attempt_at, rag, priority, conversation_sha256)"
                " VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                (
                    referral_id,
                    self._seal(referral_id, text),
                    digest,
                    now,
                    now,
                    provisional_rag(payload),
                    priority_of(payload),
                    conversation,
                ),
            )
        return True

    @_locked
    def admit(
        self,
        referral_id: str,
        payload: Mapping[str, Any],
        *,
        max_per_conversation: Optional[int],
        lease_seconds: float,
    ) -> Tuple[Optional[OutboxEntry], Optional[Dict[str, Any]]]:
        """`put`, then `claim` it if it is pending and due, in one go so no worker takes it between.

        Returns its entry and, if claimed, its payload. A failure to claim is logged and leaves it
        pending, saved: the worker sends it. Raises what `put` raises.
        """
        self.put(referral_id, payload, max_per_conversation=max_per_conversation)
        entry = self.get(referral_id)
        if entry is None or entry.state != PENDING:
            return entry, None
        try:
            claimed = self.claim(referral_id, lease_seconds=lease_seconds)
        except sqlite3.Error as exc:
            logger.warning("Referral %s saved, not sent yet (%s)", referral_id, type(exc).__name__)
            return entry, None
        return entry, claimed[1] if claimed else None

    def hold(
        self,
        referral_id: str,
        payload: Mapping[str, Any],
        *,
        next_attempt_at: float,
        rejection: Optional[DeliveryResult],
        max_per_conversation: int,
    ) -> None:
        """Keep a referral the file could not take in memory (`held`), to save it when it can.

        Raises TooManyReferrals when its conversation already has `max_per_conversation` held,
        or MAX_HELD are held in all.
        """
        if referral_id in self.held:
            return
        conversation = conversation_key(payload)
        same_conversation = sum(
            1 for held in self.held.values() if conversation and held.conversation_key == conversation
        )
        if len(self.held) >= MAX_HELD or same_conversation >= max_per_conversation:
            raise TooManyReferrals("too many referrals held in memory")
        copy = json.loads(encode_payload(payload))  # what the caller does with its dict later is not kept
        self.held[referral_id] = HeldReferral(copy, conversation, 1, next_attempt_at, rejection)

    @_locked
    def get(self, referral_id: str) -> Optional[OutboxEntry]:
        row = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE referral_id = ?",  # noqa: S608 (fixed columns)
            (referral_id,),
        ).fetchone()
        return _entry(row) if row else None

    @_locked
    def entries(self) -> list[OutboxEntry]:
        rows = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM outbox ORDER BY created_at"  # noqa: S608 (fixed columns)
        ).fetchall()
        return [_entry(row) for row in rows]

    @_locked
    def payload(self, referral_id: str) -> Optional[Dict[str, Any]]:
        """The stored referral, or None once the intake has accepted it (or for an unknown id)."""
        row = self._db.execute("SELECT payload FROM outbox WHERE referral_id = ?", (referral_id,)).fetchone()
        return json.loads(self._open(referral_id, row[0])) if row and row[0] is not None else None

    @_locked
    def counts(self) -> Dict[str, int]:
        counts = {PENDING: 0, DELIVERED: 0, REJECTED: 0, RESOLVED: 0}
        for state, count in self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
            counts[state] = count
        return counts

    @_locked
    def oldest_pending_at(self) -> Optional[float]:
        """When the referral pending longest was stored (None: nothing is pending)."""
        return self._db.execute("SELECT MIN(created_at) FROM outbox WHERE state = 'pending'").fetchone()[0]

    @_locked
    def next_due_at(self) -> Optional[float]:
        """When the next pending referral is due for an attempt (None: nothing is pending)."""
        row = self._db.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'").fetchone()
        return row[0] if row else None

    @_locked
    def claim(
        self, referral_id: Optional[str] = None, *, lease_seconds: float
    ) -> Optional[Tuple[str, Dict[str, Any]]]:
        """Take a due pending referral (this one, or the most urgent due) for one delivery attempt.

        The most urgent is the reddest, then the one due longest. Claiming counts the attempt and
        moves `next_attempt_at` past the lease, so no other worker, in this process or another on
        the same file, sends it meanwhile; if this process dies mid-attempt the lease runs out and
        the referral is due again.
        """
        now = time.time()
        with self._transaction():
            if referral_id is None:
                row = self._db.execute(
                    "SELECT referral_id, payload FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?"
                    " ORDER BY priority, next_attempt_at LIMIT 1",
                    (now,),
                ).fetchone()
            else:
                row = self._db.execute(
                    "SELECT referral_id, payload FROM outbox"
                    " WHERE referral_id = ? AND state = 'pending' AND next_attempt_at <= ?",
                    (referral_id, now),
                ).fetchone()
            if row is not None:
                self._lease(row[0], now, lease_seconds)
        return (row[0], json.loads(self._open(row[0], row[1]))) if row else None

    def _lease(self, referral_id: str, now: float, lease_seconds: float) -> None:
        """Inside a transaction: the referral is pending and leased to the caller for one attempt
        (counted), due again only when the lease runs out."""
        self._db.execute(
            "UPDATE outbox SET state = 'pending', settled_at = NULL, attempts = attempts + 1,"
            " last_attempt_at = ?, next_attempt_at = ?, leased_until = ? WHERE referral_id = ?",
            (now, now + lease_seconds, now + lease_seconds, referral_id),
        )

    @_locked
    def mark_delivered(self, referral_id: str, result: DeliveryResult) -> None:
        """The intake accepted it: keep its answer, delete the payload."""
        now = time.time()
        self._db.execute(
            "UPDATE outbox SET state = 'delivered', payload = NULL, reference = ?, rag = COALESCE(?, rag),"
            " due_at = ?, last_status = ?, last_error = NULL, next_attempt_at = NULL, leased_until = NULL,"
            " settled_at = ? WHERE referral_id = ? AND state = 'pending'",
            (result.reference, result.rag, result.due_at, result.status, now, referral_id),
        )
        self._checkpoint()

    @_locked
    def mark_rejected(self, referral_id: str, result: DeliveryResult) -> None:
        """The intake refused it for good: not retried unless staff ask, payload kept for them."""
        self._db.execute(
            "UPDATE outbox SET state = 'rejected', last_status = ?, last_error = ?, next_attempt_at = NULL,"
            " leased_until = NULL, settled_at = ? WHERE referral_id = ? AND state = 'pending'",
            (result.status, result.error, time.time(), referral_id),
        )

    @_locked
    def mark_retry(self, referral_id: str, result: DeliveryResult, next_attempt_at: float) -> None:
        self._db.execute(
            "UPDATE outbox SET last_status = ?, last_error = ?, next_attempt_at = ?, leased_until = NULL"
            " WHERE referral_id = ? AND state = 'pending'",
            (result.status, result.error, next_attempt_at, referral_id),
        )

    @_locked
    def make_due_now(self) -> int:
        """Every pending referral waiting out a backoff is due now (not those in flight); how many.

        For when the intake has just accepted one: the waiting referrals then go most urgent
        first, instead of each at the end of its own backoff.
        """
        now = time.time()
        return self._db.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?"
            " AND (leased_until IS NULL OR leased_until <= ?)",
            (now, now, now),
        ).rowcount

    @_locked
    def requeue(self, referral_id: str, *, lease_seconds: float) -> Optional[Tuple[str, Dict[str, Any]]]:
        """A rejected referral staff resend becomes pending and is claimed by the caller for one
        attempt, in one transaction, so a running worker cannot take it in between (see `claim`).
        None if it is not rejected."""
        now = time.time()
        with self._transaction():
            row = self._db.execute(
                "SELECT referral_id, payload FROM outbox WHERE referral_id = ? AND state = 'rejected'",
                (referral_id,),
            ).fetchone()
            if row is not None:
                self._lease(row[0], now, lease_seconds)
        return (row[0], json.loads(self._open(row[0], row[1]))) if row else None

    @_locked
    def rejected_ids(self) -> list[str]:
        rows = self._db.execute(
            "SELECT referral_id FROM outbox WHERE state = 'rejected' ORDER BY priority, created_at"
        )
        return [row[0] for row in rows]

    @_locked
    def resolve(self, referral_id: str) -> bool:
        """A rejected referral staff passed to MASH another way: delete its payload. False if not rejected."""
        resolved = self._db.execute(
            "UPDATE outbox SET state = 'resolved', payload = NULL, settled_at = ?"
            " WHERE referral_id = ? AND state = 'rejected'",
            (time.time(), referral_id),
        ).rowcount
        if resolved:
            self._checkpoint()
        return bool(resolved)

    @_locked
    def expire_settled(self, *, settled_before: float) -> int:
        """Delete what is left of referrals delivered or resolved before this time; how many."""
        expired = self._db.execute(
            "DELETE FROM outbox WHERE state IN ('delivered', 'resolved') AND settled_at < ?",
            (settled_before,),
        ).rowcount
        if expired:
            self._checkpoint()
        return expired

    @_locked
    def key_usage(self) -> Dict[Optional[int], int]:
        """How many payloads each key id seals; None counts payloads still in plain text."""
        usage: Dict[Optional[int], int] = {}
        for (head,) in self._db.execute(
            "SELECT substr(payload, 1, 16) FROM outbox WHERE payload IS NOT NULL"
        ):
            key_id = sealed_key_id(head)
            usage[key_id] = usage.get(key_id, 0) + 1
        return usage

    @_locked
    def reencrypt(self) -> int:
        """Re-seal every payload not under the current key with it; how many."""
        with self._transaction():
            resealed = self._reseal(unless_like=f"{SEALED_PREFIX}{self.keys.ring.current_id}:%")
        if resealed:
            self._checkpoint()
        return resealed

    def _reseal(self, *, unless_like: str) -> int:
        """Inside a transaction: re-seal the payloads not LIKE `unless_like` with the current key."""
        rows = self._db.execute(
            "SELECT referral_id, payload FROM outbox WHERE payload IS NOT NULL AND payload NOT LIKE ?",
            (unless_like,),
        ).fetchall()
        for referral_id, value in rows:
            self._db.execute(
                "UPDATE outbox SET payload = ? WHERE referral_id = ?",
                (self._seal(referral_id, self._open(referral_id, value)), referral_id),
            )
        return len(rows)

    def _seal(self, referral_id: str, text: str) -> str:
        return self.keys.seal(text.encode("utf-8"), payload_associated_data(referral_id))

    def _open(self, referral_id: str, value: str) -> str:
        if not is_sealed(value):  # stored by an outbox from before version 3 (sealed when upgraded)
            return value
        return self.keys.open(value, payload_associated_data(referral_id)).decode("utf-8")

    def _checkpoint(self) -> None:
        # Move the change into the database file and empty the WAL, so no copy of deleted data
        # stays behind in the WAL. Without waiting: if another connection is reading, the next
        # checkpoint (or SQLite's own) does it.
        self._db.execute("PRAGMA busy_timeout = 0")
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")


def provisional_rag(payload: Mapping[str, Any]) -> Optional[str]:
    """The assistant's provisional RAG in a payload, if it is one of red, amber, green."""
    triage = payload.get("provisional_triage")
    rag = triage.get("rag") if isinstance(triage, Mapping) else None
    return rag if rag in PRIORITY else None


def priority_of(payload: Mapping[str, Any]) -> int:
    return PRIORITY.get(provisional_rag(payload) or "", _NO_PRIORITY)


def conversation_key(payload: Mapping[str, Any]) -> Optional[str]:
    """The digest the outbox keeps of a payload's conversation id (None: no conversation id)."""
    conversation_id = payload.get("conversation_id")
    if not isinstance(conversation_id, str) or not conversation_id:
        return None
    return hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()


def _entry(row: tuple) -> OutboxEntry:
    return OutboxEntry(*row[:-1], has_payload=bool(row[-1]))


def payload_associated_data(referral_id: str) -> bytes:
    """What a sealed payload is bound to: the outbox's row of this referral."""
    return json.dumps(["outbox", referral_id]).encode("utf-8")


def outbox_keys(settings: Settings) -> Keys:
    """The outbox's keyring: `OUTBOX_ENCRYPTION_KEYS`, else its file (created on first run)."""
    return Keys(
        path=settings.outbox_keyring_path, text=settings.outbox_encryption_keys, variable=OUTBOX_KEYS_VARIABLE
    )


def open_outbox(settings: Settings) -> Outbox:
    return Outbox(
        settings.outbox_path,
        busy_timeout_seconds=settings.outbox_busy_timeout_seconds,
        keys=outbox_keys(settings),
    )
