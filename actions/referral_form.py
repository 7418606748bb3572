"""The referral form: which questions fit the person, what each answer becomes, and the hand-off.

The decisions are plain functions (``referral_questions``, ``answer``, ``answers_for_payload``,
``what_next``); the actions below only translate between a tracker and them. What each answer
means is checked by ``actions/referral.py``; delivery is ``actions/outbox.py``.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import referral
from actions.outbox import submit

logger = logging.getLogger(__name__)

FORM = "referral_form"
CHILD_FIELDS = ("child_name", "child_age", "child_address", "child_location_now")
CONTROL_SLOTS = (
    "referral_999_at",
    "confirm_referral",
    "change_which",
    "confirm_cancel",
    "referral_cancel_requested",
    "referral_retries",
    "referral_answered",
    "children",
    "another_child",
    "referral_id",
)
ANSWER_SLOTS = (
    "anonymous",
    "name",
    "job_title",
    "agency",
    "phone",
    "email",
    "relationship_to_child",
    "knowledge_source",
    *CHILD_FIELDS,
    "categories",
    "description",
    "child_words",
    "when",
    "where",
    "person_of_concern",
    "harmed_or_at_risk",
    "parents_aware",
    "consent_given",
    "reason_not_sought",
)
RETRIES_BEFORE_OFFERING_SKIP = 2
YES_OR_NO = "Please answer yes or no."
SEND_CHANGE_OR_CANCEL = "Please say send, change an answer, or cancel."
SCHOOL_WORDS = re.compile(r"\b(school|primary|academy|college|nursery|infants|juniors|secondary)\b", re.I)


def referral_questions(slots: Mapping[Text, Any]) -> List[Text]:
    """The questions for this person, in order (Rasa asks the first one not yet answered).

    A member of the public is asked first whether they want to stay anonymous, and if so is never
    asked for a name or contact details; a professional is asked for job title and organisation and
    about parental consent; a parent or carer gives contact details. The child's own words are asked
    for only when the child told the person.
    """
    if slots.get("referral_outcome") == "cancelled":
        return []
    if slots.get("referral_cancel_requested"):
        return ["confirm_cancel"]
    kind = slots.get("referrer_type")
    anonymous = kind == "public" and slots.get("anonymous") is True
    questions: List[Text] = ["anonymous"] if kind == "public" else []
    if not anonymous:
        questions.append("name")
    if kind == "professional":
        questions += ["job_title", "agency"]
    if not anonymous:
        questions += ["phone", "email"]
    questions += ["relationship_to_child", "knowledge_source", "child_name", "child_age", "child_address"]
    if not slots.get("children"):
        questions.append("child_location_now")
    questions += ["another_child", "categories", "description"]
    if slots.get("knowledge_source") == "child_told_me":
        questions.append("child_words")
    questions += ["when", "where", "person_of_concern", "harmed_or_at_risk"]
    if kind == "professional":
        questions += ["parents_aware", "consent_given"]
        if slots.get("consent_given") not in (None, "yes"):
            questions.append("reason_not_sought")
    if slots.get("confirm_referral") == "change":
        return [*questions, "change_which"]
    return [*questions, "confirm_referral"]


# --- what the person can say at any question ---------------------------------------------------

_STOP = re.compile(
    r"^\s*(stop|cancel|quit|end|forget it|i want to stop|stop (the|this|my) referral|don'?t send( it)?)\W*$",
    re.I,
)
_GO_BACK = re.compile(r"^\s*(go back|back|previous( question)?|undo|go back please|can i go back)\W*$", re.I)
_YES = re.compile(r"^\s*(yes|yeah|yep|y|ok|okay|sure|send|send it|please do)\b", re.I)
_NO = re.compile(r"^\s*(no|nope|nah|n|carry on|continue|keep going)\b", re.I)

# Words a person uses for an answer they want to change, and the question it belongs to.
CHANGEABLE: Tuple[Tuple[Text, Text], ...] = (
    (r"\banonym", "anonymous"),
    (r"\bmy name\b|\byour name\b", "name"),
    (r"\bjob\b|\btitle\b|\brole\b", "job_title"),
    (r"\bagency\b|\borgani[sz]ation\b|\bemployer\b", "agency"),
    (r"\bphone\b|\bnumber\b|\bmobile\b", "phone"),
    (r"\be-?mail\b", "email"),
    (r"\bhow i know\b|\brelationship\b", "relationship_to_child"),
    (r"\bhow i found out\b|\bsource\b", "knowledge_source"),
    (r"\bchild'?s name\b|\bher name\b|\bhis name\b|\btheir name\b", "child_name"),
    (r"\bage\b|\bhow old\b|\bbirth", "child_age"),
    (r"\baddress\b|\bschool\b|\bwhere (she|he|they) live", "child_address"),
    (r"\bwhere (she|he|they) (is|are) now\b|\bnow\b", "child_location_now"),
    (r"\bkind of harm\b|\bcategor|\btype\b", "categories"),
    (r"\bwhat happened\b|\bdescription\b|\bdetails\b", "description"),
    (r"\bchild said\b|\bwords\b", "child_words"),
    (r"\bwhen\b|\bdate\b|\btime\b", "when"),
    (r"\bwhere\b|\bplace\b", "where"),
    (r"\bperson\b|\bwho\b|\babuser\b", "person_of_concern"),
    (r"\bharmed\b|\brisk\b", "harmed_or_at_risk"),
    (r"\bparents? (know|aware)\b|\baware\b", "parents_aware"),
    (r"\bconsent\b", "consent_given"),
    (r"\breason\b|\bwhy not\b", "reason_not_sought"),
)

# How the change list names each question.
QUESTION_TITLES: Dict[Text, Text] = {
    "anonymous": "Staying anonymous",
    "name": "Your name",
    "job_title": "Your job title",
    "agency": "Your organisation",
    "phone": "Your phone number",
    "email": "Your email address",
    "relationship_to_child": "How you know the child",
    "knowledge_source": "How you know about this",
    "child_name": "The child's name",
    "child_age": "The child's age",
    "child_address": "The child's address or school",
    "child_location_now": "Where the child is now",
    "categories": "The kind of harm",
    "description": "What happened",
    "child_words": "What the child said",
    "when": "When it happened",
    "where": "Where it happened",
    "person_of_concern": "Who might be harming the child",
    "harmed_or_at_risk": "Whether the child is harmed or at risk",
    "parents_aware": "Whether the parents know",
    "consent_given": "Consent",
    "reason_not_sought": "Why consent was not sought",
}


def is_stop(text: Any) -> bool:
    return isinstance(text, str) and bool(_STOP.match(text))


def is_go_back(text: Any) -> bool:
    return isinstance(text, str) and bool(_GO_BACK.match(text))


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


_QUESTION_OPENERS = re.compile(
    r"^\s*(what|how|why|when|who|where|which|will|would|can|could|do|does|did|is|are|should|shall|may)\b",
    re.I,
)


def is_question(text: Any) -> bool:
    """ "will they know it was me?", "what happens next" — not "yes, I want to stay anonymous"."""
    return isinstance(text, str) and (text.rstrip().endswith("?") or bool(_QUESTION_OPENERS.match(text)))


def yes_or_no(text: Any) -> Optional[bool]:
    if isinstance(text, bool):
        return text
    if not isinstance(text, str):
        return None
    if _YES.match(text):
        return True
    if _NO.match(text):
        return False
    return None


# --- one answer ---------------------------------------------------------------------------------


@dataclass
class Step:
    """What one answer changes (slot values) and what the assistant says (responses with values)."""

    slots: Dict[Text, Any] = field(default_factory=dict)
    say: List[Tuple[Text, Dict[Text, Any]]] = field(default_factory=list)


def _check(question: Text, text: Any) -> referral.Checked:
    short, long_ = referral.SHORT_TEXT_MAX, referral.LONG_TEXT_MAX
    checks = {
        "anonymous": referral.validate_anonymous,
        "name": referral.validate_name,
        "child_name": referral.validate_name,
        "phone": referral.validate_uk_phone,
        "email": referral.validate_email,
        "knowledge_source": referral.validate_knowledge_source,
        "categories": referral.validate_categories,
        "harmed_or_at_risk": referral.validate_harmed_or_at_risk,
        "parents_aware": referral.validate_parents_aware,
        "consent_given": referral.validate_consent_given,
        "reason_not_sought": referral.validate_reason_not_sought,
        "description": lambda t: referral.validate_text(t, long_),
        "child_words": lambda t: referral.validate_text(t, long_),
        "child_age": _check_age,
    }
    check = checks.get(question, lambda t: referral.validate_text(t, short, single_line=True))
    return check(text)


def _check_age(text: Any) -> referral.Checked:
    """An age, or a date of birth; kept as the child's ``age`` or ``date_of_birth``."""
    born = referral.validate_date_of_birth(text)
    if born.status == "ok":
        return referral.Checked("ok", {"date_of_birth": born.value})
    age = referral.validate_age(text)
    if age.status == "ok":
        return referral.Checked("ok", {"age": age.value})
    return age


def answer(question: Optional[Text], text: Any, slots: Mapping[Text, Any]) -> Step:
    """What the answer ``text`` to ``question`` does, given the form's slots so far."""
    answered: List[Text] = list(slots.get("referral_answered") or [])
    step = Step()
    if question is None:
        return step

    if question == "confirm_cancel":
        choice = yes_or_no(text)
        if choice is True:
            step.slots = {name: None for name in (*ANSWER_SLOTS, *CONTROL_SLOTS)}
            step.slots.update(referral_outcome="cancelled", referral_cancel_requested=False)
        elif choice is False:
            step.slots = {"confirm_cancel": None, "referral_cancel_requested": False}
        else:
            step.slots = {"confirm_cancel": None}
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
    if target and question != "change_which":
        step.slots = {question: None, target: None, "referral_answered": [q for q in answered if q != target]}
        return step

    if question == "confirm_referral":
        lowered = str(text).lower()
        if "change" in lowered:
            step.slots = {"confirm_referral": "change"}
        elif "cancel" in lowered or yes_or_no(text) is False:
            step.slots = {"confirm_referral": None, "referral_cancel_requested": True}
        elif yes_or_no(text) is True:
            step.slots = {"confirm_referral": "send"}
        else:
            step.slots = {"confirm_referral": None}
            step.say.append(("utter_referral_not_valid", {"reason": SEND_CHANGE_OR_CANCEL}))
        return step

    if question == "change_which":
        target = change_target(f"change {text}") or change_target(text)
        step.slots = {"change_which": None}
        if target:
            step.slots.update(
                {
                    target: None,
                    "confirm_referral": None,
                    "referral_answered": [q for q in answered if q != target],
                }
            )
        return step

    if question == "another_child":
        choice = yes_or_no(text)
        if choice is None:
            step.slots = {"another_child": None}
            step.say.append(("utter_referral_not_valid", {"reason": YES_OR_NO}))
            return step
        # ``children`` holds the children already finished; the one being asked about stays in the
        # child_* slots until another is added, so that it can still be changed from the summary.
        children = [*list(slots.get("children") or []), current_child(slots)]
        if choice and len(children) < referral.MAX_CHILDREN:
            step.slots = {"children": children, "another_child": None, **{f: None for f in CHILD_FIELDS}}
            step.slots["child_location_now"] = slots.get("child_location_now")
            step.slots["referral_answered"] = [q for q in answered if q not in CHILD_FIELDS]
        else:
            step.slots = {"another_child": "no"}
        return step

    checked = _check(question, text)
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


def current_child(slots: Mapping[Text, Any]) -> Dict[Text, Any]:
    """The child being asked about, in the contract's child fields."""
    age = slots.get("child_age")
    place = slots.get("child_address")
    at_school = isinstance(place, str) and bool(SCHOOL_WORDS.search(place))
    return {
        "name": slots.get("child_name"),
        "age": age.get("age") if isinstance(age, dict) else None,
        "date_of_birth": age.get("date_of_birth") if isinstance(age, dict) else None,
        "address": None if at_school else place,
        "school": place if at_school else None,
        "other_details": None,
    }


def answers_for_payload(slots: Mapping[Text, Any]) -> Dict[Text, Any]:
    """The form's slots as ``referral.build_payload`` reads them."""
    answers = {name: slots.get(name) for name in ANSWER_SLOTS if name not in CHILD_FIELDS}
    children = [*list(slots.get("children") or []), current_child(slots)]
    answers.update(
        referrer_type=slots.get("referrer_type"),
        children=children,
        child_location_now=slots.get("child_location_now"),
        immediate_danger=slots.get("immediate_danger"),
        advised_999=slots.get("advised_999"),
    )
    return answers


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


def channel_of(tracker: Tracker) -> Text:
    return (tracker.get_latest_input_channel() or "rest").lower()


def payload_from(tracker: Tracker, referral_id: Text) -> Dict[Text, Any]:
    return referral.build_payload(
        answers_for_payload(tracker.slots),
        referral_id=referral_id,
        conversation_id=tracker.sender_id,
        channel=channel_of(tracker),
        preview=False,
        submitted_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


SCREENING_SLOTS = ("referrer_type", "immediate_danger", "next_step")
DANGER_INTENT = "report_immediate_danger"
# The classifier is sure of itself on short out-of-place answers ("in the park"); in the form, its
# danger call counts for longer messages, and the rule-based safety net's for any.
DANGER_CONFIDENCE = 0.9
DANGER_WORDS = 4


def flagged_by_safety_net(message: Mapping[Text, Any]) -> bool:
    return bool(message.get("danger_safety_net"))


# Questions whose answers describe events; the classifier's danger call counts only for these,
# while for names, numbers, addresses and choices only the rule-based safety net does.
DESCRIPTIVE_QUESTIONS = frozenset({"description", "child_words", "child_location_now", "person_of_concern"})


def describes_danger(message: Mapping[Text, Any], question: Optional[Text] = None) -> bool:
    """Whether an answer given in the form describes immediate danger (then: "call 999 now")."""
    if flagged_by_safety_net(message):
        return True
    if question is not None and question not in DESCRIPTIVE_QUESTIONS:
        return False
    intent = message.get("intent") or {}
    words = len(str(message.get("text") or "").split())
    return (
        intent.get("name") == DANGER_INTENT
        and (intent.get("confidence") or 0) >= DANGER_CONFIDENCE
        and words >= DANGER_WORDS
    )


def value_before_this_message(tracker: Tracker, name: Text) -> Any:
    """The value a slot had before the latest message."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    for event in reversed(events[:last_user]):
        if event.get("event") == "slot" and event.get("name") == name:
            return event.get("value")
    return None


# --- actions ------------------------------------------------------------------------------------


class ValidateReferralForm(FormValidationAction):
    """Asks ``referral_questions`` and turns each answer into its value with ``answer``."""

    def name(self) -> Text:
        return "validate_referral_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        return referral_questions(tracker.slots)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = tracker.get_slot("requested_slot")
        candidates = tracker.slots_to_validate()
        # An answer can look like something else to the classifier ("I saw or heard it myself" like a
        # child saying who they are): during the referral it answers the question, and the screening
        # answers it may have matched stay as they were.
        events: List[EventType] = [SlotSet(n, v) for n, v in candidates.items() if n != question]
        if question not in candidates:
            return events
        for name in SCREENING_SLOTS:
            before = value_before_this_message(tracker, name)
            if tracker.get_slot(name) != before:
                events.append(SlotSet(name, before))
        if describes_danger(tracker.latest_message or {}, question) and (
            tracker.get_slot("referral_999_at") != question
            or flagged_by_safety_net(tracker.latest_message or {})
        ):
            # First, in every state: the same wording as everywhere else (domain.yml).
            dispatcher.utter_message(response="utter_call_999_now")
            events += [
                SlotSet("immediate_danger", "yes"),
                SlotSet("advised_999", True),
                SlotSet("referral_999_at", question),
            ]
            if question not in DESCRIPTIVE_QUESTIONS:
                # "he's hitting her" is no child's name: the question is asked again.
                return [*events, SlotSet(question, None)]
            # A description of danger is also the answer: kept, so nothing has to be typed twice.
        faq_answer = self._answer_to_a_question(tracker, candidates[question])
        if faq_answer:
            # A question about the service mid-referral: answered, then the same question again.
            dispatcher.utter_message(response=faq_answer)
            return [*events, SlotSet(question, None)]
        step = answer(question, candidates[question], tracker.slots)
        for response, values in step.say:
            dispatcher.utter_message(response=response, **values)
        if not tracker.get_slot("referral_id"):
            step.slots["referral_id"] = str(uuid.uuid4())
        return events + [SlotSet(name, value) for name, value in step.slots.items()]

    @staticmethod
    def _answer_to_a_question(tracker: Tracker, text: Any) -> Optional[Text]:
        """The guidance answer (utter_faq/...) when the message is a question about the service."""
        message = tracker.latest_message or {}
        if (message.get("intent") or {}).get("name") != "faq" or not is_question(text):
            return None
        selected = ((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return selected.get("utter_action")


class ActionAskConfirmReferral(Action):
    """Shows exactly what will be sent, then asks to send, change an answer or cancel."""

    def name(self) -> Text:
        return "action_ask_confirm_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        referral_id = tracker.get_slot("referral_id") or str(uuid.uuid4())
        lines = referral.summary_lines(payload_from(tracker, referral_id))
        dispatcher.utter_message(
            text="Here is exactly what will be sent:\n" + "\n".join(lines),
            buttons=[
                {"title": "Send it", "payload": "send it"},
                {"title": "Change an answer", "payload": "change an answer"},
                {"title": "Cancel: send nothing", "payload": "cancel"},
            ],
        )
        return [SlotSet("referral_id", referral_id)]


class ActionAskChangeWhich(Action):
    """Lists the answers given so far, to choose the one to change."""

    def name(self) -> Text:
        return "action_ask_change_which"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        answered = [q for q in tracker.get_slot("referral_answered") or [] if q in QUESTION_TITLES]
        dispatcher.utter_message(
            text="Which answer would you like to change?",
            buttons=[{"title": QUESTION_TITLES[q], "payload": QUESTION_TITLES[q]} for q in answered],
        )
        return []


class ActionSubmitReferral(Action):
    """Builds the contract payload, checks it, and hands it to the intake API through the outbox."""

    def name(self) -> Text:
        return "action_submit_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        reset = [SlotSet(name, None) for name in (*ANSWER_SLOTS, *CONTROL_SLOTS, "referral_cancel_requested")]
        if tracker.get_slot("referral_outcome") == "cancelled":
            dispatcher.utter_message(response="utter_referral_cancelled")
            return [*reset, SlotSet("referral_outcome", None)]

        payload = payload_from(tracker, tracker.get_slot("referral_id") or str(uuid.uuid4()))
        errors = referral.validate_payload(payload)
        if errors:
            # Field names only: the payload holds what the person wrote.
            logger.error("Referral not valid against the contract: %s", [e.split(":")[0] for e in errors])
            dispatcher.utter_message(response="utter_referral_phone_instead")
            return [*reset, SlotSet("referral_outcome", "phone_instead")]

        result = await submit(payload)
        if result.status == "accepted":
            dispatcher.utter_message(response="utter_referral_accepted", reference=result.reference)
            outcome = "accepted"
        elif result.status == "queued":
            dispatcher.utter_message(response="utter_referral_queued")
            outcome = "queued"
        else:
            dispatcher.utter_message(response="utter_referral_phone_instead")
            return [*reset, SlotSet("referral_outcome", "phone_instead")]
        dispatcher.utter_message(response=what_next(payload))
        dispatcher.utter_message(response="utter_referral_if_anything_changes")
        return [*reset, SlotSet("referral_outcome", outcome)]
