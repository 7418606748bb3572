"""Decides from the spaCy pipeline's spans whether a message describes immediate danger.

This is the rule-based safety net behind the ``report_immediate_danger`` intent: recall
matters more than precision, because a missed 999 is far worse than a false alarm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from spacy.tokens import Doc, Span

from nlp.patterns import DANGER_LABELS, HEDGE_WORDS, QUESTION_WORDS


@dataclass(frozen=True)
class DangerAssessment:
    """Whether a message describes immediate danger, and the spans that say so."""

    immediate: bool
    reasons: Tuple[str, ...] = field(default_factory=tuple)
    # The message puts harm in the past or says it is over, and nothing in it is happening now.
    over: bool = False


# How a question about harm in general opens, with or without a "?".
_GENERAL_QUESTION = re.compile(
    r"^\W*(?:what are (?:the )?signs|what are the warning signs|how (?:do|can|would|could) (?:i|you|we) "
    r"(?:know|tell|spot)|signs (?:of|that)|what counts as|is smacking"
    r"|is it (?:abuse|illegal|legal|ok|okay) )",
    re.IGNORECASE,
)


def is_general_question(doc: Doc) -> bool:
    """ "is smacking your child abuse?", "what are the signs a child is being harmed?", "how do i
    know if a child is being abused" """
    words = [token for token in doc if not token.is_punct and not token.is_space]
    if _GENERAL_QUESTION.match(doc.text):
        return True
    return bool(words) and words[0].lower_ in QUESTION_WORDS and doc.text.rstrip().endswith("?")


_NEGATIONS = frozenset({"not", "n't", "never", "no", "isnt", "arent", "nt"})
# Urgency words that say "now" but not that anything is happening: beside a past or finished
# cue they do not bring the harm back into the present.
WEAK_URGENCY = frozenset(
    {"now", "currently", "at the moment", "atm", "at the minute", "tonight", "rn"}
    # A moment ago: urgent unless the message also says it is over.
    | {"minutes ago", "mins ago", "min ago", "a minute ago", "seconds ago", "an hour ago", "half an hour ago"}
)


def _negated(span: Span) -> bool:
    """ "she's not safe now": an ``over`` cue with a negation just before it says the opposite."""
    before = span.doc[max(0, span.start - 2) : span.start]
    return any(token.lower_ in _NEGATIONS for token in before)


def assess(doc: Doc) -> DangerAssessment:
    """Immediate danger when a message has

    * a state of the child at this moment that is danger on its own (not breathing, unconscious,
      an overdose, bleeding badly, on fire, "someone help"), or
    * a danger sign (a weapon, a threat to kill or to hurt, a child bundled into a car), unless the
      message puts it in the past or says it is over ("he threatened her with a knife last year",
      "he's gone now and she's asleep") with no word that it is happening now, or
    * a young child alone in a dangerous place (a dual carriageway, a balcony, the water), unless
      it is habit or hearsay ("she is often on the balcony on her own"), or
    * harm in progress ("he's hitting her", "she is being hurt") that is not reported speech,
      suspicion, habit or a general question ("she told me he is hitting her", "he is always
      hitting", "is smacking abuse?"), or
    * harm, distress or a hazard together with an urgency word ("hit her just now",
      "screaming right now").

    ``over`` is set when the message puts harm in the past, says it is over or says the child is
    not in danger now ("no, not immediate"), and nothing in it is happening now:
    the dialogue then asks whether the child is in danger right now instead of saying "call 999 now".
    """
    spans: Dict[str, List[str]] = {label: [] for label in DANGER_LABELS}
    for ent in doc.ents:
        if ent.label_ in spans and not (ent.label_ == "over" and _negated(ent)):
            spans[ent.label_].append(ent.text)
    hedged = any(token.lower_ in HEDGE_WORDS for token in doc) or is_general_question(doc)
    # "now" alone ("she's 9 now", "they're safe now") does not say that harm is happening now.
    strong_urgency = [text for text in spans["urgency"] if text.lower() not in WEAK_URGENCY]
    # Beside a past, finished or "not now" cue, only a strong urgency word counts: "it's morning
    # now" after "last night there was screaming" does not bring the screaming into the present.
    past_or_not_now = bool(spans["over"] or spans["not_now"])
    urgency = strong_urgency if past_or_not_now else spans["urgency"]
    happening_now = (
        bool(strong_urgency or spans["present_danger"])
        or (bool(spans["harm_in_progress"]) and not hedged)
        or bool(spans["distress"] and urgency)
    )
    over = past_or_not_now and not happening_now

    reasons: List[str] = [f"danger now: {text}" for text in spans["present_danger"]]
    # A weapon or a threat is put aside only by time ("last year"), never by the person's own
    # "it's not an emergency".
    if not (over and spans["over"]):
        reasons += [f"danger sign: {text}" for text in spans["danger_sign"]]
    if spans["hazard"] and spans["alone"] and not hedged and not over:
        reasons += [f"alone by a hazard: {text}" for text in spans["hazard"]]
    if urgency and not over:
        for label in ("harm_in_progress", "harm", "distress", "hazard"):
            reasons += [f"{label.replace('_', ' ')} with urgency: {text}" for text in spans[label]]
    elif not hedged:
        reasons += [f"harm in progress: {text}" for text in spans["harm_in_progress"]]
    return DangerAssessment(immediate=bool(reasons), reasons=tuple(reasons), over=over and not reasons)
