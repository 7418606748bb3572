"""The assistant's provisional RAG rating of a referral (docs/ARCHITECTURE.md, Triage).

Provisional: the intake service recomputes it (``intake/src/intake/triage.py``) and MASH decides.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Text

from actions.referral.contract import ABUSE_CATEGORIES

_CONCERN_NAMES = {
    "physical": "possible physical abuse",
    "emotional": "possible emotional abuse",
    "sexual": "possible sexual abuse",
    "neglect": "possible neglect",
}
_CONSENT_REASONS = {
    "yes": "parental consent given",
    "no": "parental consent refused",
    "not_sought": "parental consent not sought",
}
CHILD_IN_NEED = "complex needs: a child in need (S17) assessment may be needed"


def provisional_triage(payload: Mapping[Text, Any]) -> Dict[Text, Any]:
    """The assistant's provisional RAG rating and its reasons (docs/ARCHITECTURE.md, Triage).

    The first rule that holds decides; reasons say which facts made it so, most telling first.

    - red (immediate risk of harm): ``safety.immediate_danger`` or ``safety.advised_999``.
      Reasons "immediate danger", "999 advised".
    - amber (the child may be suffering or has suffered abuse, not immediate): harmed or at risk
      "yes" (any category); or a disclosure: the child told the referrer (``knowledge_source``
      "child_told_me") or the child's own words are recorded (``child_words``); or an abuse
      category (physical, emotional, sexual, neglect) with harm "yes" or "not_sure". Reasons "child
      harmed or at risk", "referrer not sure whether the child is harmed or at risk", "child told
      the referrer", "child's own words recorded", "possible <category>" for each abuse category.
    - green (complex needs, a child in need (S17) assessment may be needed; consent required): an
      abuse category with harm "no"; or harm "not_sure" with no abuse category. Reasons: the
      categories, the harm answer, the child in need line and, for a professional, the consent
      answer.
    - none (below the threshold for multi-agency information gathering): harm "no", no abuse
      category and no disclosure ("other" or "not_sure" alone do not lift it).

    When in doubt, the more urgent rating: a missing harm answer counts as "not_sure". The intake
    service recomputes the rating (intake/src/intake/triage.py, the same rules: the contract's
    README lists any deliberate difference) and MASH decides.
    """
    safety = payload.get("safety") or {}
    referrer = payload.get("referrer") or {}
    concern = payload.get("concern") or {}
    harmed = concern.get("harmed_or_at_risk") or "not_sure"
    chosen = set(concern.get("categories") or [])
    abuse = [c for c in ABUSE_CATEGORIES if c in chosen]
    not_sure_of_harm = "referrer not sure whether the child is harmed or at risk"

    red = []
    if safety.get("immediate_danger"):
        red.append("immediate danger")
    if safety.get("advised_999"):
        red.append("999 advised")
    if red:
        return {"rag": "red", "reasons": red}

    disclosure = []
    if referrer.get("knowledge_source") == "child_told_me":
        disclosure.append("child told the referrer")
    if concern.get("child_words"):
        disclosure.append("child's own words recorded")
    if harmed == "yes" or disclosure or (abuse and harmed != "no"):
        reasons = []
        if harmed == "yes":
            reasons.append("child harmed or at risk")
        elif harmed == "not_sure":
            reasons.append(not_sure_of_harm)
        reasons += disclosure + [_CONCERN_NAMES[c] for c in abuse]
        return {"rag": "amber", "reasons": reasons}

    if abuse or harmed != "no":
        reasons = [_CONCERN_NAMES[c] for c in abuse]
        reasons.append(
            "referrer does not think the child is harmed or at risk" if harmed == "no" else not_sure_of_harm
        )
        reasons.append(CHILD_IN_NEED)
        consent = payload.get("consent") or {}
        if referrer.get("type") == "professional" and consent.get("consent_given") in _CONSENT_REASONS:
            reasons.append(_CONSENT_REASONS[consent["consent_given"]])
        return {"rag": "green", "reasons": reasons}

    return {"rag": "none", "reasons": ["no harm, risk, disclosure or abuse category reported"]}
