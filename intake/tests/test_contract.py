"""The shared referral contract: what it accepts and refuses, checked without the HTTP layer."""

import json
import os

import pytest
from conftest import EXAMPLES, REPO_ROOT, example, invalid_example_names, valid_example_names
from jsonschema import Draft202012Validator

from intake.contract import load_contract, validate_referral
from intake.settings import CONTRACT_FILE

# Each invalid example and the field its error must name.
INVALID_EXAMPLE_FIELDS = {
    "invalid_anonymous_professional": "referrer.anonymous",
    "invalid_anonymous_with_email": "referrer.email",
    "invalid_anonymous_with_name": "referrer.name",
    "invalid_anonymous_with_phone": "referrer.phone",
    "invalid_category": "concern.categories.0",
    "invalid_child_age": "children.0.age",
    "invalid_description_too_long": "concern.description",
    "invalid_missing_safety": "safety",
    "invalid_no_children": "children",
    "invalid_professional_without_consent_answers": "consent",
    "invalid_referral_id": "referral_id",
    "invalid_schema_version": "schema_version",
    "invalid_unknown_field": "ip_address",
}


def test_the_contract_is_a_valid_json_schema_2020_12():
    schema = load_contract(CONTRACT_FILE)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_invalid_example_has_an_expected_field():
    assert set(invalid_example_names()) == set(INVALID_EXAMPLE_FIELDS)


@pytest.mark.parametrize("name", valid_example_names())
def test_valid_example_is_accepted_by_the_contract(name):
    assert validate_referral(example(name)) == []


@pytest.mark.parametrize("name", sorted(INVALID_EXAMPLE_FIELDS))
def test_invalid_example_is_refused_naming_the_field(name):
    errors = validate_referral(example(name))
    assert INVALID_EXAMPLE_FIELDS[name] in {e.field for e in errors}


def test_the_examples_cover_every_referrer_path():
    paths = {
        (b["referrer"]["type"], b["referrer"]["anonymous"])
        for b in (example(n) for n in valid_example_names())
    }
    assert {
        ("public", True),
        ("public", False),
        ("parent_carer", False),
        ("professional", False),
    } <= paths


def test_anonymous_referrer_with_a_name_is_refused_by_the_schema_itself():
    body = example("valid_anonymous_public")
    body["referrer"]["name"] = "Priya Shah"
    errors = list(Draft202012Validator(load_contract(CONTRACT_FILE)).iter_errors(body))
    assert [list(e.absolute_path) for e in errors] == [["referrer", "name"]]


def test_anonymous_professional_is_refused_by_the_schema_itself():
    errors = validate_referral(example("invalid_anonymous_professional"))
    assert errors[0].field == "referrer.anonymous"
    assert "professional cannot be anonymous" in errors[0].message


def test_anonymous_referrer_may_leave_contact_fields_out_or_null():
    body = example("valid_anonymous_public")
    for field in ("name", "phone", "email"):
        del body["referrer"][field]
    assert validate_referral(body) == []


def test_a_public_referrer_without_consent_answers_is_fine():
    body = example("valid_named_public")
    body.pop("consent")
    assert validate_referral(body) == []


def test_error_messages_never_repeat_the_value_sent():
    body = example("valid_anonymous_public")
    body["referrer"]["name"] = "Unmistakable Name"
    body["children"][0]["age"] = "Unmistakable Age"
    body["concern"]["description"] = "Unmistakable " * 300
    text = json.dumps([e.as_dict() for e in validate_referral(body)])
    assert "Unmistakable" not in text


def test_every_error_is_reported_not_just_the_first():
    body = example("valid_anonymous_public")
    body["referral_id"] = "nope"
    body["channel"] = "fax"
    body["children"][0]["age"] = -1
    fields = {e.field for e in validate_referral(body)}
    assert {"referral_id", "channel", "children.0.age"} <= fields


def test_a_body_that_is_not_an_object_is_refused():
    assert [e.field for e in validate_referral([1, 2])] == ["(body)"]


def test_examples_folder_only_holds_json_payloads():
    for path in EXAMPLES.iterdir():
        assert path.suffix == ".json"
        json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("submitted_at", "0000-00-00T00:00:00Z"), ("submitted_at", "2026-02-30T10:00:00Z")],
)
def test_a_date_time_that_is_not_on_the_calendar_is_refused(field, value):
    body = example("valid_anonymous_public")
    body[field] = value
    assert field in {e.field for e in validate_referral(body)}


def test_a_date_of_birth_that_is_not_on_the_calendar_is_refused():
    body = example("valid_anonymous_public")
    body["children"][0]["date_of_birth"] = "2019-13-01"
    assert "children.0.date_of_birth" in {e.field for e in validate_referral(body)}


# Every referral the assistant's end-to-end tests sent (tests/live.py writes them here).
ASSISTANT_PAYLOADS = REPO_ROOT / "results" / "assistant-payloads"


def test_every_payload_the_assistants_tests_sent_is_accepted():
    files = sorted(ASSISTANT_PAYLOADS.glob("*.json"))
    if os.environ.get("CI") == "true":
        # `make test` runs the assistant's tests first; in CI there must be payloads to check.
        assert files, f"no payloads in {ASSISTANT_PAYLOADS}: run the assistant's tests first"
    for path in files:
        assert validate_referral(json.loads(path.read_text(encoding="utf-8"))) == [], path.name
