"""The summary shown before sending: exactly what will be sent, in words a person recognises.

Each question's lines and labels come from its entry in ``questions.QUESTIONS``, in the order the
questions are asked; this module says only how values read ("the child told you", "14 September
2015", "not given").
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Dict, List, Mapping, Optional, Text

from actions.referral.contract import CHILD_FIELDS
from actions.referral.questions import ANSWERS, CHILD_QUESTIONS, Question

ANONYMOUS_LINE = "You are staying anonymous: your name and contact details are not sent."
NOT_GIVEN = "not given"
_REFERRER_NAMES = {
    "public": "a member of the public",
    "professional": "a professional",
    "parent_carer": "a parent or carer",
}
_KNOWLEDGE_NAMES = {
    "witnessed": "you saw or heard it yourself",
    "child_told_me": "the child told you",
    "heard_from_someone_else": "someone else told you",
}
_CATEGORY_NAMES = {
    "physical": "physical",
    "emotional": "emotional",
    "sexual": "sexual",
    "neglect": "neglect",
    "other": "something else",
    "not_sure": "not sure",
}
_ANSWER_NAMES = {"yes": "yes", "no": "no", "not_sure": "not sure", "unknown": "not sure"}
_CONSENT_NAMES = {"yes": "given", "no": "refused", "not_sought": "not asked for"}


# How a contract field's value reads, where it is not shown as it is.
_READS_AS: Dict[Text, Callable[[Any], Text]] = {
    "knowledge_source": lambda value: _KNOWLEDGE_NAMES.get(value, NOT_GIVEN),
    "categories": lambda value: ", ".join(_CATEGORY_NAMES.get(c, c) for c in value or []) or NOT_GIVEN,
    "harmed_or_at_risk": lambda value: _ANSWER_NAMES.get(value, NOT_GIVEN),
    "parents_aware": lambda value: _ANSWER_NAMES.get(value, NOT_GIVEN),
    "consent_given": lambda value: _CONSENT_NAMES.get(value, NOT_GIVEN),
    "date_of_birth": lambda value: _shown_date(value),
}
# The child's contract fields that no question fills, and how the summary names them.
_UNASKED_CHILD_FIELDS = {"other_details": "Anything else about {child}"}


def summary_lines(payload: Mapping[Text, Any]) -> List[Text]:
    """The summary shown before sending: exactly what will be sent, one line per field a person
    would recognise, in the order the questions were asked, "not given" where the answer is unknown.

    Left out: the ids, channel and preview flag (nothing the person would recognise) and the
    provisional triage (an internal, provisional rating: the assistant never tells a person whether
    something is or is not abuse).
    """
    referrer = payload.get("referrer") or {}
    lines = [f"You are: {_REFERRER_NAMES.get(referrer.get('type'), NOT_GIVEN)}"]
    if referrer.get("anonymous"):
        lines.append(ANONYMOUS_LINE)
    children_done = danger_done = False
    for question in ANSWERS:
        if question.section == "child":
            if not children_done:
                lines += _children_lines(payload.get("children") or [])
                children_done = True
            continue
        if question.shown(payload):
            lines += _lines(question, payload.get(question.section) or {})
        if question.section == "safety" and not danger_done:
            lines += _danger_lines(payload.get("safety") or {})
            danger_done = True
    return lines


def _lines(question: Question, values: Mapping[Text, Any], **names: Text) -> List[Text]:
    return [
        f"{label.format(**names)}: {_reads(field, values.get(field))}"
        for field, label in question.labels
        if label
    ]


def _reads(field: Text, value: Any) -> Text:
    return _READS_AS[field](value) if field in _READS_AS else _shown(value)


def _children_lines(children: List[Mapping[Text, Any]]) -> List[Text]:
    asked = {field for question in CHILD_QUESTIONS for field, _ in question.labels}
    lines: List[Text] = []
    for number, child in enumerate(children, start=1):
        names = {
            "who": "The child's" if len(children) == 1 else f"Child {number}'s",
            "child": "the child" if len(children) == 1 else f"child {number}",
        }
        for question in CHILD_QUESTIONS:
            lines += _lines(question, child, **names)
        for field in CHILD_FIELDS:
            if field not in asked and field in _UNASKED_CHILD_FIELDS:
                lines.append(f"{_UNASKED_CHILD_FIELDS[field].format(**names)}: {_shown(child.get(field))}")
    return lines


def _danger_lines(safety: Mapping[Text, Any]) -> List[Text]:
    lines = [
        f"A child is, or may be, in immediate danger: {'yes' if safety.get('immediate_danger') else 'no'}"
    ]
    if safety.get("advised_999"):
        lines.append("You were told to call 999: yes")
    return lines


def _shown(value: Any) -> Text:
    if value is None or value == "":
        return NOT_GIVEN
    return str(value)


def _shown_date(value: Optional[Text]) -> Text:
    if not value:
        return NOT_GIVEN
    try:
        born = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{born.day} {born.strftime('%B')} {born.year}"
