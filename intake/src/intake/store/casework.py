"""Casework on a referral from the console: who it is assigned to (the current assignee plain on
the referral's row, for the queue's "assigned to me"; every change kept in referral_assignments)
and staff notes, sealed by the keyring like every other personal text (bound to the referral, the
note's id, its author and its time). Every change is audited in its transaction.

Notes are read only together with the referral's personal fields (the console's referral page
calls `read_referral`, which audits the read, then `casework`).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from intake.models import referral_assignments, referral_notes, referrals, staff
from intake.store.audit import write_audit
from intake.store.base import NotFound, StoreBase, iso

MAX_NOTE = 5000


def note_context(referral_id: str, note_id: str, actor: str, at: datetime) -> bytes:
    return json.dumps(
        ["referral_notes", referral_id, note_id, actor, iso(at)], separators=(",", ":")
    ).encode()


class CaseworkStore(StoreBase):
    async def assign(self, referral_id: str, username: str | None, actor: str) -> dict[str, Any]:
        """Give the referral to a triager or admin (None: nobody)."""
        referral_id = referral_id.lower()
        now = self.clock()
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(referrals.c.id, referrals.c.assigned_to).where(
                        referrals.c.referral_id == referral_id
                    )
                )
            ).first()
            if row is None:
                raise NotFound(referral_id)
            if username is not None:
                account = (
                    await conn.execute(
                        select(staff.c.id).where(
                            staff.c.username == username,
                            staff.c.disabled_at.is_(None),
                            staff.c.role.in_(("triager", "admin")),
                        )
                    )
                ).first()
                if account is None:
                    raise ValueError("a referral is assigned to an active triager or admin")
            await conn.execute(
                update(referrals).where(referrals.c.id == row.id).values(assigned_to=username)
            )
            await conn.execute(
                insert(referral_assignments).values(
                    referral_pk=row.id, assigned_to=username, actor=actor, at=now
                )
            )
            await write_audit(
                conn,
                actor,
                "referral.assigned",
                referral_id,
                {"from": row.assigned_to, "to": username},
                at=now,
            )
        return {"referral_id": referral_id, "assigned_to": username, "at": iso(now)}

    async def add_note(self, referral_id: str, text: str, actor: str) -> dict[str, Any]:
        referral_id = referral_id.lower()
        if not text.strip() or len(text) > MAX_NOTE:
            raise ValueError(f"a note is 1 to {MAX_NOTE} characters")
        now = self.clock()
        note_id = str(uuid.uuid4())
        async with self.engine.begin() as conn:
            pk = (
                await conn.execute(
                    select(referrals.c.id).where(referrals.c.referral_id == referral_id)
                )
            ).scalar()
            if pk is None:
                raise NotFound(referral_id)
            await conn.execute(
                insert(referral_notes).values(
                    note_id=note_id,
                    referral_pk=pk,
                    actor=actor,
                    at=now,
                    key_id=self.keyring.current_id,
                    text_sealed=self.keyring.seal(
                        text.encode(), note_context(referral_id, note_id, actor, now)
                    ),
                )
            )
            await write_audit(
                conn, actor, "referral.note_added", referral_id, {"note_id": note_id}, at=now
            )
        return {"referral_id": referral_id, "note_id": note_id, "at": iso(now)}

    async def casework(self, referral_id: str) -> dict[str, Any]:
        """The assignee, the assignment trail and the notes (opened), oldest first."""
        referral_id = referral_id.lower()
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(referrals.c.id, referrals.c.assigned_to).where(
                        referrals.c.referral_id == referral_id
                    )
                )
            ).first()
            if row is None:
                raise NotFound(referral_id)
            assignments = (
                await conn.execute(
                    select(referral_assignments)
                    .where(referral_assignments.c.referral_pk == row.id)
                    .order_by(referral_assignments.c.at, referral_assignments.c.id)
                )
            ).all()
            notes = (
                await conn.execute(
                    select(referral_notes)
                    .where(referral_notes.c.referral_pk == row.id)
                    .order_by(referral_notes.c.at, referral_notes.c.id)
                )
            ).all()
        return {
            "assigned_to": row.assigned_to,
            "assignments": [
                {"assigned_to": a.assigned_to, "actor": a.actor, "at": iso(a.at)}
                for a in assignments
            ],
            "notes": [
                {
                    "note_id": n.note_id,
                    "actor": n.actor,
                    "at": iso(n.at),
                    "text": self.keyring.open(
                        n.text_sealed, note_context(referral_id, n.note_id, n.actor, n.at)
                    ).decode(),
                }
                for n in notes
            ],
        }

    async def assignees(self, referral_ids: list[str]) -> dict[str, str | None]:
        """Who each referral is assigned to, for the queue."""
        if not referral_ids:
            return {}
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(referrals.c.referral_id, referrals.c.assigned_to).where(
                    referrals.c.referral_id.in_(referral_ids)
                )
            )
            return {r.referral_id: r.assigned_to for r in rows}
