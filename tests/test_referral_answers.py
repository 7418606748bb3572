"""The referral answers (actions/referral/answers.py): text as stored, "I don't know" and "skip"."""

from __future__ import annotations

import pytest

from actions.referral.answers import SKIPPED, UNKNOWN, clean_text, is_skip, is_unknown
from actions.referral.validators import (
    validate_name,
    validate_text,
)
from tests.referral_examples import (
    ARABIC,
    FAMILY_EMOJI,
    HEBREW_WITH_MARK,
)

# --- text hygiene --------------------------------------------------------------------------------


def test_nul_and_other_control_characters_are_removed_but_newlines_are_kept():
    assert clean_text("he\x00llo\x07 there\x1b\nsecond line\x7f") == "hello there\nsecond line"


def test_emoji_and_right_to_left_text_are_kept_exactly():
    text = f"{FAMILY_EMOJI} {ARABIC} {HEBREW_WITH_MARK} \U0001f622"
    assert clean_text(text) == text


def test_html_is_kept_as_text_and_never_escaped():
    text = "<script>alert('x')</script> & <b>bold</b>"
    assert clean_text(text) == text
    assert validate_text(text, 2000).value == text


def test_text_is_stored_in_nfc():
    assert clean_text("Sio\u0062ha\u0301n") == "Siobh\u00e1n"


def test_absurd_whitespace_is_collapsed():
    assert clean_text("  a \t\u00a0  b   \r\n\r\n\n\n\n c  ") == "a b\n\nc"


def test_a_name_is_held_to_one_line():
    assert validate_name("Amir\nNoor").value == "Amir Noor"


def test_lone_surrogates_that_cannot_be_stored_are_removed():
    assert clean_text("ab\ud800c") == "abc"


# --- "I don't know" and "skip" -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I don't know",
        "I don\u2019t know",
        "dont know",
        "no idea",
        "not sure",
        "Not sure tbh",
        "unknown",
        "idk",
        "IDK",
        "n/a",
        "N/A",
        "dunno mate",
        "Sorry, I really don't know",
        "I have no idea",
        "can't remember",
        "I don't know his surname",
        "no idea where she lives",
        "not sure what school he goes to",
    ],
)
def test_ways_of_saying_i_dont_know_are_recognised(text):
    assert is_unknown(text)
    assert not is_skip(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tom",
        "Na",  # a real surname, not "n/a"
        "Unsworth",
        "not sure, maybe Tom",
        "don't know, 7 or 8",
        "I don't know if he hits her",
        "I don't know what to do, he hits her every night",
        "",
        None,
    ],
)
def test_an_answer_that_says_something_is_not_taken_as_i_dont_know(text):
    assert not is_unknown(text)


@pytest.mark.parametrize(
    "text",
    [
        "skip",
        "Skip this question please",
        "pass",
        "rather not say",
        "I'd rather not say",
        "I'd rather not say his name",
        "prefer not to say",
        "I don't want to give my name",
        "no comment",
        "skip the address",
    ],
)
def test_ways_of_skipping_a_question_are_recognised(text):
    assert is_skip(text)
    assert not is_unknown(text)


@pytest.mark.parametrize("text", ["Pascal", "pass it on to the police please", "Skipper", "Tom"])
def test_words_that_only_look_like_skipping_are_answers(text):
    assert not is_skip(text)


def test_a_slot_holds_unknown_or_skipped_so_the_form_does_not_ask_again():
    assert validate_name("I don't know").slot_value == UNKNOWN
    assert validate_name("skip").slot_value == SKIPPED
    assert validate_name("").slot_value is None
    assert validate_name("Maisie").slot_value == "Maisie"
