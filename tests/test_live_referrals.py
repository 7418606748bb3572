"""Referrals made in the chat, end to end: the real Rasa and action servers, the outbox, and a
stand-in for the intake API that records exactly what arrives (tests/live.py)."""

from __future__ import annotations

import time
from typing import Callable, List

import pytest

from tests.live import CALL_999_NOW, PUBLIC_NUMBER


def eventually(condition: Callable[[], bool], within: float = 60.0) -> bool:
    """Polls until the condition holds; the bound only stops a broken test from hanging."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def start_referral(chat, who: str, concern: str = "i want to report a concern about a child") -> List[str]:
    chat.texts(concern)
    chat.texts("/deny")
    return chat.texts(who)


def answer_all(chat, replies: List[str]) -> List[str]:
    texts: List[str] = []
    for reply in replies:
        texts = chat.texts(reply)
    return texts


def new_payloads(intake, before: int) -> list:
    return intake.payloads()[before:]


ANONYMOUS_NEIGHBOUR = [
    "yes, I want to stay anonymous",
    "I'm their neighbour",
    "I saw or heard it myself",
    "I don't know",
    "about 5",
    "flat 3, 12 Portswood Road",
    "at home I think",
    "no",
    "neglect",
    "she is out on the landing in a nappy most evenings and nobody comes when she cries",
    "most evenings for the last month",
    "outside the flats",
    "I don't know",
    "not sure",
]


def test_an_anonymous_neighbour_refers_and_no_name_or_contact_is_stored(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    intro = " ".join(start_referral(chat, "/identify_as_public"))
    assert "Would you like to stay anonymous?" in intro
    summary = answer_all(chat, ANONYMOUS_NEIGHBOUR)
    assert summary[0].startswith("Here is exactly what will be sent:")
    assert "You are staying anonymous" in summary[0]
    replies = " ".join(chat.texts("send it"))
    assert "Your reference is SCS-2026-" in replies
    assert "you will not be contacted with the outcome" in replies
    assert PUBLIC_NUMBER in replies
    [payload] = new_payloads(live_stack.intake, before)
    referrer = payload["referrer"]
    assert referrer["anonymous"] is True
    assert referrer["name"] is None and referrer["phone"] is None and referrer["email"] is None
    assert payload["children"][0]["name"] is None
    assert payload["children"][0]["age"] == 5
    assert payload["concern"]["categories"] == ["neglect"]


def test_a_teacher_refers_with_the_consent_questions_and_without_consent_because_of_risk(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    intro = " ".join(
        start_referral(chat, "/identify_as_professional", "I need to make a referral about a pupil")
    )
    assert "can't refer anonymously" in intro
    replies = [
        "Priya Shah",
        "Year 5 teacher",
        "Bitterne Park Primary School",
        "023 8083 2300",
        "p.shah@example.org",
        "her class teacher",
        "The child told me",
        "Lily",
        "9",
        "Bitterne Park Primary School",
        "in school with me",
        "no",
        "physical",
        "Lily told me at lunchtime that her dad hits her with his belt when she is naughty",
        "he hits me with his belt when I'm naughty and it hurts for days",
        "she told me today, she said it happened at the weekend",
        "at home",
        "her dad",
        "yes",
        "no",
        "not sought",
        "asking them would put the child at greater risk of harm",
    ]
    summary = answer_all(chat, replies)
    assert summary[0].startswith("Here is exactly what will be sent:")
    text = " ".join(chat.texts("send it"))
    assert "Your reference is SCS-2026-" in text and "within 24 hours" in text
    [payload] = new_payloads(live_stack.intake, before)
    assert payload["referrer"]["type"] == "professional" and payload["referrer"]["anonymous"] is False
    assert payload["referrer"]["name"] == "Priya Shah"
    assert payload["consent"]["parents_aware"] == "no"
    assert payload["consent"]["consent_given"] == "not_sought"
    assert "greater risk" in payload["consent"]["reason_not_sought"]
    assert payload["concern"]["child_words"].startswith("he hits me with his belt")
    assert payload["children"][0]["school"] == "Bitterne Park Primary School"


def test_danger_mid_referral_gets_call_999_now_first_then_the_question_again(live_stack):
    chat = live_stack.conversation()
    start_referral(chat, "/identify_as_public")
    asked = chat.texts("yes, I want to stay anonymous")
    replies = chat.texts("he's hitting her right now")
    assert replies[0].startswith(CALL_999_NOW)
    assert replies[-1] == asked[-1]


def test_a_question_mid_referral_is_answered_then_the_referral_goes_on(live_stack):
    chat = live_stack.conversation()
    start_referral(chat, "/identify_as_public")
    asked = chat.texts("no, I will give my details")
    replies = chat.texts("will the family find out it was me who reported it?")
    assert len(replies) >= 2
    assert replies[-1] == asked[-1]


def test_stop_then_confirm_sends_nothing(live_stack):
    chat = live_stack.conversation()
    before = live_stack.intake.posts
    start_referral(chat, "/identify_as_public")
    chat.texts("no, I will give my details")
    chat.texts("Sam Jones")
    assert "Do you want to stop?" in " ".join(chat.texts("stop"))
    assert "Nothing has been sent" in " ".join(chat.texts("yes, stop"))
    assert live_stack.intake.posts == before
    # Nothing is kept either: the name is gone from the conversation store, file bytes included.
    assert b"Sam Jones" not in live_stack.tracker_db.read_bytes()
    assert "stay anonymous?" in " ".join(chat.texts("i want to make a referral"))  # a new one starts afresh


def test_a_referral_made_while_the_intake_is_down_is_saved_and_arrives_once_it_is_up(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    start_referral(chat, "/identify_as_public")
    answer_all(chat, ANONYMOUS_NEIGHBOUR)
    live_stack.intake.down = True
    try:
        text = " ".join(chat.texts("send it"))
    finally:
        live_stack.intake.down = False
    assert "saved and will be passed to the Multi-Agency Safeguarding Hub" in text
    assert PUBLIC_NUMBER in text
    assert eventually(lambda: len(live_stack.intake.payloads()) == before + 1)
    time.sleep(1)  # a second delivery would arrive by now: the worker polls every 0.2 s
    assert len(live_stack.intake.payloads()) == before + 1


@pytest.mark.parametrize("who", ["/identify_as_child"])
def test_a_child_is_never_put_through_the_referral(live_stack, who):
    chat = live_stack.conversation()
    replies = " ".join(start_referral(chat, who))
    assert "0800 1111" in replies
    assert "stay anonymous" not in replies and "What is your name" not in replies


CHILD_AND_CONCERN = [
    "I saw or heard it myself",
    "Jayden",
    "7 year old",
    "14 Harbour View, SO14 3JF",
    "at school",
    "no",
    "emotional",
    "his mum's partner screams at him and calls him worthless every day",
    "every day since the summer",
    "at their flat",
    "mum's partner",
    "yes",
]


def test_a_named_member_of_the_public_refers_with_contact_details(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    start_referral(chat, "/identify_as_public")
    answer_all(
        chat,
        ["no, I will give my details", "Pat Green", "07400 123456", "skip", "his aunt", *CHILD_AND_CONCERN],
    )
    text = " ".join(chat.texts("send it"))
    assert "You may be contacted to provide further details" in text
    [payload] = new_payloads(live_stack.intake, before)
    assert payload["referrer"]["anonymous"] is False
    assert payload["referrer"]["name"] == "Pat Green"
    assert payload["referrer"]["phone"] == "07400 123456"
    assert payload["referrer"]["email"] is None  # skipped
    assert payload["children"][0]["age"] == 7


def test_a_parent_refers_and_is_asked_only_for_contact_details(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    intro = " ".join(start_referral(chat, "/identify_as_parent_carer"))
    assert "stay anonymous" not in intro and "What is your name?" in intro
    answer_all(chat, ["Chris Lee", "023 8083 3336", "chris@example.org", "I'm his dad", *CHILD_AND_CONCERN])
    chat.texts("send it")
    [payload] = new_payloads(live_stack.intake, before)
    assert payload["referrer"]["type"] == "parent_carer"
    assert payload["referrer"]["email"] == "chris@example.org"
    assert payload["consent"] is None


def test_two_children_are_sent_in_one_referral(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    start_referral(chat, "/identify_as_public")
    answer_all(
        chat,
        [
            "yes, I want to stay anonymous",
            "neighbour",
            "I saw or heard it myself",
            "Amy",
            "4",
            "Flat 2, 9 Shirley Road",
            "at home",
            "yes",
            "Ben",
            "9",
            "Shirley Junior School",
            "no",
            "neglect",
            "the two of them are left alone in the flat until late most nights",
            "most nights",
            "their flat",
            "I don't know",
            "not sure",
        ],
    )
    chat.texts("send it")
    [payload] = new_payloads(live_stack.intake, before)
    assert [c["name"] for c in payload["children"]] == ["Amy", "Ben"]
    assert payload["children"][1]["school"] == "Shirley Junior School"


def test_an_answer_changed_from_the_summary_is_what_is_sent(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    start_referral(chat, "/identify_as_public")
    answer_all(chat, ANONYMOUS_NEIGHBOUR)
    options = chat.say("change an answer")[-1]
    assert "The child's address or school" in [b["title"] for b in options["buttons"]]
    assert (
        chat.texts("The child's address or school")[-1]
        == "Where does the child live, or which school do they go to?"
    )
    summary = chat.texts("Flat 9, 40 Bevois Valley Road")
    assert "Flat 9, 40 Bevois Valley Road" in summary[0]
    chat.texts("send it")
    [payload] = new_payloads(live_stack.intake, before)
    assert payload["children"][0]["address"] == "Flat 9, 40 Bevois Valley Road"


def test_two_wrong_answers_offer_to_skip_or_phone(live_stack):
    chat = live_stack.conversation()
    start_referral(chat, "/identify_as_parent_carer")
    chat.texts("Chris Lee")
    first = " ".join(chat.texts("not a phone number"))
    second = " ".join(chat.texts("still not one"))
    offer = "You can also give your referral by phone"
    assert offer not in first
    assert offer in second and PUBLIC_NUMBER in second


def test_a_health_visitor_refers_with_the_parents_consent(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    start_referral(chat, "/identify_as_professional", "I need to make a referral about a family I visit")
    replies = [
        "Dana Okafor",
        "health visitor",
        "Solent NHS Trust",
        "023 8083 2300",
        "skip",
        "their health visitor",
        "I saw or heard it myself",
        "Mia",
        "18 months",
        "22 Lodge Road",
        "at home with mum",
        "no",
        "neglect",
        "the flat is very cold, there is little food and Mia has missed her checks",
        "over the last two months",
        "the family home",
        "I don't know",
        "not sure",
        "yes",
        "yes",
    ]
    summary = answer_all(chat, replies)
    assert summary[0].startswith("Here is exactly what will be sent:")
    chat.texts("send it")
    [payload] = new_payloads(live_stack.intake, before)
    assert payload["consent"] == {"parents_aware": "yes", "consent_given": "yes", "reason_not_sought": None}
    assert payload["children"][0]["age"] == 1
    assert payload["referrer"]["email"] is None


def test_danger_typed_as_the_description_gets_999_first_and_is_kept_as_the_description(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    start_referral(chat, "/identify_as_public")
    answer_all(chat, ANONYMOUS_NEIGHBOUR[:9])  # up to the kind of harm
    replies = chat.texts("he is dragging her down the stairs by her hair right now")
    assert replies[0].startswith(CALL_999_NOW)
    assert replies[-1] == "When did this happen, or when did you notice it?"
    answer_all(chat, ANONYMOUS_NEIGHBOUR[10:])
    chat.texts("send it")
    [payload] = new_payloads(live_stack.intake, before)
    assert payload["concern"]["description"].startswith("he is dragging her down the stairs")
    assert payload["safety"] == {
        "immediate_danger": True,
        "advised_999": True,
        "child_location_now": "at home I think",
    }


def test_a_habit_typed_as_the_description_is_not_999_and_the_referral_is_not_marked_danger(live_stack):
    """A neglect referral whose description is a pattern over weeks, with hard words ("on his own",
    "hungry", "crying"), is a referral to MASH, not an emergency (issue 11: found by hand, it got
    "Call 999 now" mid-form and went to the intake as immediate danger)."""
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    start_referral(chat, "/identify_as_public")
    answer_all(chat, ANONYMOUS_NEIGHBOUR[:9])  # up to the kind of harm
    replies = chat.texts(
        "hes out in the street on his own most nights till gone 11, no coat, crying that hes starving"
    )
    assert not any(reply.startswith(CALL_999_NOW) for reply in replies), replies
    assert replies[-1] == "When did this happen, or when did you notice it?"
    answer_all(chat, ANONYMOUS_NEIGHBOUR[10:])
    chat.texts("send it")
    [payload] = new_payloads(live_stack.intake, before)
    assert payload["concern"]["description"].startswith("hes out in the street on his own most nights")
    assert payload["safety"]["immediate_danger"] is False
    assert payload["safety"]["advised_999"] is False


@pytest.mark.parametrize(
    "danger",
    ["he's hitting her right now", "/not_sure"],
    ids=["a danger described", "not sure about danger"],
)
def test_after_999_is_advised_the_person_can_still_make_the_referral(live_stack, danger):
    # The guidance: once the police have been called, tell Children's Services as well.
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    chat.texts("hi")
    chat.texts("/identify_as_public")
    first = chat.texts(danger)
    assert "call 999 now" in " ".join(first).lower()
    intro = " ".join(chat.texts("i want to report it"))
    assert "Would you like to stay anonymous?" in intro
    summary = answer_all(chat, ANONYMOUS_NEIGHBOUR)
    assert summary[0].startswith("Here is exactly what will be sent:")
    assert "Your reference is SCS-2026-" in " ".join(chat.texts("send it"))
    [payload] = new_payloads(live_stack.intake, before)
    assert payload["safety"]["advised_999"] is True
    assert payload["safety"]["immediate_danger"] is True  # a child who is, or may be, in danger
    assert payload["provisional_triage"]["rag"] == "red"
    assert payload["referrer"]["anonymous"] is True and payload["referrer"]["name"] is None


def test_a_child_in_danger_gets_999_then_childline_and_asking_to_report_gives_childline_not_a_referral(
    live_stack,
):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    first = chat.texts("my dad is hitting me right now")
    assert first[0].startswith(CALL_999_NOW)
    assert "0800 1111" in " ".join(first[1:])
    answer = " ".join(chat.texts("i want to report him"))
    assert "0800 1111" in answer
    assert "Would you like to stay anonymous?" not in answer
    assert new_payloads(live_stack.intake, before) == []


def test_someone_in_danger_who_never_said_who_they_are_is_asked_before_a_referral(live_stack):
    chat = live_stack.conversation()
    before = len(live_stack.intake.payloads())
    first = chat.texts("he's hitting her right now")
    assert first[0].startswith(CALL_999_NOW)
    asked = " ".join(chat.texts("i want to report him"))
    assert "which of these describes you?" in asked
    answer = " ".join(chat.texts("/identify_as_child"))
    assert "0800 1111" in answer
    assert "Would you like to stay anonymous?" not in answer
    assert new_payloads(live_stack.intake, before) == []


def test_an_adult_in_danger_who_then_asks_to_report_says_who_they_are_then_refers(live_stack):
    chat = live_stack.conversation()
    assert chat.texts("he's got a knife and he's shouting at her")[0].startswith(CALL_999_NOW)
    assert "which of these describes you?" in " ".join(chat.texts("i want to report it"))
    assert "Would you like to stay anonymous?" in " ".join(chat.texts("/identify_as_public"))
