"""Decides from the spaCy pipeline's spans whether a message describes immediate danger.

This is the rule-based safety net behind the ``report_immediate_danger`` intent: recall
matters more than precision, because a missed 999 is far worse than a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from spacy.tokens import Doc

from nlp.patterns import DANGER_LABELS, HEDGE_WORDS, QUESTION_WORDS


@dataclass(frozen=True)
class DangerAssessment:
    """Whether a message describes immediate danger, and the spans that say so."""

    immediate: bool
    reasons: Tuple[str, ...] = field(default_factory=tuple)


def is_general_question(doc: Doc) -> bool:
    """ "is smacking your child abuse?", "what are the signs a child is being harmed?" """
    words = [token for token in doc if not token.is_punct and not token.is_space]
    return bool(words) and words[0].lower_ in QUESTION_WORDS and doc.text.rstrip().endswith("?")


def assess(doc: Doc) -> DangerAssessment:
    """Immediate danger when a message has

    * a danger sign on its own (a weapon, not breathing, a threat to kill), or
    * a young child alone in a dangerous place (a dual carriageway, a balcony, the water), unless
      it is habit or hearsay ("she is often on the balcony on her own"), or
    * harm in progress ("he's hitting her", "she is being hurt") that is not reported speech,
      suspicion, habit or a general question ("she told me he is hitting her", "he is always
      hitting", "is smacking abuse?"), or
    * harm, distress or a hazard together with an urgency word ("hit her just now",
      "screaming right now").
    """
    spans: Dict[str, List[str]] = {label: [] for label in DANGER_LABELS}
    for ent in doc.ents:
        if ent.label_ in spans:
            spans[ent.label_].append(ent.text)
    hedged = any(token.lower_ in HEDGE_WORDS for token in doc) or is_general_question(doc)

    reasons: List[str] = [f"danger sign: {text}" for text in spans["danger_sign"]]
    if spans["hazard"] and spans["alone"] and not hedged:
        reasons += [f"alone by a hazard: {text}" for text in spans["hazard"]]
    if spans["urgency"]:
        for label in ("harm_in_progress", "harm", "distress", "hazard"):
            reasons += [f"{label.replace('_', ' ')} with urgency: {text}" for text in spans[label]]
    elif not hedged:
        reasons += [f"harm in progress: {text}" for text in spans["harm_in_progress"]]
    return DangerAssessment(immediate=bool(reasons), reasons=tuple(reasons))
