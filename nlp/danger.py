"""Decides from the spaCy pipeline's spans whether a message describes immediate danger.

This is the rule-based safety net behind the ``report_immediate_danger`` intent: recall
matters more than precision, because a missed 999 is far worse than a false alarm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from spacy.tokens import Doc, Span

from nlp.patterns import DANGER_LABELS, HEDGE_WORDS, LONG_AGO, QUESTION_WORDS


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
    r"|is it (?:abuse|illegal|legal|ok|okay) "
    r"|what (?:sorts?|kinds?|types?) of (?:abuse|harm|things?)\b)",
    re.IGNORECASE,
)
# "hes only 3, does shouting at him count as abuse": asking what counts, anywhere in the message.
_WHAT_COUNTS = re.compile(r"\b(?:does|do|would|is|are)\b[^.?!]{0,60}\bcounts? as\b", re.IGNORECASE)


# Someone trying to take a child off somewhere ("a man keeps trying to get her off the bus",
# "trying to get a little boy to go with him"): danger beside a word that the child does not know
# them (the ``stranger`` label), not in a custody row ("trying to take the kids away through court").
_LURE = re.compile(
    r"\b(?:trying|tryin|tries|tried|try) to (?:get|take|grab|lure|drag|pull|snatch|entice|coax|persuade) "
    r"(?:her|him|them|the|a|this|that|one)\b(?: \w+){0,3}? (?:off|away|out|into|in|onto|with|to go)\b",
    re.IGNORECASE,
)


def is_general_question(doc: Doc) -> bool:
    """ "is smacking your child abuse?", "what are the signs a child is being harmed?", "how do i
    know if a child is being abused" """
    words = [token for token in doc if not token.is_punct and not token.is_space]
    if _GENERAL_QUESTION.match(doc.text) or _WHAT_COUNTS.search(doc.text):
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


# Before an ``over`` or ``safe_now`` cue, these say the opposite or ask: "she's not safe now",
# "keeps asking if i'm ok", "i don't know whether they're safe".
_DOUBTED = _NEGATIONS | {"if", "whether"}


def _negated(span: Span) -> bool:
    """ "she's not safe now", "asking if i'm ok": an ``over`` or ``safe_now`` cue with a negation
    or an "if" just before it says the opposite, or asks."""
    before = span.doc[max(0, span.start - 2) : span.start]
    return any(token.lower_ in _DOUBTED for token in before)


# Words that may stand between "not" and the time it denies: "not at this minute", "not just now".
_BETWEEN_NOT_AND_TIME = frozenset({"at", "for", "just", "exactly", "quite", "really", "right", "as", "of"})


def _denied_time(span: Span, not_now_ends: List[int]) -> bool:
    """ "not at this minute", "not tonight", "not in danger right this minute", "not an emergency at
    the moment": a word of this moment that belongs to a denial, said right after "not" or right
    after a ``not_now`` cue (``not_now_ends``: where each ends), is not urgency but part of the "no".
    "she's not safe right now" keeps its urgency: "safe" stands between."""
    start = span.start
    while (
        start > 0
        and span.start - start < 2
        and (span.doc[start - 1].text == "," or span.doc[start - 1].lower_ in _BETWEEN_NOT_AND_TIME)
    ):
        start -= 1
    return start in not_now_ends or (start > 0 and span.doc[start - 1].lower_ in _NEGATIONS)


# A child alone is danger when young; with every age the message gives at least this, being on
# their own is not danger by itself.
OLD_ENOUGH_TO_BE_ALONE = 13
_ALONE_WORDS = frozenset({"alone", "own", "himself", "herself", "themselves", "unattended", "unsupervised"})
_NUMBER = re.compile(r"\d{1,2}")


def _youngest_age(doc: Doc) -> int:
    """The youngest age in years the message gives (0 for months or weeks; -1 when none)."""
    ages = []
    for ent in doc.ents:
        if ent.label_ != "age":
            continue
        number = _NUMBER.search(ent.text)
        if number is None:
            return -1  # "seven years old": not read here, so not known to be old enough
        ages.append(0 if re.search(r"month|week", ent.text, re.I) else int(number.group()))
    return min(ages) if ages else -1


# How near a habit must follow harm in progress, with no punctuation between, to describe it.
_HABIT_REACH = 4


def _said_as_habit(span: Span) -> bool:
    """ "are left by themselves most evenings": a habit cue right after, in the same clause."""
    doc = span.doc
    end = min(len(doc), span.end + _HABIT_REACH)
    for token in doc[span.end : end]:
        if token.is_punct:
            return False
        if token.ent_type_ == "habit":
            return True
    return False


def _said_of_a_habit(text: str) -> bool:
    """ "screams", "hits", "cries": the simple present, which beside a habit cue ("all the time")
    describes the habit; "screaming", "hitting" may be happening as the person writes."""
    word = text.lower().split()[-1]
    return word.endswith("s") and not word.endswith("ing")


def assess(doc: Doc) -> DangerAssessment:
    """Immediate danger when a message has

    * a state of the child at this moment that is danger on its own (not breathing, unconscious,
      an overdose, bleeding badly, on fire, "someone help"), or
    * a danger sign (a weapon, a threat to kill or to hurt, a child bundled into a car), unless the
      message puts it in the past or says it is over ("he threatened her with a knife last year",
      "he's gone now and she's asleep") with no word that it is happening now, or
    * a young child alone in a dangerous place (a dual carriageway, a balcony, the water), unless
      it is habit or hearsay ("she is often on the balcony on her own"), or
    * someone trying to take a child off who is a stranger to the child ("trying to get her off
      the bus ... she doesn't know him"), or
    * harm in progress ("he's hitting her", "she is being hurt") that is not reported speech,
      suspicion, habit or a general question ("she told me he is hitting her", "he is always
      hitting", "is smacking abuse?"), or
    * harm, distress or a hazard together with an urgency word ("hit her just now",
      "screaming right now"); beside a habit ("all the time") a word such as "tonight" does not
      make the habit's own verb ("she screams at her") happening now.

    A child alone counts only when young: when every age the message gives is 13 or more ("my 16
    year old is home on his own tonight"), being on their own is not danger by itself.

    ``over`` is set when the message puts harm in the past, says it is over or says the child is
    not in danger now ("no, not immediate"), or describes a habit ("most nights", "all the time")
    with no word of this moment, and nothing in it is happening now:
    the dialogue then asks whether the child is in danger right now instead of saying "call 999 now".
    """
    spans: Dict[str, List[str]] = {label: [] for label in DANGER_LABELS}
    # Harm in progress said as a habit in the same breath ("they are left by themselves most
    # evenings"), as opposed to "he's hitting her, he always does this".
    habitual_in_progress = 0
    teenager = _youngest_age(doc) >= OLD_ENOUGH_TO_BE_ALONE
    not_now_ends = [ent.end for ent in doc.ents if ent.label_ == "not_now"]
    for ent in doc.ents:
        if teenager and ent.label_ == "harm_in_progress" and _ALONE_WORDS & {t.lower_ for t in ent}:
            # "my 16 year old is home on his own tonight": not a young child alone.
            continue
        if ent.label_ == "urgency" and _denied_time(ent, not_now_ends):
            # "no, not at this minute", "she's not in danger right this minute": a "not now".
            spans["not_now"].append(ent.text)
            not_now_ends.append(ent.end)
            continue
        if ent.label_ in spans and not (ent.label_ in ("over", "safe_now") and _negated(ent)):
            spans[ent.label_].append(ent.text)
            if ent.label_ == "harm_in_progress" and _said_as_habit(ent):
                habitual_in_progress += 1
    hedged = any(token.lower_ in HEDGE_WORDS for token in doc) or is_general_question(doc)
    # "now" alone ("she's 9 now", "they're safe now") does not say that harm is happening now.
    strong_urgency = [text for text in spans["urgency"] if text.lower() not in WEAK_URGENCY]
    # Beside a past, finished or "not now" cue, only a strong urgency word counts: "it's morning
    # now" after "last night there was screaming" does not bring the screaming into the present.
    past_or_not_now = bool(spans["over"] or spans["not_now"] or spans["safe_now"])
    urgency = strong_urgency if past_or_not_now else spans["urgency"]
    long_gone = any(text.lower() in LONG_AGO for text in spans["over"]) and not strong_urgency
    happening_now = (
        bool(strong_urgency or (spans["present_danger"] and not long_gone))
        or (bool(spans["harm_in_progress"]) and not hedged)
        or bool(spans["distress"] and urgency)
    )
    # A habit ("most nights", "all the time") with no word of this moment and nothing that is
    # danger whatever the time: a worry, as something over is.
    habit_only = bool(spans["habit"]) and not (
        spans["urgency"]
        or len(spans["harm_in_progress"]) > habitual_in_progress
        or spans["danger_sign"]
        or (spans["hazard"] and spans["alone"])
    )
    over = (past_or_not_now or habit_only) and not happening_now

    # A state of the child that is danger whatever the hour ("she's taken an overdose") is put in
    # the past only by time long gone ("back in march", "two years ago"), never by "this morning".
    reasons: List[str] = [] if long_gone else [f"danger now: {text}" for text in spans["present_danger"]]
    # A weapon or a threat is put aside only by time ("last year"), never by the person's own
    # "it's not an emergency".
    if not (over and spans["over"]):
        reasons += [f"danger sign: {text}" for text in spans["danger_sign"]]
    if spans["hazard"] and spans["alone"] and not hedged and not over:
        reasons += [f"alone by a hazard: {text}" for text in spans["hazard"]]
    lure = _LURE.search(doc.text.replace("\u2019", "'"))
    if lure and spans["stranger"] and not over:
        # "a man keeps trying to get her off the bus ... she says she doesn't know him"
        reasons.append(f"a stranger taking a child: {lure.group()}")
    if urgency and not over:
        for label in ("harm_in_progress", "harm", "distress", "hazard"):
            reasons += [
                f"{label.replace('_', ' ')} with urgency: {text}"
                for text in spans[label]
                if strong_urgency or not (spans["habit"] and _said_of_a_habit(text))
            ]
    elif not hedged:
        reasons += [f"harm in progress: {text}" for text in spans["harm_in_progress"]]
    return DangerAssessment(immediate=bool(reasons), reasons=tuple(reasons), over=over and not reasons)
