"""The screening questions and what follows them (actions/screening.py)."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.screening import (
    ActionChooseNextSteps,
    ActionRecordImmediateDanger,
    ValidateScreeningForm,
    next_step,
    screening_questions,
    typed_danger_answer,
)
from tests.conftest import make_tracker, user_event


def test_someone_who_only_said_hello_is_asked_who_they_are_first():
    assert screening_questions(None, None, described_a_concern=False) == ["referrer_type", "immediate_danger"]


def test_someone_who_described_a_concern_is_asked_about_danger_first():
    assert screening_questions(None, None, described_a_concern=True) == ["immediate_danger", "referrer_type"]


async def step_chosen(**tracker) -> list:
    """The events ActionChooseNextSteps returns for a tracker made of ``tracker`` (make_tracker's
    keywords)."""
    return await ActionChooseNextSteps().run(CollectingDispatcher(), make_tracker(**tracker), {})


async def screening_slots(tracker) -> list:
    """The screening questions the form would still ask, in order."""
    return await ValidateScreeningForm().required_slots(
        ["immediate_danger", "referrer_type"], CollectingDispatcher(), tracker, {}
    )


@pytest.mark.parametrize("danger", ["yes", "not_sure"])
def test_nothing_more_is_asked_once_a_child_is_or_may_be_in_danger(danger):
    assert screening_questions(None, danger, described_a_concern=True) == []


def test_a_child_talking_about_themselves_is_not_asked_screening_questions():
    assert screening_questions("child", None, described_a_concern=True) == []


@pytest.mark.parametrize(
    "referrer, danger, advised, concern, step",
    [
        ("child", "no", False, "express_worry_about_child", "childline"),
        ("child", "yes", True, None, "childline"),
        ("public", "yes", False, "express_worry_about_child", "call_999"),
        (None, "yes", True, "report_child_disclosure", "after_999"),
        ("public", "not_sure", False, "express_worry_about_child", "unsure_danger"),
        ("professional", "no", False, "report_child_disclosure", "disclosure"),
        ("public", "no", False, "express_worry_about_child", "worry"),
        ("parent_carer", "no", False, "request_referral", "referral"),
        ("public", "no", False, None, "menu"),
    ],
)
def test_the_next_step_fits_the_person_and_their_concern(referrer, danger, advised, concern, step):
    assert next_step(referrer, danger, advised, concern) == step


@pytest.mark.parametrize(
    "danger, advised, step",
    [
        ("yes", True, "referral"),
        ("not_sure", True, "referral"),
        ("yes", False, "call_999"),  # 999 has not been said yet: it comes first
        ("not_sure", False, "unsure_danger"),
    ],
)
def test_after_999_is_advised_a_request_to_refer_starts_the_referral(danger, advised, step):
    assert next_step("public", danger, advised, "request_referral", asked_to_refer=True) == step


@pytest.mark.parametrize("danger", ["yes", "not_sure"])
def test_someone_told_to_call_999_who_asks_to_refer_is_first_asked_who_they_are(danger):
    assert screening_questions(None, danger, described_a_concern=True, refer_after_999=True) == [
        "referrer_type"
    ]
    assert next_step(None, danger, True, "request_referral", asked_to_refer=True) != "referral"


async def test_yes_to_the_danger_question_after_asking_to_refer_means_999_before_any_question():
    tracker = make_tracker(
        slots={"immediate_danger": "yes", "advised_999": False},
        events=[user_event("request_referral", "i want to make a referral"), user_event("affirm", "/affirm")],
    )
    slots = await screening_slots(tracker)
    assert slots == []
    events = await ActionChooseNextSteps().run(CollectingDispatcher(), tracker, {})
    assert events == [SlotSet("next_step", "call_999"), SlotSet("advised_999", True)]


async def test_asking_to_refer_after_a_danger_message_asks_who_is_asking_when_nobody_said():
    tracker = make_tracker(
        slots={"immediate_danger": "yes", "advised_999": True},
        events=[
            user_event("report_immediate_danger", "my dad is hitting me right now"),
            user_event("request_referral", "i want to report him"),
        ],
    )
    slots = await screening_slots(tracker)
    assert slots == ["referrer_type"]


def test_a_child_asking_to_refer_after_danger_is_still_pointed_to_childline():
    assert next_step("child", "yes", True, "request_referral", asked_to_refer=True) == "childline"


async def test_asking_to_refer_after_a_danger_message_starts_the_referral_not_999_again():
    events = await step_chosen(
        slots={"referrer_type": "public", "immediate_danger": "yes", "advised_999": True},
        events=[
            user_event("report_immediate_danger", "he's hitting her right now"),
            user_event("request_referral", "i want to report it"),
        ],
    )
    assert events == [SlotSet("next_step", "referral")]


async def test_after_a_danger_message_mentioning_an_earlier_request_999_comes_without_the_form():
    events = await step_chosen(
        slots={"referrer_type": "public", "immediate_danger": "yes", "advised_999": True},
        events=[
            user_event("request_referral", "i want to make a referral"),
            user_event("report_immediate_danger", "he's got a knife"),
        ],
    )
    assert events == [SlotSet("next_step", "after_999")]


async def test_the_form_asks_about_danger_first_after_a_worry():
    tracker = make_tracker(
        events=[user_event("express_worry_about_child", "i'm worried about the boy next door")]
    )
    slots = await screening_slots(tracker)
    assert slots == ["immediate_danger", "referrer_type"]


async def test_the_form_asks_who_is_asking_first_after_a_greeting():
    tracker = make_tracker(events=[user_event("greet", "hello")])
    slots = await screening_slots(tracker)
    assert slots == ["referrer_type", "immediate_danger"]


async def test_a_danger_message_is_recorded_with_999_advised():
    dispatcher = CollectingDispatcher()
    events = await ActionRecordImmediateDanger().run(dispatcher, make_tracker(), {})
    assert events == [SlotSet("immediate_danger", "yes"), SlotSet("advised_999", True)]
    assert dispatcher.messages == []


async def test_the_latest_concern_decides_the_next_step():
    events = await step_chosen(
        slots={"referrer_type": "professional", "immediate_danger": "no", "advised_999": False},
        events=[
            user_event("express_worry_about_child", "worried about a pupil"),
            user_event("report_child_disclosure", "and now she has told me her uncle touches her"),
            user_event("identify_as_professional", "teacher"),
        ],
    )
    assert events == [SlotSet("next_step", "disclosure")]


async def test_answering_yes_to_the_danger_question_leads_to_999_and_records_it():
    events = await step_chosen(
        slots={"immediate_danger": "yes", "advised_999": False},
        events=[user_event("express_worry_about_child"), user_event("affirm", "/affirm")],
    )
    assert events == [SlotSet("next_step", "call_999"), SlotSet("advised_999", True)]


async def test_999_is_not_repeated_after_the_danger_rule_already_said_it():
    events = await step_chosen(slots={"immediate_danger": "yes", "advised_999": True})
    assert events == [SlotSet("next_step", "after_999")]


def typed_answer(text: str, roles: list[str], intent: str = "nlu_fallback", **slots):
    tracker = make_tracker(slots={"requested_slot": "referrer_type", **slots})
    tracker.latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.4},
        "entities": [{"entity": "relationship", "value": role} for role in roles],
    }
    return ValidateScreeningForm().extract_referrer_type(CollectingDispatcher(), tracker, {})


@pytest.mark.parametrize(
    "text, role, referrer_type",
    [
        ("I'm his form tutor", "form tutor", "professional"),
        ("school nurse", "school nurse", "professional"),
        ("her foster carer", "foster carer", "parent_carer"),
        ("im the mum", "mum", "parent_carer"),
        ("her nan", "nan", "public"),
        ("next door neighbour", "neighbour", "public"),
    ],
)
async def test_a_short_typed_role_answers_who_is_asking(text, role, referrer_type):
    assert await typed_answer(text, [role]) == {"referrer_type": referrer_type}


async def test_a_long_message_that_mentions_someone_is_not_taken_as_who_is_asking():
    text = "well his mum is my friend from work and i have known the family for years"
    assert await typed_answer(text, ["mum", "friend"]) == {}
    assert await typed_answer("i have known his mum for years through the school gate", ["mum"]) == {}


async def test_a_typed_role_is_ignored_when_a_button_or_the_classifier_already_answered():
    assert await typed_answer("teacher", ["teacher"], intent="identify_as_professional") == {}
    assert await typed_answer("teacher", ["teacher"], referrer_type="public") == {}


async def test_a_child_in_danger_writing_about_themselves_is_remembered_as_a_child_so_childline_follows():
    tracker = make_tracker()
    tracker.latest_message = {
        "intent": {"name": "report_immediate_danger", "confidence": 1.0},
        "text": "my dad is hitting me right now",
        "cues": {"writer": "child", "over": False, "language": None},
    }
    events = await ActionRecordImmediateDanger().run(CollectingDispatcher(), tracker, {})
    assert SlotSet("referrer_type", "child") in events
    assert events[:2] == [SlotSet("immediate_danger", "yes"), SlotSet("advised_999", True)]


async def test_an_adult_who_already_said_who_they_are_keeps_their_role_after_danger():
    tracker = make_tracker(slots={"referrer_type": "public"})
    tracker.latest_message = {"text": "he is hitting me and the kids", "cues": {"writer": "child"}}
    events = await ActionRecordImmediateDanger().run(CollectingDispatcher(), tracker, {})
    assert SlotSet("referrer_type", "child") not in events


# --- issue 11: the danger question answered in loose words -----------------------------------


@pytest.mark.parametrize(
    "text, intent, cues",
    [
        ("nah not at this minute, her nan's with her", "express_worry_about_child", {}),
        ("not in any danger now, that was this afternoon", "nlu_fallback", {}),
        ("not right this second no", "leave_for_now", {}),
        ("nothing's happening at the moment", "nlu_fallback", {}),
        ("his dad has come home now", "leave_for_now", {}),
        ("her mums back", "nlu_fallback", {}),
        ("its calmed down, everyone's gone to bed", "express_worry_about_child", {"over": True}),
        ("noo hes ok", "report_child_disclosure", {}),
    ],
)
def test_a_loose_no_to_the_danger_question_is_read_as_no(text, intent, cues):
    message = {"text": text, "intent": {"name": intent}, "cues": cues}
    assert typed_danger_answer(message) == "no"


@pytest.mark.parametrize(
    "text, intent, extra",
    [
        # danger now is never read as a no, whatever the words around it
        ("no, he's strangling her", "report_immediate_danger", {"danger_safety_net": {"reasons": ["x"]}}),
        (
            "her dad's back and he's punching the wall next to her",
            "express_worry_about_child",
            {"danger_safety_net": {"reasons": ["harm in progress: punching"]}},
        ),
        (
            "not at this minute but he's got a knife",
            "express_worry_about_child",
            {"danger_safety_net": {"reasons": ["danger sign: knife"]}},
        ),
        # doubt, or a carer back who is part of the worry, is not a no
        ("no idea, i can't see into the flat", "nlu_fallback", {}),
        ("not sure, the curtains are shut", "nlu_fallback", {}),
        ("i dont know if she's safe", "nlu_fallback", {}),
        ("her mum's back but she's off her face", "express_worry_about_child", {}),
        ("dad's home again and still shouting", "express_worry_about_child", {}),
        # a question or a child about themselves goes to its own answer
        ("no, but will they tell the parents it was me?", "faq", {}),
        ("no im ok now but im scared of him", "child_seeking_help", {}),
    ],
)
def test_danger_doubt_or_a_question_is_not_read_as_no(text, intent, extra):
    message = {"text": text, "intent": {"name": intent}, "cues": {}, **extra}
    assert typed_danger_answer(message) is None


async def test_the_screening_form_takes_a_loose_no_as_the_answer_to_the_danger_question():
    tracker = make_tracker(slots={"requested_slot": "immediate_danger"})
    tracker.latest_message = {
        "text": "not at this minute, her grandad is round there now",
        "intent": {"name": "nlu_fallback", "confidence": 0.4},
        "entities": [],
        "cues": {"writer": None, "over": False, "language": None},
    }
    extracted = await ValidateScreeningForm().extract_immediate_danger(CollectingDispatcher(), tracker, {})
    assert extracted == {"immediate_danger": "no"}


async def test_the_answer_to_the_danger_question_is_not_taken_for_a_new_concern():
    events = await step_chosen(
        slots={"immediate_danger": "no", "referrer_type": "public", "advised_999": False},
        events=[
            user_event("express_worry_about_child", "the kids over the road get left out in the cold"),
            {"event": "slot", "name": "requested_slot", "value": "immediate_danger"},
            user_event("report_child_disclosure", "no, not now, their mum got back this evening"),
            {"event": "slot", "name": "immediate_danger", "value": "no"},
            {"event": "slot", "name": "requested_slot", "value": "referrer_type"},
            user_event("identify_as_public", "/identify_as_public"),
        ],
    )
    assert events == [SlotSet("next_step", "worry")]


async def test_a_new_concern_told_while_the_danger_question_waits_still_counts():
    events = await step_chosen(
        slots={"immediate_danger": "no", "referrer_type": "public", "advised_999": False},
        events=[
            user_event("express_worry_about_child", "worried about my neighbour's boy"),
            {"event": "slot", "name": "requested_slot", "value": "immediate_danger"},
            user_event("report_child_disclosure", "he told me today his uncle hurts him"),
            user_event("deny", "/deny"),
            {"event": "slot", "name": "immediate_danger", "value": "no"},
        ],
    )
    assert events == [SlotSet("next_step", "disclosure")]
