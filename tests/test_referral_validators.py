"""Each referral answer's validator (actions/referral/validators.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from actions.referral.answers import SKIPPED, UNKNOWN
from actions.referral.contract import FIELD_LIMITS, NAME_MAX, SCHEMA
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
from tests.referral_examples import (
    ARABIC,
    FAMILY_EMOJI,
    HEBREW_WITH_MARK,
    TODAY,
)

# --- free text and names -------------------------------------------------------------------------


def test_the_length_limits_come_from_the_contract():
    defs = SCHEMA["$defs"]
    assert FIELD_LIMITS["description"] == defs["long_text"]["maxLength"] == 2000
    assert FIELD_LIMITS["child_words"] == FIELD_LIMITS["reason_not_sought"] == 2000
    assert FIELD_LIMITS["address"] == FIELD_LIMITS["when"] == defs["short_text"]["maxLength"]
    assert FIELD_LIMITS["name"] == FIELD_LIMITS["school"] == NAME_MAX == defs["name"]["maxLength"]


def test_a_description_of_exactly_2000_characters_is_accepted():
    checked = validate_text("x" * 2000, FIELD_LIMITS["description"])
    assert checked.accepted and checked.value == "x" * 2000


def test_a_description_of_2001_characters_is_asked_again_with_the_count():
    checked = validate_text("x" * 2001, FIELD_LIMITS["description"])
    assert not checked.accepted and checked.value is None
    assert "2,001" in checked.reason and "2,000" in checked.reason


def test_the_limit_counts_what_is_stored_after_cleaning():
    assert validate_text("x" * 2000 + "\x00\x00  ", 2000).value == "x" * 2000
    assert validate_text(FAMILY_EMOJI * 400, 2000).accepted  # 5 code points each: 2,000


def test_free_text_keeps_emoji_and_right_to_left_text():
    text = f"She said {HEBREW_WITH_MARK} and cried {FAMILY_EMOJI}"
    assert validate_text(text, 2000).value == text


@pytest.mark.parametrize("text", ["", "   ", "\x00\x00", "\n\n"])
def test_an_empty_answer_is_asked_again_kindly(text):
    checked = validate_text(text, 500)
    assert not checked.accepted
    assert "I don't know" in checked.reason


def test_i_dont_know_is_an_accepted_answer_for_free_text():
    assert validate_text("no idea", 500).status == UNKNOWN
    assert validate_text("skip", 500).status == SKIPPED


@pytest.mark.parametrize(
    "name",
    [
        "Maisie",
        "Siobh\u00e1n N\u00ed Bhriain",
        "O'Neill-Smith",
        "\u674e\u5c0f\u9f99",
        ARABIC,
        "Jo",
        "A",
        "Mr Z",
        "Priya Shah-Patel 2nd",
    ],
)
def test_any_real_name_is_accepted_as_written(name):
    assert validate_name(name).value == name


def test_a_name_at_the_contract_limit_is_accepted_and_one_longer_is_asked_again():
    assert validate_name("a" * NAME_MAX).accepted
    checked = validate_name("a" * (NAME_MAX + 1))
    assert not checked.accepted and "just the name" in checked.reason


def test_i_dont_know_is_never_stored_as_a_name():
    for text in ("I don't know", "unknown", "no idea", "dunno his name"):
        checked = validate_name(text)
        assert checked.status == UNKNOWN and checked.value is None


def test_a_name_loses_its_control_characters():
    assert validate_name("Ma\x00isie\x08").value == "Maisie"


def test_the_reason_consent_was_not_sought_is_free_text():
    assert validate_reason_not_sought("Asking would put her at risk").value == "Asking would put her at risk"
    assert not validate_reason_not_sought("x" * 2001).accepted


# --- contact details -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, stored",
    [
        ("priya.shah@example.org", "priya.shah@example.org"),
        ("Priya.Shah@Example.ORG", "Priya.Shah@example.org"),
        ("  it's priya@example.org thanks ", "priya@example.org"),
        ("h.carter@school.example.org.", "h.carter@school.example.org"),
    ],
)
def test_an_email_address_is_found_and_normalised(text, stored):
    assert validate_email(text).value == stored


@pytest.mark.parametrize(
    "text", ["priya", "priya@", "a@b", "@example.org", "priya@@example.org", "priya@exa mple.org"]
)
def test_a_bad_email_address_is_asked_again(text):
    checked = validate_email(text)
    assert not checked.accepted
    assert "skip" in checked.reason


def test_an_email_can_be_skipped():
    assert validate_email("prefer not to say").status == SKIPPED


@pytest.mark.parametrize(
    "text, stored",
    [
        ("07400 123456", "07400 123456"),
        ("07400123456", "07400 123456"),
        ("+44 7400 123456", "07400 123456"),
        ("0044 7400 123456", "07400 123456"),
        ("023 8083 3336", "023 8083 3336"),
        ("02380833336", "023 8083 3336"),
        ("(020) 7946 0000", "020 7946 0000"),
        ("my number is 07400 123456", "07400 123456"),
        ("call 07400123456 after 5pm", "07400 123456"),
        ("07400 123456 ext 12", "07400 123456"),
    ],
)
def test_a_uk_phone_number_is_stored_in_the_readable_national_format(text, stored):
    checked = validate_uk_phone(text)
    assert checked.value == stored
    assert re.match(SCHEMA["$defs"]["referrer"]["properties"]["phone"]["pattern"], checked.value)


@pytest.mark.parametrize("text", ["12345", "999", "0800", "07400 12345", "not a number", "07700 900123"])
def test_a_number_that_is_not_a_valid_uk_number_is_asked_again(text):
    checked = validate_uk_phone(text)
    assert not checked.accepted
    assert "UK phone number" in checked.reason


def test_a_number_from_outside_the_uk_is_asked_again_saying_why():
    checked = validate_uk_phone("+33 1 23 45 67 89")
    assert not checked.accepted and "outside the UK" in checked.reason


def test_a_phone_number_can_be_skipped_or_unknown():
    assert validate_uk_phone("skip").status == SKIPPED
    assert validate_uk_phone("I don't know it").status == UNKNOWN


# --- the child's age and date of birth -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, age",
    [
        ("0", 0),
        ("17", 17),
        ("7", 7),
        ("seven", 7),
        ("Seventeen", 17),
        ("7 year old", 7),
        ("7 years old", 7),
        ("aged 12", 12),
        ("7yo", 7),
        ("about 10", 10),
        ("7 or 8", 7),
        ("twelve and a half", 12),
        ("7.5", 7),
        ("18 months", 1),
        ("eighteen months old", 1),
        ("6 months", 0),
        ("3 weeks", 0),
        ("a year and a half", 1),
        ("newborn", 0),
        ("I'm not sure, 7", 7),
        (0, 0),
        (17, 17),
    ],
)
def test_an_age_is_read_from_digits_or_words(text, age):
    assert validate_age(text).value == age


@pytest.mark.parametrize("text", ["18", "-1", 18, -1, "twenty", "19 years old", "1996"])
def test_an_age_outside_0_to_17_is_asked_again(text):
    checked = validate_age(text)
    assert not checked.accepted
    assert "0 to 17" in checked.reason


def test_a_school_year_is_not_taken_for_an_age():
    checked = validate_age("she's in year 7")
    assert not checked.accepted and "school year" in checked.reason


@pytest.mark.parametrize("text", ["a baby", "young", "", True])
def test_an_answer_with_no_age_in_it_is_asked_again(text):
    assert not validate_age(text).accepted


def test_an_unknown_age_is_accepted_as_unknown():
    assert validate_age("I don't know").status == UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "14/09/2015",
        "14/9/15",
        "14-09-2015",
        "14.09.2015",
        "14 09 2015",
        "14th September 2015",
        "14 Sept 15",
        "14th of September, 2015",
        "September 14, 2015",
        "2015-09-14",
        "born on 14/09/2015",
        date(2015, 9, 14),
    ],
)
def test_a_date_of_birth_is_read_day_first_and_stored_as_iso(text):
    assert validate_date_of_birth(text, today=TODAY).value == "2015-09-14"


def test_a_date_of_birth_in_the_future_is_asked_again():
    checked = validate_date_of_birth("01/01/2030", today=TODAY)
    assert not checked.accepted and "future" in checked.reason


def test_a_child_born_today_is_accepted():
    assert validate_date_of_birth(TODAY, today=TODAY).value == TODAY.isoformat()


def test_a_date_of_birth_making_the_child_18_is_asked_again_and_the_day_after_is_not():
    eighteenth_birthday_today = "02/03/2008"
    assert not validate_date_of_birth(eighteenth_birthday_today, today=TODAY).accepted
    assert validate_date_of_birth("03/03/2008", today=TODAY).value == "2008-03-03"


@pytest.mark.parametrize("text", ["31/02/2015", "09/14/2015", "00/01/2015"])
def test_a_date_that_does_not_exist_is_asked_again(text):
    checked = validate_date_of_birth(text, today=TODAY)
    assert not checked.accepted and "no such date" in checked.reason


def test_text_that_is_not_a_date_is_asked_again_with_an_example():
    checked = validate_date_of_birth("last summer", today=TODAY)
    assert not checked.accepted and "14/09/2015" in checked.reason


def test_an_unknown_date_of_birth_is_accepted():
    assert validate_date_of_birth("no idea", today=TODAY).status == UNKNOWN


# --- categories, harm, how the person knows, consent ---------------------------------------------


@pytest.mark.parametrize(
    "answer, categories",
    [
        ("physical", ["physical"]),
        ("Not sure", ["not_sure"]),
        ("not_sure", ["not_sure"]),
        ("something else", ["other"]),
        ("I don't know", ["not_sure"]),
        ('/inform{"categories": ["neglect", "physical"]}', ["physical", "neglect"]),
        (["sexual", "emotional"], ["emotional", "sexual"]),
        ("he hits her and she's always hungry", ["physical", "neglect"]),
        ("her mum screams at her and calls her names", ["emotional"]),
        ("her stepdad touches her", ["sexual"]),
        ("they're left home alone with no food", ["neglect"]),
        ("I think he is involved in county lines", ["other"]),
        ("not sexual, but he shouts at her", ["emotional"]),
        ("he doesn't hit her but she's scared of him", ["emotional"]),
        ("I don't know if he hits her", ["physical"]),
    ],
)
def test_categories_come_from_buttons_values_or_everyday_words(answer, categories):
    assert validate_categories(answer).value == categories


def test_categories_are_listed_in_the_contracts_order_without_repeats():
    assert validate_categories(["neglect", "physical", "neglect"]).value == ["physical", "neglect"]


def test_categories_can_be_skipped():
    assert validate_categories("rather not say").status == SKIPPED


def test_a_worry_that_matches_no_category_is_asked_again_with_the_choices():
    checked = validate_categories("she seems withdrawn lately")
    assert not checked.accepted
    assert "something else" in checked.reason and "not sure" in checked.reason


@pytest.mark.parametrize(
    "text, answer",
    [
        ("yes", "yes"),
        ("Yes he has bruises", "yes"),
        ("she's at risk", "yes"),
        ("no", "no"),
        ("not at risk", "no"),
        ("no, but she's scared", "no"),
        ("not sure", "not_sure"),
        ("I don't know", "not_sure"),
        ("maybe", "not_sure"),
        ("I don't think so", "not_sure"),
        ('/inform{"harmed_or_at_risk": "yes"}', "yes"),
        ("not_sure", "not_sure"),
    ],
)
def test_harmed_or_at_risk_is_yes_no_or_not_sure(text, answer):
    assert validate_harmed_or_at_risk(text).value == answer


def test_an_answer_about_harm_that_cannot_be_read_is_asked_again():
    checked = validate_harmed_or_at_risk("purple")
    assert not checked.accepted and "yes, no or not sure" in checked.reason


@pytest.mark.parametrize(
    "text, source",
    [
        ("I saw it", "witnessed"),
        ("heard it through the wall", "witnessed"),
        ("witnessed", "witnessed"),
        ("the child told me", "child_told_me"),
        ("she told me at break time", "child_told_me"),
        ("child_told_me", "child_told_me"),
        ("someone told me", "heard_from_someone_else"),
        ("I heard from a neighbour", "heard_from_someone_else"),
        ("his mum told me", "heard_from_someone_else"),
        ("heard_from_someone_else", "heard_from_someone_else"),
    ],
)
def test_how_the_person_knows_is_one_of_the_contracts_sources(text, source):
    assert validate_knowledge_source(text).value == source


def test_how_the_person_knows_may_be_unknown_or_asked_again():
    assert validate_knowledge_source("don't know").status == UNKNOWN
    checked = validate_knowledge_source("it's complicated")
    assert not checked.accepted and "did the child tell you" in checked.reason


@pytest.mark.parametrize(
    "text, answer",
    [
        ("yes", "yes"),
        ("they know", "yes"),
        ("no", "no"),
        ("they don't know", "no"),
        ("not sure", "unknown"),
        ("I don't know if they know", "unknown"),
        ("unknown", "unknown"),
    ],
)
def test_whether_the_parents_know_is_yes_no_or_unknown(text, answer):
    assert validate_parents_aware(text).value == answer


@pytest.mark.parametrize(
    "text, answer",
    [
        ("yes", "yes"),
        ("they agreed", "yes"),
        ("no", "no"),
        ("they refused", "no"),
        ("no, I haven't asked them", "not_sought"),
        ("asking would put her at greater risk", "not_sought"),
        ("not_sought", "not_sought"),
        ("I don't know", "not_sought"),
    ],
)
def test_consent_is_yes_no_or_not_sought(text, answer):
    assert validate_consent_given(text).value == answer


def test_an_unreadable_consent_answer_is_asked_again():
    assert not validate_consent_given("purple").accepted
    assert not validate_parents_aware("purple").accepted


@pytest.mark.parametrize(
    "text, anonymous",
    [
        ("yes", True),
        ("I want to stay anonymous", True),
        ("rather not say", True),
        (True, True),
        ("no", False),
        ("I don't mind giving my name", False),
        ("I don't want to be anonymous", False),
        (False, False),
    ],
)
def test_a_member_of_the_public_chooses_whether_to_stay_anonymous(text, anonymous):
    assert validate_anonymous(text).value is anonymous


def test_someone_unsure_about_anonymity_is_told_what_it_means():
    checked = validate_anonymous("not sure")
    assert not checked.accepted and "not taken or sent" in checked.reason
