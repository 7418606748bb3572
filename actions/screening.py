"""The first questions: is a child in immediate danger, and who is asking.

The decisions are plain functions (``screening_questions``, ``next_steps``) so they can be
read and tested without Rasa; the actions below only translate between a tracker and them.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nlp.names import CUES_KEY, DANGER_INTENT, SAFETY_NET_KEY
from nlp.patterns import phrases

WORRY_INTENT = "express_worry_about_child"
DISCLOSURE_INTENT = "report_child_disclosure"
REFERRAL_INTENT = "request_referral"
CONCERN_INTENTS = (WORRY_INTENT, DISCLOSURE_INTENT, REFERRAL_INTENT)

IMMEDIATE_DANGER = "immediate_danger"
REFERRER_TYPE = "referrer_type"
ADVISED_999 = "advised_999"
NEXT_STEP = "next_step"
CHILD = "child"

# How a person's stated role maps to the kind of referrer, when they type it instead of choosing
# a button ("I'm his form tutor"). The words are the spaCy pipeline's relationship entities.
PROFESSIONAL_ROLES = frozenset(
    phrases("""
    teacher | headteacher | head | ta | senco | dsl | nurse | midwife | gp | doctor | paramedic
    dentist | pharmacist | police | officer | pcso | counsellor | therapist | psychologist | physio
    head teacher | teaching assistant | class teacher | form tutor | designated safeguarding lead
    school nurse | health visitor | social worker | family support worker | youth worker
    police officer | nursery worker | nursery practitioner | early years practitioner
    support worker | mental health nurse | community nurse | practice nurse
    """)
)
PARENT_CARER_ROLES = frozenset(
    phrases("""
    mum | mom | mummy | mam | mother | dad | daddy | father | parent | parents | carer | guardian
    stepdad | stepfather | stepmum | stepmom | stepmother | step dad | step-dad | step mum | step-mum
    foster carer | foster parent | foster mum | foster dad | kinship carer | special guardian
    """)
)
SHORT_ANSWER_WORDS = 8


def screening_questions(
    referrer_type: Optional[Text],
    immediate_danger: Optional[Text],
    described_a_concern: bool,
    refer_after_999: bool = False,
) -> List[Text]:
    """The screening questions still to ask, in order (Rasa skips those already answered).

    Nothing more is asked once the person says a child is, or may be, in immediate danger (999
    comes first), or once a child or young person is talking about themselves (Childline, not a
    referral), except who is asking when someone already told to call 999 then asks to refer
    (``refer_after_999``): a child is not put through the referral, and a member of the public is
    offered anonymity. A person who has described a concern is asked about danger first; someone
    who only said hello is first asked who they are.
    """
    if referrer_type == CHILD:
        return []
    if immediate_danger in ("yes", "not_sure"):
        return [REFERRER_TYPE] if refer_after_999 else []
    if described_a_concern:
        return [IMMEDIATE_DANGER, REFERRER_TYPE]
    return [REFERRER_TYPE, IMMEDIATE_DANGER]


def next_step(
    referrer_type: Optional[Text],
    immediate_danger: Optional[Text],
    advised_999: bool,
    concern: Optional[Text],
    asked_to_refer: bool = False,
) -> Text:
    """What follows the screening questions; data/rules/next_steps.yml says what each step says.

    A child who is, or may be, in immediate danger means 999 first. Once 999 has been advised, a
    person who then asks to make a referral (``asked_to_refer``) and has said who they are is
    taken through it: the guidance says to tell Children's Services once the police are called.
    """
    if referrer_type == CHILD:
        return "childline"
    if immediate_danger in ("yes", "not_sure"):
        if advised_999 and asked_to_refer and referrer_type:
            return "referral"
        if immediate_danger == "yes":
            return "after_999" if advised_999 else "call_999"
        return "unsure_danger"
    return {DISCLOSURE_INTENT: "disclosure", WORRY_INTENT: "worry", REFERRAL_INTENT: "referral"}.get(
        concern, "menu"
    )


def referrer_type_for(role: Text) -> Text:
    """The kind of referrer someone is, from the role they gave ("form tutor" -> professional)."""
    role = role.lower().strip()
    if role in PROFESSIONAL_ROLES:
        return "professional"
    if role in PARENT_CARER_ROLES:
        return "parent_carer"
    return "public"


def latest_concern(tracker: Tracker) -> Optional[Text]:
    """The most recent concern the person described in this conversation, if any.

    A message that answered "Is the child in immediate danger right now?" ("no, not right this
    minute, her mum came back") may be classified as a concern too; it is the answer, not a new
    concern, so an earlier concern decides when there is one."""
    concerns: List[Text] = []
    answers: List[Text] = []
    asked: Optional[Text] = None
    # A concern said while the danger question waited, until it is known whether it answered it.
    pending: Optional[Text] = None
    for event in tracker.events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == IMMEDIATE_DANGER and pending:
            answers.append(pending)
            pending = None
        elif kind == "slot" and event.get("name") == "requested_slot":
            asked = event.get("value")
        elif kind == "user":
            if pending:
                concerns.append(pending)
                pending = None
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent in CONCERN_INTENTS:
                if asked == IMMEDIATE_DANGER:
                    pending = intent
                else:
                    concerns.append(intent)
    if pending:
        concerns.append(pending)
    if concerns:
        return concerns[-1]
    return answers[-1] if answers else None


def asked_to_refer_since_danger(tracker: Tracker) -> bool:
    """Whether the person asked to make a referral after their latest message about danger."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent == REFERRAL_INTENT:
                return True
            if intent == DANGER_INTENT:
                return False
    return False


def described_danger_or_concern(tracker: Tracker) -> bool:
    return any(
        event.get("event") == "user"
        and (event.get("parse_data") or {}).get("intent", {}).get("name") in (*CONCERN_INTENTS, DANGER_INTENT)
        for event in tracker.events
    )


class ValidateScreeningForm(FormValidationAction):
    """Asks the screening questions in the order ``screening_questions`` gives."""

    def name(self) -> Text:
        return "validate_screening_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        return screening_questions(
            tracker.get_slot(REFERRER_TYPE),
            tracker.get_slot(IMMEDIATE_DANGER),
            described_danger_or_concern(tracker),
            refer_after_999=bool(tracker.get_slot(ADVISED_999)) and asked_to_refer_since_danger(tracker),
        )

    async def extract_immediate_danger(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A typed "no, not immediate, ..." or a message about something over answers the danger
        question (``typed_danger_answer``), so it is not asked a second time."""
        if tracker.get_slot("requested_slot") != IMMEDIATE_DANGER or tracker.get_slot(IMMEDIATE_DANGER):
            return {}
        answer = typed_danger_answer(tracker.latest_message or {})
        return {IMMEDIATE_DANGER: answer} if answer else {}

    async def extract_referrer_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A short typed answer naming one role ("her nan", "I'm his form tutor") answers the question.

        Only when the question was asked and no button or recognised answer filled it; a longer
        message that mentions someone ("his mum is my friend") is not taken as the answer.
        """
        if tracker.get_slot("requested_slot") != REFERRER_TYPE or tracker.get_slot(REFERRER_TYPE):
            return {}
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or ""
        if intent.startswith("identify_as_") or intent in (DANGER_INTENT, "faq"):
            return {}
        roles = [e["value"] for e in message.get("entities", []) if e.get("entity") == "relationship"]
        if len(roles) != 1 or len((message.get("text") or "").split()) > SHORT_ANSWER_WORDS:
            return {}
        return {REFERRER_TYPE: referrer_type_for(roles[0])}


# A typed answer to "Is the child in immediate danger right now?" that starts with yes or no and
# goes on to describe the concern ("no, not immediate. bruises again, she's home with mum now"), or
# says no in looser words: "not at this minute", "not in any danger now", "nothing's happening now".
_LEADING_NO = re.compile(
    r"^\W*(?:no+|nope|nah|naw"
    r"|not\s+(?:immediate(?:ly)?|now|right\s+(?:now|this)|at\s+(?:the|this|present|all)|just\s+now|currently"
    r"|tonight|today|this\s+(?:minute|second|moment|time)|really\b(?!\s+sure)"
    r"|(?:in\s+)?(?:any\s+|immediate\s+)?danger|an?\s+emergency|urgent|that\s+i\s+(?:know|can\s+tell))"
    r"|nothing(?:'s|s|\s+is)?\s+(?:happening|going\s+on))\b",
    re.I,
)
_LEADING_YES = re.compile(r"^\s*(?:yes|yeah|yep|yh)\b", re.I)
# Doubt: "no idea", "not sure", "i don't know if she's safe" is not a no.
_UNSURE = re.compile(
    r"\b(?:not\s+(?:really\s+)?sure|unsure|no\s+idea|no\s+clue|not\s+certain|maybe|might\s+be|could\s+be"
    r"|(?:don'?t|do\s+not|dont)\s+know\s+(?:if|whether))\b",
    re.I,
)
# An adult who looks after the child is back with them: "her mum came back an hour ago", "mum's back",
# "dad's home now". Said to the danger question, a no, unless the message goes on ("but", "still",
# "again", "drunk") or describes danger (then the safety net has already said so).
_CARER_BACK = re.compile(
    r"\b(?:mum|mom|mam|mummy|mother|dad|daddy|father|parents?|nan|nana|nanna|gran|granny|grandma|grandad"
    r"|grandparents|carer|carers|foster\s+carer|aunt|auntie|aunty)"
    r"(?:'s|\u2019s|s|\s+is|\s+has|\s+have|\s+are|'ve|\s+just)?\s*(?:just\s+)?(?:come\s+|came\s+|got\s+|gotten\s+)?"
    r"(?:back|home)\b",
    re.I,
)
_GOES_ON = re.compile(r"\b(?:but|though|although|except|still|again|drunk|high|off (?:her|his) face)\b", re.I)
# What the danger question's typed answer is never read from: danger (999 comes first), a question
# (answered first), a child about themselves (Childline) or another language (its own answer).
_NOT_AN_ANSWER = frozenset(
    {DANGER_INTENT, "faq", "child_seeking_help", "identify_as_child", "other_language"}
)


def typed_danger_answer(message: Dict[Text, Any]) -> Optional[Text]:
    """ "yes"/"no" for a typed answer to the danger question that a button payload or the intent
    did not give: a leading yes or no ("no, not right this minute", "nope hes at his nans now"),
    or (for "no") a message the safety net read as over or safe now ("she's at home with me and
    she's fine, it was just messages", "its over, he's gone"), or one saying an adult who looks
    after the child is back with them ("her mum came back an hour ago"). None when it says neither,
    when it doubts ("no idea"), and always when the safety net found danger in it: danger now is
    never read as a no."""
    message = message or {}
    text = (message.get("text") or "").replace("\u2019", "'")
    intent = (message.get("intent") or {}).get("name") or ""
    if intent in _NOT_AN_ANSWER or text.startswith("/") or message.get(SAFETY_NET_KEY):
        return None
    if _LEADING_YES.match(text):
        return "yes"
    if _UNSURE.search(text):
        return None
    if _LEADING_NO.match(text):
        return "no"
    if (message.get(CUES_KEY) or {}).get("over"):
        return "no"
    if _CARER_BACK.search(text) and not _GOES_ON.search(text):
        return "no"
    return None


def written_by_a_child(message: Dict[Text, Any]) -> bool:
    """Whether the safety net read the message as a child writing about themselves."""
    return ((message or {}).get(CUES_KEY) or {}).get("writer") == CHILD


class ActionRecordImmediateDanger(Action):
    """Remembers that a message described immediate danger and that 999 was advised; a child
    writing about themselves is remembered as a child, so what follows 999 is Childline."""

    def name(self) -> Text:
        return "action_record_immediate_danger"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events: List[EventType] = [SlotSet(IMMEDIATE_DANGER, "yes"), SlotSet(ADVISED_999, True)]
        if written_by_a_child(tracker.latest_message) and not tracker.get_slot(REFERRER_TYPE):
            events.append(SlotSet(REFERRER_TYPE, CHILD))
        return events


class ActionChooseNextSteps(Action):
    """After the screening questions: sets ``next_step``, which the rules turn into responses."""

    def name(self) -> Text:
        return "action_choose_next_steps"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        step = next_step(
            tracker.get_slot(REFERRER_TYPE),
            tracker.get_slot(IMMEDIATE_DANGER),
            bool(tracker.get_slot(ADVISED_999)),
            latest_concern(tracker),
            asked_to_refer=asked_to_refer_since_danger(tracker),
        )
        events: List[EventType] = [SlotSet(NEXT_STEP, step)]
        if step in ("call_999", "unsure_danger"):
            events.append(SlotSet(ADVISED_999, True))
        return events
