"""What each message does to the referral form: the form's decisions, as plain functions.

``decide`` takes the question being asked, the message (its text, intent, confidence, the safety
net's decision, the guidance answer the classifier picked) and the answers so far, and returns a
``Step``: the slots to set and the responses to say. The Rasa action (``form.py``) only
translates a tracker into these arguments and the step into events.

In order, for the question being asked:
1. a screening answer the message happened to match keeps the value it had (the message
   answers the referral question, not "who is asking");
2. danger comes first: "call 999 now", then the same question again, or, for a question whose
   answer describes events, the description kept as the answer;
3. a question about the service is answered, then the same question again;
4. "I'll come back to this" (``leave_for_now``) asks to confirm stopping, as "stop" does;
5. otherwise the answer: stop, go back, change another answer, the summary's choices, or the
   question's validator (stored, or asked again with the reason).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Text, Tuple

from actions.referral.answers import phrases_of, yes_or_no
from actions.referral.contract import MAX_CHILDREN
from actions.referral.questions import (
    ANOTHER_CHILD,
    ANSWER_SLOTS,
    CHANGE_WHICH,
    CHANGEABLE,
    CHILD_SLOTS,
    CONFIRM_CANCEL,
    CONFIRM_REFERRAL,
    CONTROL_SLOTS,
    QUESTION_TITLES,
    check,
    current_child,
)
from nlp.names import DANGER_INTENT

RETRIES_BEFORE_OFFERING_SKIP = 2
YES_OR_NO = "Please answer yes or no."
SEND_CHANGE_OR_CANCEL = "Please say send, change an answer, or cancel."
# What yes and no also mean to the form's own questions: "send it" to the summary, "carry on" to
# "do you want to stop?".
_ALSO_YES = phrases_of("ok | okay | sure | send | please do")
_ALSO_NO = phrases_of("carry on | continue | keep going")

# The screening answers a referral answer may have matched by accident.
SCREENING_SLOTS = ("referrer_type", "immediate_danger", "next_step")
# The classifier is sure of itself on short out-of-place answers ("in the park"); in the form, its
# danger call counts for longer messages, and the rule-based safety net's for any.
DANGER_CONFIDENCE = 0.9
DANGER_WORDS = 4
# Questions whose answers describe events: an answer that describes danger is also kept as the answer.
DESCRIPTIVE_QUESTIONS = frozenset({"description", "child_words", "child_location_now", "person_of_concern"})
# Where the classifier's danger call counts (and the rule-based safety net's everywhere): what
# happened, in the person's or the child's words. "Where is the child now?" is answered with a
# place ("at home with her dad"), which the classifier takes for danger; only the net counts there.
CLASSIFIER_DANGER_QUESTIONS = DESCRIPTIVE_QUESTIONS - {"child_location_now"}
# Intents that mean "stop for now" at any question, as "stop" does.
STOP_INTENTS = frozenset({"leave_for_now"})
STOP_INTENT_WORDS_AT_MOST = 12
# ...and only when the message says so in words: an answer such as "mum's partner" (to "who might
# be harming the child?") can be classified as leaving, and must be kept as the answer.
_LEAVING_CUES = re.compile(
    r"\b(later|come back|get back|be back|not now|not right now|another time|some other time|"
    r"(have|got|need|needs|must) to go|gotta go|i'?m off|leave (it|this)|leaving|stop|pause|wait|"
    r"hold on|hang on|think (about|it over)|talk it over|busy|tomorrow|save (it|this)|"
    r"finish (it|this|later)|carry on later|take a break|a minute|a moment|another day)\b",
    re.I,
)


@dataclass(frozen=True)
class Message:
    """The person's latest message as the form needs it."""

    text: Any
    intent: Optional[Text] = None
    confidence: float = 0.0
    # Whether the rule-based safety net found immediate danger (nlp/safety_net.py).
    safety_net: bool = False
    # The guidance answer (utter_faq/...) the response selector chose, when the intent is a question.
    faq_response: Optional[Text] = None


@dataclass
class Step:
    """What one message changes (slot values) and what the assistant says (responses with values)."""

    slots: Dict[Text, Any] = field(default_factory=dict)
    say: List[Tuple[Text, Dict[Text, Any]]] = field(default_factory=list)


# --- what the person can say at any question ---------------------------------------------------

_STOP = re.compile(
    r"^\s*(stop|cancel|quit|end|forget it|i want to stop|stop (the|this|my) referral|don'?t send( it)?)\W*$",
    re.I,
)
_GO_BACK = re.compile(r"^\s*(go back|back|previous( question)?|undo|go back please|can i go back)\W*$", re.I)
_QUESTION_OPENERS = re.compile(
    r"^\s*(what|how|why|when|who|where|which|will|would|can|could|do|does|did|is|are|should|shall|may)\b",
    re.I,
)


def is_stop(text: Any) -> bool:
    return isinstance(text, str) and bool(_STOP.match(text))


def is_go_back(text: Any) -> bool:
    return isinstance(text, str) and bool(_GO_BACK.match(text))


def is_question(text: Any) -> bool:
    """ "will they know it was me?", "what happens next" — not "yes, I want to stay anonymous"."""
    return isinstance(text, str) and (text.rstrip().endswith("?") or bool(_QUESTION_OPENERS.match(text)))


def change_target(text: Any) -> Optional[Text]:
    """The question a request such as "change the address" or "The child's age" is about."""
    if not isinstance(text, str):
        return None
    lowered = text.lower()
    for title_slot, title in QUESTION_TITLES.items():
        if lowered.strip() == title.lower():
            return title_slot
    if not re.search(r"\b(change|wrong|correct|edit|fix|update)\b", lowered):
        return None
    for pattern, slot in CHANGEABLE:
        if re.search(pattern, lowered):
            return slot
    return None


def form_yes_or_no(text: Any) -> Optional[bool]:
    """Yes or no to one of the form's own questions (another child, stop, the summary)."""
    return yes_or_no(text, yes=_ALSO_YES, no=_ALSO_NO)


def describes_danger(message: Message, question: Optional[Text] = None) -> bool:
    """Whether an answer given in the form describes immediate danger (then: "call 999 now")."""
    if message.safety_net:
        return True
    if question is not None and question not in CLASSIFIER_DANGER_QUESTIONS:
        return False
    words = len(str(message.text or "").split())
    return (
        message.intent == DANGER_INTENT and message.confidence >= DANGER_CONFIDENCE and words >= DANGER_WORDS
    )


# --- one message -------------------------------------------------------------------------------


def decide(
    question: Text,
    message: Message,
    slots: Mapping[Text, Any],
    screening_before: Optional[Mapping[Text, Any]] = None,
) -> Step:
    """What ``message``, given while ``question`` is asked, does to the form.

    ``slots`` are the form's slots now; ``screening_before`` the screening answers as they were
    before this message (``SCREENING_SLOTS``), so that one the message matched by accident keeps
    its value.
    """
    step = Step()
    for name, before in (screening_before or {}).items():
        if slots.get(name) != before:
            step.slots[name] = before
    if describes_danger(message, question) and (
        slots.get("referral_999_at") != question or message.safety_net
    ):
        # First, in every state: the same wording as everywhere else (domain.yml).
        step.say.append(("utter_call_999_now", {}))
        step.slots.update(immediate_danger="yes", advised_999=True, referral_999_at=question)
        if question not in DESCRIPTIVE_QUESTIONS:
            # "he's hitting her" is no child's name: the question is asked again.
            step.slots[question] = None
            return step
        # A description of danger is also the answer: kept, so nothing has to be typed twice.
    if message.intent == "faq" and message.faq_response and is_question(message.text):
        # A question about the service mid-referral: answered, then the same question again.
        step.say.append((message.faq_response, {}))
        step.slots[question] = None
        return step
    if (
        message.intent in STOP_INTENTS
        and question != CONFIRM_CANCEL
        and len(str(message.text or "").split()) <= STOP_INTENT_WORDS_AT_MOST
        and bool(_LEAVING_CUES.search(str(message.text or "")))
    ):
        # "I'll come back to this": asked to confirm, as "stop" is, so nothing is kept by mistake.
        step.slots.update({question: None, "referral_cancel_requested": True})
        return step
    answered = answer(question, message.text, slots)
    step.say += answered.say
    step.slots.update(answered.slots)
    if not slots.get("referral_id"):
        step.slots["referral_id"] = str(uuid.uuid4())
    return step


def answer(question: Optional[Text], text: Any, slots: Mapping[Text, Any]) -> Step:
    """What the answer ``text`` to ``question`` does, given the form's slots so far."""
    answered: List[Text] = list(slots.get("referral_answered") or [])
    step = Step()
    if question is None:
        return step

    if question == CONFIRM_CANCEL:
        choice = form_yes_or_no(text)
        if choice is True:
            step.slots = {name: None for name in (*ANSWER_SLOTS, *CONTROL_SLOTS)}
            step.slots.update(referral_outcome="cancelled", referral_cancel_requested=False)
        elif choice is False:
            step.slots = {CONFIRM_CANCEL: None, "referral_cancel_requested": False}
        else:
            step.slots = {CONFIRM_CANCEL: None}
            step.say.append(("utter_referral_not_valid", {"reason": YES_OR_NO}))
        return step

    if is_stop(text):
        step.slots = {question: None, "referral_cancel_requested": True}
        return step

    if is_go_back(text):
        step.slots = {question: None}
        if answered:
            previous = answered[-1]
            step.slots.update({previous: None, "referral_answered": answered[:-1]})
        return step

    target = change_target(text)
    if target and question != CHANGE_WHICH:
        step.slots = {question: None, target: None, "referral_answered": [q for q in answered if q != target]}
        return step

    if question == CONFIRM_REFERRAL:
        lowered = str(text).lower()
        if "change" in lowered:
            step.slots = {CONFIRM_REFERRAL: "change"}
        elif "cancel" in lowered or form_yes_or_no(text) is False:
            step.slots = {CONFIRM_REFERRAL: None, "referral_cancel_requested": True}
        elif form_yes_or_no(text) is True:
            step.slots = {CONFIRM_REFERRAL: "send"}
        else:
            step.slots = {CONFIRM_REFERRAL: None}
            step.say.append(("utter_referral_not_valid", {"reason": SEND_CHANGE_OR_CANCEL}))
        return step

    if question == CHANGE_WHICH:
        target = change_target(f"change {text}") or change_target(text)
        step.slots = {CHANGE_WHICH: None}
        if target:
            step.slots.update(
                {
                    target: None,
                    CONFIRM_REFERRAL: None,
                    "referral_answered": [q for q in answered if q != target],
                }
            )
        return step

    if question == ANOTHER_CHILD:
        choice = form_yes_or_no(text)
        if choice is None:
            step.slots = {ANOTHER_CHILD: None}
            step.say.append(("utter_referral_not_valid", {"reason": YES_OR_NO}))
            return step
        # ``children`` holds the children already finished; the one being asked about stays in the
        # child_* slots until another is added, so that it can still be changed from the summary.
        children = [*list(slots.get("children") or []), current_child(slots)]
        if choice and len(children) < MAX_CHILDREN:
            step.slots = {"children": children, ANOTHER_CHILD: None, **{s: None for s in CHILD_SLOTS}}
            # Where the child is now is asked once, for the first child: no longer offered for change.
            step.slots["referral_answered"] = [
                q for q in answered if q not in CHILD_SLOTS and q != "child_location_now"
            ]
        else:
            step.slots = {ANOTHER_CHILD: "no"}
        return step

    checked = check(question, text)
    if not checked.accepted:
        retries = int(slots.get("referral_retries") or 0) + 1
        step.slots = {question: None, "referral_retries": retries}
        step.say.append(("utter_referral_not_valid", {"reason": checked.reason}))
        if retries >= RETRIES_BEFORE_OFFERING_SKIP:
            step.say.append(("utter_referral_offer_skip_or_phone", {}))
        return step
    step.slots = {
        question: checked.slot_value,
        "referral_retries": 0,
        "referral_answered": [*[q for q in answered if q != question], question],
    }
    return step


def what_next(payload: Mapping[Text, Any]) -> Text:
    """The response that tells the person what happens next for them."""
    referrer = payload.get("referrer") or {}
    if referrer.get("type") == "professional":
        return "utter_referral_what_next_professional"
    if referrer.get("type") == "parent_carer":
        return "utter_referral_what_next_parent_carer"
    if referrer.get("anonymous"):
        return "utter_referral_what_next_anonymous"
    return "utter_referral_what_next_public"
