"""What the assistant's event broker sends for review, checked at the boundary.

A batch is ``{"messages": [...]}``; each message is one of

- ``{"kind": "event", "message_id", "conversation_id", "event": {...}, "review": {...}}``: one of
  Rasa's events as the tracker store published it (``event`` is stored sealed, whole), with the
  ``review`` fields the tracker store read from it (``type``, ``at``, and the intent and action
  names only when the assistant's domain knows them, the intent's confidence, the channel, whether
  it was a staff preview, whether the safety net fired, whether it was a fallback, and ``seq``:
  the event's place in the tracker store, which every replica shares);
- ``{"kind": "replaced", "message_id", "conversation_id", "events": [{"event", "review"}, ...],
  "through"}``: the whole conversation as it now reads (a stopped referral, its words overwritten);
- ``{"kind": "erased", "message_id", "conversation_id", "reason", "through"}``.

``through`` (optional) is the last ``seq`` the replacement or erasure covers: an event of that
conversation with a ``seq`` up to it, arriving later (from another replica's spool), is superseded
and never stored.

A message that is not valid is refused on its own, by its index, with what is wrong (never its
value), and the rest of the batch is stored: the broker drops refused messages and counts them.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

MAX_MESSAGES = 500
MAX_REPLACED_EVENTS = 5000
CONVERSATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_/.-]{0,99}")
TYPE = re.compile(r"[a-z_]{1,32}")
ERASE_REASONS = ("quick_exit", "abandoned", "retention")
MAX_SEQ = 2**63 - 1  # the tracker store's row ids (a PostgreSQL bigint at most)
# Rasa's timestamps are seconds since 1970; anything outside these years is not a real event.
EARLIEST, LATEST = (
    datetime(2020, 1, 1, tzinfo=UTC).timestamp(),
    datetime(2100, 1, 1, tzinfo=UTC).timestamp(),
)


class Refused(ValueError):
    """A message that is not valid; the text says what is wrong without quoting it."""


@dataclass(frozen=True)
class ReviewFields:
    type_name: str
    at: datetime
    intent: str | None = None
    confidence: float | None = None
    action: str | None = None
    channel: str | None = None
    preview: bool = False
    safety_net: bool = False
    fallback: bool = False
    seq: int | None = None


@dataclass(frozen=True)
class ReviewMessage:
    kind: str
    message_id: str
    conversation_id: str
    event: dict[str, Any] = field(default_factory=dict)
    review: ReviewFields | None = None
    reason: str | None = None
    events: tuple[ReviewMessage, ...] = ()
    through: int | None = None

    @property
    def at(self) -> datetime:
        assert self.review is not None
        return self.review.at

    def with_id(self, message_id: str) -> ReviewMessage:
        return replace(self, message_id=message_id)


def parse_batch(body: Any) -> tuple[list[ReviewMessage], list[dict[str, Any]]]:
    """The valid messages of a batch and, for the others, ``{"index", "message"}``.

    Raises Refused when the body as a whole is not a batch.
    """
    if not isinstance(body, dict) or set(body) != {"messages"}:
        raise Refused('the body must be {"messages": [...]}')
    items = body["messages"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_MESSAGES:
        raise Refused(f"messages must be a list of 1 to {MAX_MESSAGES}")
    valid, refused = [], []
    for index, item in enumerate(items):
        try:
            valid.append(parse_message(item))
        except Refused as exc:
            refused.append({"index": index, "message": str(exc)})
    return valid, refused


def parse_message(item: Any) -> ReviewMessage:
    if not isinstance(item, dict):
        raise Refused("a message must be an object")
    kind = item.get("kind")
    message_id = _uuid(item.get("message_id"))
    conversation_id = item.get("conversation_id")
    if not isinstance(conversation_id, str) or not CONVERSATION_ID.fullmatch(conversation_id):
        raise Refused("conversation_id must be 1 to 64 letters, digits or _.:-")
    if kind == "event":
        _only(item, {"kind", "message_id", "conversation_id", "event", "review"})
        event, review = _event(item)
        return ReviewMessage(kind, message_id, conversation_id, event=event, review=review)
    if kind == "erased":
        _only(item, {"kind", "message_id", "conversation_id", "reason", "through"})
        if item.get("reason") not in ERASE_REASONS:
            raise Refused("reason must be one of " + ", ".join(ERASE_REASONS))
        return ReviewMessage(
            kind,
            message_id,
            conversation_id,
            reason=item["reason"],
            through=_seq(item, "through"),
        )
    if kind == "replaced":
        _only(item, {"kind", "message_id", "conversation_id", "events", "through"})
        parts = item.get("events")
        if not isinstance(parts, list) or len(parts) > MAX_REPLACED_EVENTS:
            raise Refused(f"events must be a list of at most {MAX_REPLACED_EVENTS}")
        events = []
        for part in parts:
            if not isinstance(part, dict):
                raise Refused("each replaced event must be an object")
            _only(part, {"event", "review"})
            event, review = _event(part)
            events.append(
                ReviewMessage("event", message_id, conversation_id, event=event, review=review)
            )
        return ReviewMessage(
            kind, message_id, conversation_id, events=tuple(events), through=_seq(item, "through")
        )
    raise Refused("kind must be event, replaced or erased")


def _event(item: dict[str, Any]) -> tuple[dict[str, Any], ReviewFields]:
    event = item.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise Refused("event must be one of Rasa's events (an object with its type in 'event')")
    review = item.get("review")
    if not isinstance(review, dict):
        raise Refused("review must be an object")
    _only(
        review,
        {
            "type",
            "at",
            "intent",
            "confidence",
            "action",
            "channel",
            "preview",
            "safety_net",
            "fallback",
            "seq",
        },
    )
    type_name = review.get("type")
    if (
        not isinstance(type_name, str)
        or not TYPE.fullmatch(type_name)
        or type_name != event["event"]
    ):
        raise Refused("review.type must be the event's type")
    at = review.get("at")
    if (
        not isinstance(at, (int, float))
        or isinstance(at, bool)
        or not math.isfinite(at)
        or not EARLIEST <= at <= LATEST
    ):
        raise Refused("review.at must be a time in seconds since 1970")
    confidence = review.get("confidence")
    if confidence is not None and (
        not isinstance(confidence, (int, float))
        or isinstance(confidence, bool)
        or not math.isfinite(confidence)
        or not 0 <= confidence <= 1
    ):
        raise Refused("review.confidence must be a number from 0 to 1")
    flags = {}
    for name in ("preview", "safety_net", "fallback"):
        value = review.get(name, False)
        if not isinstance(value, bool):
            raise Refused(f"review.{name} must be true or false")
        flags[name] = value
    return event, ReviewFields(
        type_name=type_name,
        at=datetime.fromtimestamp(at, UTC),
        intent=_name(review, "intent"),
        confidence=None if confidence is None else float(confidence),
        action=_name(review, "action"),
        channel=_name(review, "channel", limit=32),
        seq=_seq(review, "seq", where="review."),
        **flags,
    )


def _seq(item: dict[str, Any], key: str, *, where: str = "") -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_SEQ:
        raise Refused(f"{where}{key} must be a whole number from 1 (a place in the tracker store)")
    return value


def _name(review: dict[str, Any], key: str, *, limit: int = 100) -> str | None:
    value = review.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit or not NAME.fullmatch(value):
        raise Refused(f"review.{key} must be a name of at most {limit} letters, digits or _/.-")
    return value


def _uuid(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value))) if isinstance(value, str) else _bad_id()
    except ValueError:
        return _bad_id()


def _bad_id() -> str:
    raise Refused("message_id must be a UUID")


def _only(item: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(item) - allowed)
    if extra:
        raise Refused(f"{len(extra)} field(s) not part of a review message")
