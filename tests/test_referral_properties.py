"""Property-based tests of the referral core (hypothesis): every answer validator and the payload.

Each validator in ``actions/referral/validators.py`` is fed text of every kind (any Unicode, lone
surrogates, control and direction characters, the answers people give, button payloads, numbers
hundreds of digits long, text past every limit) and the other values a slot may hold. Payloads are
built from what the validators accept and from raw text put straight into the slots. No input
raises, every payload passes the contract, and no field keeps more than the contract allows.

Deterministic (``derandomize``: the same examples every run, no example database) and bounded
(``max_examples``), so CI sees one stable run of a few seconds.
"""

from __future__ import annotations

import inspect
import json
import os
import string
import tempfile
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import configuration as hypothesis_configuration
from hypothesis import strategies as st

from actions.referral import validators
from actions.referral.answers import (
    ACCEPTED,
    INVALID,
    SKIPPED,
    UNKNOWN,
    Checked,
    clean_text,
    is_skip,
    is_unknown,
)
from actions.referral.contract import (
    CATEGORIES,
    CONSENT_ANSWERS,
    EMAIL_MAX,
    EMAIL_PATTERN,
    FIELD_LIMITS,
    HARMED_ANSWERS,
    KNOWLEDGE_SOURCES,
    LONG_TEXT_MAX,
    MAX_CHILDREN,
    NAME_MAX,
    PARENTS_AWARE_ANSWERS,
    PHONE_PATTERN,
    REFERRER_TYPES,
    SHORT_TEXT_MAX,
    validate_payload,
)
from actions.referral.payload import build_payload
from actions.referral.questions import ANSWERS, CHILD_QUESTIONS, answers_for_payload, current_child

# Hypothesis keeps its caches in the temp folder, not in the work tree (as intake/tests does).
hypothesis_configuration.set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "assistant-hypothesis"))

TODAY = date(2026, 3, 2)

PROPERTY = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# --- what people type ----------------------------------------------------------------------------

# Any code point: hypothesis leaves out lone surrogates unless told not to, and JSON from a
# channel can carry them ("\ud800").
ANY_CHARACTER = st.characters(exclude_categories=())
ANSWERS_PEOPLE_GIVE = [
    "I don't know",
    "dunno his surname",
    "skip",
    "rather not say",
    "n/a",
    "yes",
    "no",
    "not sure",
    "maybe",
    "Yes, they know",
    "she told me",
    "asking would put her at greater risk",
    "I want to stay anonymous",
    "he hits her and she's always hungry",
    "not sexual, he shouts",
    '/inform{"categories": ["physical", "neglect"]}',
    '/inform{"categories": "not json',
    "/inform{}",
    "7",
    "seven",
    "7 year old",
    "aged 12",
    "18 months",
    "3 weeks",
    "newborn",
    "year 7",
    "-3",
    "17.9",
    "14/09/2015",
    "2015-09-14",
    "14th September 2015",
    "September 14, 2015",
    "31/02/2015",
    "09/14/2015",
    "priya.shah@example.org",
    "it's Priya@Example.ORG.",
    "a@b",
    "07400 123456",
    "+44 23 8083 3336",
    "0044 7400 123456",
    "07700 900123",
    "+1 202 555 0143",
    "Priya Shah",
    "\u0645\u062d\u0645\u062f",
    "\u05e9\u05dc\u05d5\u05dd\u200f",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "<script>alert(1)</script>",
    "\u202eevil",
    "\x00\x01\x1b[31m",
    "line one\r\nline two\u2028three",
    "\ud800",
    "   ",
    "",
]
WORDS = st.one_of(
    st.sampled_from(ANSWERS_PEOPLE_GIVE),
    st.text(alphabet=string.ascii_letters + string.digits + " .,'-/@+", max_size=12),
    st.text(alphabet=ANY_CHARACTER, max_size=6),
)
SENTENCES = st.lists(WORDS, max_size=8).map(" ".join)
# Long text, cheaply: a piece repeated up to past the longest limit (LONG_TEXT_MAX) and numbers
# hundreds of digits long (past what a float holds).
LONG_TEXT = st.builds(
    lambda piece, times: piece * times,
    st.text(alphabet=ANY_CHARACTER, min_size=1, max_size=9),
    st.integers(1, 700),
)
DIGITS = st.builds(
    lambda n, unit: "9" * n + unit, st.integers(300, 400), st.sampled_from(["", " months", " yrs"])
)
TEXT = st.one_of(
    st.sampled_from(ANSWERS_PEOPLE_GIVE), SENTENCES, st.text(alphabet=ANY_CHARACTER), LONG_TEXT, DIGITS
)
# What else a slot or a button may hand a validator.
OTHER_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.dates(),
    st.datetimes(),
    st.lists(st.one_of(st.none(), st.text(max_size=10), st.sampled_from(list(CATEGORIES))), max_size=4),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
ANY_ANSWER = st.one_of(TEXT, OTHER_VALUES)


# --- what each validator may accept ----------------------------------------------------------------


def _text_that_fits(limit: int, single_line: bool) -> Callable[[Any, Checked], None]:
    def check(answer: Any, checked: Checked) -> None:
        if checked.status == ACCEPTED:
            value = checked.value
            assert isinstance(value, str) and 1 <= len(value) <= limit
            assert value == clean_text(value, single_line=single_line)  # stored clean, and stays so
            assert not (single_line and "\n" in value)
        elif (
            not (is_unknown(answer) or is_skip(answer))
            and len(clean_text(answer, single_line=single_line)) > limit
        ):
            # Too long is refused with the count, never cut: nothing the person wrote is lost.
            assert checked.status == INVALID

    return check


def _one_of(values: Tuple[Any, ...]) -> Callable[[Any, Checked], None]:
    def check(answer: Any, checked: Checked) -> None:
        if checked.status == ACCEPTED:
            assert checked.value in values and not isinstance(checked.value, bool)

    return check


def _email(answer: Any, checked: Checked) -> None:
    if checked.status == ACCEPTED:
        assert len(checked.value) <= EMAIL_MAX and EMAIL_PATTERN.match(checked.value)


def _phone(answer: Any, checked: Checked) -> None:
    if checked.status == ACCEPTED:
        assert PHONE_PATTERN.match(checked.value)


def _age(answer: Any, checked: Checked) -> None:
    if checked.status == ACCEPTED:
        assert type(checked.value) is int and 0 <= checked.value <= 17


def _date_of_birth(answer: Any, checked: Checked) -> None:
    if checked.status == ACCEPTED:
        born = date.fromisoformat(checked.value)
        assert checked.value == born.isoformat() and born <= TODAY
        assert (TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))) < 18


def _anonymous(answer: Any, checked: Checked) -> None:
    assert checked.status in (ACCEPTED, INVALID)  # never left unknown: "skip" is anonymous
    if checked.status == ACCEPTED:
        assert isinstance(checked.value, bool)


def _categories(answer: Any, checked: Checked) -> None:
    if checked.status == ACCEPTED:
        value = checked.value
        assert value and value == [c for c in CATEGORIES if c in value]  # known, once each, in order
        assert "not_sure" not in value or value == ["not_sure"]


# Every validator of validators.py, how it is called, and what its accepted values must be.
# validate_text is called as the questions call it: short text on one line, and long text.
VALIDATORS: Dict[str, Tuple[str, Callable[[Any], Checked], Callable[[Any, Checked], None]]] = {
    "short text": (
        "validate_text",
        lambda a: validators.validate_text(a, SHORT_TEXT_MAX, single_line=True),
        _text_that_fits(SHORT_TEXT_MAX, True),
    ),
    "long text": (
        "validate_text",
        lambda a: validators.validate_text(a, LONG_TEXT_MAX),
        _text_that_fits(LONG_TEXT_MAX, False),
    ),
    "name": ("validate_name", validators.validate_name, _text_that_fits(NAME_MAX, True)),
    "reason not sought": (
        "validate_reason_not_sought",
        validators.validate_reason_not_sought,
        _text_that_fits(FIELD_LIMITS["reason_not_sought"], False),
    ),
    "email": ("validate_email", validators.validate_email, _email),
    "phone": ("validate_uk_phone", validators.validate_uk_phone, _phone),
    "age": ("validate_age", validators.validate_age, _age),
    "date of birth": (
        "validate_date_of_birth",
        lambda a: validators.validate_date_of_birth(a, today=TODAY),
        _date_of_birth,
    ),
    "harmed or at risk": (
        "validate_harmed_or_at_risk",
        validators.validate_harmed_or_at_risk,
        _one_of(HARMED_ANSWERS),
    ),
    "knowledge source": (
        "validate_knowledge_source",
        validators.validate_knowledge_source,
        _one_of(KNOWLEDGE_SOURCES),
    ),
    "parents aware": (
        "validate_parents_aware",
        validators.validate_parents_aware,
        _one_of(PARENTS_AWARE_ANSWERS),
    ),
    "consent given": ("validate_consent_given", validators.validate_consent_given, _one_of(CONSENT_ANSWERS)),
    "anonymous": ("validate_anonymous", validators.validate_anonymous, _anonymous),
    "categories": ("validate_categories", validators.validate_categories, _categories),
}


def test_every_validator_in_validators_py_is_under_the_properties():
    """A validator added to validators.py fails here until it has a line in VALIDATORS."""
    defined = {
        name
        for name, function in inspect.getmembers(validators, inspect.isfunction)
        if name.startswith("validate_") and function.__module__ == validators.__name__
    }
    assert defined == {name for name, _, _ in VALIDATORS.values()}


@pytest.mark.parametrize("kind", list(VALIDATORS))
@PROPERTY
@given(answer=ANY_ANSWER)
@example(answer="9" * 400)  # past a float: int(inf) raised OverflowError
@example(answer="aged " + "9" * 309 + " months")
@example(answer="\u00b2")  # a superscript two: str.isdigit() but not float()
@example(answer="x" * (LONG_TEXT_MAX + 1))
def test_no_answer_makes_a_validator_raise_and_what_it_accepts_fits_the_contract(kind, answer):
    _, validate, fits = VALIDATORS[kind]
    checked = validate(answer)
    assert isinstance(checked, Checked)
    assert checked.status in (ACCEPTED, INVALID, UNKNOWN, SKIPPED)
    if checked.status == INVALID:
        assert isinstance(checked.reason, str) and checked.reason  # something kind to say
        assert checked.slot_value is None  # asked again
    else:
        assert checked.slot_value is not None
    fits(answer, checked)


@pytest.mark.parametrize("question", ANSWERS, ids=lambda question: question.slot)
@settings(PROPERTY, max_examples=40)
@given(answer=st.one_of(SENTENCES, LONG_TEXT))
@example(answer="x" * (NAME_MAX + 1))
@example(answer="x" * (SHORT_TEXT_MAX + 1))
@example(answer="Shirley Junior School, " + "x" * NAME_MAX)  # the school a child's address names
def test_every_question_refuses_what_its_contract_field_cannot_hold(question, answer):
    """What a question accepts is sent whole: the payload cuts only what no question let through."""
    checked = question.check(answer)
    if checked.status == ACCEPTED:
        for field, value in question.contract_fields(checked.value).items():
            if isinstance(value, str) and field in FIELD_LIMITS:
                assert len(value) <= FIELD_LIMITS[field], (question.slot, field)


# --- the payload ---------------------------------------------------------------------------------

CHANNELS = ["webchat", "socketio", "rest", "shell", "cmdline"]  # the contract's, and Rasa's names
TIMEZONES = st.sampled_from(
    [None, timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-11))]
)


@st.composite
def slot_value(draw: Any, check: Callable[[Any], Checked]) -> Any:
    """What a slot holds: the validator's value for some answer (as the form stores it), or what
    was typed, unchecked, or nothing yet."""
    answer = draw(ANY_ANSWER)
    how = draw(st.sampled_from(["checked", "checked", "raw", "empty"]))
    if how == "checked":
        return check(answer).slot_value
    return answer if how == "raw" else None


@st.composite
def child_slots(draw: Any) -> Dict[str, Any]:
    return {q.slot: draw(slot_value(q.check)) for q in CHILD_QUESTIONS}


@st.composite
def form_slots(draw: Any) -> Dict[str, Any]:
    slots: Dict[str, Any] = {q.slot: draw(slot_value(q.check)) for q in ANSWERS if q.section != "child"}
    slots.update(draw(child_slots()))
    slots["referrer_type"] = draw(st.one_of(st.sampled_from([*REFERRER_TYPES, "child", None]), ANY_ANSWER))
    slots["immediate_danger"] = draw(
        st.one_of(st.sampled_from(["yes", "no", "not_sure", True, False]), ANY_ANSWER)
    )
    slots["advised_999"] = draw(st.one_of(st.sampled_from([True, False, "yes", "true", "no"]), ANY_ANSWER))
    # The form keeps the children finished so far as a list of the contract's child fields.
    slots["children"] = draw(st.lists(child_slots().map(current_child), max_size=3))
    return slots


@st.composite
def payload_answers(draw: Any) -> Dict[str, Any]:
    """What build_payload is given: the slots as the form reads them (answers_for_payload), and
    now and then a children answer that is not a list of children, or more than the contract takes."""
    answers = answers_for_payload(draw(form_slots()))
    children = st.one_of(
        OTHER_VALUES,
        st.lists(
            st.one_of(
                OTHER_VALUES,
                st.dictionaries(
                    st.sampled_from(["name", "age", "date_of_birth", "school", "other"]), ANY_ANSWER
                ),
            ),
            max_size=4,
        ),
        st.builds(
            lambda child, n: [child] * n, child_slots().map(current_child), st.integers(MAX_CHILDREN, 25)
        ),
    )
    if draw(st.integers(0, 3)) == 0:
        answers["children"] = draw(children)
    return answers


def _strings(node: Any) -> List[Tuple[str, str]]:
    """(field, text) for every string in a payload, however deep."""
    found: List[Tuple[str, str]] = []
    stack: List[Tuple[str, Any]] = [("", node)]
    while stack:
        field, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.items())
        elif isinstance(item, list):
            stack.extend((field, value) for value in item)
        elif isinstance(item, str):
            found.append((field, item))
    return found


@PROPERTY
@given(
    answers=payload_answers(),
    referral_id=st.uuids(),
    conversation_id=st.one_of(st.none(), st.text(alphabet=ANY_CHARACTER, max_size=300)),
    channel=st.sampled_from(CHANNELS),
    preview=st.booleans(),
    submitted_at=st.datetimes(
        min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=TIMEZONES
    ),
)
@example(  # an age typed into the slot unchecked, past a float and not a digit to float()
    answers={"children": [{"age": "9" * 400}, {"age": "\u00b2"}]},
    referral_id=uuid.UUID(int=1),
    conversation_id=None,
    channel="rest",
    preview=False,
    submitted_at=datetime(2026, 3, 2, 14, 5),
)
def test_every_payload_passes_the_contract_whatever_the_slots_held(
    answers, referral_id, conversation_id, channel, preview, submitted_at
):
    payload = build_payload(
        answers,
        referral_id=referral_id,
        conversation_id=conversation_id,
        channel=channel,
        preview=preview,
        submitted_at=submitted_at,
    )
    assert validate_payload(payload) == []
    for field, text in _strings(payload):
        if field in FIELD_LIMITS:
            assert len(text) <= FIELD_LIMITS[field], field
    referrer = payload["referrer"]
    if referrer["anonymous"]:
        assert referrer["name"] is referrer["phone"] is referrer["email"] is None
    assert not (referrer["type"] == "professional" and referrer["anonymous"])
    assert 1 <= len(payload["children"]) <= MAX_CHILDREN


@PROPERTY
@given(
    answers=payload_answers(),
    conversation_id=st.one_of(st.none(), st.text(alphabet=ANY_CHARACTER, max_size=300)),
)
@example(answers={}, conversation_id="conv-\ud800")  # a sender id from a channel's JSON
def test_every_payload_is_json_the_intake_accepts(answers, conversation_id):
    """The intake refuses a body that is not strict UTF-8 JSON (a lone surrogate, NaN) with a 400:
    a payload that passed the contract here must not be one it refuses."""
    payload = build_payload(
        answers,
        referral_id=uuid.uuid4(),
        conversation_id=conversation_id,
        channel="rest",
        preview=False,
        submitted_at="2026-03-02T14:05:00Z",
    )
    body = json.dumps(payload, allow_nan=False)
    for field, text in _strings(payload):
        assert not any("\ud800" <= ch <= "\udfff" for ch in text), field  # a lone surrogate
    assert json.loads(body) == payload
