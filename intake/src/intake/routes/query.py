"""Reading a query string's filters: each reader returns the value, or appends what is wrong with
it to `errors` (never quoting what was sent) and returns the default."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def choice(value, choices, field, errors):
    if value is None:
        return None
    if value not in choices:
        errors.append({"field": field, "message": "must be one of " + ", ".join(choices)})
        return None
    return value


def flag(value, field, errors):
    if value is None:
        return None
    if value in ("true", "false"):
        return value == "true"
    errors.append({"field": field, "message": "must be true or false"})
    return None


def number(value, default, low, high, field, errors):
    if value is None:
        return default
    # ASCII digits only (str.isdigit() also accepts "²", which int() refuses), and not so many
    # that int() refuses them either.
    digits = value.isascii() and value.isdigit() and len(value) <= 18
    if not digits or not low <= int(value) <= high:
        errors.append({"field": field, "message": f"must be a whole number from {low} to {high}"})
        return default
    return int(value)


def time(value, field, errors):
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or len(value) > 40:
        errors.append({"field": field, "message": "must be a date or time (ISO 8601)"})
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def fraction(value, field, errors):
    if value is None:
        return None
    try:
        parsed = float(value) if len(value) <= 20 else None
    except ValueError:
        parsed = None
    if parsed is None or not 0 <= parsed <= 1:  # NaN is refused here too
        errors.append({"field": field, "message": "must be a number from 0 to 1"})
        return None
    return parsed


def pattern(value, regex, field, errors):
    if value is None:
        return None
    if not re.fullmatch(regex, value):
        errors.append({"field": field, "message": "is not a valid name"})
        return None
    return value
