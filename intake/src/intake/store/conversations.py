"""The review store: the conversations people had with the assistant, as Rasa's event broker sent
them, for MASH staff to review (the data side of what Rasa X gave a team).

Received. The assistant's broker (conversations/review_broker.py, in the Rasa server) sends batches
of messages, over HTTP (routes/conversations.py) or RabbitMQ (review_queue.py), both stored by
`receive_batch` (`intake.review.parse_batch` checks them): an event of a conversation, a conversation
replaced (a stopped referral, its words already overwritten) or erased (quick exit, a referral
abandoned when its session expired). Every message has an id, so a batch sent twice is stored once.

Superseded. Several Rasa replicas each have their own spool, so an erasure or a replacement made
through one can arrive before events of the same conversation that another replica has not sent yet
(it was cut off from RabbitMQ, or killed and restarted). Each event names its place in the tracker
store they share (``seq``; one conversation's turns are taken one at a time, under the lock store),
and an erasure or replacement names the last place it covers (``through``): that cut-off is kept
(`conversation_cutoffs`), and an event of the conversation at or before it, arriving later, is
counted as superseded and not stored. Events after it (the person went on after stopping a
referral) are stored as usual.

Sealed. Each event is stored whole, sealed with the keyring (associated data: the table, the
message id and the conversation), in `data_sealed`. The plain columns hold what staff filter on and
nothing a person wrote: the event type, the intent and action names the assistant's domain knows,
the intent's confidence; per conversation: times, channel, preview, counts, the intents seen.

Linked. A referral names its conversation (`conversation_id`, kept plain on the referral's row):
whichever arrives first, the conversation is that referral's transcript, listed with it, and kept
as long as any referral from it is (maintenance.py).

Every staff read is audited in the read's transaction; so are tags, review marks, flags and
corrections. The exports (review_export.py) strip what the referral form collected.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.models import conversation_cutoffs, conversation_events, conversations, referrals
from intake.review import ReviewMessage, parse_batch
from intake.store.audit import write_audit
from intake.store.base import NotFound, StoreBase, iso

SERVICE_ACTOR = "service:assistant"


def event_context(message_id: str, conversation_id: str) -> bytes:
    """What a sealed event is bound to: its table, its message id and its conversation."""
    return json.dumps(
        ["conversation_events", message_id, conversation_id], separators=(",", ":")
    ).encode()


class ConversationFilters:
    """The staff list's filters, checked by the route (routes/conversations.py)."""

    def __init__(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        preview: bool = False,
        referral: bool | None = None,
        fallback: bool | None = None,
        below: float | None = None,
        safety_net: bool | None = None,
        intent: str | None = None,
        reviewed: bool | None = None,
        tag: str | None = None,
    ):
        self.since, self.until, self.preview = since, until, preview
        self.referral, self.fallback, self.below = referral, fallback, below
        self.safety_net, self.intent, self.reviewed, self.tag = safety_net, intent, reviewed, tag

    def as_audit(self) -> dict[str, Any]:
        return {k: (iso(v) if isinstance(v, datetime) else v) for k, v in vars(self).items()}


class ConversationStore(StoreBase):
    # --- receiving what the assistant's event broker sends --------------------------------------

    async def receive_batch(self, body: Any) -> dict[str, Any]:
        """Check a batch as the broker sent it (over HTTP or RabbitMQ) and store its valid
        messages: what happened, counted, and for each message refused its index and what is
        wrong (`intake.review.parse_batch`). Raises Refused when the body is not a batch."""
        messages, refused = parse_batch(body)
        return {**await self.receive_review(messages), "refused": refused}

    async def receive_review(self, messages: list[ReviewMessage]) -> dict[str, int]:
        """Store a checked batch in order, each message at most once; what happened, counted."""
        report = {"stored": 0, "duplicates": 0, "superseded": 0, "erased": 0, "replaced": 0}
        for message in messages:
            async with self.engine.begin() as conn:
                if message.kind == "event":
                    if await self._superseded(conn, message):
                        report["superseded"] += 1
                        continue
                    stored = await self._store_event(conn, message.conversation_id, message)
                    report["stored" if stored else "duplicates"] += 1
                elif message.kind == "erased":
                    await self._erase(conn, message.conversation_id)
                    await self._cut(conn, message)
                    report["erased"] += 1
                else:  # replaced: its events, as they now read, instead of those held
                    await self._cut(conn, message)
                    pk = await self._conversation_pk(conn, message.conversation_id)
                    if pk is not None:
                        await conn.execute(
                            delete(conversation_events).where(
                                conversation_events.c.conversation_pk == pk
                            )
                        )
                        await self._reset_summary(conn, pk)
                    for index, event in enumerate(message.events):
                        part = event.with_id(
                            str(uuid.uuid5(uuid.UUID(message.message_id), str(index)))
                        )
                        await self._store_event(conn, message.conversation_id, part)
                    report["replaced"] += 1
        return report

    async def _superseded(self, conn: AsyncConnection, message: ReviewMessage) -> bool:
        """Whether an erasure or replacement already received covers this event."""
        seq = message.review.seq if message.review is not None else None
        if seq is None:
            return False
        through = (
            await conn.execute(
                select(conversation_cutoffs.c.through_seq).where(
                    conversation_cutoffs.c.conversation_id == message.conversation_id
                )
            )
        ).scalar_one_or_none()
        return through is not None and seq <= through

    async def _cut(self, conn: AsyncConnection, message: ReviewMessage) -> None:
        """Keep the cut-off an erasure or replacement names (the furthest one received)."""
        if message.through is None:
            return
        table = conversation_cutoffs
        through = (
            await conn.execute(
                select(table.c.through_seq).where(
                    table.c.conversation_id == message.conversation_id
                )
            )
        ).scalar_one_or_none()
        now = self.clock()
        if through is None:
            try:
                async with conn.begin_nested():
                    await conn.execute(
                        insert(table).values(
                            conversation_id=message.conversation_id,
                            through_seq=message.through,
                            at=now,
                        )
                    )
                return
            except IntegrityError:  # a concurrent delivery made it first: keep the furthest
                pass
        await conn.execute(
            update(table)
            .where(
                table.c.conversation_id == message.conversation_id,
                table.c.through_seq < message.through,
            )
            .values(through_seq=message.through)
        )
        await conn.execute(
            update(table).where(table.c.conversation_id == message.conversation_id).values(at=now)
        )

    async def _store_event(self, conn: AsyncConnection, conversation_id: str, message) -> bool:
        exists_already = (
            await conn.execute(
                select(conversation_events.c.id).where(
                    conversation_events.c.message_id == message.message_id
                )
            )
        ).first()
        if exists_already is not None:
            return False
        pk = await self._conversation_pk(conn, conversation_id, create_at=message.at)
        review = message.review
        try:
            async with conn.begin_nested():
                await conn.execute(
                    insert(conversation_events).values(
                        conversation_pk=pk,
                        message_id=message.message_id,
                        at=message.at,
                        type_name=review.type_name,
                        intent=review.intent,
                        confidence=review.confidence,
                        action=review.action,
                        key_id=self.keyring.current_id,
                        data_sealed=self.keyring.seal(
                            json.dumps(message.event, ensure_ascii=False).encode("utf-8"),
                            event_context(message.message_id, conversation_id),
                        ),
                    )
                )
        except IntegrityError:  # the same message, stored by a concurrent delivery
            return False
        row = (await conn.execute(select(conversations).where(conversations.c.id == pk))).one()
        values: dict[str, Any] = {
            "first_at": min(row.first_at, message.at),
            "last_at": max(row.last_at, message.at),
        }
        if review.channel and not row.channel:
            values["channel"] = review.channel
        if review.preview and not row.preview:
            values["preview"] = True
        if review.type_name == "user":
            values["user_messages"] = row.user_messages + 1
            if review.confidence is not None:
                low = row.min_confidence
                values["min_confidence"] = (
                    review.confidence if low is None else min(low, review.confidence)
                )
            if review.intent and review.intent not in row.intents:
                values["intents"] = sorted([*row.intents, review.intent])
        if review.fallback:
            values["fallbacks"] = row.fallbacks + 1
        if review.safety_net:
            values["safety_net_fired"] = True
        await conn.execute(update(conversations).where(conversations.c.id == pk).values(**values))
        return True

    async def _conversation_pk(
        self, conn: AsyncConnection, conversation_id: str, *, create_at: datetime | None = None
    ) -> int | None:
        row = (
            await conn.execute(
                select(conversations.c.id).where(conversations.c.conversation_id == conversation_id)
            )
        ).first()
        if row is not None or create_at is None:
            return None if row is None else row.id
        result = await conn.execute(
            insert(conversations).values(
                conversation_id=conversation_id,
                first_at=create_at,
                last_at=create_at,
                channel=None,
                preview=False,
                user_messages=0,
                fallbacks=0,
                min_confidence=None,
                safety_net_fired=False,
                intents=[],
                tags=[],
            )
        )
        return int(result.inserted_primary_key[0])

    async def _reset_summary(self, conn: AsyncConnection, pk: int) -> None:
        await conn.execute(
            update(conversations)
            .where(conversations.c.id == pk)
            .values(
                user_messages=0,
                fallbacks=0,
                min_confidence=None,
                safety_net_fired=False,
                intents=[],
            )
        )

    async def _erase(self, conn: AsyncConnection, conversation_id: str) -> None:
        pk = await self._conversation_pk(conn, conversation_id)
        if pk is None:
            return
        await conn.execute(
            delete(conversation_events).where(conversation_events.c.conversation_pk == pk)
        )
        await conn.execute(delete(conversations).where(conversations.c.id == pk))

    # --- staff: the list, one conversation, tags, review marks, flags, corrections ---------------

    async def list_conversations(
        self, filters: ConversationFilters, actor: str, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Conversations, the most recent first; the read is audited (with the filters)."""
        c = conversations
        conditions = [c.c.preview.is_(filters.preview)]
        if filters.since is not None:
            conditions.append(c.c.last_at >= filters.since)
        if filters.until is not None:
            conditions.append(c.c.first_at < filters.until)
        if filters.referral is not None:
            produced = exists().where(referrals.c.conversation_id == c.c.conversation_id)
            conditions.append(produced if filters.referral else ~produced)
        if filters.fallback is not None:
            conditions.append(c.c.fallbacks > 0 if filters.fallback else c.c.fallbacks == 0)
        if filters.below is not None:
            conditions.append(c.c.min_confidence < filters.below)
        if filters.safety_net is not None:
            conditions.append(c.c.safety_net_fired.is_(filters.safety_net))
        if filters.reviewed is not None:
            conditions.append(
                c.c.reviewed_at.is_not(None) if filters.reviewed else c.c.reviewed_at.is_(None)
            )
        if filters.intent is not None:
            conditions.append(
                exists().where(
                    and_(
                        conversation_events.c.conversation_pk == c.c.id,
                        conversation_events.c.intent == filters.intent,
                    )
                )
            )
        where = and_(*conditions)
        ordered = select(c).where(where).order_by(c.c.last_at.desc(), c.c.id.desc())
        async with self.engine.begin() as conn:
            if filters.tag is None:
                total = (await conn.execute(select(func.count()).where(where))).scalar_one()
                page = (await conn.execute(ordered.limit(limit).offset(offset))).all()
            else:  # tags are a JSON list: matched here, the same on SQLite and PostgreSQL
                rows = [r for r in (await conn.execute(ordered)).all() if filters.tag in r.tags]
                total, page = len(rows), rows[offset : offset + limit]
            references = await self._references(conn, [r.conversation_id for r in page])
            await write_audit(
                conn,
                actor,
                "conversations.listed",
                None,
                {"filters": filters.as_audit(), "returned": len(page)},
                at=self.clock(),
            )
        return [self._summary(row, references) for row in page], total

    async def read_conversation(self, conversation_id: str, actor: str) -> dict[str, Any]:
        """The conversation with every event opened; the read is audited."""
        async with self.engine.begin() as conn:
            row = await self._row(conn, conversation_id)
            events = (
                await conn.execute(
                    select(conversation_events)
                    .where(conversation_events.c.conversation_pk == row.id)
                    .order_by(conversation_events.c.at, conversation_events.c.id)
                )
            ).all()
            references = await self._references(conn, [conversation_id])
            await write_audit(
                conn,
                actor,
                "conversation.read",
                None,
                {"conversation_id": conversation_id, "events": len(events)},
                at=self.clock(),
            )
        detail = self._summary(row, references)
        detail["events"] = [self._event(conversation_id, e) for e in events]
        return detail

    async def opened_events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The events as Rasa sent them, with their review columns (for the exports)."""
        async with self.engine.connect() as conn:
            row = await self._row(conn, conversation_id)
            events = (
                await conn.execute(
                    select(conversation_events)
                    .where(conversation_events.c.conversation_pk == row.id)
                    .order_by(conversation_events.c.at, conversation_events.c.id)
                )
            ).all()
        return [self._event(conversation_id, e) for e in events]

    async def corrections(self) -> list[dict[str, Any]]:
        """Every conversation holding a corrected message: its id and its opened events."""
        async with self.engine.connect() as conn:
            ids = (
                await conn.execute(
                    select(conversations.c.conversation_id)
                    .where(
                        exists().where(
                            and_(
                                conversation_events.c.conversation_pk == conversations.c.id,
                                conversation_events.c.corrected_intent.is_not(None),
                            )
                        )
                    )
                    .order_by(conversations.c.id)
                )
            ).all()
        return [{"conversation_id": cid, "events": await self.opened_events(cid)} for (cid,) in ids]

    async def tag_conversation(self, conversation_id: str, tags: list[str], actor: str):
        async with self.engine.begin() as conn:
            row = await self._row(conn, conversation_id)
            await conn.execute(
                update(conversations).where(conversations.c.id == row.id).values(tags=tags)
            )
            await write_audit(
                conn,
                actor,
                "conversation.tagged",
                None,
                {"conversation_id": conversation_id, "tags": tags},
                at=self.clock(),
            )
        return {"conversation_id": conversation_id, "tags": tags}

    async def mark_reviewed(self, conversation_id: str, actor: str) -> dict[str, Any]:
        at = self.clock()
        async with self.engine.begin() as conn:
            row = await self._row(conn, conversation_id)
            await conn.execute(
                update(conversations)
                .where(conversations.c.id == row.id)
                .values(reviewed_at=at, reviewed_by=actor)
            )
            await write_audit(
                conn,
                actor,
                "conversation.reviewed",
                None,
                {"conversation_id": conversation_id},
                at=at,
            )
        return {"conversation_id": conversation_id, "reviewed_at": iso(at), "reviewed_by": actor}

    async def mark_event(
        self,
        conversation_id: str,
        event_id: int,
        actor: str,
        *,
        flagged: bool | None = None,
        corrected_intent: str | None = None,
    ) -> dict[str, Any]:
        """Flag (or unflag) an event, or record the intent a person's message should have had."""
        at = self.clock()
        async with self.engine.begin() as conn:
            row = await self._row(conn, conversation_id)
            event = (
                await conn.execute(
                    select(conversation_events).where(
                        conversation_events.c.id == event_id,
                        conversation_events.c.conversation_pk == row.id,
                    )
                )
            ).first()
            if event is None:
                raise NotFound(event_id)
            values: dict[str, Any] = {}
            if flagged is not None:
                values.update(
                    flagged_at=at if flagged else None, flagged_by=actor if flagged else None
                )
            if corrected_intent is not None:
                if event.type_name != "user":
                    raise ValueError("only a person's message has an intent to correct")
                values.update(corrected_intent=corrected_intent, corrected_by=actor)
            await conn.execute(
                update(conversation_events)
                .where(conversation_events.c.id == event_id)
                .values(**values)
            )
            action = (
                "conversation.event_corrected" if corrected_intent else "conversation.event_flagged"
            )
            detail = {"conversation_id": conversation_id, "event_id": event_id}
            if corrected_intent:
                detail["intent"] = corrected_intent
            else:
                detail["flagged"] = bool(flagged)
            await write_audit(conn, actor, action, None, detail, at=at)
        return {
            "event_id": event_id,
            **{k: iso(v) if isinstance(v, datetime) else v for k, v in values.items()},
        }

    async def record_export(self, actor: str, kind: str, detail: dict[str, Any]) -> None:
        async with self.engine.begin() as conn:
            await write_audit(
                conn, actor, f"conversations.exported_{kind}", None, detail, at=self.clock()
            )

    # --- shared ----------------------------------------------------------------------------------

    async def _row(self, conn: AsyncConnection, conversation_id: str):
        row = (
            await conn.execute(
                select(conversations).where(conversations.c.conversation_id == conversation_id)
            )
        ).first()
        if row is None:
            raise NotFound(conversation_id)
        return row

    @staticmethod
    async def _references(
        conn: AsyncConnection, conversation_ids: list[str]
    ) -> dict[str, list[dict[str, str]]]:
        """The referrals each conversation produced, oldest first."""
        found: dict[str, list[dict[str, str]]] = {}
        if not conversation_ids:
            return found
        rows = await conn.execute(
            select(referrals.c.conversation_id, referrals.c.referral_id, referrals.c.reference)
            .where(referrals.c.conversation_id.in_(conversation_ids))
            .order_by(referrals.c.id)
        )
        for r in rows:
            found.setdefault(r.conversation_id, []).append(
                {"referral_id": r.referral_id, "reference": r.reference}
            )
        return found

    @staticmethod
    def _summary(row, references: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
        return {
            "conversation_id": row.conversation_id,
            "first_at": iso(row.first_at),
            "last_at": iso(row.last_at),
            "channel": row.channel,
            "preview": row.preview,
            "referrals": references.get(row.conversation_id, []),
            "user_messages": row.user_messages,
            "fallbacks": row.fallbacks,
            "min_confidence": row.min_confidence,
            "safety_net_fired": row.safety_net_fired,
            "intents": list(row.intents),
            "tags": list(row.tags),
            "reviewed_at": iso(row.reviewed_at),
            "reviewed_by": row.reviewed_by,
        }

    def _event(self, conversation_id: str, row) -> dict[str, Any]:
        data = json.loads(
            self.keyring.open(row.data_sealed, event_context(row.message_id, conversation_id))
        )
        return {
            "id": row.id,
            "at": iso(row.at),
            "type": row.type_name,
            "intent": row.intent,
            "confidence": row.confidence,
            "action": row.action,
            "flagged_at": iso(row.flagged_at),
            "flagged_by": row.flagged_by,
            "corrected_intent": row.corrected_intent,
            "corrected_by": row.corrected_by,
            "event": data,
        }
