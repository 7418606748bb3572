"""The referral: received from the assistant once (idempotent, with its human reference and the
server's triage), then the MASH queue, a referral's personal fields (every read audited), its
status trail and the feedback owed to a professional referrer.

The payload and the reasons given for status changes are sealed by the keyring (see crypto.py),
each bound to its own row (`payload_context`, `reason_context`). Every read of the personal fields
and every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.models import referral_status_changes, referrals
from intake.review import CONVERSATION_ID
from intake.store.audit import write_audit
from intake.store.base import NotFound, StoreBase, iso
from intake.triage import feedback_due_at, triage

REFERENCE_PREFIX = "SCS"
SERVICE_ACTOR = "service:assistant"

OUTCOMES = (
    "s47_enquiry",
    "s17_assessment",
    "early_help",
    "universal_services",
    "no_further_action",
)
STATUSES = ("new", "in_triage", *OUTCOMES, "closed")
OPEN_STATUSES = ("new", "in_triage")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("in_triage",),
    "in_triage": OUTCOMES,
    **{outcome: ("closed",) for outcome in OUTCOMES},
    "closed": (),
}


class ReferralConflict(Exception):
    """The referral_id is already stored with a different body."""


class InvalidTransition(Exception):
    def __init__(self, current: str, wanted: str):
        super().__init__(f"a referral with status {current!r} cannot move to {wanted!r}")
        self.current = current
        self.wanted = wanted


@dataclass(frozen=True)
class Receipt:
    """What the assistant is told when a referral is accepted (or replayed)."""

    referral_id: str
    reference: str
    rag: str
    reasons: list[str]
    mash_response: str
    received_at: datetime
    due_at: datetime | None
    feedback_due_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "referral_id": self.referral_id,
            "reference": self.reference,
            "rag": self.rag,
            "reasons": list(self.reasons),
            "mash_response": self.mash_response,
            "received_at": iso(self.received_at),
            "due_at": iso(self.due_at),
            "feedback_due_at": iso(self.feedback_due_at),
        }


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def format_reference(year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{year}-{number:06d}"


def payload_context(referral_id: str) -> bytes:
    """Binds a sealed payload to its referral: copied onto another row, it does not open."""
    return f"referrals:{referral_id}:payload".encode()


def reason_context(
    referral_id: str, from_status: str, to_status: str, actor: str, change_at: datetime
) -> bytes:
    """Binds a reason to its own status change. The statuses only ever move forward, so a referral
    makes each from -> to step at most once: the step names the row. The actor and time are bound
    too, so a reason cannot be moved to another row or another referral, nor its row be credited
    to someone else, without the reason failing to open."""
    return json.dumps(
        ["referral_status_changes", referral_id, from_status, to_status, actor, iso(change_at)],
        separators=(",", ":"),
    ).encode()


def conversation_of(payload: dict[str, Any]) -> str | None:
    """The conversation a referral came from, when it names one the review store can hold."""
    conversation_id = payload.get("conversation_id")
    if isinstance(conversation_id, str) and CONVERSATION_ID.fullmatch(conversation_id):
        return conversation_id
    return None


class ReferralStore(StoreBase):
    # --- receiving referrals -------------------------------------------------------------------

    async def receive(self, payload: dict[str, Any]) -> tuple[Receipt, bool]:
        """Store a contract-valid referral once. Returns the receipt and whether it was new.

        The same referral_id with the same body returns the original receipt; with a different
        body it raises ReferralConflict. Safe when the same referral arrives twice at once.
        """
        referral_id = payload["referral_id"].lower()
        existing = await self._existing_receipt(referral_id, payload)
        if existing is not None:
            return existing, False
        try:
            return await self._insert(referral_id, payload), True
        except IntegrityError:
            # Another request stored the same referral_id between our look-up and our insert.
            existing = await self._existing_receipt(referral_id, payload)
            if existing is None:
                raise
            return existing, False

    async def _existing_receipt(self, referral_id: str, payload: dict[str, Any]) -> Receipt | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(referrals).where(referrals.c.referral_id == referral_id))
            ).first()
        if row is None:
            return None
        stored = self.keyring.open(row.payload_sealed, payload_context(referral_id))
        if not hmac.compare_digest(stored, canonical_json(payload)):
            raise ReferralConflict(referral_id)
        return self._receipt(row)

    async def _insert(self, referral_id: str, payload: dict[str, Any]) -> Receipt:
        received_at = self.clock()
        rating = triage(payload)
        submitted_at = datetime.fromisoformat(
            payload["submitted_at"].upper().replace("Z", "+00:00")
        )
        sealed = self.keyring.seal(canonical_json(payload), payload_context(referral_id))
        referrer = payload["referrer"]
        async with self.engine.begin() as conn:
            # The counter row is written first, so on SQLite this transaction takes the write lock
            # at once, and on PostgreSQL concurrent requests queue on the counter row's lock.
            number = await self._next_number(conn, received_at.year)
            reference = format_reference(received_at.year, number)
            values = {
                "referral_id": referral_id,
                "reference": reference,
                "received_at": received_at,
                "submitted_at": submitted_at,
                "channel": payload["channel"],
                "preview": payload["preview"],
                "referrer_type": referrer["type"],
                "referrer_anonymous": referrer["anonymous"],
                "rag": rating.rag,
                "rag_reasons": list(rating.reasons),
                "mash_response": rating.response,
                "due_at": rating.due_at(received_at),
                "provisional_rag": payload["provisional_triage"]["rag"],
                "status": "new",
                "status_changed_at": received_at,
                "feedback_due_at": feedback_due_at(payload, received_at),
                "feedback_given_at": None,
                "key_id": self.keyring.current_id,
                "payload_sealed": sealed,
                "conversation_id": conversation_of(payload),
            }
            await conn.execute(insert(referrals).values(**values))
            await write_audit(
                conn,
                SERVICE_ACTOR,
                "referral.received",
                referral_id,
                {"reference": reference, "rag": rating.rag, "preview": payload["preview"]},
                at=received_at,
            )
        return Receipt(
            referral_id=referral_id,
            reference=reference,
            rag=rating.rag,
            reasons=list(rating.reasons),
            mash_response=rating.response,
            received_at=received_at,
            due_at=values["due_at"],
            feedback_due_at=values["feedback_due_at"],
        )

    @staticmethod
    async def _next_number(conn: AsyncConnection, year: int) -> int:
        """Take the next number of the year's sequence, in the caller's transaction."""
        result = await conn.execute(
            text(
                "INSERT INTO reference_counters (year, last_value) VALUES (:year, 1) "
                "ON CONFLICT (year) DO UPDATE SET last_value = reference_counters.last_value + 1 "
                "RETURNING last_value"
            ),
            {"year": year},
        )
        return int(result.scalar_one())

    @staticmethod
    def _receipt(row) -> Receipt:
        return Receipt(
            referral_id=row.referral_id,
            reference=row.reference,
            rag=row.rag,
            reasons=list(row.rag_reasons),
            mash_response=row.mash_response,
            received_at=row.received_at,
            due_at=row.due_at,
            feedback_due_at=row.feedback_due_at,
        )

    # --- the staff queue -----------------------------------------------------------------------

    async def list_referrals(
        self,
        *,
        rag: str | None = None,
        status: str | None = None,
        overdue: bool | None = None,
        preview: bool = False,
        feedback_due: bool | None = None,
        limit: int = 50,
        offset: int = 0,
        statuses: tuple[str, ...] | None = None,
        referrer_type: str | None = None,
        assigned_to: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """Queue fields only (nothing personal, so nothing to audit), most urgent first.
        `statuses` (any of), `referrer_type` and `assigned_to` (a username) are the console's."""
        now = self.clock()
        conditions = [referrals.c.preview == preview]
        if rag is not None:
            conditions.append(referrals.c.rag == rag)
        if status is not None:
            conditions.append(referrals.c.status == status)
        if statuses is not None:
            conditions.append(referrals.c.status.in_(statuses))
        if referrer_type is not None:
            conditions.append(referrals.c.referrer_type == referrer_type)
        if assigned_to is not None:
            conditions.append(referrals.c.assigned_to == assigned_to)
        is_overdue = and_(referrals.c.due_at < now, referrals.c.status.in_(OPEN_STATUSES))
        if overdue is True:
            conditions.append(is_overdue)
        elif overdue is False:
            conditions.append(~is_overdue | referrals.c.due_at.is_(None))
        feedback_owed = and_(
            referrals.c.feedback_due_at.is_not(None), referrals.c.feedback_given_at.is_(None)
        )
        if feedback_due is True:
            conditions.append(feedback_owed)
        elif feedback_due is False:
            conditions.append(~feedback_owed)
        where = and_(*conditions)
        async with self.engine.connect() as conn:
            total = (await conn.execute(select(func.count()).where(where))).scalar_one()
            rows = (
                await conn.execute(
                    select(referrals)
                    .where(where)
                    .order_by(
                        referrals.c.due_at.is_(None),
                        referrals.c.due_at,
                        referrals.c.received_at,
                        referrals.c.id,
                    )
                    .limit(limit)
                    .offset(offset)
                )
            ).all()
        return [self._queue_entry(row, now) for row in rows], int(total)

    def _queue_entry(self, row, now: datetime) -> dict[str, Any]:
        return {
            "referral_id": row.referral_id,
            "reference": row.reference,
            "received_at": iso(row.received_at),
            "channel": row.channel,
            "preview": row.preview,
            "referrer_type": row.referrer_type,
            "referrer_anonymous": row.referrer_anonymous,
            "rag": row.rag,
            "rag_reasons": list(row.rag_reasons),
            "mash_response": row.mash_response,
            "due_at": iso(row.due_at),
            "overdue": bool(
                row.due_at is not None and row.due_at < now and row.status in OPEN_STATUSES
            ),
            "provisional_rag": row.provisional_rag,
            "status": row.status,
            "status_changed_at": iso(row.status_changed_at),
            "feedback_due_at": iso(row.feedback_due_at),
            "feedback_given_at": iso(row.feedback_given_at),
        }

    async def read_referral(self, referral_id: str, actor: str) -> dict[str, Any]:
        """The whole referral with its personal fields; the read is audited."""
        referral_id = referral_id.lower()
        now = self.clock()
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(select(referrals).where(referrals.c.referral_id == referral_id))
            ).first()
            if row is None:
                raise NotFound(referral_id)
            changes = (
                await conn.execute(
                    select(referral_status_changes)
                    .where(referral_status_changes.c.referral_pk == row.id)
                    .order_by(referral_status_changes.c.at, referral_status_changes.c.id)
                )
            ).all()
            await write_audit(conn, actor, "referral.read_personal", referral_id, {}, at=now)
        payload = json.loads(self.keyring.open(row.payload_sealed, payload_context(referral_id)))
        entry = self._queue_entry(row, now)
        entry["referral"] = payload
        entry["provisional_triage"] = payload.get("provisional_triage")
        entry["status_history"] = [
            {
                "from_status": change.from_status,
                "to_status": change.to_status,
                "actor": change.actor,
                "at": iso(change.at),
                "reason": self.keyring.open(
                    change.reason_sealed,
                    reason_context(
                        referral_id, change.from_status, change.to_status, change.actor, change.at
                    ),
                ).decode(),
            }
            for change in changes
        ]
        return entry

    async def change_status(
        self, referral_id: str, to_status: str, reason: str, actor: str
    ) -> dict[str, Any]:
        """Move a referral along the MASH outcomes; each change keeps actor, time and reason."""
        referral_id = referral_id.lower()
        now = self.clock()
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(referrals.c.id, referrals.c.status).where(
                        referrals.c.referral_id == referral_id
                    )
                )
            ).first()
            if row is None:
                raise NotFound(referral_id)
            if to_status not in TRANSITIONS.get(row.status, ()):
                raise InvalidTransition(row.status, to_status)
            # Conditional update: if someone else changed the status meanwhile, nothing matches.
            result = await conn.execute(
                update(referrals)
                .where(referrals.c.id == row.id, referrals.c.status == row.status)
                .values(status=to_status, status_changed_at=now)
            )
            if result.rowcount != 1:
                raise InvalidTransition(row.status, to_status)
            await conn.execute(
                insert(referral_status_changes).values(
                    referral_pk=row.id,
                    from_status=row.status,
                    to_status=to_status,
                    actor=actor,
                    at=now,
                    key_id=self.keyring.current_id,
                    reason_sealed=self.keyring.seal(
                        reason.encode(),
                        reason_context(referral_id, row.status, to_status, actor, now),
                    ),
                )
            )
            await write_audit(
                conn,
                actor,
                "referral.status_changed",
                referral_id,
                {"from": row.status, "to": to_status},
                at=now,
            )
        return {"referral_id": referral_id, "status": to_status, "status_changed_at": iso(now)}

    async def record_feedback(self, referral_id: str, actor: str) -> dict[str, Any]:
        """Record that the professional referrer has been told whether their concern progresses."""
        referral_id = referral_id.lower()
        now = self.clock()
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(
                        referrals.c.id, referrals.c.feedback_due_at, referrals.c.feedback_given_at
                    ).where(referrals.c.referral_id == referral_id)
                )
            ).first()
            if row is None:
                raise NotFound(referral_id)
            if row.feedback_due_at is None:
                raise InvalidTransition("no feedback owed", "feedback given")
            if row.feedback_given_at is not None:
                # Already recorded: say when, rather than claim it happened again now.
                return {
                    "referral_id": referral_id,
                    "feedback_given_at": iso(row.feedback_given_at),
                }
            result = await conn.execute(
                update(referrals)
                .where(referrals.c.id == row.id, referrals.c.feedback_given_at.is_(None))
                .values(feedback_given_at=now)
            )
            if result.rowcount != 1:  # recorded by someone else meanwhile
                given = (
                    await conn.execute(
                        select(referrals.c.feedback_given_at).where(referrals.c.id == row.id)
                    )
                ).scalar_one()
                return {"referral_id": referral_id, "feedback_given_at": iso(given)}
            await write_audit(conn, actor, "referral.feedback_given", referral_id, {}, at=now)
        return {"referral_id": referral_id, "feedback_given_at": iso(now)}
