"""The audit log: who received, read or changed what, and when. Written in the same transaction as
the change it records (`write_audit`); append-only in the database itself (triggers refuse any
UPDATE), and only the retention purge deletes from it. Rows hold no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.models import audit_log
from intake.store.base import StoreBase, iso


async def write_audit(
    conn: AsyncConnection,
    actor: str,
    action: str,
    referral_id: str | None,
    detail: dict[str, Any],
    *,
    at: datetime,
) -> None:
    await conn.execute(
        insert(audit_log).values(
            at=at, actor=actor, action=action, referral_id=referral_id, detail=detail
        )
    )


def _entry(r) -> dict[str, Any]:
    return {
        "at": iso(r.at),
        "actor": r.actor,
        "action": r.action,
        "referral_id": r.referral_id,
        "detail": r.detail,
    }


class AuditStore(StoreBase):
    async def recent_audit(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """The newest audit rows first (the console's audit page), by actor and action."""
        conditions = []
        if actor is not None:
            conditions.append(audit_log.c.actor == actor)
        if action is not None:
            conditions.append(audit_log.c.action == action)
        async with self.engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(audit_log).where(*conditions))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(audit_log)
                    .where(*conditions)
                    .order_by(audit_log.c.id.desc())
                    .limit(limit)
                    .offset(offset)
                )
            ).all()
        return [_entry(r) for r in rows], int(total)

    async def audit_trail(self, referral_id: str | None = None) -> list[dict[str, Any]]:
        query = select(audit_log).order_by(audit_log.c.id)
        if referral_id is not None:
            query = query.where(audit_log.c.referral_id == referral_id.lower())
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            {
                "at": iso(r.at),
                "actor": r.actor,
                "action": r.action,
                "referral_id": r.referral_id,
                "detail": r.detail,
            }
            for r in rows
        ]
