"""The referral form's decisions (actions/referral/questions.py, decisions.py): the questions, the answers."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from actions.referral.decisions import answer, change_target, is_go_back, is_stop, what_next
from actions.referral.payload import build_payload
from actions.referral.questions import answers_for_payload, referral_questions

CONTACT = ("name", "phone", "email")


def fill(slots: Dict[str, Any], replies: List[str]) -> Dict[str, Any]:
    """Answers each question the form would ask next with the next reply, as the form does."""
    slots = dict(slots)
    for reply in replies:
        question = next(q for q in referral_questions(slots) if slots.get(q) is None)
        slots.update(answer(question, reply, slots).slots)
    return slots


def test_an_anonymous_member_of_the_public_is_never_asked_for_name_or_contact_details():
    slots = fill({"referrer_type": "public"}, ["yes, I want to stay anonymous"])
    assert slots["anonymous"] is True
    assert not set(CONTACT) & set(referral_questions(slots))


def test_a_named_member_of_the_public_is_asked_for_contact_details():
    slots = fill({"referrer_type": "public"}, ["no, I will give my details"])
    assert set(CONTACT) <= set(referral_questions(slots))


def test_a_professional_is_never_asked_about_anonymity_and_is_asked_about_consent():
    questions = referral_questions({"referrer_type": "professional"})
    assert "anonymous" not in questions
    assert {"name", "job_title", "agency", "phone", "email", "parents_aware", "consent_given"} <= set(
        questions
    )


def test_a_professional_who_did_not_seek_consent_is_asked_why():
    assert "reason_not_sought" in referral_questions(
        {"referrer_type": "professional", "consent_given": "not_sought"}
    )
    assert "reason_not_sought" not in referral_questions(
        {"referrer_type": "professional", "consent_given": "yes"}
    )


def test_the_childs_own_words_are_asked_only_when_the_child_told_the_person():
    assert "child_words" in referral_questions(
        {"referrer_type": "public", "knowledge_source": "child_told_me"}
    )
    assert "child_words" not in referral_questions(
        {"referrer_type": "public", "knowledge_source": "witnessed"}
    )


def test_the_summary_comes_last_and_asks_to_send_change_or_cancel():
    assert referral_questions({"referrer_type": "parent_carer"})[-1] == "confirm_referral"


@pytest.mark.parametrize("reply", ["I don't know", "dont know", "skip"])
def test_i_dont_know_and_skip_are_accepted_and_not_stored_as_a_name(reply):
    step = answer("child_name", reply, {"referrer_type": "public"})
    assert step.slots["child_name"] in ("unknown", "skipped")
    child = answers_for_payload({"referrer_type": "public", **step.slots})["children"][0]
    payload = build_payload(
        {"referrer_type": "public", "anonymous": True, "children": [child]},
        referral_id="6f1c0b9e-1d2a-4f3b-9c4d-5e6f7a8b9c01",
        conversation_id="c",
        channel="rest",
        preview=False,
        submitted_at="2026-11-22T10:00:00Z",
    )
    assert payload["children"][0]["name"] is None


def test_a_wrong_answer_is_asked_again_with_the_reason_and_after_two_tries_skip_or_phone_is_offered():
    first = answer("email", "not an email", {})
    assert first.slots["email"] is None
    assert [r for r, _ in first.say] == ["utter_referral_not_valid"]
    second = answer("email", "still not", {**first.slots})
    assert [r for r, _ in second.say] == ["utter_referral_not_valid", "utter_referral_offer_skip_or_phone"]


def test_an_age_of_18_is_asked_again_and_a_date_of_birth_is_taken():
    assert answer("child_age", "18", {}).slots["child_age"] is None
    assert answer("child_age", "7 years old", {}).slots["child_age"] == {"age": 7}
    assert "date_of_birth" in answer("child_age", "14/03/2017", {}).slots["child_age"]


def test_stop_asks_for_confirmation_and_yes_clears_everything_so_nothing_is_sent():
    slots = {"referrer_type": "public", "anonymous": False, "name": "Jo Bloggs", "description": "x"}
    slots.update(answer("phone", "stop", slots).slots)
    assert referral_questions(slots) == ["confirm_cancel"]
    slots.update(answer("confirm_cancel", "yes, stop", slots).slots)
    assert slots["referral_outcome"] == "cancelled"
    assert slots["name"] is None and slots["description"] is None
    assert referral_questions(slots) == []


def test_no_to_stopping_carries_on_where_it_was():
    slots = {"referrer_type": "public", "referral_cancel_requested": True}
    slots.update(answer("confirm_cancel", "no, carry on", slots).slots)
    assert referral_questions(slots)[0] == "anonymous"


def test_go_back_asks_the_previous_question_again():
    slots = fill({"referrer_type": "public"}, ["no, I will give my details", "Jo Bloggs"])
    assert slots["name"] == "Jo Bloggs"
    slots.update(answer("phone", "go back", slots).slots)
    assert slots["name"] is None
    assert next(q for q in referral_questions(slots) if slots.get(q) is None) == "name"


def test_change_the_address_asks_the_address_again():
    slots = {
        "referrer_type": "public",
        "child_address": "12 Old Road",
        "referral_answered": ["child_address"],
    }
    slots.update(answer("description", "sorry can I change the address", slots).slots)
    assert slots["child_address"] is None


def test_change_an_answer_from_the_summary_then_the_summary_comes_back():
    slots = {"referrer_type": "parent_carer", "where": "the park", "referral_answered": ["where"]}
    slots.update(answer("confirm_referral", "change an answer", slots).slots)
    assert referral_questions(slots)[-1] == "change_which"
    slots.update(answer("change_which", "Where it happened", slots).slots)
    assert slots["where"] is None and slots["confirm_referral"] is None
    assert referral_questions(slots)[-1] == "confirm_referral"


def test_two_children_are_both_sent():
    slots = {
        "referrer_type": "public",
        "child_name": "Amy",
        "child_age": {"age": 4},
        "child_address": "1 Road",
    }
    slots.update(answer("another_child", "yes", slots).slots)
    assert slots["child_name"] is None and len(slots["children"]) == 1
    slots.update(child_name="Ben", child_age={"age": 9}, child_address="Bitterne Park School")
    slots.update(answer("another_child", "no", slots).slots)
    children = answers_for_payload(slots)["children"]
    assert [c["name"] for c in children] == ["Amy", "Ben"]
    assert children[1]["school"] == "Bitterne Park School" and children[1]["address"] is None


@pytest.mark.parametrize("text", ["stop", "Cancel", "i want to stop"])
def test_stop_words(text):
    assert is_stop(text)


@pytest.mark.parametrize("text", ["go back", "back", "previous question"])
def test_go_back_words(text):
    assert is_go_back(text)


def test_change_requests_name_the_question():
    assert change_target("change the address") == "child_address"
    assert change_target("can I change my phone number") == "phone"
    assert change_target("The child's age") == "child_age"
    assert change_target("he lives at the address by the school") is None


@pytest.mark.parametrize(
    "referrer, response",
    [
        ({"type": "professional", "anonymous": False}, "utter_referral_what_next_professional"),
        ({"type": "public", "anonymous": True}, "utter_referral_what_next_anonymous"),
        ({"type": "public", "anonymous": False}, "utter_referral_what_next_public"),
        ({"type": "parent_carer", "anonymous": False}, "utter_referral_what_next_parent_carer"),
    ],
)
def test_what_happens_next_fits_the_referrer(referrer, response):
    assert what_next({"referrer": referrer}) == response


def test_an_answer_that_is_not_yes_or_no_gets_a_reason():
    step = answer("another_child", "neglect", {})
    assert step.slots["another_child"] is None
    assert step.say == [("utter_referral_not_valid", {"reason": "Please answer yes or no."})]
