"""Validation of a referral against the shared contract, `contracts/referral.v1.schema.json`.

Errors name the field and say what is wrong without repeating the value sent: the value may be
personal, and error answers end up in other systems' logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from intake.settings import CONTRACT_FILE


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@cache
def load_contract(path: Path = CONTRACT_FILE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _validator(path: Path) -> Draft202012Validator:
    schema = load_contract(path)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validate_referral(payload: Any, path: Path = CONTRACT_FILE) -> list[FieldError]:
    """Every way the payload breaks the contract, one error per field and problem, sorted by field."""
    errors: set[FieldError] = set()
    for error in _validator(path).iter_errors(payload):
        errors.update(_explain(error))
    if not errors:
        errors.update(_dates_that_do_not_exist(payload))
    return sorted(errors, key=lambda e: (e.field, e.message))


def _dates_that_do_not_exist(payload: dict[str, Any]) -> list[FieldError]:
    """Dates that match the pattern but are not on the calendar (2026-02-30, 0000-00-00).

    The schema's `format` checks already refuse them when jsonschema has its optional format
    libraries; this makes sure of it whatever is installed.
    """
    found = []
    try:
        datetime.fromisoformat(payload["submitted_at"].upper().replace("Z", "+00:00"))
    except ValueError:
        found.append(FieldError("submitted_at", "must be a valid date-time"))
    for index, child in enumerate(payload.get("children") or []):
        born = child.get("date_of_birth")
        if born is not None:
            try:
                date.fromisoformat(born)
            except ValueError:
                found.append(FieldError(f"children.{index}.date_of_birth", "must be a valid date"))
    return found


def _dotted(parts) -> str:
    return ".".join(str(p) for p in parts) or "(body)"


def _explain(error: ValidationError) -> list[FieldError]:
    where = list(error.absolute_path)
    field = _dotted(where)
    kind = error.validator
    expected = error.validator_value
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [
            FieldError(_dotted([*where, name]), "is required")
            for name in expected
            if name not in instance
        ]
    if kind == "additionalProperties":
        instance = error.instance if isinstance(error.instance, dict) else {}
        allowed = set(error.schema.get("properties", {}))
        return [
            FieldError(_dotted([*where, name[:100]]), "is not a field of the referral contract")
            for name in instance
            if name not in allowed
        ]
    if kind == "type" and expected == "null" and where[:1] == ["referrer"]:
        return [
            FieldError(field, "must be null: an anonymous referrer gives no name, phone or email")
        ]
    if kind == "const" and where == ["referrer", "anonymous"]:
        return [FieldError(field, "a professional cannot be anonymous")]
    messages = {
        "type": lambda: f"must be of type {_types(expected)}",
        "const": lambda: f"must be {json.dumps(expected)}",
        "enum": lambda: "must be one of " + ", ".join(json.dumps(v) for v in expected),
        "maxLength": lambda: f"must be at most {expected} characters",
        "minLength": lambda: f"must be at least {expected} character(s)",
        "maxItems": lambda: f"must have at most {expected} item(s)",
        "minItems": lambda: f"must have at least {expected} item(s)",
        "uniqueItems": lambda: "must not repeat an item",
        "minimum": lambda: f"must be at least {expected}",
        "maximum": lambda: f"must be at most {expected}",
        "pattern": lambda: "is not in the expected format",
        "format": lambda: f"must be a valid {expected}",
        "oneOf": lambda: "must be an object of the expected shape, or null",
    }
    message = messages.get(kind, lambda: "is not valid")()
    return [FieldError(field, message)]


def _types(expected) -> str:
    if isinstance(expected, list):
        return " or ".join(expected)
    return str(expected)
