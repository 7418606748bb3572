"""The referral questions, one entry each, and which of them fit the person.

``QUESTIONS`` is the one place a question lives: its slot (asked with ``utter_ask_<slot>`` or
``action_ask_<slot>`` in domain.yml), the words that name it in "change the ...", its validator,
its title in the change list, when it is asked, and the contract fields and summary labels its
answer fills. ``ANSWER_SLOTS``, ``QUESTION_TITLES``, ``CHANGEABLE``, ``check`` and the summary's
labels are built from it; a test keeps it, the form's ``required_slots`` and the domain in step.
Adding a question is one entry here plus its slot, ``utter_ask_`` response and form slot in
domain.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Text, Tuple

from actions.referral.answers import ACCEPTED, Checked
from actions.referral.contract import CHILD_FIELDS, FIELD_LIMITS
from actions.referral.validators import (
    validate_age,
    validate_anonymous,
    validate_categories,
    validate_consent_given,
    validate_date_of_birth,
    validate_email,
    validate_harmed_or_at_risk,
    validate_knowledge_source,
    validate_name,
    validate_parents_aware,
    validate_reason_not_sought,
    validate_text,
    validate_uk_phone,
)

Slots = Mapping[Text, Any]
Payload = Mapping[Text, Any]

SCHOOL_WORDS = re.compile(r"\b(school|primary|academy|college|nursery|infants|juniors|secondary)\b", re.I)

# The form's own questions: they steer the form and are not sent.
ANOTHER_CHILD = "another_child"
CONFIRM_REFERRAL = "confirm_referral"
CHANGE_WHICH = "change_which"
CONFIRM_CANCEL = "confirm_cancel"


def _text(*fields: Text, single_line: bool = True) -> Callable[[Any], Checked]:
    """The check of free text that fills ``fields``: as long as the shortest of them can hold, so
    nothing the person wrote is cut to fit (too long is asked again, with the count)."""
    limit = min(FIELD_LIMITS[field] for field in fields)

    def check(text: Any) -> Checked:
        return validate_text(text, limit, single_line=single_line)

    check.__name__ = f"text of {' or '.join(fields)}"
    return check


def _age_or_date_of_birth(text: Any) -> Checked:
    """An age, or a date of birth; kept as the child's ``age`` or ``date_of_birth``."""
    born = validate_date_of_birth(text)
    if born.status == ACCEPTED:
        return Checked(ACCEPTED, {"date_of_birth": born.value})
    age = validate_age(text)
    if age.status == ACCEPTED:
        return Checked(ACCEPTED, {"age": age.value})
    return age


def _age_fields(value: Any) -> Dict[Text, Any]:
    value = value if isinstance(value, dict) else {}
    return {"age": value.get("age"), "date_of_birth": value.get("date_of_birth")}


def _address_or_school(value: Any) -> Dict[Text, Any]:
    at_school = isinstance(value, str) and bool(SCHOOL_WORDS.search(value))
    return {"address": None if at_school else value, "school": value if at_school else None}


# When a question is asked, from the answers so far.
def _always(slots: Slots) -> bool:
    return True


def _never(slots: Slots) -> bool:
    return False


def _public(slots: Slots) -> bool:
    return slots.get("referrer_type") == "public"


def _professional(slots: Slots) -> bool:
    return slots.get("referrer_type") == "professional"


def _named(slots: Slots) -> bool:
    """Everyone but a member of the public who chose to stay anonymous gives contact details."""
    return not (_public(slots) and slots.get("anonymous") is True)


def _no_child_finished_yet(slots: Slots) -> bool:
    return not slots.get("children")


def _the_child_told_them(slots: Slots) -> bool:
    return slots.get("knowledge_source") == "child_told_me"


def _consent_not_given(slots: Slots) -> bool:
    return _professional(slots) and slots.get("consent_given") not in (None, "yes")


# When a question's lines are shown in the summary, from the payload about to be sent.
def _shown_always(payload: Payload) -> bool:
    return True


def _sent_named(payload: Payload) -> bool:
    return not (payload.get("referrer") or {}).get("anonymous")


def _sent_by_a_professional(payload: Payload) -> bool:
    return (payload.get("referrer") or {}).get("type") == "professional" and bool(payload.get("consent"))


def _sent_without_consent(payload: Payload) -> bool:
    return _sent_by_a_professional(payload) and (payload.get("consent") or {}).get("consent_given") != "yes"


def _sent_role(payload: Payload) -> bool:
    return (payload.get("referrer") or {}).get("type") == "professional"


@dataclass(frozen=True)
class Question:
    """One question of the referral form.

    ``section`` is the contract's object its answer goes in ("referrer", "child", "safety",
    "concern", "consent"), or "" for the form's own questions, which are not sent. ``labels`` are
    the (contract field, summary label) pairs it fills; a child's labels take ``{who}`` ("The
    child's", "Child 2's"). ``fields`` turns the slot's value into those contract fields (by
    default the one field of ``labels``). ``asked`` says from the answers so far whether it fits
    the person; ``shown`` from the payload whether its lines are in the summary.
    """

    slot: Text
    section: Text = ""
    title: Optional[Text] = None
    change_words: Optional[Text] = None
    check: Optional[Callable[[Any], Checked]] = None
    labels: Tuple[Tuple[Text, Text], ...] = ()
    fields: Optional[Callable[[Any], Dict[Text, Any]]] = None
    asked: Callable[[Slots], bool] = _always
    shown: Callable[[Payload], bool] = _shown_always

    @property
    def is_answer(self) -> bool:
        """An answer that is sent, as opposed to one of the form's own questions."""
        return bool(self.section)

    def contract_fields(self, value: Any) -> Dict[Text, Any]:
        if self.fields is not None:
            return self.fields(value)
        return {field: value for field, _ in self.labels[:1]}


def _answer(
    slot: Text,
    section: Text,
    title: Text,
    change_words: Text,
    check: Callable[[Any], Checked],
    *labels: Tuple[Text, Text],
    **options: Any,
) -> Question:
    return Question(slot, section, title, change_words, check, labels or ((slot, title),), **options)


QUESTIONS: Tuple[Question, ...] = (
    _answer(
        "anonymous",
        "referrer",
        "Staying anonymous",
        r"\banonym",
        validate_anonymous,
        ("anonymous", ""),
        asked=_public,
    ),
    _answer(
        "name",
        "referrer",
        "Your name",
        r"\bmy name\b|\byour name\b",
        validate_name,
        ("name", "Your name"),
        asked=_named,
        shown=_sent_named,
    ),
    _answer(
        "job_title",
        "referrer",
        "Your job title",
        r"\bjob\b|\btitle\b|\brole\b",
        _text("job_title"),
        ("job_title", "Your job title"),
        asked=_professional,
        shown=_sent_role,
    ),
    _answer(
        "agency",
        "referrer",
        "Your organisation",
        r"\bagency\b|\borgani[sz]ation\b|\bemployer\b",
        _text("agency"),
        ("agency", "Your organisation"),
        asked=_professional,
        shown=_sent_role,
    ),
    _answer(
        "phone",
        "referrer",
        "Your phone number",
        r"\bphone\b|\bnumber\b|\bmobile\b",
        validate_uk_phone,
        ("phone", "Your phone"),
        asked=_named,
        shown=_sent_named,
    ),
    _answer(
        "email",
        "referrer",
        "Your email address",
        r"\be-?mail\b",
        validate_email,
        ("email", "Your email"),
        asked=_named,
        shown=_sent_named,
    ),
    _answer(
        "relationship_to_child",
        "referrer",
        "How you know the child",
        r"\bhow i know\b|\brelationship\b",
        _text("relationship_to_child"),
        ("relationship_to_child", "Your relationship to the child"),
    ),
    _answer(
        "knowledge_source",
        "referrer",
        "How you know about this",
        r"\bhow i found out\b|\bsource\b",
        validate_knowledge_source,
        ("knowledge_source", "How you know"),
    ),
    _answer(
        "child_name",
        "child",
        "The child's name",
        r"\bchild'?s name\b|\bher name\b|\bhis name\b|\btheir name\b",
        validate_name,
        ("name", "{who} name"),
    ),
    _answer(
        "child_age",
        "child",
        "The child's age",
        r"\bage\b|\bhow old\b|\bbirth",
        _age_or_date_of_birth,
        ("age", "{who} age"),
        ("date_of_birth", "{who} date of birth"),
        fields=_age_fields,
    ),
    _answer(
        "child_address",
        "child",
        "The child's address or school",
        r"\baddress\b|\bschool\b|\bwhere (she|he|they) live",
        _text("address", "school"),
        ("address", "{who} address"),
        ("school", "{who} school"),
        fields=_address_or_school,
    ),
    _answer(
        "child_location_now",
        "safety",
        "Where the child is now",
        r"\bwhere (she|he|they) (is|are) now\b|\bnow\b",
        _text("child_location_now"),
        ("child_location_now", "Where the child is now"),
        asked=_no_child_finished_yet,
    ),
    Question(ANOTHER_CHILD),
    _answer(
        "categories",
        "concern",
        "The kind of harm",
        r"\bkind of harm\b|\bcategor|\btype\b",
        validate_categories,
        ("categories", "The kind of worry"),
    ),
    _answer(
        "description",
        "concern",
        "What happened",
        r"\bwhat happened\b|\bdescription\b|\bdetails\b",
        _text("description", single_line=False),
        ("description", "What happened"),
    ),
    _answer(
        "child_words",
        "concern",
        "What the child said",
        r"\bchild said\b|\bwords\b",
        _text("child_words", single_line=False),
        ("child_words", "What the child said"),
        asked=_the_child_told_them,
    ),
    _answer(
        "when", "concern", "When it happened", r"\bwhen\b|\bdate\b|\btime\b", _text("when"), ("when", "When")
    ),
    _answer(
        "where", "concern", "Where it happened", r"\bwhere\b|\bplace\b", _text("where"), ("where", "Where")
    ),
    _answer(
        "person_of_concern",
        "concern",
        "Who might be harming the child",
        r"\bperson\b|\bwho\b|\babuser\b",
        _text("person_of_concern"),
        ("person_of_concern", "The person you are worried about"),
    ),
    _answer(
        "harmed_or_at_risk",
        "concern",
        "Whether the child is harmed or at risk",
        r"\bharmed\b|\brisk\b",
        validate_harmed_or_at_risk,
        ("harmed_or_at_risk", "Has the child been harmed, or are they at risk"),
    ),
    _answer(
        "parents_aware",
        "consent",
        "Whether the parents know",
        r"\bparents? (know|aware)\b|\baware\b",
        validate_parents_aware,
        ("parents_aware", "The adults with parental responsibility know about your concern"),
        asked=_professional,
        shown=_sent_by_a_professional,
    ),
    _answer(
        "consent_given",
        "consent",
        "Consent",
        r"\bconsent\b",
        validate_consent_given,
        ("consent_given", "Their consent"),
        asked=_professional,
        shown=_sent_by_a_professional,
    ),
    _answer(
        "reason_not_sought",
        "consent",
        "Why consent was not sought",
        r"\breason\b|\bwhy not\b",
        validate_reason_not_sought,
        ("reason_not_sought", "Why consent was not asked for or given"),
        asked=_consent_not_given,
        shown=_sent_without_consent,
    ),
    # The summary, then what follows it: asked by ``referral_questions`` as the person chooses.
    Question(CONFIRM_REFERRAL, asked=lambda slots: slots.get(CONFIRM_REFERRAL) != "change"),
    Question(CHANGE_WHICH, asked=lambda slots: slots.get(CONFIRM_REFERRAL) == "change"),
    Question(CONFIRM_CANCEL, asked=_never),
)
BY_SLOT: Dict[Text, Question] = {question.slot: question for question in QUESTIONS}
ANSWERS: Tuple[Question, ...] = tuple(question for question in QUESTIONS if question.is_answer)
ANSWER_SLOTS: Tuple[Text, ...] = tuple(question.slot for question in ANSWERS)
CHILD_QUESTIONS: Tuple[Question, ...] = tuple(question for question in ANSWERS if question.section == "child")
CHILD_SLOTS: Tuple[Text, ...] = tuple(question.slot for question in CHILD_QUESTIONS)
# The questions the change list names, by title, and the words that name each in "change the ...".
QUESTION_TITLES: Dict[Text, Text] = {question.slot: question.title for question in ANSWERS if question.title}
CHANGEABLE: Tuple[Tuple[Text, Text], ...] = tuple(
    (question.change_words, question.slot) for question in ANSWERS if question.change_words
)
# The slots that steer the form, cleared with the answers when it ends.
CONTROL_SLOTS = (
    "referral_999_at",
    CONFIRM_REFERRAL,
    CHANGE_WHICH,
    CONFIRM_CANCEL,
    "referral_cancel_requested",
    "referral_retries",
    "referral_answered",
    "children",
    ANOTHER_CHILD,
    "referral_id",
)


def referral_questions(slots: Slots) -> List[Text]:
    """The questions for this person, in order (Rasa asks the first one not yet answered).

    A member of the public is asked first whether they want to stay anonymous, and if so is never
    asked for a name or contact details; a professional is asked for job title and organisation and
    about parental consent; a parent or carer gives contact details. The child's own words are asked
    for only when the child told the person.
    """
    if slots.get("referral_outcome") == "cancelled":
        return []
    if slots.get("referral_cancel_requested"):
        return [CONFIRM_CANCEL]
    return [question.slot for question in QUESTIONS if question.asked(slots)]


def check(question: Text, text: Any) -> Checked:
    """The answer ``text`` to ``question``, checked by that question's validator."""
    validator = BY_SLOT[question].check if question in BY_SLOT else None
    return (validator or _text(*FIELD_LIMITS, single_line=True))(text)


def current_child(slots: Slots) -> Dict[Text, Any]:
    """The child being asked about, in the contract's child fields."""
    child: Dict[Text, Any] = {}
    for question in CHILD_QUESTIONS:
        child.update(question.contract_fields(slots.get(question.slot)))
    return {field: child.get(field) for field in CHILD_FIELDS}


def answers_for_payload(slots: Slots) -> Dict[Text, Any]:
    """The form's slots as ``payload.build_payload`` reads them: contract field names."""
    answers: Dict[Text, Any] = {}
    for question in ANSWERS:
        if question.section != "child":
            answers.update(question.contract_fields(slots.get(question.slot)))
    answers.update(
        referrer_type=slots.get("referrer_type"),
        children=[*list(slots.get("children") or []), current_child(slots)],
        immediate_danger=slots.get("immediate_danger"),
        advised_999=slots.get("advised_999"),
    )
    return answers
