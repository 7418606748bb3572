"""The staff console's words (pure, no I/O): statuses, RAG and referrer types as staff say them, time
left or overdue in words, times in UK time, a referral's every field as labelled sections, and a
conversation's events as lines of a transcript. The routes (routes/console/) only call these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from intake.store.referrals import OPEN_STATUSES

UK = ZoneInfo("Europe/London")

STATUS_LABELS = {
    "new": "New",
    "in_triage": "In triage",
    "s47_enquiry": "Strategy discussion / S47 enquiry",
    "s17_assessment": "S17 child in need assessment",
    "early_help": "Early Help",
    "universal_services": "Universal services",
    "no_further_action": "No further action",
    "closed": "Closed",
}
# RAG as a tag with its word, never colour alone.
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "none": "None"}
RAG_TAG_CLASSES = {
    "red": "govuk-tag--red",
    "amber": "govuk-tag--orange",
    "green": "govuk-tag--green",
    "none": "govuk-tag--grey",
}
REFERRER_LABELS = {
    "public": "Member of the public",
    "professional": "Professional",
    "parent_carer": "Parent or carer",
}
ROLE_LABELS = {"viewer": "Viewer", "triager": "Triager", "admin": "Admin"}

# The contract's fields as staff read them; a field not listed here is shown under its own name,
# so nothing the assistant sent is hidden.
SECTION_TITLES = {
    "safety": "Safety",
    "referrer": "Referrer",
    "concern": "Concern",
    "consent": "Consent",
    "provisional_triage": "The assistant's provisional triage",
}
FIELD_LABELS = {
    "submitted_at": "Submitted",
    "channel": "Channel",
    "preview": "Staff preview",
    "conversation_id": "Conversation",
    "referral_id": "Referral id",
    "schema_version": "Contract version",
    "immediate_danger": "Child in immediate danger",
    "advised_999": "Told to call 999",
    "child_location_now": "Where the child is now",
    "type": "Referrer type",
    "anonymous": "Anonymous",
    "name": "Name",
    "phone": "Phone",
    "email": "Email",
    "job_title": "Job title",
    "agency": "Organisation",
    "relationship_to_child": "Relationship to the child",
    "knowledge_source": "How they know",
    "age": "Age",
    "date_of_birth": "Date of birth",
    "address": "Address",
    "school": "School",
    "other_details": "Other details",
    "categories": "Categories",
    "description": "Description",
    "child_words": "The child's words",
    "when": "When",
    "where": "Where",
    "person_of_concern": "Person of concern",
    "harmed_or_at_risk": "Harmed or at risk",
    "parents_aware": "Parents aware",
    "consent_given": "Consent given",
    "reason_not_sought": "Why consent was not sought",
    "rag": "RAG",
    "reasons": "Reasons",
}
VALUE_WORDS = {
    "categories": {
        "physical": "Physical abuse",
        "emotional": "Emotional abuse",
        "sexual": "Sexual abuse",
        "neglect": "Neglect",
        "other": "Other",
        "not_sure": "Not sure",
    },
    "knowledge_source": {
        "witnessed": "Saw it themselves",
        "child_told_me": "The child told them",
        "heard_from_someone_else": "Heard from someone else",
    },
    "type": REFERRER_LABELS,
    "rag": RAG_LABELS,
    "harmed_or_at_risk": {"yes": "Yes", "no": "No", "not_sure": "Not sure"},
    "parents_aware": {"yes": "Yes", "no": "No", "unknown": "Not known"},
    "consent_given": {"yes": "Yes", "no": "No", "not_sought": "Not sought"},
}
NOT_GIVEN = "Not given"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def uk_time(value: str | datetime | None) -> str:
    """`2 March 2026, 09:05` in UK time (GMT or BST), or "" for none."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    local = value.astimezone(UK)
    return f"{local.day} {local:%B %Y, %H:%M}"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes and not days:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts) or "less than a minute"


def time_left(due_at: str | datetime | None, status: str, now: datetime) -> str:
    """ "1 hour 20 minutes left", "Overdue by 35 minutes", "No due time" or "Decided"."""
    if status not in OPEN_STATUSES:
        return "Decided"
    if due_at is None:
        return "No due time"
    if isinstance(due_at, str):
        due_at = datetime.fromisoformat(due_at.replace("Z", "+00:00"))
    seconds = (due_at - now).total_seconds()
    if seconds >= 0:
        return f"{_duration(seconds)} left"
    return f"Overdue by {_duration(-seconds)}"


def value_text(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return NOT_GIVEN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(value_text(key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{FIELD_LABELS.get(k, k)}: {value_text(k, v)}" for k, v in value.items())
    words = VALUE_WORDS.get(key, {})
    return words.get(value, str(value)) if isinstance(value, str) else str(value)


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)


# The order staff read a referral in; anything else follows, in the order it came.
SECTION_ORDER = ("safety", "referrer", "children", "concern", "consent", "provisional_triage")
_FIELD_ORDER = {name: position for position, name in enumerate(FIELD_LABELS)}


def _ordered(fields: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(fields.items(), key=lambda item: _FIELD_ORDER.get(item[0], len(_FIELD_ORDER)))


def referral_sections(payload: dict[str, Any]) -> list[Section]:
    """Every field of a referral, in labelled sections: the referral, safety, referrer, each
    child, concern, consent, the provisional triage, and anything else under its own name."""
    top = Section("Referral")
    sections: list[Section] = [top]
    keys = [k for k in SECTION_ORDER if k in payload]
    keys += [k for k, _ in _ordered(payload) if k not in SECTION_ORDER]
    for key in keys:
        value = payload[key]
        if key == "children" and isinstance(value, list):
            for number, child in enumerate(value, start=1):
                title = "Child" if len(value) == 1 else f"Child {number}"
                sections.append(_section(title, child))
        elif isinstance(value, dict) or key in SECTION_TITLES:
            sections.append(_section(SECTION_TITLES.get(key, FIELD_LABELS.get(key, key)), value))
        else:
            text = uk_time(value) if key == "submitted_at" and value else value_text(key, value)
            top.rows.append((FIELD_LABELS.get(key, key), text))
    return sections


def _section(title: str, fields: Any) -> Section:
    section = Section(title)
    if isinstance(fields, dict):
        for key, value in _ordered(fields):
            section.rows.append((FIELD_LABELS.get(key, key), value_text(key, value)))
    else:
        section.rows.append(("Answer", value_text("", fields)))
    return section


# --- a conversation as a transcript --------------------------------------------------------------


@dataclass
class Line:
    """One event of a conversation, as the console shows it."""

    id: int
    at: str
    kind: str  # person, assistant, action, slot, form_start, form_end, other
    text: str = ""
    intent: str | None = None
    confidence: str | None = None
    corrected_intent: str | None = None
    ranking: list[tuple[str, str]] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    safety_net: str | None = None
    flagged: bool = False
    detail: str = ""


def _confidence(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.2f}"
    return None


def transcript(events: list[dict[str, Any]]) -> list[Line]:
    """The review store's events (read_conversation) as lines: each message with its intent,
    confidence, ranking, entities and what the safety net made of it; each bot response, action,
    slot set, and form start and end."""
    lines = []
    for item in events:
        data = item.get("event") or {}
        kind = data.get("event")
        line = Line(
            id=item["id"],
            at=uk_time(item.get("at")),
            kind="other",
            flagged=item.get("flagged_at") is not None,
            corrected_intent=item.get("corrected_intent"),
        )
        if kind == "user":
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            line.kind = "person"
            line.text = str(data.get("text") or "")
            line.intent = item.get("intent") or intent.get("name")
            line.confidence = _confidence(item.get("confidence", intent.get("confidence")))
            line.ranking = [
                (str(r.get("name")), _confidence(r.get("confidence")) or "")
                for r in (parse.get("intent_ranking") or [])[:5]
                if isinstance(r, dict)
            ]
            line.entities = [
                f"{e.get('entity')}: {e.get('value')}"
                for e in parse.get("entities") or []
                if isinstance(e, dict)
            ]
            net = parse.get("danger_safety_net")
            if net:
                line.safety_net = value_text("", net)
        elif kind == "bot":
            line.kind = "assistant"
            line.text = str(data.get("text") or "")
            buttons = (data.get("data") or {}).get("buttons") or []
            titles = [str(b.get("title")) for b in buttons if isinstance(b, dict)]
            if titles:
                line.detail = "Buttons: " + ", ".join(titles)
        elif kind == "action":
            line.kind = "action"
            line.text = str(data.get("name") or item.get("action") or "")
        elif kind == "slot":
            line.kind = "slot"
            line.text = str(data.get("name") or "")
            line.detail = value_text("", data.get("value"))
        elif kind == "active_loop":
            name = data.get("name")
            line.kind = "form_start" if name else "form_end"
            line.text = str(name or "")
        else:
            line.text = str(kind or "")
        lines.append(line)
    return lines
