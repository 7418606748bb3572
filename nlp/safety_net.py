"""Rasa NLU component: a message that describes immediate danger is never lost, and a message
is read for what the classifier cannot see: time, who is writing, and the language.

It runs last in the NLU pipeline, after the intent classifier and the fallback classifier, and
decides with ``reread`` (pure, tested directly):

* immediate danger found by the project's spaCy patterns (``nlp.danger.assess``), or danger words
  in a message in another language (``nlp.languages``), makes the intent
  ``report_immediate_danger`` whatever the classifier said, so "call 999 now" comes first even
  for wording the classifier has never seen. Recall matters more than precision here: a false
  alarm costs a sentence, a missed 999 may cost a child;
* the classifier's danger call on a message that puts the harm in the past or says it is over,
  with nothing happening now ("he hit her last year", "he's gone now and she's asleep"), becomes
  a worry about a child: the dialogue then asks whether the child is in danger right now;
* a child or young person writing about themselves (``nlp.person``) becomes ``child_seeking_help``
  (Childline), unless the message describes danger now: then it stays danger, and the message's
  cues say a child is writing, so the 999 answer also gives Childline;
* a message in another language without danger words becomes ``other_language`` (999 and the
  phone numbers, in English and a line in that language); so does a sentence in a script none of
  those languages is written in (Urdu, Hindi, Korean...), in English only;
* a question that names a term of art of the guidance (RAG, section 47, section 17, a strategy
  discussion, Early Help) gets the guidance's answer that explains it;
* a statement the classifier read as a question (``faq``) with no question or request in it
  becomes what the classifier ranked next; asking which number to ring ("who do i
  phone?") is answered with the numbers, whatever else the message says;
* a question the classifier read as a concern, a wish to refer, a greeting, a role, the
  fallback or "stop for now" ("will i hear back after i make a referral?", "hi, i'm a
  childminder, what is mash?") becomes ``faq`` when the classifier ranked ``faq`` among its first
  three: the question is answered first;
* who the writer is (a role intent, which sets who is asking and so the number given from then
  on) only when the message says it ("i'm a teacher", "health visitor here", or a short reply
  naming a role): a message that names someone else in a role ("the police are here now, i'm sat
  with an officer. i'm ok") is not the writer saying they are a professional, nor one naming the
  writer's own parent ("because of my dad") the writer being a parent or carer. It becomes what the
  classifier ranked next, a worry when it says the harm is over or the child is safe now, or
  Childline for a child;
* what the classifier could not place (the fallback) that says the harm is over or the child is
  safe now ("a policewoman came and she's with me now, i'm fine") is a worry, not "Sorry, I didn't
  understand";
* the guidance's answer about parental consent, written to professionals ("If you are a
  professional, you should speak with the adults who have parental responsibility..."), is given
  only to a question about the parents or the family being told, knowing or agreeing; a question
  of what to do or whether to tell someone ("should i still tell someone?") gets the route the
  guidance gives everyone: 999 if the child is in immediate danger, otherwise a referral or a call
  (members of the public 023 8083 3336).

What it found goes into the parsed message: ``danger_safety_net`` when it found danger (the
actions read it), ``cues`` always (``{"writer": "child" | None, "over": bool, "language": code}``),
and the language as a ``language`` entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import RESPONSE_SELECTOR_PREDICTION_KEY, RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlp.danger import assess
from nlp.languages import danger_in, in_a_script_not_ours, language_of
from nlp.names import (
    CHILD_INTENT,
    CUES_KEY,
    DANGER_INTENT,
    DISCLOSURE_INTENT,
    LANGUAGE_ENTITY,
    OTHER_LANGUAGE_INTENT,
    SAFETY_NET_KEY,
    WORRY_INTENT,
)
from nlp.person import (
    asks_as_a_child,
    names_own_parent,
    names_someone_else_in_a_role,
    says_who_they_are,
    writes_as_adult,
    writes_as_child,
)

__all__ = ["DANGER_INTENT", "SAFETY_NET_KEY", "DangerSafetyNet", "Reading", "is_button_payload", "reread"]

# What a button sends: "/intent" with, at most, its entities as JSON ('/inform{"categories": [...]}').
_BUTTON_PAYLOAD = re.compile(r"^/[A-Za-z_][\w/]*(\{.*\})?\s*$", re.DOTALL)
# Intents a child's own words may be mistaken for; the others (a question, a greeting, an
# answer) are left as the classifier read them.
FAQ_INTENT = "faq"
_CONCERN_INTENTS = (WORRY_INTENT, DISCLOSURE_INTENT, "request_referral")
_CHILD_MISREAD_AS = frozenset(
    {
        WORRY_INTENT,
        DISCLOSURE_INTENT,
        "request_referral",
        "nlu_fallback",
        "not_sure",
        "identify_as_public",
        # A child's own words taken for someone saying who they are, or for "stop for now" ("me and
        # my brother get locked in our room all weekend. im 9"): the role would be kept for the rest
        # of the conversation, and the professionals' or the public's number given instead of Childline.
        "identify_as_professional",
        "identify_as_parent_carer",
        "leave_for_now",
    }
)


# A question or a request for information: "?", a sentence opening like a question, or asking
# for a number, details or an explanation. Guidance answers (faq) are for these only.
_QUESTION_OPENER = re.compile(
    r"(?:^|[.!\n]\s*)(?:(?:so|and|but|ok|okay|hi|hello|right|well)\s+){0,3}(?:what|whats|how|why|when|who|where|which|"
    r"will|would|can|could|do|does|did|is|are|should|shall|may|am|have|has|if)\b",
    re.IGNORECASE,
)
_ASKS_FOR = re.compile(
    r"\b(?:number|numbers|phone|ring|contact|details|tell me|explain|info|information|want to know|"
    r"like to know|wondering|wonder|advice|meaning|mean|want to ask|wanted to ask|like to ask)\b",
    re.IGNORECASE,
)
# A question put to the assistant: a "?", a sentence that opens like a question, or "i wanted to ask".
_ASKS_A_QUESTION = re.compile(
    r"\?|\b(?:want|wanted|like|need|needed) to (?:ask|know|check|find out)\b|\bwondering\b"
    r"|(?:^|[.!,\n]\s*)(?:(?:so|and|but|ok|okay|hi|hello|right|well)\s+){0,3}(?:what|whats|what's|how|why|when|who|"
    r"where|which|will|would|can|could|should|shall|do i|do you|do they|do we|does|is it|is there|is this|"
    r"am i|are they|are you|if i)\b",
    re.IGNORECASE,
)
# "what do i do?" after a worry asks for help with it, which the screening questions give.
_WHAT_DO_I_DO = re.compile(
    r"\b(?:what|wat|wht)\s+(?:do|should|can|shall|would)\s+(?:i|we)\s+(?:do|doo)\b[\s?!.]*"
    r"|\b(?:please\s+)?(?:help|advise)\s+me\b[\s?!.]*",
    re.IGNORECASE,
)
# Intents a question may be mistaken for: a concern or a wish to refer that asks something ("will
# i hear back after i make a referral?"), a greeting or a role before the question ("hi, i'm a
# childminder, what is mash?"), the fallback, or "stop for now". The question is answered when the
# classifier ranked ``faq`` among its first three.
_QUESTION_MISREAD_AS = frozenset(
    {
        *_CONCERN_INTENTS,
        "greet",
        "identify_as_public",
        "identify_as_professional",
        "identify_as_parent_carer",
        "nlu_fallback",
        "leave_for_now",
        # only when the message says an adult is writing ("my 7 year old told me... how do i react?")
        CHILD_INTENT,
    }
)
# A question of more than _LONG words that the classifier read as a greeting, a role or the fallback
# is a question ("Nursery manager here. Do I need to tell the parents first?"), however it ranked faq.
_NOT_A_QUESTION_WHEN_LONG = frozenset(
    {"greet", "identify_as_public", "identify_as_professional", "identify_as_parent_carer", "nlu_fallback"}
)
_LONG = 6
# A question the classifier gives another intent with less confidence than this is answered.
_UNSURE = 0.6
# A greeting of this many words or fewer ("hello?", "hi, anyone there?") stays a greeting.
_GREETING_WORDS_AT_MOST = 3


# Asking which number to ring: the one fact people need most, answered whatever else the message says.
_ASKS_FOR_THE_NUMBER = re.compile(
    r"\b(?:which|what|whats|what's)\b[^.?!]{0,40}\b(?:number|no|line)\b"
    r"|\bwho\s+(?:do|should|can|shall|would)\s+i\s+(?:ring|call|phone|contact|speak\s+to|talk\s+to)\b"
    r"|\b(?:direct|phone|contact|telephone)\s+(?:number|line)\b"
    r"|\b(?:give|send|tell)\s+me\s+(?:the|a|your)\s+number\b",
    re.IGNORECASE,
)
CONTACT_NUMBERS = "faq/contact_numbers"
# What asking for the number may be classified as and still be answered with the numbers: not
# danger, a child (Childline), a role ("i'm a teacher, which number?" gives that role's number and
# answers the question of who is asking) or a "yes" (to "is the child in danger right now?").
_NUMBER_ASKED_AS = frozenset(
    {
        *_CONCERN_INTENTS,
        FAQ_INTENT,
        "nlu_fallback",
        "deny",
        "not_sure",
        "greet",
        "leave_for_now",
        "goodbye",
        "thank",
    }
)


# Terms of art in the guidance a person asks about by name ("what does RAG mean?", "the social
# worker said section 47"): rare words the classifier has few examples of, answered with the
# guidance's answer that explains them.
_TERMS = (
    (
        re.compile(r"\brag\b|\bred,? amber\b|\bamber,? (?:and )?green\b|\bred/amber", re.IGNORECASE),
        "faq/how_referrals_are_prioritised",
    ),
    (re.compile(r"\b(?:section|s)\s?47\b", re.IGNORECASE), "faq/what_happens_after_referral"),
    (
        re.compile(r"\b(?:section|s)\s?17\b|\bchild in need assessment\b", re.IGNORECASE),
        "faq/child_in_need_assessment",
    ),
    (re.compile(r"\bstrategy (?:discussion|meeting)\b", re.IGNORECASE), "faq/strategy_discussion"),
    (re.compile(r"\bearly help\b", re.IGNORECASE), "faq/early_help"),
)


# The intents that say who the writer is: each sets ``referrer_type`` (domain.yml), which decides
# the number and the answers the person is given from then on.
PARENT_CARER_INTENT = "identify_as_parent_carer"
ROLE_INTENTS = frozenset({"identify_as_public", "identify_as_professional", PARENT_CARER_INTENT})
# A reply of this many words or fewer that names a role is the writer's own ("school nurse", "head
# of year at an academy"), unless it names someone else in one.
_SHORT_ROLE_ANSWER = 8
# What the classifier may have ranked next for a statement that says the harm is over or the child
# is safe now, and still be what it is; anything else (a greeting, "stop for now" without a word of
# leaving) makes it a worry, which asks whether the child is in danger now and, for a child already
# known to be one, gives Childline.
_OVER_AND_STILL = frozenset(
    {WORRY_INTENT, DISCLOSURE_INTENT, CHILD_INTENT, "identify_as_child", "deny", "thank"}
)
_LEAVING = re.compile(
    r"\b(?:come back|later|another time|for now|bye|got to go|gotta go|have to go|need to go|stop here|"
    r"leave it|leave this)\b",
    re.IGNORECASE,
)

# The guidance's answer about parental consent is written to professionals ("If you are a
# professional, you should speak with the adults who have parental responsibility..."). It answers
# a question about the parents or the family being told, knowing or agreeing; a question of what to
# do or whether to tell someone ("should i still tell someone?", "what should i do if i see a parent
# hitting their kid?") is answered with the route the guidance gives everyone: 999 if the child is
# in immediate danger, otherwise a referral or a call (members of the public 023 8083 3336).
PARENTAL_CONSENT = "faq/parental_consent"
WHAT_TO_DO = "faq/when_to_call_999"
_FAMILY = r"(?:parents?|family|families|mum|mom|mam|mother|dad|father|carers?|guardians?|stepdad|stepmum)"
_ABOUT_CONSENT = re.compile(
    r"\b(?:consent|permission|agree|agrees|agreed|agreement|approval|say so|refuse|refuses|object|objects)\b"
    r"|\bparental\b|\bbehind (?:their|his|her|the parents'?) backs?\b"
    r"|\b(?:tell|telling|told|inform|informing|let|letting|ask|asking|speak (?:to|with)|speaking (?:to|with)|"
    r"talk (?:to|with)|talking (?:to|with)|contact|contacting|warn|involve|involving|notify|ring|call|"
    r"phone)\s+"
    r"(?:the\s+|his\s+|her\s+|their\s+|my\s+|its\s+)?" + _FAMILY + r"\b"
    r"|\b" + _FAMILY + r"\b[^.?!]{0,40}\b(?:know|knows|knew|knowing|find out|finding out|found out|aware|"
    r"be told|been told|get told|say no|said no|go mad|agree)\b"
    r"|\bwithout (?:the |his |her |their )?" + _FAMILY + r"?\s*(?:knowing|finding out|knowledge)\b"
    # "what if telling them puts her at more risk?" (the guidance: "placed at greater risk of harm")
    r"|\b(?:tell|telling|told|inform|informing|let|letting|warn|warning|ask|asking) (?:them|him|her)\b"
    r"|\b(?:more|greater|further|extra) risk\b|\bat (?:more|greater|further) risk\b",
    re.IGNORECASE,
)


def about_consent(text: Text) -> bool:
    """A question about the parents or the family being told, knowing or agreeing ("do i need to
    tell mum first?", "can i refer without the family knowing", "what if dad says no")."""
    return bool(_ABOUT_CONSENT.search(text.replace("\u2019", "'")))


def term_asked(text: Text) -> Optional[Text]:
    """The guidance answer for a term of art the message names ("what's this RAG thing"), if any."""
    return next((answer for pattern, answer in _TERMS if pattern.search(text)), None)


def asks_for_the_number(text: Text) -> bool:
    """ "which number should i phone?", "who do i ring", "direct number for a referral please"."""
    return bool(_ASKS_FOR_THE_NUMBER.search(text))


def asks_something(text: Text) -> bool:
    """A question or a request for information (see ``_QUESTION_OPENER`` and ``_ASKS_FOR``)."""
    return "?" in text or bool(_QUESTION_OPENER.search(text) or _ASKS_FOR.search(text))


def asks_a_question(text: Text) -> bool:
    """A question put to the assistant ("?", an opening like "will", "how", "can", or "i wanted to
    ask"), as opposed to a statement that mentions numbers or details (see ``asks_something``)."""
    return bool(_ASKS_A_QUESTION.search(_WHAT_DO_I_DO.sub(" ", text)))


def is_button_payload(text: Text) -> bool:
    """Exactly what a button sends, not a message that happens to start with "/" ("/ he has a knife")."""
    return bool(_BUTTON_PAYLOAD.match(text))


@dataclass(frozen=True)
class Reading:
    """What the safety net makes of one message: the intent to use (None: the classifier's) and why."""

    intent: Optional[Text]
    danger_reasons: Tuple[Text, ...] = ()
    writer: Optional[Text] = None
    over: bool = False
    language: Optional[Text] = None
    # The guidance answer to give ("faq/contact_numbers"), when the safety net chose it.
    faq_answer: Optional[Text] = None


def reread(
    predicted: Optional[Text],
    ranking: Sequence[Text],
    *,
    danger_reasons: Sequence[Text] = (),
    over: bool = False,
    child: bool = False,
    language: Optional[Text] = None,
    foreign_danger: Sequence[Text] = (),
    asking: bool = True,
    asks_number: bool = False,
    question: bool = False,
    words: int = 0,
    adult: bool = False,
    confidence: float = 1.0,
    child_asks: bool = False,
    term: Optional[Text] = None,
    other_script: bool = False,
    says_role: bool = True,
    other_role: bool = False,
    answer: Optional[Text] = None,
    consent: bool = True,
    leaving: bool = False,
) -> Reading:
    """The intent a message should have, from the classifier's ``predicted`` intent (and its
    ``ranking``, best first) and what the patterns found. See the module's docstring.

    ``says_role``: the writer says who they are ("i'm a teacher"); ``other_role``: the message
    names someone else in a role ("the police are here"); ``answer``: the guidance answer the
    response selector chose; ``consent``: the message is about the parents being told or agreeing;
    ``leaving``: it says the person is going ("i'll come back to this later").
    """
    reading = _reread(
        predicted,
        ranking,
        danger_reasons=danger_reasons,
        over=over,
        child=child,
        language=language,
        foreign_danger=foreign_danger,
        asking=asking,
        asks_number=asks_number,
        question=question,
        words=words,
        adult=adult,
        confidence=confidence,
        child_asks=child_asks,
        term=term,
        other_script=other_script,
        role_stated=says_role or (words <= _SHORT_ROLE_ANSWER and not other_role),
        someone_else=other_role and not says_role,
        leaving=leaving,
    )
    answered = reading.intent == FAQ_INTENT or (reading.intent is None and predicted == FAQ_INTENT)
    if answered and not reading.faq_answer and answer == PARENTAL_CONSENT and not consent:
        # "should i still tell someone?": the route for everyone, not the professionals' consent answer.
        return Reading(FAQ_INTENT, (), reading.writer, reading.over, reading.language, WHAT_TO_DO)
    return reading


def _instead_of_a_role(ranking: Sequence[Text], over: bool, question: bool, leaving: bool) -> Text:
    """What a message the classifier took for the writer saying who they are is, when it names
    someone else in a role: a question when it asks one, a worry when it says the harm is over or
    the child is safe now, else the classifier's next guess that is not a role."""
    if question and FAQ_INTENT in ranking[:3]:
        return FAQ_INTENT
    following = next((name for name in ranking[1:3] if name not in ROLE_INTENTS), None)
    if over and following not in _OVER_AND_STILL and not (following == "leave_for_now" and leaving):
        return WORRY_INTENT
    return following or "nlu_fallback"


def _reread(
    predicted: Optional[Text],
    ranking: Sequence[Text],
    *,
    danger_reasons: Sequence[Text],
    over: bool,
    child: bool,
    language: Optional[Text],
    foreign_danger: Sequence[Text],
    asking: bool,
    asks_number: bool,
    question: bool,
    words: int,
    adult: bool,
    confidence: float,
    child_asks: bool,
    term: Optional[Text],
    other_script: bool,
    role_stated: bool,
    someone_else: bool,
    leaving: bool,
) -> Reading:
    writer = "child" if child else None
    reasons = tuple(danger_reasons) + tuple(f"{language} danger: {word}" for word in foreign_danger)
    if reasons:
        return Reading(DANGER_INTENT, reasons, writer, False, language)
    if language:
        return Reading(CHILD_INTENT if writer else OTHER_LANGUAGE_INTENT, (), writer, over, language)
    if other_script:
        # Urdu, Hindi, Korean...: nothing here can read it, so 999 and the numbers in English.
        return Reading(OTHER_LANGUAGE_INTENT, (), None, over, None)
    if predicted in ROLE_INTENTS and someone_else:
        # "the police are here now, im sat with the lady officer. im ok": someone else in a role,
        # not the writer saying who they are (which would set who is asking, and the number given).
        if writer:
            return Reading(CHILD_INTENT, (), writer, over, None)
        return Reading(_instead_of_a_role(ranking, over, question, leaving), (), writer, over, None)
    if writer and predicted in (*_CHILD_MISREAD_AS, DANGER_INTENT):
        if predicted == DANGER_INTENT and not over:
            return Reading(None, (), writer, over, None)
        return Reading(CHILD_INTENT, (), writer, over, None)
    if (
        writer
        and predicted == FAQ_INTENT
        and (CHILD_INTENT in ranking[:3] or child_asks or asks_number or not question)
    ):
        # "how can i talk to someone without my parents finding out": a child asking for help, as
        # both the patterns and the classifier's next guess say; Childline answers it. So does a
        # child's statement the classifier took for a question ("i just wish i wouldnt wake up"),
        # and a child asking for a number ("whats the number for someone i can talk to. im 13").
        return Reading(CHILD_INTENT, (), writer, over, None)
    if predicted == CHILD_INTENT and adult and not writer:
        # "so who do i talk to about it now? im his mum": an adult, as the message says.
        if asks_number:
            return Reading(FAQ_INTENT, (), writer, over, None, CONTACT_NUMBERS)
        following = next(
            (name for name in ranking[1:3] if name not in (CHILD_INTENT, "identify_as_child")), None
        )
        if question and FAQ_INTENT in ranking[:3]:
            following = FAQ_INTENT
        if following:
            return Reading(following, (), writer, over, None)
    if predicted == DANGER_INTENT and over:
        concern = next((name for name in ranking if name in (WORRY_INTENT, DISCLOSURE_INTENT)), WORRY_INTENT)
        return Reading(concern, (), writer, over, None)
    if asks_number and not writer and predicted in _NUMBER_ASKED_AS:
        # "Who do I phone? it's not an emergency", "no, just give me the number": the numbers
        # first, however the rest reads.
        return Reading(FAQ_INTENT, (), writer, over, None, CONTACT_NUMBERS)
    if term and question and not writer and predicted != DANGER_INTENT:
        # "what does RAG stand for?", "the social worker mentioned a section 47, what is it"
        return Reading(FAQ_INTENT, (), writer, over, None, term)
    if (
        question
        and not writer
        and predicted in _QUESTION_MISREAD_AS
        and (predicted != CHILD_INTENT or adult)
        and (
            FAQ_INTENT in ranking[:3]
            or (predicted in _NOT_A_QUESTION_WHEN_LONG and words > _LONG)
            or confidence < _UNSURE
        )
        and not (predicted == "greet" and words <= _GREETING_WORDS_AT_MOST)
    ):
        # "As the school's nurse, will I hear back after I refer?": the question is answered first.
        return Reading(FAQ_INTENT, (), writer, over, None)
    if predicted == "nlu_fallback" and over and not question:
        # "a policewoman came and she's with me now, i'm fine": what the classifier could not place
        # says the harm is over or the child is safe now, so a worry (the dialogue asks whether
        # the child is in danger now; a child already known to be one is given Childline).
        return Reading(WORRY_INTENT, (), writer, over, None)
    if predicted == FAQ_INTENT and not asking and not question:
        # A statement read as a question ("he came round with a black eye and won't say how", "i
        # will come back to this"): what the classifier ranked next, when it ranked anything close.
        following = next((name for name in ranking[1:3] if name not in (FAQ_INTENT, "nlu_fallback")), None)
        guessed_role = following in ROLE_INTENTS and not role_stated
        if guessed_role:
            # Who the writer is, when the message does not say it ("the police are here now, i'm
            # sat with an officer", "i dont know if im overreacting"): not that. (A child's
            # "identify_as_child" stays: Childline is never withheld on a guess.)
            following = None
        if (
            over
            and (following or guessed_role)
            and following not in (*_OVER_AND_STILL, *ROLE_INTENTS)
            and not (following == "leave_for_now" and leaving)
        ):
            # "she's at home with me and she's fine, it was just messages", "the police are here
            # now, im ok": over, so a worry (unless it says who the writer is, or that they are
            # leaving for now).
            following = WORRY_INTENT
        if following:
            return Reading(following, (), writer, over, None)
    if predicted == OTHER_LANGUAGE_INTENT:
        # Not another language after all: the classifier's next guess.
        return Reading(next((name for name in ranking if name != OTHER_LANGUAGE_INTENT), "nlu_fallback"))
    return Reading(None, (), writer, over, None)


def _chosen_answer(message: Message) -> Optional[Text]:
    """The guidance answer the response selector chose for ``faq`` ("faq/parental_consent")."""
    chosen = ((message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(FAQ_INTENT) or {}).get(
        RESPONSE_SELECTOR_PREDICTION_KEY
    ) or {}
    return chosen.get("intent_response_key")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False, model_from="SpacyNLP"
)
class DangerSafetyNet(GraphComponent, IntentClassifier):
    """Rereads each message after the classifiers (``reread``); see the module's docstring."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": DANGER_INTENT}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._intent = config["intent"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerSafetyNet:
        return cls(config)

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or is_button_payload(text):
                # Button payloads ("/affirm") are exact choices, not descriptions.
                continue
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            ranking = [r.get(INTENT_NAME_KEY) for r in message.get(INTENT_RANKING_KEY) or []]
            doc = model.model(text)
            language = language_of(text)
            assessment = assess(doc)
            reading = reread(
                predicted,
                ranking,
                danger_reasons=assessment.reasons,
                over=assessment.over,
                child=writes_as_child(doc),
                language=language,
                foreign_danger=danger_in(text, language) if language else (),
                asking=asks_something(text),
                asks_number=asks_for_the_number(text),
                question=asks_a_question(text),
                words=len(text.split()),
                adult=writes_as_adult(text),
                confidence=float((message.get(INTENT) or {}).get("confidence") or 0.0),
                child_asks=asks_as_a_child(text),
                term=term_asked(text),
                other_script=not language and in_a_script_not_ours(text),
                says_role=says_who_they_are(text),
                # "because of my dad": the writer's own parent, not the writer being one.
                other_role=names_someone_else_in_a_role(text)
                or (predicted == PARENT_CARER_INTENT and names_own_parent(text)),
                answer=_chosen_answer(message),
                consent=about_consent(text),
                leaving=bool(_LEAVING.search(text)),
            )
            self._record(message, predicted, reading, len(text))
        return messages

    @staticmethod
    def _choose_answer(message: Message, answer: Text) -> None:
        """The response selector's answer for ``faq`` set to ``answer`` ("faq/contact_numbers")."""
        selectors = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
        chosen = dict(selectors.get(FAQ_INTENT) or {})
        chosen[RESPONSE_SELECTOR_PREDICTION_KEY] = {
            **(chosen.get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}),
            "confidence": 1.0,
            "intent_response_key": answer,
            "utter_action": f"utter_{answer}",
        }
        selectors[FAQ_INTENT] = chosen
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selectors, add_to_output=True)

    @staticmethod
    def _record(message: Message, predicted: Optional[Text], reading: Reading, length: int) -> None:
        message.set(
            CUES_KEY,
            {"writer": reading.writer, "over": reading.over, "language": reading.language},
            add_to_output=True,
        )
        if reading.danger_reasons:
            message.set(
                SAFETY_NET_KEY,
                {"overrode": predicted, "reasons": list(reading.danger_reasons)},
                add_to_output=True,
            )
        if reading.language:
            found = {"entity": LANGUAGE_ENTITY, "value": reading.language, "start": 0, "end": length}
            message.set(
                ENTITIES,
                [*(message.get(ENTITIES) or []), {**found, "extractor": "DangerSafetyNet"}],
                add_to_output=True,
            )
        if reading.faq_answer:
            DangerSafetyNet._choose_answer(message, reading.faq_answer)
        if reading.intent is None or reading.intent == predicted:
            return
        chosen = {INTENT_NAME_KEY: reading.intent, "confidence": 1.0}
        ranking = [
            r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != reading.intent
        ]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
