"""The referral contract, ``contracts/referral.v1.schema.json``, as the assistant reads it.

Read once at import: the length limits, the enums and the checks below come from the schema, so
the form and the contract cannot drift apart. ``validate_payload`` lists every way a payload breaks
the contract, in lines that name the field but never repeat the (possibly personal) value.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Sequence, Text, Tuple

from jsonschema import Draft202012Validator, RefResolver
from jsonschema.exceptions import ValidationError

# --- the schema ----------------------------------------------------------------------------------

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "contracts" / "referral.v1.schema.json"
SCHEMA: Dict[Text, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
Draft202012Validator.check_schema(SCHEMA)
# The contract's $id is a URN, which jsonschema 4.17 cannot join "#/$defs/..." onto: its nested refs
# then resolve against "" and it tries to fetch that. Registering the schema under "" keeps every ref
# local (and the check offline).
_VALIDATOR = Draft202012Validator(
    SCHEMA,
    resolver=RefResolver.from_schema(SCHEMA, store={"": SCHEMA}),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)


def _resolve(node: Dict[Text, Any]) -> Dict[Text, Any]:
    """A schema node with its local ``$ref`` ("#/$defs/name") followed."""
    while "$ref" in node:
        target: Any = SCHEMA
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _sections() -> Dict[Text, Dict[Text, Any]]:
    """The contract's objects whose fields the form fills, by name."""
    top = SCHEMA["properties"]
    return {
        "safety": top["safety"],
        "referrer": _resolve(top["referrer"]),
        "child": _resolve(SCHEMA["$defs"]["child"]),
        "concern": _resolve(top["concern"]),
        "consent": _resolve(top["consent"]),
    }


def _field_limits() -> Dict[Text, int]:
    limits: Dict[Text, int] = {"conversation_id": SCHEMA["properties"]["conversation_id"]["maxLength"]}
    for section in _sections().values():
        for field, node in section["properties"].items():
            limit = _resolve(node).get("maxLength")
            if limit is not None and limits.setdefault(field, limit) != limit:
                raise ValueError(f"the contract gives two lengths for {field!r}")
    return limits


# The longest answer each field may hold, in characters (Unicode code points, as JSON Schema counts).
FIELD_LIMITS: Dict[Text, int] = _field_limits()
NAME_MAX = SCHEMA["$defs"]["name"]["maxLength"]
SHORT_TEXT_MAX = SCHEMA["$defs"]["short_text"]["maxLength"]
LONG_TEXT_MAX = SCHEMA["$defs"]["long_text"]["maxLength"]
EMAIL_MAX = FIELD_LIMITS["email"]
MAX_CHILDREN = SCHEMA["properties"]["children"]["maxItems"]
# Fields held to one line: the ones the contract types as a name (names, job title, school...).
SINGLE_LINE_FIELDS: FrozenSet[Text] = frozenset(
    field
    for section in _sections().values()
    for field, node in section["properties"].items()
    if node.get("$ref") == "#/$defs/name"
) | {"phone", "email"}

REFERRER_TYPES: Tuple[Text, ...] = tuple(_sections()["referrer"]["properties"]["type"]["enum"])
KNOWLEDGE_SOURCES: Tuple[Text, ...] = tuple(
    v for v in _sections()["referrer"]["properties"]["knowledge_source"]["enum"] if v is not None
)
CATEGORIES: Tuple[Text, ...] = tuple(_sections()["concern"]["properties"]["categories"]["items"]["enum"])
HARMED_ANSWERS: Tuple[Text, ...] = tuple(_sections()["concern"]["properties"]["harmed_or_at_risk"]["enum"])
PARENTS_AWARE_ANSWERS: Tuple[Text, ...] = tuple(_sections()["consent"]["properties"]["parents_aware"]["enum"])
CONSENT_ANSWERS: Tuple[Text, ...] = tuple(_sections()["consent"]["properties"]["consent_given"]["enum"])
CHANNELS: Tuple[Text, ...] = tuple(SCHEMA["properties"]["channel"]["enum"])
ABUSE_CATEGORIES: Tuple[Text, ...] = ("physical", "emotional", "sexual", "neglect")
CHILD_FIELDS: Tuple[Text, ...] = tuple(_sections()["child"]["properties"])

PHONE_PATTERN = re.compile(_sections()["referrer"]["properties"]["phone"]["pattern"])
EMAIL_PATTERN = re.compile(_sections()["referrer"]["properties"]["email"]["pattern"])


def same_as_contract(name: Text, ours: Any, contract: Sequence[Any]) -> None:
    """Fail at import, not at a person's submit, when a table of ours and the contract drift apart."""
    if set(ours) != set(contract):
        raise ValueError(f"{name}: {sorted(map(str, ours))} do not match the contract's {list(contract)}")


# --- the contract check --------------------------------------------------------------------------


def validate_payload(payload: Any) -> List[Text]:
    """Every way ``payload`` breaks the contract, as "field: problem" lines, sorted; [] when valid.

    The lines name the field and the rule but never repeat the value sent, which may be personal,
    so they can be logged. Dates are also checked against the calendar ("2026-02-30").
    """
    errors = {_explain(error) for error in _VALIDATOR.iter_errors(payload)}
    if not errors and isinstance(payload, dict):
        errors.update(_impossible_dates(payload))
    return sorted(errors)


def _impossible_dates(payload: Dict[Text, Any]) -> List[Text]:
    found = []
    stamp = re.sub(r"\.\d+", "", str(payload.get("submitted_at", ""))).upper().replace("Z", "+00:00")
    try:
        datetime.fromisoformat(stamp)
    except ValueError:
        found.append("submitted_at: must be a valid date-time")
    for index, child in enumerate(payload.get("children") or []):
        if child.get("date_of_birth") is not None:
            try:
                date.fromisoformat(child["date_of_birth"])
            except ValueError:
                found.append(f"children.{index}.date_of_birth: must be a valid date")
    return found


def _explain(error: ValidationError) -> Text:
    where = ".".join(str(part) for part in error.absolute_path) or "referral"
    kind, expected = error.validator, error.validator_value
    if kind in ("required", "additionalProperties"):
        # jsonschema names the fields concerned, never their values.
        return f"{where}: {error.message}"
    if kind == "type" and expected == "null" and where.startswith("referrer."):
        return f"{where}: must be null: an anonymous referrer gives no name, phone or email"
    if kind == "const" and where == "referrer.anonymous":
        return f"{where}: a professional cannot be anonymous"
    messages = {
        "type": lambda: "must be of type "
        + (" or ".join(expected) if isinstance(expected, list) else str(expected)),
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
    }
    return f"{where}: {messages.get(kind, lambda: f'breaks the contract rule {kind!r}')()}"
