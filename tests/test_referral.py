"""The referral form's pure core (actions/referral.py): answers, validators, payload, triage, summary."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List

import pytest

from actions.referral import (
    ANONYMOUS_LINE,
    CHILD_IN_NEED,
    FIELD_LIMITS,
    NAME_MAX,
    NOT_GIVEN,
    SCHEMA,
    SKIPPED,
    UNKNOWN,
    build_payload,
    clean_text,
    is_skip,
    is_unknown,
    provisional_triage,
    summary_lines,
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
    validate_payload,
    validate_reason_not_sought,
    validate_text,
    validate_uk_phone,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "contracts" / "examples"
SUBMITTED = datetime(2026, 3, 2, 14, 5, tzinfo=timezone.utc)
TODAY = SUBMITTED.date()
REFERRAL_ID = "6f1c0b9e-1d2a-4f3b-9c4d-5e6f7a8b9c01"
FAMILY_EMOJI = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
ARABIC = "\u0645\u062d\u0645\u062f"  # a name in Arabic script
HEBREW_WITH_MARK = "\u05e9\u05dc\u05d5\u05dd\u200f"  # Hebrew with a right-to-left mark


def example(name: str) -> Dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def payload_for(answers: Dict[str, Any], **overrides: Any) -> Dict[str, Any]:
    options = dict(
        referral_id=REFERRAL_ID,
        conversation_id="conv-1",
        channel="webchat",
        preview=False,
        submitted_at=SUBMITTED,
    )
    options.update(overrides)
    return build_payload(answers, **options)


def string_values(node: Any) -> List[str]:
    """Every string in a payload, however deep."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in string_values(v)]
    if isinstance(node, list):
        return [s for v in node for s in string_values(v)]
    return []


# Answers as the form's slots hold them after the validators, one set per referrer path.
ANONYMOUS_NEIGHBOUR = {
    "referrer_type": "public",
    "anonymous": True,
    "relationship_to_child": "neighbour",
    "knowledge_source": "witnessed",
    "children": [{"name": "Maisie", "age": 6, "address": "Flat 3, 12 Portswood Road"}],
    "categories": ["neglect"],
    "description": "Maisie is often outside late at night in thin clothes and says she is hungry.",
    "when": "most evenings this month",
    "where": "outside the flats",
    "harmed_or_at_risk": "not_sure",
    "immediate_danger": "no",
    "advised_999": False,
}
NAMED_PUBLIC = {
    "referrer_type": "public",
    "anonymous": False,
    "name": "Priya Shah",
    "phone": "023 8083 3336",
    "email": "priya.shah@example.org",
    "relationship_to_child": "family friend",
    "knowledge_source": "heard_from_someone_else",
    "children": [{"name": "Maisie", "age": 6}],
    "categories": ["emotional"],
    "description": "I have heard the mother shouting that she hates him, every night.",
    "harmed_or_at_risk": "yes",
    "immediate_danger": "no",
}
PARENT = {
    "referrer_type": "parent_carer",
    "anonymous": False,
    "name": "Dan Hughes",
    "phone": "07400 123456",
    "email": UNKNOWN,
    "relationship_to_child": "father",
    "knowledge_source": "child_told_me",
    "children": [
        {"name": "Leo Hughes", "age": 9, "address": "4 Bitterne Road", "school": "Bitterne Park Primary"}
    ],
    "categories": ["physical"],
    "description": "Leo came back from his mother's new partner's house with bruises on his arm.",
    "child_words": "He grabbed me and pushed me into the door",
    "when": "last weekend",
    "where": "at his mum's house",
    "person_of_concern": "mum's partner",
    "harmed_or_at_risk": "yes",
    "immediate_danger": "no",
}
TEACHER_WITH_CONSENT = {
    "referrer_type": "professional",
    "name": "Helen Carter",
    "phone": "023 8083 3336",
    "email": "h.carter@school.example.org",
    "job_title": "Designated Safeguarding Lead",
    "agency": "Shirley Junior School",
    "relationship_to_child": "teacher",
    "knowledge_source": "witnessed",
    "children": [
        {
            "name": "Amir Noor",
            "date_of_birth": "2015-09-14",
            "school": "Shirley Junior School",
            "other_details": "attendance 70% this term",
        }
    ],
    "categories": ["neglect", "other"],
    "description": "Amir comes to school without lunch and his uniform is not washed; "
    "his mum has asked for help.",
    "harmed_or_at_risk": "no",
    "parents_aware": "yes",
    "consent_given": "yes",
    "immediate_danger": "no",
}
TEACHER_WITHOUT_CONSENT = {
    "referrer_type": "professional",
    "name": "Helen Carter",
    "phone": "023 8083 3336",
    "email": "h.carter@school.example.org",
    "job_title": "Designated Safeguarding Lead",
    "agency": "Shirley Junior School",
    "relationship_to_child": "teacher",
    "knowledge_source": "child_told_me",
    "children": [{"name": "Chloe Baker", "age": 11, "school": "Shirley Junior School"}],
    "categories": ["sexual"],
    "description": "A pupil told me her stepfather comes into her room at night and touches her.",
    "child_words": "he comes in when mum is asleep and I don't like it",
    "when": "told me today at 10:30",
    "where": "classroom, nobody else present",
    "person_of_concern": "stepfather",
    "harmed_or_at_risk": "yes",
    "parents_aware": "no",
    "consent_given": "not_sought",
    "reason_not_sought": "Asking would put the child at greater risk of harm.",
    "immediate_danger": "no",
}
TWO_CHILDREN = {
    "referrer_type": "public",
    "anonymous": True,
    "relationship_to_child": "neighbour",
    "knowledge_source": "witnessed",
    "children": [
        {"name": "Ruby", "age": 4, "address": "22 Shirley High Street"},
        {"name": "Tom", "age": 2, "address": "22 Shirley High Street"},
    ],
    "categories": ["neglect"],
    "description": "Two small children left alone in the flat for hours most days.",
    "harmed_or_at_risk": "not_sure",
    "immediate_danger": "no",
}
SKIPS_AND_UNKNOWNS = {
    "referrer_type": "public",
    "anonymous": True,
    "relationship_to_child": SKIPPED,
    "knowledge_source": UNKNOWN,
    "children": [
        {
            "name": UNKNOWN,
            "age": UNKNOWN,
            "date_of_birth": SKIPPED,
            "address": "I don't know",
            "school": "no idea",
        }
    ],
    "categories": UNKNOWN,
    "description": "skip",
    "child_words": "not sure",
    "when": "can't remember",
    "where": UNKNOWN,
    "person_of_concern": "rather not say",
    "harmed_or_at_risk": UNKNOWN,
    "immediate_danger": "no",
    "child_location_now": "dunno",
}
PATHS = {
    "anonymous public": ANONYMOUS_NEIGHBOUR,
    "named public": NAMED_PUBLIC,
    "parent or carer": PARENT,
    "professional with consent": TEACHER_WITH_CONSENT,
    "professional without consent because of risk": TEACHER_WITHOUT_CONSENT,
    "two children": TWO_CHILDREN,
    "skips and unknowns": SKIPS_AND_UNKNOWNS,
}


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


# --- provisional triage --------------------------------------------------------------------------


def triage_of(**concern_and_more: Any) -> Dict[str, Any]:
    """Triage of a minimal valid referral with the given concern, safety, referrer and consent."""
    payload = example("valid_unknowns")
    payload["concern"].update(concern_and_more.pop("concern", {}))
    for section in ("safety", "referrer"):
        payload[section].update(concern_and_more.pop(section, {}))
    payload.update(concern_and_more)
    return provisional_triage(payload)


def test_immediate_danger_is_red():
    assert triage_of(safety={"immediate_danger": True}) == {"rag": "red", "reasons": ["immediate danger"]}


def test_being_advised_to_call_999_is_red():
    assert triage_of(safety={"advised_999": True}) == {"rag": "red", "reasons": ["999 advised"]}


def test_red_wins_over_every_sign_of_abuse_and_gives_both_reasons():
    rating = triage_of(
        safety={"immediate_danger": True, "advised_999": True},
        concern={"categories": ["sexual"], "harmed_or_at_risk": "yes"},
    )
    assert rating == {"rag": "red", "reasons": ["immediate danger", "999 advised"]}


def test_a_child_harmed_or_at_risk_is_amber_whatever_the_category():
    rating = triage_of(concern={"categories": ["other"], "harmed_or_at_risk": "yes"})
    assert rating == {"rag": "amber", "reasons": ["child harmed or at risk"]}


@pytest.mark.parametrize(
    "category, reason",
    [
        ("physical", "possible physical abuse"),
        ("emotional", "possible emotional abuse"),
        ("sexual", "possible sexual abuse"),
        ("neglect", "possible neglect"),
    ],
)
def test_an_abuse_category_when_not_sure_about_harm_is_amber(category, reason):
    rating = triage_of(concern={"categories": [category], "harmed_or_at_risk": "not_sure"})
    assert rating == {
        "rag": "amber",
        "reasons": ["referrer not sure whether the child is harmed or at risk", reason],
    }


def test_a_child_who_told_the_referrer_is_amber_even_when_no_harm_is_reported():
    rating = triage_of(referrer={"knowledge_source": "child_told_me"}, concern={"harmed_or_at_risk": "no"})
    assert rating == {"rag": "amber", "reasons": ["child told the referrer"]}


def test_the_childs_own_words_are_a_disclosure_and_amber():
    rating = triage_of(concern={"child_words": "he hurts me", "harmed_or_at_risk": "no", "categories": []})
    assert rating == {"rag": "amber", "reasons": ["child's own words recorded"]}


def test_an_amber_rating_lists_every_reason_most_telling_first():
    rating = provisional_triage(payload_for(TEACHER_WITHOUT_CONSENT))
    assert rating == {
        "rag": "amber",
        "reasons": [
            "child harmed or at risk",
            "child told the referrer",
            "child's own words recorded",
            "possible sexual abuse",
        ],
    }


def test_an_abuse_category_with_no_harm_reported_is_green_child_in_need():
    rating = triage_of(concern={"categories": ["neglect", "other"], "harmed_or_at_risk": "no"})
    assert rating == {
        "rag": "green",
        "reasons": [
            "possible neglect",
            "referrer does not think the child is harmed or at risk",
            CHILD_IN_NEED,
        ],
    }


def test_not_sure_about_harm_without_an_abuse_category_is_green():
    for categories in (["not_sure"], ["other"], []):
        rating = triage_of(concern={"categories": categories, "harmed_or_at_risk": "not_sure"})
        assert rating == {
            "rag": "green",
            "reasons": ["referrer not sure whether the child is harmed or at risk", CHILD_IN_NEED],
        }


@pytest.mark.parametrize(
    "consent_given, reason",
    [
        ("yes", "parental consent given"),
        ("no", "parental consent refused"),
        ("not_sought", "parental consent not sought"),
    ],
)
def test_a_green_rating_for_a_professional_says_whether_consent_was_given(consent_given, reason):
    payload = payload_for(dict(TEACHER_WITH_CONSENT, consent_given=consent_given))
    assert payload["provisional_triage"]["rag"] == "green"
    assert payload["provisional_triage"]["reasons"][-1] == reason


@pytest.mark.parametrize("categories", [[], ["other"], ["not_sure"], ["other", "not_sure"]])
def test_no_harm_no_abuse_category_and_no_disclosure_is_below_threshold(categories):
    rating = triage_of(concern={"categories": categories, "harmed_or_at_risk": "no"})
    assert rating == {"rag": "none", "reasons": ["no harm, risk, disclosure or abuse category reported"]}


def test_a_missing_harm_answer_counts_as_not_sure_the_more_urgent_reading():
    payload = example("valid_unknowns")
    payload["concern"] = {"categories": ["physical"]}
    assert provisional_triage(payload)["rag"] == "amber"


def test_triage_never_reads_the_previous_provisional_rating():
    payload = example("valid_immediate_danger")
    payload["provisional_triage"] = {"rag": "none", "reasons": []}
    assert provisional_triage(payload)["rag"] == "red"


@pytest.mark.parametrize(
    "name",
    sorted(p.stem for p in EXAMPLES.glob("valid_*.json")),
)
def test_the_contracts_examples_are_rated_as_their_authors_rated_them(name):
    payload = example(name)
    assert provisional_triage(payload)["rag"] == payload["provisional_triage"]["rag"]


def test_every_triage_reason_fits_the_contract():
    for answers in PATHS.values():
        for reason in payload_for(answers)["provisional_triage"]["reasons"]:
            assert 1 <= len(reason) <= 300


# --- the contract check --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("valid_*.json")))
def test_each_valid_example_passes_the_contract(name):
    assert validate_payload(example(name)) == []


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("invalid_*.json")))
def test_each_invalid_example_fails_the_contract(name):
    assert validate_payload(example(name))


def test_there_are_examples_of_both_kinds():
    assert len(list(EXAMPLES.glob("valid_*.json"))) >= 5
    assert len(list(EXAMPLES.glob("invalid_*.json"))) >= 5


@pytest.mark.parametrize(
    "name, expected",
    [
        ("invalid_anonymous_with_name", "referrer.name: must be null: an anonymous referrer gives no name"),
        ("invalid_anonymous_professional", "referrer.anonymous: a professional cannot be anonymous"),
        ("invalid_child_age", "children.0.age: must be at most 17"),
        ("invalid_description_too_long", "concern.description: must be at most 2000 characters"),
        ("invalid_missing_safety", "referral: 'safety' is a required property"),
        ("invalid_professional_without_consent_answers", "referral: 'consent' is a required property"),
    ],
)
def test_contract_errors_name_the_field_and_the_rule(name, expected):
    assert any(error.startswith(expected) for error in validate_payload(example(name)))


def test_contract_errors_never_repeat_the_personal_value_sent():
    for name, secret in [
        ("invalid_anonymous_with_name", "Priya"),
        ("invalid_anonymous_with_email", "a@example.org"),
        ("invalid_anonymous_with_phone", "8000"),
        ("invalid_description_too_long", "xxxx"),
    ]:
        assert secret not in " ".join(validate_payload(example(name)))


def test_dates_that_are_not_on_the_calendar_fail_the_contract():
    payload = example("valid_professional_with_consent")
    payload["children"][0]["date_of_birth"] = "2015-02-30"
    assert validate_payload(payload)
    payload = example("valid_anonymous_public")
    payload["submitted_at"] = "2026-02-30T14:05:00Z"
    assert validate_payload(payload) == ["submitted_at: must be a valid date-time"]


def test_something_that_is_not_a_referral_at_all_fails_without_crashing():
    assert validate_payload([]) and validate_payload(None) and validate_payload({})


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
