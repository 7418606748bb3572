"""The contract check of a payload (actions/referral/contract.py)."""

from __future__ import annotations

import pytest

from actions.referral.contract import validate_payload
from tests.referral_examples import (
    EXAMPLES,
    example,
)

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
