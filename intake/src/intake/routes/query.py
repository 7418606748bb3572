"""Reading a query string's filters: each reader returns the value, or appends what is wrong with
it to `errors` (never quoting what was sent) and returns the default."""

from __future__ import annotations


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
