"""Rasa's SQL tracker store, with one addition: a stopped referral leaves nothing behind.

When a person stops a referral and confirms (actions/referral_form.py sets ``referral_outcome``
to "cancelled"), everything they and the assistant wrote since the referral questions began, and
every answer recorded in a slot, is overwritten in the store. SQLite runs with ``secure_delete``
so the old text does not linger in free pages. The conversation's shape (which questions, when)
stays, so a reviewer sees that a referral was started and stopped, but not what it said.

    endpoints.yml:  tracker_store: {type: conversations.tracker_store.RedactingSQLTrackerStore, ...}
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event

logger = logging.getLogger(__name__)

REMOVED = "[removed: the person stopped this referral]"
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


class RedactingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that removes a stopped referral's words when it is stopped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":

            @event.listens_for(self.engine, "connect")
            def _secure_delete(connection: Any, _record: Any) -> None:
                connection.execute("PRAGMA secure_delete = ON")

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if stopped_referral_in_latest_turn(tracker):
            self._redact_stopped_referral(tracker.sender_id)

    def _redact_stopped_referral(self, sender_id: str) -> None:
        with self.session_scope() as session:
            rows = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .order_by(self.SQLEvent.id)
                .all()
            )
            events = [json.loads(row.data) for row in rows]
            changed = redact(events)
            for index in changed:
                rows[index].data = json.dumps(events[index])
            session.commit()
        logger.info("A stopped referral's %d events were overwritten in the tracker store", len(changed))
