"""Maintenance: the retention purge and the encryption keys (how many values each key protects,
re-sealing everything with the current one). Run from the command line, never over HTTP; each run
that changes anything is audited.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, exists, func, select, update

from intake.models import (
    audit_log,
    conversation_cutoffs,
    conversation_events,
    conversations,
    referral_assignments,
    referral_notes,
    referral_status_changes,
    referrals,
    staff,
)
from intake.store.accounts import totp_context
from intake.store.audit import write_audit
from intake.store.base import StoreBase
from intake.store.casework import note_context
from intake.store.conversations import event_context
from intake.store.referrals import payload_context, reason_context


class MaintenanceStore(StoreBase):
    async def purge(
        self,
        *,
        referrals_days: int,
        preview_days: int,
        audit_days: int,
        conversations_days: int = 30,
        preview_conversations_days: int = 7,
        dry_run: bool = False,
    ) -> dict[str, int]:
        """Delete closed referrals, preview referrals and audit rows older than their retention,
        and conversations past theirs (last message older than it).

        A referral that is still open is never deleted: it is counted so someone can look at it.
        A conversation that is a referral's transcript is kept while the referral is; once the
        referral is deleted, the conversation follows under its own period. An erasure's cut-off
        (store/conversations.py) is kept for the longer of the two conversation periods: an event
        older than that arriving later is past its own period, and goes at the next purge.
        """
        now = self.clock()
        conversation_cutoff = now - timedelta(days=conversations_days)
        preview_conversation_cutoff = now - timedelta(days=preview_conversations_days)
        referral_cutoff = now - timedelta(days=referrals_days)
        preview_cutoff = now - timedelta(days=preview_days)
        audit_cutoff = now - timedelta(days=audit_days)
        cutoffs_expired = conversation_cutoffs.c.at < now - timedelta(
            days=max(conversations_days, preview_conversations_days)
        )
        live_expired = and_(
            referrals.c.preview.is_(False), referrals.c.received_at < referral_cutoff
        )
        closed_expired = and_(live_expired, referrals.c.status == "closed")
        open_expired = and_(live_expired, referrals.c.status != "closed")
        preview_expired = and_(
            referrals.c.preview.is_(True), referrals.c.received_at < preview_cutoff
        )
        async with self.engine.begin() as conn:

            async def count(where) -> int:
                return int(
                    (
                        await conn.execute(select(func.count()).select_from(referrals).where(where))
                    ).scalar_one()
                )

            # A transcript is kept while any referral from its conversation is.
            transcript = exists().where(
                and_(
                    referrals.c.conversation_id == conversations.c.conversation_id,
                    ~(closed_expired | preview_expired),
                )
            )
            unlinked = ~transcript
            conversations_expired = and_(
                conversations.c.preview.is_(False),
                conversations.c.last_at < conversation_cutoff,
                unlinked,
            )
            preview_conversations_expired = and_(
                conversations.c.preview.is_(True),
                conversations.c.last_at < preview_conversation_cutoff,
                unlinked,
            )

            async def count_conversations(where) -> int:
                query = select(func.count()).select_from(conversations).where(where)
                return int((await conn.execute(query)).scalar_one())

            report = {
                "conversations_deleted": await count_conversations(conversations_expired),
                "preview_conversations_deleted": await count_conversations(
                    preview_conversations_expired
                ),
                "referral_transcripts_kept": await count_conversations(transcript),
                "conversation_cutoffs_deleted": int(
                    (
                        await conn.execute(
                            select(func.count())
                            .select_from(conversation_cutoffs)
                            .where(cutoffs_expired)
                        )
                    ).scalar_one()
                ),
                "referrals_deleted": await count(closed_expired),
                "preview_referrals_deleted": await count(preview_expired),
                "open_referrals_kept_past_retention": await count(open_expired),
                "audit_rows_deleted": int(
                    (
                        await conn.execute(
                            select(func.count())
                            .select_from(audit_log)
                            .where(audit_log.c.at < audit_cutoff)
                        )
                    ).scalar_one()
                ),
            }
            if not dry_run:
                gone = select(conversations.c.id).where(
                    conversations_expired | preview_conversations_expired
                )
                await conn.execute(
                    delete(conversation_events).where(
                        conversation_events.c.conversation_pk.in_(gone)
                    )
                )
                await conn.execute(
                    delete(conversations).where(
                        conversations_expired | preview_conversations_expired
                    )
                )
                await conn.execute(delete(conversation_cutoffs).where(cutoffs_expired))
                doomed = select(referrals.c.id).where(closed_expired | preview_expired)
                for trail in (referral_status_changes, referral_assignments, referral_notes):
                    await conn.execute(delete(trail).where(trail.c.referral_pk.in_(doomed)))
                await conn.execute(delete(referrals).where(closed_expired | preview_expired))
                await conn.execute(delete(audit_log).where(audit_log.c.at < audit_cutoff))
                await write_audit(conn, "admin:purge", "retention.purged", None, report, at=now)
        return report

    async def key_usage(self) -> dict[int, int]:
        """How many sealed values each key id protects."""
        usage: dict[int, int] = {}
        async with self.engine.connect() as conn:
            for table in (referrals, referral_status_changes, conversation_events, referral_notes):
                rows = await conn.execute(
                    select(table.c.key_id, func.count()).group_by(table.c.key_id)
                )
                for key_id, n in rows:
                    usage[key_id] = usage.get(key_id, 0) + n
            rows = await conn.execute(
                select(staff.c.totp_key_id, func.count())
                .where(staff.c.totp_key_id.is_not(None))
                .group_by(staff.c.totp_key_id)
            )
            for key_id, n in rows:
                usage[key_id] = usage.get(key_id, 0) + n
        return usage

    async def reencrypt(self, batch: int = 200) -> int:
        """Re-seal every value not under the current key with the current key. Returns the count."""
        current = self.keyring.current_id
        moved = 0
        while True:
            async with self.engine.begin() as conn:
                rows = (
                    await conn.execute(
                        select(referrals.c.id, referrals.c.referral_id, referrals.c.payload_sealed)
                        .where(referrals.c.key_id != current)
                        .limit(batch)
                    )
                ).all()
                for row in rows:
                    context = payload_context(row.referral_id)
                    plain = self.keyring.open(row.payload_sealed, context)
                    await conn.execute(
                        update(referrals)
                        .where(referrals.c.id == row.id)
                        .values(key_id=current, payload_sealed=self.keyring.seal(plain, context))
                    )
                changes = (
                    await conn.execute(
                        select(
                            referral_status_changes.c.id,
                            referral_status_changes.c.from_status,
                            referral_status_changes.c.to_status,
                            referral_status_changes.c.actor,
                            referral_status_changes.c.at,
                            referral_status_changes.c.reason_sealed,
                            referrals.c.referral_id,
                        )
                        .join(referrals, referrals.c.id == referral_status_changes.c.referral_pk)
                        .where(referral_status_changes.c.key_id != current)
                        .limit(batch)
                    )
                ).all()
                for change in changes:
                    context = reason_context(
                        change.referral_id,
                        change.from_status,
                        change.to_status,
                        change.actor,
                        change.at,
                    )
                    plain = self.keyring.open(change.reason_sealed, context)
                    await conn.execute(
                        update(referral_status_changes)
                        .where(referral_status_changes.c.id == change.id)
                        .values(key_id=current, reason_sealed=self.keyring.seal(plain, context))
                    )
                events = (
                    await conn.execute(
                        select(
                            conversation_events.c.id,
                            conversation_events.c.message_id,
                            conversation_events.c.data_sealed,
                            conversations.c.conversation_id,
                        )
                        .join(
                            conversations,
                            conversations.c.id == conversation_events.c.conversation_pk,
                        )
                        .where(conversation_events.c.key_id != current)
                        .limit(batch)
                    )
                ).all()
                for event in events:
                    context = event_context(event.message_id, event.conversation_id)
                    plain = self.keyring.open(event.data_sealed, context)
                    await conn.execute(
                        update(conversation_events)
                        .where(conversation_events.c.id == event.id)
                        .values(key_id=current, data_sealed=self.keyring.seal(plain, context))
                    )
                notes = (
                    await conn.execute(
                        select(
                            referral_notes.c.id,
                            referral_notes.c.note_id,
                            referral_notes.c.actor,
                            referral_notes.c.at,
                            referral_notes.c.text_sealed,
                            referrals.c.referral_id,
                        )
                        .join(referrals, referrals.c.id == referral_notes.c.referral_pk)
                        .where(referral_notes.c.key_id != current)
                        .limit(batch)
                    )
                ).all()
                for note in notes:
                    context = note_context(note.referral_id, note.note_id, note.actor, note.at)
                    plain = self.keyring.open(note.text_sealed, context)
                    await conn.execute(
                        update(referral_notes)
                        .where(referral_notes.c.id == note.id)
                        .values(key_id=current, text_sealed=self.keyring.seal(plain, context))
                    )
                secrets = (
                    await conn.execute(
                        select(staff.c.id, staff.c.totp_secret_sealed)
                        .where(staff.c.totp_key_id.is_not(None), staff.c.totp_key_id != current)
                        .limit(batch)
                    )
                ).all()
                for account in secrets:
                    context = totp_context(account.id)
                    plain = self.keyring.open(account.totp_secret_sealed, context)
                    await conn.execute(
                        update(staff)
                        .where(staff.c.id == account.id)
                        .values(
                            totp_key_id=current,
                            totp_secret_sealed=self.keyring.seal(plain, context),
                        )
                    )
                done = len(rows) + len(changes) + len(events) + len(notes) + len(secrets)
                moved += done
                if done:
                    await write_audit(
                        conn,
                        "admin:cli",
                        "keys.reencrypted",
                        None,
                        {"values": done, "key_id": current},
                        at=self.clock(),
                    )
            if not done:
                return moved
