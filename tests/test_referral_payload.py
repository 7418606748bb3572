"""The contract payload built from the form's answers (actions/referral/payload.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from actions.referral.answers import SKIPPED
from actions.referral.contract import NAME_MAX, validate_payload
from actions.referral.triage import provisional_triage
from tests.referral_examples import (
    ANONYMOUS_NEIGHBOUR,
    FAMILY_EMOJI,
    HEBREW_WITH_MARK,
    NAMED_PUBLIC,
    PARENT,
    PATHS,
    REFERRAL_ID,
    SKIPS_AND_UNKNOWNS,
    TEACHER_WITH_CONSENT,
    TEACHER_WITHOUT_CONSENT,
    TWO_CHILDREN,
    payload_for,
    string_values,
)

# --- the payload ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(PATHS))
def test_every_referrer_path_makes_a_payload_that_passes_the_contract(path):
    payload = payload_for(PATHS[path])
    assert validate_payload(payload) == []
    assert payload["provisional_triage"] == provisional_triage(payload)


def test_an_anonymous_member_of_the_public_sends_no_name_phone_or_email():
    referrer = payload_for(ANONYMOUS_NEIGHBOUR)["referrer"]
    assert referrer["anonymous"] is True
    assert referrer["name"] is referrer["phone"] is referrer["email"] is None


@pytest.mark.parametrize("referrer_type", ["public", "parent_carer"])
def test_an_anonymous_referrer_never_carries_a_name_phone_or_email_whatever_the_answers_held(referrer_type):
    answers = dict(
        ANONYMOUS_NEIGHBOUR,
        referrer_type=referrer_type,
        anonymous="I want to stay anonymous",
        name="Priya Shah",
        phone="07400 123456",
        email="priya@example.org",
    )
    payload = payload_for(answers)
    assert payload["referrer"]["anonymous"] is True
    assert (payload["referrer"]["name"], payload["referrer"]["phone"], payload["referrer"]["email"]) == (
        None,
        None,
        None,
    )
    assert "Priya" not in json.dumps(payload) and "07400" not in json.dumps(payload)
    assert validate_payload(payload) == []


def test_a_named_member_of_the_public_sends_their_contact_details():
    referrer = payload_for(NAMED_PUBLIC)["referrer"]
    assert referrer["anonymous"] is False
    assert (referrer["name"], referrer["phone"], referrer["email"]) == (
        "Priya Shah",
        "023 8083 3336",
        "priya.shah@example.org",
    )
    assert referrer["job_title"] is referrer["agency"] is None


def test_a_member_of_the_public_never_asked_is_anonymous_only_when_they_gave_no_details():
    unasked = {k: v for k, v in NAMED_PUBLIC.items() if k != "anonymous"}
    assert payload_for(unasked)["referrer"]["anonymous"] is False
    nothing_given = {k: v for k, v in ANONYMOUS_NEIGHBOUR.items() if k != "anonymous"}
    assert payload_for(nothing_given)["referrer"]["anonymous"] is True


def test_a_parent_or_carer_sends_their_contact_details_and_no_consent_section():
    payload = payload_for(PARENT)
    assert payload["referrer"]["type"] == "parent_carer"
    assert payload["referrer"]["name"] == "Dan Hughes"
    assert payload["referrer"]["phone"] == "07400 123456"
    assert payload["referrer"]["email"] is None
    assert payload["consent"] is None


def test_a_professional_is_never_anonymous_even_if_an_answer_said_so():
    payload = payload_for(dict(TEACHER_WITH_CONSENT, anonymous=True))
    assert payload["referrer"]["anonymous"] is False
    assert payload["referrer"]["name"] == "Helen Carter"
    assert validate_payload(payload) == []


def test_a_professional_with_consent_sends_their_role_and_the_consent_answers():
    payload = payload_for(TEACHER_WITH_CONSENT)
    assert payload["referrer"]["job_title"] == "Designated Safeguarding Lead"
    assert payload["referrer"]["agency"] == "Shirley Junior School"
    assert payload["consent"] == {"parents_aware": "yes", "consent_given": "yes", "reason_not_sought": None}
    assert payload["children"][0]["date_of_birth"] == "2015-09-14"


def test_a_professional_without_consent_because_of_risk_records_why_and_is_not_blocked():
    payload = payload_for(TEACHER_WITHOUT_CONSENT)
    assert payload["consent"] == {
        "parents_aware": "no",
        "consent_given": "not_sought",
        "reason_not_sought": "Asking would put the child at greater risk of harm.",
    }
    assert validate_payload(payload) == []


def test_a_professional_who_left_the_consent_questions_unanswered_still_sends_valid_answers():
    answers = {k: v for k, v in TEACHER_WITH_CONSENT.items() if k not in ("parents_aware", "consent_given")}
    payload = payload_for(answers)
    assert payload["consent"] == {
        "parents_aware": "unknown",
        "consent_given": "not_sought",
        "reason_not_sought": None,
    }
    assert validate_payload(payload) == []


def test_consent_job_title_and_agency_are_asked_of_professionals_only():
    answers = dict(
        NAMED_PUBLIC,
        job_title="Teacher",
        agency="A school",
        parents_aware="yes",
        consent_given="yes",
    )
    payload = payload_for(answers)
    assert payload["consent"] is None
    assert payload["referrer"]["job_title"] is payload["referrer"]["agency"] is None


def test_two_children_are_both_sent():
    children = payload_for(TWO_CHILDREN)["children"]
    assert [(c["name"], c["age"]) for c in children] == [("Ruby", 4), ("Tom", 2)]


def test_skips_and_unknowns_are_sent_as_null_never_as_text():
    payload = payload_for(SKIPS_AND_UNKNOWNS)
    assert payload["children"] == [
        {
            "name": None,
            "age": None,
            "date_of_birth": None,
            "address": None,
            "school": None,
            "other_details": None,
        }
    ]
    concern = payload["concern"]
    assert concern["categories"] == ["not_sure"]
    assert concern["harmed_or_at_risk"] == "not_sure"
    assert [concern[k] for k in ("description", "child_words", "when", "where", "person_of_concern")] == [
        None
    ] * 5
    assert payload["referrer"]["relationship_to_child"] is None
    assert payload["referrer"]["knowledge_source"] is None
    assert payload["safety"]["child_location_now"] is None
    answers_sent = {k: payload[k] for k in ("children", "referrer", "safety", "concern")}
    for value in string_values(answers_sent):
        assert not any(
            word in value.lower() for word in ("unknown", "skip", "know", "idea", "dunno", "rather")
        )


def test_skipped_categories_are_sent_as_an_empty_list():
    assert payload_for(dict(ANONYMOUS_NEIGHBOUR, categories=SKIPPED))["concern"]["categories"] == []


def test_a_referral_with_no_child_details_still_names_one_child_with_every_field_unknown():
    for children in (None, [], "not a list"):
        payload = payload_for(dict(ANONYMOUS_NEIGHBOUR, children=children))
        assert payload["children"] == [dict.fromkeys(payload["children"][0])]
        assert validate_payload(payload) == []


def test_typed_answers_that_reached_the_slots_unvalidated_are_still_read():
    answers = dict(
        NAMED_PUBLIC,
        phone="+44 7400 123456",
        email=" Priya@Example.org ",
        knowledge_source="someone told me",
        categories="she screams at him",
        harmed_or_at_risk="yes he's been hurt",
        children=[{"name": "Maisie\x00", "age": "six", "date_of_birth": "14/09/2019"}],
    )
    payload = payload_for(answers)
    assert payload["referrer"]["phone"] == "07400 123456"
    assert payload["referrer"]["email"] == "Priya@example.org"
    assert payload["referrer"]["knowledge_source"] == "heard_from_someone_else"
    assert payload["concern"]["categories"] == ["emotional"]
    assert payload["children"][0] == dict(
        name="Maisie", age=6, date_of_birth="2019-09-14", address=None, school=None, other_details=None
    )
    assert validate_payload(payload) == []


def test_answers_that_would_still_break_the_contract_are_sent_as_unknown_or_cut_to_fit():
    answers = dict(
        NAMED_PUBLIC,
        phone="12345",
        email="not an email",
        children=[{"name": "n" * 300, "age": 19, "date_of_birth": "01/01/2000"}],
        description="d" * 2500,
        harmed_or_at_risk="purple",
    )
    payload = payload_for(answers)
    assert payload["referrer"]["phone"] is payload["referrer"]["email"] is None
    assert payload["children"][0]["age"] is payload["children"][0]["date_of_birth"] is None
    assert payload["children"][0]["name"] == "n" * NAME_MAX
    assert payload["concern"]["description"] == "d" * 2000
    assert payload["concern"]["harmed_or_at_risk"] == "not_sure"
    assert validate_payload(payload) == []


def test_free_text_in_the_payload_is_clean_but_otherwise_as_typed():
    description = f"<b>he</b> hit her\x00 {FAMILY_EMOJI}\n{HEBREW_WITH_MARK}"
    payload = payload_for(dict(NAMED_PUBLIC, description=description))
    assert payload["concern"]["description"] == f"<b>he</b> hit her {FAMILY_EMOJI}\n{HEBREW_WITH_MARK}"


@pytest.mark.parametrize("answer", ["yes", "not_sure", "unknown", True])
def test_immediate_danger_yes_or_not_sure_counts_as_immediate_danger(answer):
    payload = payload_for(dict(ANONYMOUS_NEIGHBOUR, immediate_danger=answer, advised_999=True))
    assert payload["safety"]["immediate_danger"] is True
    assert payload["provisional_triage"]["rag"] == "red"


@pytest.mark.parametrize("answer", ["no", False, None])
def test_no_immediate_danger_is_recorded_as_false(answer):
    assert (
        payload_for(dict(ANONYMOUS_NEIGHBOUR, immediate_danger=answer))["safety"]["immediate_danger"] is False
    )


def test_where_the_child_is_now_and_the_999_advice_are_sent():
    safety = payload_for(
        dict(
            ANONYMOUS_NEIGHBOUR,
            immediate_danger="yes",
            advised_999=True,
            child_location_now="in the flat next door",
        )
    )["safety"]
    assert safety == {
        "immediate_danger": True,
        "advised_999": True,
        "child_location_now": "in the flat next door",
    }


@pytest.mark.parametrize(
    "channel, contract",
    [("socketio", "webchat"), ("webchat", "webchat"), ("rest", "rest"), ("cmdline", "shell")],
)
def test_rasa_channel_names_become_the_contracts_channels(channel, contract):
    assert payload_for(ANONYMOUS_NEIGHBOUR, channel=channel)["channel"] == contract


def test_a_channel_the_contract_does_not_know_is_a_programming_error():
    with pytest.raises(ValueError, match="add it to the contract"):
        payload_for(ANONYMOUS_NEIGHBOUR, channel="telegram")


def test_ids_time_and_preview_flag_are_carried_into_the_payload():
    payload = payload_for(
        ANONYMOUS_NEIGHBOUR,
        referral_id=REFERRAL_ID.upper(),
        conversation_id="c" * 300,
        preview=True,
        submitted_at=datetime(2026, 3, 2, 15, 5, tzinfo=timezone(timedelta(hours=1))),
    )
    assert payload["referral_id"] == REFERRAL_ID
    assert payload["conversation_id"] == "c" * 200
    assert payload["preview"] is True
    assert payload["submitted_at"] == "2026-03-02T14:05:00Z"
    assert payload["schema_version"] == "1"
    assert validate_payload(payload) == []


def test_a_naive_submission_time_is_taken_as_utc():
    payload = payload_for(ANONYMOUS_NEIGHBOUR, submitted_at=datetime(2026, 3, 2, 14, 5))
    assert payload["submitted_at"] == "2026-03-02T14:05:00Z"


def test_a_referral_id_that_is_not_a_uuid_is_refused():
    with pytest.raises(ValueError):
        payload_for(ANONYMOUS_NEIGHBOUR, referral_id="not-a-uuid")
