"""The contract v1 payload built from the form's answers.

Each answer is checked again by its validator; one that still does not fit is sent as unknown
(null) rather than wrong, so a referral is never refused at a person's submit. The provisional
RAG rating goes in with it (``triage.py``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Text

from actions.referral.answers import ACCEPTED, as_key, clean_text, is_skip, is_unknown
from actions.referral.contract import (
    CHANNELS,
    CHILD_FIELDS,
    FIELD_LIMITS,
    MAX_CHILDREN,
    REFERRER_TYPES,
    SINGLE_LINE_FIELDS,
    same_as_contract,
)
from actions.referral.triage import provisional_triage
from actions.referral.validators import (
    validate_age,
    validate_anonymous,
    validate_categories,
    validate_consent_given,
    validate_date_of_birth,
    validate_email,
    validate_harmed_or_at_risk,
    validate_knowledge_source,
    validate_parents_aware,
    validate_uk_phone,
)
from nlp.names import PREVIEW_CHANNEL

_CHANNEL_NAMES = {
    "webchat": "webchat",
    "socketio": "webchat",
    PREVIEW_CHANNEL: "webchat",  # the staff console's preview: the web chat, with preview true
    "rest": "rest",
    "shell": "shell",
    "cmdline": "shell",
}
same_as_contract("channels", set(_CHANNEL_NAMES.values()), CHANNELS)


def build_payload(
    answers: Mapping[Text, Any],
    *,
    referral_id: Any,
    conversation_id: Optional[Text],
    channel: Text,
    preview: bool,
    submitted_at: Any,
) -> Dict[Text, Any]:
    """A contract v1 referral from the form's answers (slots named after the contract's fields).

    The answers are expected to have passed the validators above; each is checked again, and one
    that still does not fit is sent as unknown (null) rather than wrong. "unknown", "skipped" and
    "I don't know" become null (or the contract's own "not sure" value where it has one). Rules:

    - an anonymous referrer carries no name, phone or email, whatever the answers held;
    - a professional is never anonymous; job title, agency and consent are for professionals only;
    - a referrer type the contract does not have is sent as "public" (a child talking about
      themselves is pointed to Childline and never reaches the form);
    - a member of the public or a parent or carer who never answered the anonymity question is
      anonymous exactly when they gave no name, phone or email;
    - immediate danger "yes" or "not_sure" (or anything but a clear "no") counts as immediate
      danger: missing a danger is far worse than a false alarm;
    - consent not answered is "unknown" / "not_sought"; harm not answered is "not_sure";
    - at least one child is sent (with every field unknown if need be), at most the contract's 20.

    ``channel`` is the contract's channel or Rasa's input channel name ("socketio", "cmdline");
    ``submitted_at`` a datetime (naive is taken as UTC) or an RFC 3339 string. The payload's
    ``provisional_triage`` is ``provisional_triage`` of the rest.
    """
    referrer_type = answers.get("referrer_type")
    if referrer_type not in REFERRER_TYPES:
        referrer_type = "public"
    professional = referrer_type == "professional"
    name = _text_field(answers.get("name"), "name")
    phone = _checked_value(validate_uk_phone, answers.get("phone"))
    email = _checked_value(validate_email, answers.get("email"))
    if professional:
        anonymous = False
    else:
        chosen = _checked_value(validate_anonymous, answers.get("anonymous"))
        anonymous = chosen if isinstance(chosen, bool) else not (name or phone or email)
    if anonymous:
        name = phone = email = None
    submitted = _timestamp(submitted_at)
    payload: Dict[Text, Any] = {
        "schema_version": "1",
        "referral_id": str(uuid.UUID(str(referral_id))),
        "submitted_at": submitted,
        "channel": _channel(channel),
        "preview": bool(preview),
        "conversation_id": _clip(conversation_id, FIELD_LIMITS["conversation_id"]),
        "safety": {
            "immediate_danger": _is_danger(answers.get("immediate_danger")),
            "advised_999": answers.get("advised_999") is True
            or as_key(answers.get("advised_999")) in ("yes", "true"),
            "child_location_now": _text_field(answers.get("child_location_now"), "child_location_now"),
        },
        "referrer": {
            "type": referrer_type,
            "anonymous": anonymous,
            "name": name,
            "phone": phone,
            "email": email,
            "job_title": _text_field(answers.get("job_title"), "job_title") if professional else None,
            "agency": _text_field(answers.get("agency"), "agency") if professional else None,
            "relationship_to_child": _text_field(
                answers.get("relationship_to_child"), "relationship_to_child"
            ),
            "knowledge_source": _checked_value(validate_knowledge_source, answers.get("knowledge_source")),
        },
        "children": _children(answers.get("children"), today=date.fromisoformat(submitted[:10])),
        "concern": {
            "categories": _checked_value(validate_categories, answers.get("categories")) or [],
            "description": _text_field(answers.get("description"), "description"),
            "child_words": _text_field(answers.get("child_words"), "child_words"),
            "when": _text_field(answers.get("when"), "when"),
            "where": _text_field(answers.get("where"), "where"),
            "person_of_concern": _text_field(answers.get("person_of_concern"), "person_of_concern"),
            "harmed_or_at_risk": _checked_value(validate_harmed_or_at_risk, answers.get("harmed_or_at_risk"))
            or "not_sure",
        },
        "consent": _consent(answers) if professional else None,
    }
    payload["provisional_triage"] = provisional_triage(payload)
    return payload


def _checked_value(validator: Any, answer: Any) -> Any:
    if answer is None:
        return None
    checked = validator(answer)
    return checked.value if checked.status == ACCEPTED else None


def _clip(text: Any, limit: int) -> Optional[Text]:
    """An id as the contract holds it: clean (no control characters or lone surrogates) and cut."""
    if text is None:
        return None
    return clean_text(text, single_line=True)[:limit] or None


def _text_field(answer: Any, field: Text) -> Optional[Text]:
    """A text answer as the contract holds it; unknown, skipped and empty are None.

    Anything still longer than the contract allows (the validators ask again first) is cut to fit:
    a referral that fails the contract would not be sent at all.
    """
    if answer is None or isinstance(answer, bool) or is_unknown(answer) or is_skip(answer):
        return None
    cleaned = clean_text(answer, single_line=field in SINGLE_LINE_FIELDS)
    return cleaned[: FIELD_LIMITS[field]].rstrip() or None


def _is_danger(answer: Any) -> bool:
    if answer is None:
        return False
    if isinstance(answer, bool):
        return answer
    return as_key(answer) not in ("no", "false", "n", "nope", "nah")


def _timestamp(submitted_at: Any) -> Text:
    if isinstance(submitted_at, datetime):
        if submitted_at.tzinfo is None:
            submitted_at = submitted_at.replace(tzinfo=timezone.utc)
        text = submitted_at.astimezone(timezone.utc).isoformat(timespec="seconds")
        return text.replace("+00:00", "Z")
    return str(submitted_at)


def _channel(channel: Text) -> Text:
    if channel not in _CHANNEL_NAMES:
        raise ValueError(f"the contract has no channel {channel!r}: add it to the contract first")
    return _CHANNEL_NAMES[channel]


def _children(answer: Any, *, today: date) -> List[Dict[Text, Any]]:
    children = (
        [child for child in (answer or []) if isinstance(child, Mapping)] if isinstance(answer, list) else []
    )
    return [_child(child, today=today) for child in children[:MAX_CHILDREN]] or [_child({}, today=today)]


def _child(answers: Mapping[Text, Any], *, today: date) -> Dict[Text, Any]:
    age = answers.get("age")
    born = answers.get("date_of_birth")
    child = {
        "name": _text_field(answers.get("name"), "name"),
        "age": _checked_value(validate_age, age),
        "date_of_birth": None
        if born is None
        else _checked_value(lambda b: validate_date_of_birth(b, today=today), born),
        "address": _text_field(answers.get("address"), "address"),
        "school": _text_field(answers.get("school"), "school"),
        "other_details": _text_field(answers.get("other_details"), "other_details"),
    }
    same_as_contract("child fields", child, CHILD_FIELDS)
    return child


def _consent(answers: Mapping[Text, Any]) -> Dict[Text, Any]:
    given = _checked_value(validate_consent_given, answers.get("consent_given")) or "not_sought"
    return {
        "parents_aware": _checked_value(validate_parents_aware, answers.get("parents_aware")) or "unknown",
        "consent_given": given,
        "reason_not_sought": None
        if given == "yes"
        else _text_field(answers.get("reason_not_sought"), "reason_not_sought"),
    }
