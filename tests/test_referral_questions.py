"""The question table (actions/referral/questions.py) and domain.yml agree, and ``decide`` decides.

A question added to the table and forgotten in the domain (its slot, its mapping, its place in the
form, its ``utter_ask_``), or the other way round, fails here rather than in a conversation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from actions.referral.contract import SCHEMA
from actions.referral.decisions import Message, decide
from actions.referral.questions import (
    ANSWER_SLOTS,
    ANSWERS,
    CHANGEABLE,
    CONTROL_SLOTS,
    QUESTION_TITLES,
    QUESTIONS,
    answers_for_payload,
    referral_questions,
)
from nlp.names import DANGER_INTENT

ROOT = Path(__file__).resolve().parent.parent
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FORM_SLOTS = DOMAIN["forms"]["referral_form"]["required_slots"]
TABLE_SLOTS = [question.slot for question in QUESTIONS]


def test_the_table_and_the_forms_required_slots_are_the_same_questions_in_the_same_order():
    assert TABLE_SLOTS == FORM_SLOTS


@pytest.mark.parametrize("slot", TABLE_SLOTS)
def test_each_question_has_a_slot_filled_from_text_only_while_it_is_asked(slot):
    declared = DOMAIN["slots"].get(slot)
    assert declared is not None, f"domain.yml has no slot {slot!r}"
    assert declared["mappings"] == [
        {
            "type": "from_text",
            "conditions": [{"active_loop": "referral_form", "requested_slot": slot}],
        }
    ]
    assert declared.get("influence_conversation") is False


@pytest.mark.parametrize("slot", TABLE_SLOTS)
def test_each_question_has_its_prompt_in_the_domain(slot):
    prompts = set(DOMAIN["responses"]) | set(DOMAIN["actions"])
    assert {f"utter_ask_{slot}", f"action_ask_{slot}"} & prompts, f"nothing in domain.yml asks {slot!r}"


def test_every_form_slot_of_the_domain_is_in_the_table():
    asked_in_form = {
        name
        for name, slot in DOMAIN["slots"].items()
        for mapping in slot.get("mappings", [])
        for condition in mapping.get("conditions", [])
        if condition.get("active_loop") == "referral_form"
    }
    assert asked_in_form == set(TABLE_SLOTS)


@pytest.mark.parametrize("question", ANSWERS, ids=lambda q: q.slot)
def test_each_answer_has_a_validator_a_title_words_that_change_it_and_contract_fields(question):
    assert question.check is not None
    assert QUESTION_TITLES[question.slot] == question.title
    assert (question.change_words, question.slot) in CHANGEABLE
    section = (
        SCHEMA["$defs"]["child"] if question.section == "child" else SCHEMA["properties"][question.section]
    )
    if "$ref" in section:
        section = SCHEMA["$defs"][section["$ref"].split("/")[-1]]
    for field, _ in question.labels:
        assert (
            field in section["properties"]
        ), f"{question.slot}: the contract's {question.section} has no {field}"


def test_the_forms_own_questions_are_never_sent_and_are_cleared_with_the_answers():
    own = [q.slot for q in QUESTIONS if not q.is_answer]
    assert own == ["another_child", "confirm_referral", "change_which", "confirm_cancel"]
    assert not set(own) & set(ANSWER_SLOTS)
    assert set(own) <= set(CONTROL_SLOTS)


def test_every_answer_reaches_the_payload_under_its_contract_field():
    slots = {question.slot: f"answer to {question.slot}" for question in ANSWERS}
    answers = answers_for_payload({**slots, "child_age": {"age": 7}})
    child = answers["children"][-1]
    for question in ANSWERS:
        target = child if question.section == "child" else answers
        fields = [field for field, _ in question.labels]
        assert any(target.get(field) not in (None, "") for field in fields), question.slot


def test_the_questions_asked_are_always_questions_of_the_table():
    for referrer_type in ("public", "professional", "parent_carer", None):
        assert set(referral_questions({"referrer_type": referrer_type})) <= set(TABLE_SLOTS)


# --- decide: one message, one decision -----------------------------------------------------------

SLOTS = {"referrer_type": "public", "anonymous": True, "referral_id": "6f1c0b9e-1d2a-4f3b-9c4d-5e6f7a8b9c01"}


def test_danger_typed_for_a_name_gets_999_first_and_the_name_is_asked_again():
    step = decide("child_name", Message("he's got a knife to her", "faq", 0.4, safety_net=True), SLOTS)
    assert step.say == [("utter_call_999_now", {})]
    assert step.slots["child_name"] is None
    assert step.slots["immediate_danger"] == "yes" and step.slots["advised_999"] is True


def test_danger_described_as_what_happened_gets_999_first_and_is_kept_as_the_answer():
    text = "he is punching her in the garden right now"
    step = decide("description", Message(text, DANGER_INTENT, 0.97), SLOTS)
    assert step.say[0] == ("utter_call_999_now", {})
    assert step.slots["description"] == text
    assert step.slots["referral_999_at"] == "description"


def test_the_same_answer_after_999_is_taken_unless_the_safety_net_fires_again():
    text = "he is punching her in the garden"
    slots = {**SLOTS, "referral_999_at": "description"}
    assert decide("description", Message(text, DANGER_INTENT, 0.97), slots).say == []
    assert decide("description", Message(text, DANGER_INTENT, 0.97, safety_net=True), slots).say[0] == (
        "utter_call_999_now",
        {},
    )


def test_the_classifiers_danger_call_does_not_count_for_an_address():
    step = decide("child_address", Message("flat 6, 21 Onslow Road, SO14 0JG", DANGER_INTENT, 0.99), SLOTS)
    assert step.say == []
    assert step.slots["child_address"] == "flat 6, 21 Onslow Road, SO14 0JG"


def test_a_question_about_the_service_is_answered_and_the_same_question_asked_again():
    step = decide(
        "phone", Message("will they know it was me?", "faq", 0.9, faq_response="utter_faq/anonymous"), SLOTS
    )
    assert step.say == [("utter_faq/anonymous", {})]
    assert step.slots == {"phone": None}


def test_a_screening_answer_matched_by_accident_keeps_its_value():
    slots = {**SLOTS, "referrer_type": "child"}
    step = decide("knowledge_source", Message("I saw or heard it myself"), slots, {"referrer_type": "public"})
    assert step.slots["referrer_type"] == "public"
    assert step.slots["knowledge_source"] == "witnessed"


def test_an_answer_is_stored_and_the_referral_gets_an_id_once():
    step = decide("child_name", Message("Maisie"), {"referrer_type": "public"})
    assert step.slots["child_name"] == "Maisie"
    assert len(step.slots["referral_id"]) == 36
    assert "referral_id" not in decide("child_name", Message("Maisie"), SLOTS).slots


def test_a_wrong_answer_is_asked_again_with_its_reason():
    step = decide("email", Message("not an email"), SLOTS)
    assert step.slots["email"] is None
    assert [response for response, _ in step.say] == ["utter_referral_not_valid"]


@pytest.mark.parametrize(
    "text, slots",
    [
        ("stop", {"referral_cancel_requested": True}),
        ("change the address", {"child_address": None}),
    ],
)
def test_stop_and_change_are_decided_at_any_question(text, slots):
    step = decide(
        "when", Message(text), {**SLOTS, "child_address": "1 Road", "referral_answered": ["child_address"]}
    )
    assert slots.items() <= step.slots.items()
    assert step.slots["when"] is None


def test_where_the_child_is_now_is_a_place_and_only_the_safety_net_makes_it_danger():
    place = "at home with her dad who hit her last month"
    assert decide("child_location_now", Message(place, DANGER_INTENT, 0.99), SLOTS).say == []
    knife = decide(
        "child_location_now", Message("in the car with him, he has a knife", safety_net=True), SLOTS
    )
    assert knife.say[0] == ("utter_call_999_now", {})


def test_i_will_come_back_to_this_asks_to_confirm_stopping_and_keeps_nothing_as_an_answer():
    step = decide("child_name", Message("i'll come back to this later", "leave_for_now", 0.95), SLOTS)
    assert step.slots == {"child_name": None, "referral_cancel_requested": True}
    assert step.say == []


@pytest.mark.parametrize(
    "text",
    ["i'll come back to this later", "not now", "sorry hes just come home i have to go", "can i save it"],
)
def test_leaving_in_words_asks_to_confirm_stopping(text):
    step = decide("person_of_concern", Message(text, "leave_for_now", 0.9), SLOTS)
    assert step.slots.get("referral_cancel_requested") is True


@pytest.mark.parametrize(
    "text", ["mum's partner", "his mum's partner I think", "her uncle", "the man next door"]
)
def test_an_answer_the_classifier_takes_for_leaving_is_kept_as_the_answer(text):
    # Measured: a model trained with more "not now" examples took "mum's partner" for leaving.
    step = decide("person_of_concern", Message(text, "leave_for_now", 0.95), SLOTS)
    assert "referral_cancel_requested" not in step.slots
    assert step.slots.get("person_of_concern") == text
