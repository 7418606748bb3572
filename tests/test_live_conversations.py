"""Whole conversations over REST with the real Rasa server and action server (tests/live.py).

The end-to-end check of the invariants: "call 999 now" first in every state, Childline for a
child, the phone numbers on every failure.
"""

from __future__ import annotations

import re

import pytest

from tests.live import CALL_999_NOW, PROFESSIONAL_NUMBER, PUBLIC_NUMBER


@pytest.fixture()
def assistant(live_stack):
    return live_stack


def test_the_greeting_says_it_is_automated_gives_999_and_asks_who_is_asking(assistant):
    replies = assistant.conversation().say("hello there")
    text = " ".join(r.get("text", "") for r in replies)
    assert "automated assistant" in text and "call 999 now" in text and "Privacy" in text
    assert replies[-1]["text"].startswith("So that I can give you the right information")
    assert [b["payload"] for b in replies[-1]["buttons"]] == [
        "/identify_as_public",
        "/identify_as_professional",
        "/identify_as_parent_carer",
        "/identify_as_child",
    ]


def test_a_member_of_the_public_is_asked_about_danger_with_buttons_then_offered_options(assistant):
    chat = assistant.conversation()
    chat.say("hi")
    [question] = chat.say("/identify_as_public")
    assert question["text"] == "Is the child in immediate danger right now?"
    assert [b["title"] for b in question["buttons"]] == ["Yes", "No", "Not sure"]
    replies = chat.say("/deny")
    assert replies[-1]["text"] == "What would you like to do?"


@pytest.mark.parametrize(
    "before",
    [
        [],
        ["hello"],
        ["hello", "/identify_as_professional"],
        ["i'm worried about the girl next door, she's always on her own and looks thin"],
        ["what does MASH do"],
        ["hi", "/identify_as_public", "/deny"],
        ["im 13 and my dad shouts at me all the time"],
        ["blah blah blah"],
    ],
    ids=[
        "first message",
        "after the greeting",
        "asked about danger",
        "after a worry",
        "after a question",
        "after the options",
        "after Childline",
        "after a fallback",
    ],
)
def test_hes_hitting_her_right_now_gets_call_999_now_first_in_every_state(assistant, before):
    chat = assistant.conversation()
    for message in before:
        chat.say(message)
    replies = chat.texts("he's hitting her right now")
    assert replies[0].startswith(CALL_999_NOW), replies


def test_saying_yes_to_the_danger_question_gets_call_999_now_first(assistant):
    chat = assistant.conversation()
    chat.texts("my nephew came round with a black eye and wont say how he got it")
    replies = chat.texts("/affirm")
    assert replies[0].startswith(CALL_999_NOW)
    assert any(PUBLIC_NUMBER in r for r in replies[1:])


def test_a_teacher_told_by_a_pupil_gets_the_councils_advice_and_the_professionals_number(assistant):
    chat = assistant.conversation()
    chat.texts(
        "a boy in my form group told me this morning that his mums boyfriend burns him with cigarettes"
    )
    chat.texts("no he is in school")
    replies = " ".join(chat.texts("I'm his form tutor"))
    assert "remain calm and reassuring" in replies
    assert "do not ask further questions" in replies
    assert "make notes" in replies.lower() or "Make notes" in replies
    assert PROFESSIONAL_NUMBER in replies


def test_a_child_talking_about_themselves_is_given_childline_not_a_referral(assistant):
    chat = assistant.conversation()
    replies = chat.texts("im 13 and my stepdad hits me when mum is at work, i dont know what to do")
    text = " ".join(replies)
    assert "0800 1111" in text and "999" in text
    assert "immediate danger right now?" not in text
    assert "which of these describes you" not in text


@pytest.mark.parametrize("leaving", ["/leave_for_now", "/goodbye", "zxcv qwer tyui"])
def test_a_child_who_leaves_or_is_not_understood_is_still_given_childline(assistant, leaving):
    chat = assistant.conversation()
    chat.texts("hi")
    chat.texts("/identify_as_child")
    text = " ".join(chat.texts(leaving))
    assert "Childline on 0800 1111" in text and "999" in text, text


def test_a_member_of_the_public_asking_about_telling_the_parents_is_told_the_advice_is_for_professionals(
    assistant,
):
    chat = assistant.conversation()
    chat.texts("hi")
    chat.texts("/identify_as_public")
    text = " ".join(chat.texts("do the parents have to agree before i report?"))
    assert "for professionals" in text and "remain anonymous" in text, text
    assert not text.startswith("If you are a professional")


def test_a_message_it_cannot_understand_gets_the_phone_numbers(assistant):
    text = " ".join(assistant.conversation().texts("zxcv qwer tyui"))
    assert PUBLIC_NUMBER in text and PROFESSIONAL_NUMBER in text and "999" in text


def test_questions_are_answered_from_the_guidance(assistant):
    chat = assistant.conversation()
    assert any(
        "two hours" in t
        for t in chat.texts("how quickly do they act on a referral, what are the timescales?")
    )
    assert any("S47" in t for t in chat.texts("what can happen to the family after a referral is made"))


@pytest.mark.parametrize(
    "message",
    [
        "x" * 5000,
        "<script>alert('hi')</script>",
        "my neighbour's 👶 cries all night 😢 ولد صغير",
        "\u202ehidden text\u202c and \x00 nulls",
    ],
    ids=["5000 characters", "script tag", "emoji and right-to-left", "control characters"],
)
def test_odd_input_gets_an_answer_and_nothing_breaks(assistant, message):
    chat = assistant.conversation()
    replies = chat.texts(message)
    assert replies and all(isinstance(r, str) and r for r in replies)
    # The conversation goes on.
    assert chat.texts("he's hitting her right now")[0].startswith(CALL_999_NOW)


def test_the_logs_hold_neither_what_people_wrote_nor_their_addresses(assistant):
    chat = assistant.conversation()
    chat.say("my neighbour Mrs Quentin-Fairweather leaves her twins alone every weekend")
    chat.say("/deny")
    logs = "\n".join(path.read_text() for path in assistant.logs)
    assert "Quentin-Fairweather" not in logs
    # Only the servers' own "listening on" lines may name an address; no access log lines.
    addresses = [
        line
        for line in logs.splitlines()
        if re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", line)
        and "Starting Rasa server on" not in line
        and "Goin' Fast" not in line
    ]
    assert addresses == []
