"""Rasa's SQL tracker store, sealed at rest; and a stopped referral leaves nothing behind.

Sealed at rest. Each event's serialised data (Rasa's `data` column: what the person and the
assistant wrote, slot values, entities) is sealed with AES-256-GCM (conversations/keyring.py)
before it is written and opened when the conversation is read back. Its associated data is the
row's id, its conversation (sender id) and its event type, so a sealed event moved to another row
or conversation does not open. Rasa's other columns name no person: the sender id (a random id
the web chat makes), the event type, the time, and the intent and action (or slot or form) name,
kept only when the domain knows the name (so text sent as "/something" never lands there).
Events written in plain text before this store sealed them are sealed when it starts.

The keys: `CONVERSATION_ENCRYPTION_KEYS` (keyring entries), else the file named by
`CONVERSATION_KEYRING_FILE`, else `conversation_keyring` beside a SQLite database (`var/` by
default) or `var/conversation_keyring`; the file is created 0600 on first run. Rotation:
`python -m conversations.keys rotate-key`, then `reencrypt` (conversations/keys.py).

Files. A SQLite database and its journal are created 0600 in a 0700 folder and narrowed at start
if found more open (conversations/private_files.py). SQLite runs with `secure_delete`, so content
rewritten or deleted (sealing old rows, a stopped referral) does not linger in free pages.

A stopped referral. When a person stops a referral and confirms (the referral form sets
``referral_outcome`` to "cancelled"), everything they and the assistant wrote since the referral
questions began, and every answer recorded in a slot, is overwritten in the store. The
conversation's shape (which questions, when) stays, so a reviewer sees that a referral was
started and stopped, but not what it said.

Erased. `erase` deletes a whole conversation (quick exit; a referral abandoned when its session
expired, conversations/retention.py). The event broker, when one is configured, is told of both, so
the review store follows: a stopped referral is sent again as it now reads
(``conversation_replaced``, its events redacted), an erased one as ``conversation_erased``.

    endpoints.yml:  tracker_store: {type: conversations.tracker_store.RedactingSQLTrackerStore, ...}
"""

from __future__ import annotations

import collections
import functools
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional

import rasa.shared.utils.common as rasa_common
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, validate_port
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event

from conversations.keyring import SEALED_PREFIX, Keys, UnreadableValue, is_sealed, sealed_key_id
from conversations.private_files import PROJECT_VAR, private_database
from nlp.names import PREVIEW_CHANNEL, SAFETY_NET_KEY

logger = logging.getLogger(__name__)

KEYS_VARIABLE = "CONVERSATION_ENCRYPTION_KEYS"
KEYRING_FILE_VARIABLE = "CONVERSATION_KEYRING_FILE"
KEYRING_NAME = "conversation_keyring"
_BATCH = 200

REMOVED = "[removed: the person stopped this referral]"
# What the tracker store tells the event broker (the review store) besides Rasa's own events.
CONVERSATION_ERASED = "conversation_erased"
CONVERSATION_REPLACED = "conversation_replaced"
ERASE_REASONS = ("quick_exit", "abandoned", "retention")
# The channels whose name the review store may keep; staff previews come through their own.
KNOWN_CHANNELS = frozenset({"socketio", "rest", "cmdline", PREVIEW_CHANNEL})
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "utter_default"})
FORM = "referral_form"
# Slots that describe the conversation, not what the person said: kept.
KEPT_SLOTS = frozenset(
    {
        "requested_slot",
        "referral_outcome",
        "referral_cancel_requested",
        "next_step",
        "referrer_type",
        "immediate_danger",
        "advised_999",
    }
)


def stopped_referral_in_latest_turn(tracker: DialogueStateTracker) -> bool:
    """Whether the referral was stopped (and confirmed) in the turn being saved."""
    for saved in reversed(tracker.events):
        data = saved.as_dict()
        if data.get("event") == "user":
            return False
        if (
            data.get("event") == "slot"
            and data.get("name") == "referral_outcome"
            and data.get("value") == "cancelled"
        ):
            return True
    return False


def abandoned_referral_before(tracker: DialogueStateTracker, new_events: List[Any]) -> bool:
    """Whether the turn being saved starts a new session after one that ended with the referral
    form still active (nothing sent: a sent or stopped referral ends the form). Its answers are
    then overwritten, as the session start tells the person (actions/session.py), before the new
    session's events are written."""
    if not any(getattr(e, "type_name", None) == "session_started" for e in new_events):
        return False
    events = list(tracker.events)
    first_new = len(events) - len(new_events)
    start = max(i for i in range(first_new, len(events)) if events[i].type_name == "session_started")
    for index in range(start - 1, -1, -1):
        if events[index].type_name == "session_started" and index < first_new:
            return False  # the session before began with no form active in it
        if events[index].type_name == "active_loop":
            return events[index].as_dict().get("name") == FORM
    return False


def redact(events: List[Dict[str, Any]]) -> List[int]:
    """Overwrites, in place, what was said since the referral questions last began.

    Returns the indexes of the events it changed.
    """
    start = max(
        (i for i, e in enumerate(events) if e.get("event") == "active_loop" and e.get("name") == FORM),
        default=None,
    )
    if start is None:
        return []
    changed = []
    for index in range(start, len(events)):
        data = events[index]
        kind = data.get("event")
        if kind in ("user", "bot") and data.get("text"):
            data["text"] = REMOVED
            if kind == "user":
                parse = data.get("parse_data") or {}
                parse["text"] = REMOVED
                parse["entities"] = []
                parse.pop("response_selector", None)
            else:
                data["data"] = {}
            changed.append(index)
        elif kind == "slot" and data.get("name") not in KEPT_SLOTS and data.get("value") is not None:
            data["value"] = None
            changed.append(index)
    return changed


def event_associated_data(row_id: int, sender_id: str, type_name: str) -> bytes:
    """What a sealed event is bound to: its table, row, conversation and event type."""
    return json.dumps(["events", row_id, sender_id, type_name]).encode("utf-8")


def conversation_keys(env: Mapping[str, str], database_file: Optional[Path]) -> Keys:
    """The conversations' keys, from the environment or the keyring file (see the module docstring)."""
    folder = database_file.parent if database_file else PROJECT_VAR
    return Keys.from_environment(
        env, variable=KEYS_VARIABLE, file_variable=KEYRING_FILE_VARIABLE, default_file=folder / KEYRING_NAME
    )


# An event's row id is its place in the store (``seq`` for the review store, which an erasure names
# as the last it covered). PostgreSQL's sequence never gives an id twice; SQLite reuses the highest
# ids after they are deleted unless the table is AUTOINCREMENT, so it is made so (and an events
# table made before is rebuilt so at start, `_ids_never_reused`).
SQLTrackerStore.SQLEvent.__table__.dialect_options["sqlite"]["autoincrement"] = True


class RedactingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that seals every event and removes a stopped referral's words."""

    def __init__(
        self, domain: Optional[Domain] = None, *, keys: Optional[Keys] = None, **kwargs: Any
    ) -> None:
        """Rasa's arguments (dialect, host, port, db, username, password, login_db, query, ...)
        and the keys (default: from the environment, see the module docstring)."""
        self.database_file = sqlite_file(**kwargs)
        if self.database_file is not None:
            private_database(self.database_file)  # before SQLite creates it with a wider mode
        super().__init__(domain, **kwargs)
        if self.engine.dialect.name == "sqlite":

            @event.listens_for(self.engine, "connect")
            def _secure_delete(connection: Any, _record: Any) -> None:
                connection.execute("PRAGMA secure_delete = ON")

            self.engine.dispose()  # a connection opened before the listener would lack it
            self._ids_never_reused()
        self.keys = keys or conversation_keys(os.environ, self.database_file)
        self._names: FrozenSet[str] = frozenset()
        self._names_domain: Optional[Domain] = None
        self._seal_at_start()

    def _ids_never_reused(self) -> None:
        """Rebuild a SQLite events table made without AUTOINCREMENT (by Rasa, or before this store
        set it), keeping every row and its id (which its sealed data is bound to)."""
        table = self.SQLEvent.__table__
        with self.engine.begin() as connection:
            made = connection.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                {"name": table.name},
            ).scalar()
            if made is None or "AUTOINCREMENT" in made.upper():
                return
            old = f"{table.name}_before_autoincrement"
            connection.execute(sa.text(f'ALTER TABLE "{table.name}" RENAME TO "{old}"'))
            for index in table.indexes:
                connection.execute(sa.text(f'DROP INDEX IF EXISTS "{index.name}"'))
            table.create(connection)
            columns = ", ".join(f'"{c.name}"' for c in table.columns)  # Rasa's names, no input
            copy = f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{old}"'  # noqa: S608
            connection.execute(sa.text(copy))
            connection.execute(sa.text(f'DROP TABLE "{old}"'))
        logger.info("The tracker store's events table now never reuses a row id (AUTOINCREMENT)")

    # --- Rasa's reads and writes, sealed ---------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events, each sealed and bound to its row."""
        with self.session_scope() as session:
            # The new events are found once, here: Rasa's stream_events would read (and open)
            # the whole conversation again to find them for the event broker.
            new_events = list(self._additional_events(session, tracker))
        if abandoned_referral_before(tracker, new_events):
            self.overwrite_referral(tracker.sender_id)
        with self.session_scope() as session:
            written = []
            for new in new_events:
                data = new.as_dict()
                intent = ((data.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY)
                row = self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=new.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=self._known_name(intent),
                    action_name=self._known_name(data.get("name")),
                )
                session.add(row)
                written.append((row, data))
            session.flush()  # gives each row the id its sealed data is bound to
            for row, data in written:
                row.data = self._seal(row, data)
            numbered = [(row.id, data) for row, data in written]  # read before commit expires rows
            session.commit()
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, numbered, tracker.sender_id)
        if stopped_referral_in_latest_turn(tracker):
            self.overwrite_referral(tracker.sender_id)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            ring = self.keys.ring  # once per read, not once per event (a stat of the keyring file)
            events = [self._open(row, ring) for row in rows]
        if not events:
            return None
        return DialogueStateTracker.from_events(sender_id, deserialise(events), self.domain.slots)

    def _seal(self, row: Any, data: Dict[str, Any]) -> str:
        text = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return self.keys.seal(text, event_associated_data(row.id, row.sender_id, row.type_name))

    def _open(self, row: Any, ring: Any = None) -> Dict[str, Any]:
        """The event a row holds; UnreadableValue (never a ValueError, see keyring) if it cannot."""
        try:
            if not is_sealed(row.data):  # written before events were sealed (sealed at start-up)
                return json.loads(row.data)
            text = (ring or self.keys).open(
                row.data, event_associated_data(row.id, row.sender_id, row.type_name)
            )
            return json.loads(text)
        except (UnreadableValue, ValueError) as exc:
            raise UnreadableValue(f"event {row.id} in the tracker store: {exc}") from None

    def _known_name(self, name: Any) -> Optional[str]:
        """`name` if the domain knows it as an intent, action, slot or form; else None."""
        domain = self.domain
        if domain is not self._names_domain:
            self._names_domain = domain
            self._names = frozenset(
                [*domain.intents, *domain.action_names_or_texts, *domain.form_names]
                + [slot.name for slot in domain.slots]
            )
        return name if isinstance(name, str) and name in self._names else None

    # --- what the event broker (the review store) is sent ---------------------------------------

    async def _stream_new_events(self, event_broker: Any, written: List[Any], sender_id: str) -> None:
        """Rasa's body (the sender id and the event) with the ``review`` fields read from it, for
        each event written and its row id."""
        bodies = [
            {"sender_id": sender_id, **data, "review": self.review_fields(data, seq=row_id)}
            for row_id, data in written
        ]
        if hasattr(event_broker, "publish_many"):  # the review broker: one write for the turn
            event_broker.publish_many(bodies)
        else:
            for body in bodies:
                event_broker.publish(body)

    def review_fields(self, data: Dict[str, Any], *, seq: Optional[int] = None) -> Dict[str, Any]:
        """What the review store may keep plain about an event: its type and time, the intent and
        action names the domain knows, the intent's confidence, the channel, whether it was a staff
        preview, whether the safety net fired, whether it was a fallback; and ``seq``, its row id
        (the place in the store every replica shares: an erasure or replacement names the last one
        it covers, so what another replica's spool still holds of it is never stored after it).
        Never what was said."""
        kind = data.get("event")
        at = data.get("timestamp")
        fields: Dict[str, Any] = {"type": kind, "at": at if isinstance(at, (int, float)) else time.time()}
        if seq is not None:
            fields["seq"] = seq
        if kind == "user":
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            confidence = intent.get("confidence")
            channel = data.get("input_channel")
            fields.update(
                intent=self._known_name(intent.get(INTENT_NAME_KEY)),
                confidence=float(confidence)
                if isinstance(confidence, (int, float)) and 0 <= confidence <= 1
                else None,
                channel=channel if channel in KNOWN_CHANNELS else None,
                preview=channel == PREVIEW_CHANNEL,
                safety_net=SAFETY_NET_KEY in parse,
                fallback=intent.get(INTENT_NAME_KEY) == FALLBACK_INTENT,
            )
        elif kind == "action":
            name = self._known_name(data.get("name"))
            fields.update(action=name, fallback=name in FALLBACK_ACTIONS)
        return fields

    # --- a stopped referral --------------------------------------------------------------------

    def opened_events(self, sender_id: str) -> List[Dict[str, Any]]:
        """Every event of the conversation, opened, oldest first (all its sessions)."""
        with self.session_scope() as session:
            rows = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .order_by(self.SQLEvent.id)
                .all()
            )
            return [self._open(row) for row in rows]

    def overwrite_referral(self, sender_id: str) -> None:
        """Overwrite what was said since the referral questions last began (see ``redact``): a
        stopped referral, or one abandoned after an earlier referral was sent."""
        with self.session_scope() as session:
            rows = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .order_by(self.SQLEvent.id)
                .all()
            )
            events = [self._open(row) for row in rows]
            seqs = [row.id for row in rows]
            changed = redact(events)
            for index in changed:
                rows[index].data = self._seal(rows[index], events[index])
            session.commit()
        logger.info("A referral's %d events were overwritten in the tracker store", len(changed))
        message: Dict[str, Any] = {
            "event": CONVERSATION_REPLACED,
            "sender_id": sender_id,
            "events": [
                {**e, "review": self.review_fields(e, seq=seq)} for e, seq in zip(events, seqs, strict=True)
            ],
        }
        if seqs:
            message["through"] = seqs[-1]
        self._tell_broker(message)

    # --- a whole conversation erased ------------------------------------------------------------

    async def erase(self, sender_id: str, *, reason: str, tell_broker: bool = True) -> int:
        """Delete every event of the conversation `sender_id`; how many were deleted.

        The broker is told (``conversation_erased``) unless `tell_broker` is False: retention
        deletes here what the review store keeps on its own terms (a referral's transcript).
        """
        if reason not in ERASE_REASONS:
            raise ValueError(f"reason must be one of {', '.join(ERASE_REASONS)}")
        with self.session_scope() as session:
            through = (
                session.query(sa.func.max(self.SQLEvent.id))
                .filter(self.SQLEvent.sender_id == sender_id)
                .scalar()
            )
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        if tell_broker:
            message = {"event": CONVERSATION_ERASED, "sender_id": sender_id, "reason": reason}
            if through is not None:  # the last event it deleted: later ones are a new session's
                message["through"] = int(through)
            self._tell_broker(message)
        logger.info("A conversation's %d events were erased from the tracker store (%s)", deleted, reason)
        return int(deleted)

    def _tell_broker(self, message: Dict[str, Any]) -> None:
        if self.event_broker is not None:
            self.event_broker.publish(message)

    # --- keys: usage, re-sealing ----------------------------------------------------------------

    def key_usage(self) -> Dict[Optional[int], int]:
        """How many events each key id seals; None counts events still in plain text."""
        usage: Dict[Optional[int], int] = collections.Counter()
        with self.session_scope() as session:
            heads = session.query(sa.func.substr(self.SQLEvent.data, 1, 16)).filter(
                self.SQLEvent.data.isnot(None)
            )
            for (head,) in heads.yield_per(1000):
                usage[sealed_key_id(head)] += 1
        return dict(usage)

    def reencrypt(self) -> int:
        """Re-seal every event not under the current key (plain ones too) with it; how many."""
        current = self.keys.ring.current_id
        return self._reseal(unless_like=f"{SEALED_PREFIX}{current}:%")

    def _reseal(self, *, unless_like: str) -> int:
        """Re-seal, a batch at a time, the events whose data is not LIKE `unless_like`; how many.

        A row rewritten meanwhile (a stopped referral overwritten) is left as it now is, never put
        back as it was.
        """
        table, resealed, after = self.SQLEvent.__table__, 0, 0
        columns = (table.c.id, table.c.sender_id, table.c.type_name, table.c.data)
        while True:
            with self.session_scope() as session:
                rows = session.execute(
                    sa.select(*columns)
                    .where(table.c.id > after, table.c.data.isnot(None), table.c.data.notlike(unless_like))
                    .order_by(table.c.id)
                    .limit(_BATCH)
                ).fetchall()
                if not rows:
                    return resealed
                for row in rows:
                    session.execute(
                        table.update()
                        .where(table.c.id == row.id, table.c.data == row.data)
                        .values(data=self._seal(row, self._open(row)))
                    )
                session.commit()
                resealed, after = resealed + len(rows), rows[-1].id

    def _seal_at_start(self) -> None:
        """Seal events left in plain text; report events under keys the ring does not hold."""
        usage = self.key_usage()
        if usage.get(None):
            sealed = self._reseal(unless_like=f"{SEALED_PREFIX}%")
            logger.warning("Sealed %d conversation event(s) stored in plain text before", sealed)
        missing = sorted(k for k in usage if k is not None and k not in self.keys.ring.keys)
        if missing:
            logger.error(
                "%d conversation event(s) are sealed with key(s) %s, which %s does not hold: those"
                " conversations cannot be read until the key is put back",
                sum(usage[k] for k in missing),
                ", ".join(map(str, missing)),
                self.keys.source,
            )


@functools.lru_cache(maxsize=None)
def _event_classes() -> Dict[str, Any]:
    """Rasa's event classes by type name. Rasa's own `Event.resolve_by_type` walks every subclass
    of Event for every event it reads: measured, two thirds of reading a 200-event conversation."""
    classes: Dict[str, Any] = {}
    for cls in reversed(rasa_common.all_subclasses(Event)):  # the first found wins, as in Rasa
        classes[cls.type_name] = cls
    return classes


def deserialise(events: List[Dict[str, Any]]) -> List[Event]:
    """``rasa.shared.core.events.deserialise_events``, with the event classes looked up once."""
    classes = _event_classes()
    found = []
    for data in events:
        cls = classes.get(data.get("event"))
        event = cls._from_parameters(data) if cls is not None else Event.from_parameters(data)
        if event is not None:
            found.append(event)
    return found


_URL_ARGUMENTS = ("dialect", "host", "port", "db", "username", "password", "login_db", "query")


def sqlite_file(**arguments: Any) -> Optional[Path]:
    """The database file of a tracker store with these arguments (None: not SQLite, or in memory)."""
    url_arguments = {name: arguments[name] for name in _URL_ARGUMENTS if name in arguments}
    url_arguments["port"] = validate_port(url_arguments.get("port"))
    url = sa.engine.make_url(SQLTrackerStore.get_db_url(**url_arguments))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)
