"""The assistant's provisional RAG rating (actions/referral/triage.py)."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from actions.referral.triage import CHILD_IN_NEED, provisional_triage
from tests.referral_examples import (
    EXAMPLES,
    PATHS,
    TEACHER_WITH_CONSENT,
    TEACHER_WITHOUT_CONSENT,
    example,
    payload_for,
)

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
