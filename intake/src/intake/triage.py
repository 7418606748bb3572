"""Server-side triage: the RAG rating, the MASH response and the due time, with reasons.

The rules follow docs/ARCHITECTURE.md's Triage table, which follows the council's MASH guidance:

- red: immediate risk of harm (999 advised): discussed with police and health within 2 hours;
- amber: the child may be suffering or has suffered abuse, not immediate: strategy discussion within
  6 hours;
- green: complex needs, a statutory child in need (S17) assessment may be needed (consent required):
  decision within 24 hours;
- none: below the threshold for multi-agency information gathering: Early Help or universal services
  considered.

When in doubt the rules choose the more urgent rating: missing a danger is far worse than a false alarm.
The assistant's provisional triage is never an input here. Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

ABUSE_CATEGORIES = ("physical", "emotional", "sexual", "neglect")
PROFESSIONAL_FEEDBACK_HOURS = 24
LABELS = {
    "physical": "physical abuse",
    "emotional": "emotional abuse",
    "sexual": "sexual abuse",
    "neglect": "neglect",
}


@dataclass(frozen=True)
class Triage:
    rag: str
    reasons: tuple[str, ...]
    response: str
    due_hours: int | None

    def due_at(self, received_at: datetime) -> datetime | None:
        if self.due_hours is None:
            return None
        return received_at + timedelta(hours=self.due_hours)


RED_RESPONSE = "discussed as a priority with police and health colleagues"
AMBER_RESPONSE = "information gathered and a strategy discussion held"
GREEN_RESPONSE = "decision on a child in need (S17) assessment; consent from an adult with parental responsibility is required"
NONE_RESPONSE = "below the threshold for multi-agency information gathering: an Early Help referral or universal services considered"


def triage(referral: dict[str, Any]) -> Triage:
    """Rate a referral that is valid against the contract."""
    safety = referral.get("safety") or {}
    referrer = referral.get("referrer") or {}
    concern = referral.get("concern") or {}
    categories = list(concern.get("categories") or [])
    harmed = concern.get("harmed_or_at_risk")
    abuse = [c for c in categories if c in ABUSE_CATEGORIES]

    red = []
    if safety.get("immediate_danger"):
        red.append("the referrer described a child in immediate danger")
    if safety.get("advised_999"):
        red.append("the referrer was advised to call 999")
    if red:
        return Triage("red", tuple(red), RED_RESPONSE, 2)

    amber = []
    if harmed == "yes":
        amber.append("the referrer says the child has been harmed or is at risk of harm")
    if referrer.get("knowledge_source") == "child_told_me":
        amber.append("the child told the referrer about what is happening")
    if concern.get("child_words"):
        amber.append("the child's own words are recorded: a disclosure")
    if abuse and harmed != "no":
        amber.append("a concern of possible " + _listed([LABELS[c] for c in abuse]))
    if amber:
        return Triage("amber", tuple(amber), AMBER_RESPONSE, 6)

    if abuse:
        return Triage(
            "green",
            (
                "a concern about "
                + _listed([LABELS[c] for c in abuse])
                + " where the referrer does not think the child has been harmed or is at risk:"
                " the family may need support as a child in need",
            ),
            GREEN_RESPONSE,
            24,
        )
    if harmed != "no":
        return Triage(
            "green",
            ("the referrer is not sure whether the child has been harmed or is at risk",),
            GREEN_RESPONSE,
            24,
        )
    return Triage(
        "none",
        ("no harm or risk of harm described and no category of abuse or neglect given",),
        NONE_RESPONSE,
        None,
    )


def feedback_due_at(referral: dict[str, Any], received_at: datetime) -> datetime | None:
    """Professionals are told within 24 hours whether their concern progresses; no one else is owed it."""
    if (referral.get("referrer") or {}).get("type") == "professional":
        return received_at + timedelta(hours=PROFESSIONAL_FEEDBACK_HOURS)
    return None


def _listed(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
