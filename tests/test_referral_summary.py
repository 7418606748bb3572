"""The summary shown before sending (actions/referral/summary.py)."""

from __future__ import annotations

from actions.referral.summary import ANONYMOUS_LINE, NOT_GIVEN, summary_lines
from tests.referral_examples import (
    ANONYMOUS_NEIGHBOUR,
    NAMED_PUBLIC,
    PARENT,
    SKIPS_AND_UNKNOWNS,
    TEACHER_WITH_CONSENT,
    TEACHER_WITHOUT_CONSENT,
    TWO_CHILDREN,
    payload_for,
)

# --- the summary before sending ------------------------------------------------------------------


def test_an_anonymous_referrer_is_told_their_name_and_contact_details_are_not_sent():
    lines = summary_lines(payload_for(ANONYMOUS_NEIGHBOUR))
    assert ANONYMOUS_LINE == "You are staying anonymous: your name and contact details are not sent."
    assert ANONYMOUS_LINE in lines
    assert not any(line.startswith(("Your name", "Your phone", "Your email")) for line in lines)


def test_a_named_referrer_sees_the_contact_details_that_will_be_sent():
    lines = summary_lines(payload_for(NAMED_PUBLIC))
    assert "Your name: Priya Shah" in lines
    assert "Your phone: 023 8083 3336" in lines
    assert "Your email: priya.shah@example.org" in lines
    assert ANONYMOUS_LINE not in lines


def test_unknown_answers_are_shown_as_not_given():
    lines = summary_lines(payload_for(SKIPS_AND_UNKNOWNS))
    assert "The child's name: not given" in lines
    assert "The child's age: not given" in lines
    assert "What happened: not given" in lines
    assert "How you know: not given" in lines
    assert "The kind of worry: not sure" in lines
    assert "Has the child been harmed, or are they at risk: not sure" in lines
    assert sum(line.endswith(NOT_GIVEN) for line in lines) >= 10


def test_the_summary_shows_each_answer_exactly_as_it_will_be_sent():
    payload = payload_for(PARENT)
    lines = summary_lines(payload)
    assert "You are: a parent or carer" in lines
    assert "How you know: the child told you" in lines
    assert "The child's name: Leo Hughes" in lines
    assert "The child's age: 9" in lines
    assert "The kind of worry: physical" in lines
    assert f"What happened: {payload['concern']['description']}" in lines
    assert "What the child said: He grabbed me and pushed me into the door" in lines
    assert "The person you are worried about: mum's partner" in lines
    assert "A child is, or may be, in immediate danger: no" in lines


def test_a_professional_sees_their_role_and_the_consent_answers():
    lines = summary_lines(payload_for(TEACHER_WITHOUT_CONSENT))
    assert "Your job title: Designated Safeguarding Lead" in lines
    assert "Your organisation: Shirley Junior School" in lines
    assert "The adults with parental responsibility know about your concern: no" in lines
    assert "Their consent: not asked for" in lines
    assert (
        "Why consent was not asked for or given: Asking would put the child at greater risk of harm." in lines
    )


def test_a_member_of_the_public_is_not_shown_consent_questions():
    assert not any("consent" in line.lower() for line in summary_lines(payload_for(NAMED_PUBLIC)))


def test_each_of_two_children_is_numbered():
    lines = summary_lines(payload_for(TWO_CHILDREN))
    assert "Child 1's name: Ruby" in lines and "Child 2's name: Tom" in lines
    assert "Child 2's age: 2" in lines


def test_a_date_of_birth_is_shown_the_way_people_write_it():
    assert "The child's date of birth: 14 September 2015" in summary_lines(payload_for(TEACHER_WITH_CONSENT))


def test_an_age_of_0_is_shown_not_hidden():
    lines = summary_lines(payload_for(dict(ANONYMOUS_NEIGHBOUR, children=[{"age": "6 months"}])))
    assert "The child's age: 0" in lines


def test_danger_and_999_advice_are_in_the_summary():
    payload = payload_for(dict(ANONYMOUS_NEIGHBOUR, immediate_danger="not_sure", advised_999=True))
    lines = summary_lines(payload)
    assert "A child is, or may be, in immediate danger: yes" in lines
    assert "You were told to call 999: yes" in lines


def test_the_summary_never_shows_the_provisional_rating_or_calls_anything_abuse():
    text = "\n".join(summary_lines(payload_for(TEACHER_WITHOUT_CONSENT))).lower()
    for word in ("amber", "red", "green", "triage", "abuse"):
        assert word not in text.split() and f"{word}:" not in text
