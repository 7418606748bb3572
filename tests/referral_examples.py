"""Answers and payloads the referral core's tests share: one set of answers per referrer path."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

from actions.referral.answers import SKIPPED, UNKNOWN
from actions.referral.payload import build_payload

EXAMPLES = Path(__file__).resolve().parent.parent / "contracts" / "examples"
SUBMITTED = datetime(2026, 3, 2, 14, 5, tzinfo=timezone.utc)
TODAY = SUBMITTED.date()
REFERRAL_ID = "6f1c0b9e-1d2a-4f3b-9c4d-5e6f7a8b9c01"
FAMILY_EMOJI = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
ARABIC = "\u0645\u062d\u0645\u062f"  # a name in Arabic script
HEBREW_WITH_MARK = "\u05e9\u05dc\u05d5\u05dd\u200f"  # Hebrew with a right-to-left mark


def example(name: str) -> Dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def payload_for(answers: Dict[str, Any], **overrides: Any) -> Dict[str, Any]:
    options = dict(
        referral_id=REFERRAL_ID,
        conversation_id="conv-1",
        channel="webchat",
        preview=False,
        submitted_at=SUBMITTED,
    )
    options.update(overrides)
    return build_payload(answers, **options)


def string_values(node: Any) -> List[str]:
    """Every string in a payload, however deep."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in string_values(v)]
    if isinstance(node, list):
        return [s for v in node for s in string_values(v)]
    return []


# Answers as the form's slots hold them after the validators, one set per referrer path.
ANONYMOUS_NEIGHBOUR = {
    "referrer_type": "public",
    "anonymous": True,
    "relationship_to_child": "neighbour",
    "knowledge_source": "witnessed",
    "children": [{"name": "Maisie", "age": 6, "address": "Flat 3, 12 Portswood Road"}],
    "categories": ["neglect"],
    "description": "Maisie is often outside late at night in thin clothes and says she is hungry.",
    "when": "most evenings this month",
    "where": "outside the flats",
    "harmed_or_at_risk": "not_sure",
    "immediate_danger": "no",
    "advised_999": False,
}
NAMED_PUBLIC = {
    "referrer_type": "public",
    "anonymous": False,
    "name": "Priya Shah",
    "phone": "023 8083 3336",
    "email": "priya.shah@example.org",
    "relationship_to_child": "family friend",
    "knowledge_source": "heard_from_someone_else",
    "children": [{"name": "Maisie", "age": 6}],
    "categories": ["emotional"],
    "description": "I have heard the mother shouting that she hates him, every night.",
    "harmed_or_at_risk": "yes",
    "immediate_danger": "no",
}
PARENT = {
    "referrer_type": "parent_carer",
    "anonymous": False,
    "name": "Dan Hughes",
    "phone": "07400 123456",
    "email": UNKNOWN,
    "relationship_to_child": "father",
    "knowledge_source": "child_told_me",
    "children": [
        {"name": "Leo Hughes", "age": 9, "address": "4 Bitterne Road", "school": "Bitterne Park Primary"}
    ],
    "categories": ["physical"],
    "description": "Leo came back from his mother's new partner's house with bruises on his arm.",
    "child_words": "He grabbed me and pushed me into the door",
    "when": "last weekend",
    "where": "at his mum's house",
    "person_of_concern": "mum's partner",
    "harmed_or_at_risk": "yes",
    "immediate_danger": "no",
}
TEACHER_WITH_CONSENT = {
    "referrer_type": "professional",
    "name": "Helen Carter",
    "phone": "023 8083 3336",
    "email": "h.carter@school.example.org",
    "job_title": "Designated Safeguarding Lead",
    "agency": "Shirley Junior School",
    "relationship_to_child": "teacher",
    "knowledge_source": "witnessed",
    "children": [
        {
            "name": "Amir Noor",
            "date_of_birth": "2015-09-14",
            "school": "Shirley Junior School",
            "other_details": "attendance 70% this term",
        }
    ],
    "categories": ["neglect", "other"],
    "description": "Amir comes to school without lunch and his uniform is not washed; "
    "his mum has asked for help.",
    "harmed_or_at_risk": "no",
    "parents_aware": "yes",
    "consent_given": "yes",
    "immediate_danger": "no",
}
TEACHER_WITHOUT_CONSENT = {
    "referrer_type": "professional",
    "name": "Helen Carter",
    "phone": "023 8083 3336",
    "email": "h.carter@school.example.org",
    "job_title": "Designated Safeguarding Lead",
    "agency": "Shirley Junior School",
    "relationship_to_child": "teacher",
    "knowledge_source": "child_told_me",
    "children": [{"name": "Chloe Baker", "age": 11, "school": "Shirley Junior School"}],
    "categories": ["sexual"],
    "description": "A pupil told me her stepfather comes into her room at night and touches her.",
    "child_words": "he comes in when mum is asleep and I don't like it",
    "when": "told me today at 10:30",
    "where": "classroom, nobody else present",
    "person_of_concern": "stepfather",
    "harmed_or_at_risk": "yes",
    "parents_aware": "no",
    "consent_given": "not_sought",
    "reason_not_sought": "Asking would put the child at greater risk of harm.",
    "immediate_danger": "no",
}
TWO_CHILDREN = {
    "referrer_type": "public",
    "anonymous": True,
    "relationship_to_child": "neighbour",
    "knowledge_source": "witnessed",
    "children": [
        {"name": "Ruby", "age": 4, "address": "22 Shirley High Street"},
        {"name": "Tom", "age": 2, "address": "22 Shirley High Street"},
    ],
    "categories": ["neglect"],
    "description": "Two small children left alone in the flat for hours most days.",
    "harmed_or_at_risk": "not_sure",
    "immediate_danger": "no",
}
SKIPS_AND_UNKNOWNS = {
    "referrer_type": "public",
    "anonymous": True,
    "relationship_to_child": SKIPPED,
    "knowledge_source": UNKNOWN,
    "children": [
        {
            "name": UNKNOWN,
            "age": UNKNOWN,
            "date_of_birth": SKIPPED,
            "address": "I don't know",
            "school": "no idea",
        }
    ],
    "categories": UNKNOWN,
    "description": "skip",
    "child_words": "not sure",
    "when": "can't remember",
    "where": UNKNOWN,
    "person_of_concern": "rather not say",
    "harmed_or_at_risk": UNKNOWN,
    "immediate_danger": "no",
    "child_location_now": "dunno",
}
PATHS = {
    "anonymous public": ANONYMOUS_NEIGHBOUR,
    "named public": NAMED_PUBLIC,
    "parent or carer": PARENT,
    "professional with consent": TEACHER_WITH_CONSENT,
    "professional without consent because of risk": TEACHER_WITHOUT_CONSENT,
    "two children": TWO_CHILDREN,
    "skips and unknowns": SKIPS_AND_UNKNOWNS,
}
