"""Decides from the spaCy pipeline's spans whether a message describes immediate danger.

This is the rule-based safety net behind the ``report_immediate_danger`` intent: recall
matters more than precision, because a missed 999 is far worse than a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

from spacy.tokens import Doc

from nlp.patterns import HEDGE_WORDS


@dataclass(frozen=True)
class DangerAssessment:
    """Whether a message describes immediate danger, and the spans that say so."""

    immediate: bool
    reasons: Tuple[str, ...] = field(default_factory=tuple)


def assess(doc: Doc) -> DangerAssessment:
    """Immediate danger when a message has

    * a danger sign on its own (a weapon, not breathing, a threat to kill), or
    * harm in progress ("he's hitting her", "she is being hurt") that is not reported
      speech, suspicion or habit ("she told me he is hitting her", "he is always hitting"), or
    * harm or distress together with an urgency word ("hit her just now", "screaming right now").
    """
    spans = {label: [] for label in ("danger_sign", "harm_in_progress", "harm", "distress", "urgency")}
    for ent in doc.ents:
        if ent.label_ in spans:
            spans[ent.label_].append(ent.text)
    hedged = any(token.lower_ in HEDGE_WORDS for token in doc)

    reasons: List[str] = []
    reasons += [f"danger sign: {text}" for text in spans["danger_sign"]]
    if spans["urgency"]:
        for label in ("harm_in_progress", "harm", "distress"):
            reasons += [f"{label.replace('_', ' ')} with urgency: {text}" for text in spans[label]]
    elif not hedged:
        reasons += [f"harm in progress: {text}" for text in spans["harm_in_progress"]]
    return DangerAssessment(immediate=bool(reasons), reasons=tuple(reasons))
