"""Bearer-token checks: the assistant's service token and staff tokens, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def bearer_token(authorization: str | None) -> str | None:
    """The token from an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def service_token_matches(presented: str | None, expected: str) -> bool:
    """Compare digests so neither the length nor the content of the token leaks through timing."""
    if presented is None:
        presented = ""
    return hmac.compare_digest(
        hashlib.sha256(presented.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    ) and bool(presented)


# Staff tokens are "<staff id>.<secret>"; ids are PostgreSQL integers.
MAX_STAFF_ID = 2**31 - 1


def staff_token_parts(token: str) -> tuple[int, str] | None:
    """(staff id, secret) of a staff token, or None when it is not one in shape."""
    staff_id_text, sep, secret = token.partition(".")
    if (
        not sep
        or not secret
        or not (staff_id_text.isascii() and staff_id_text.isdigit())
        or len(staff_id_text) > 10
        or int(staff_id_text) > MAX_STAFF_ID
    ):
        return None
    return int(staff_id_text), secret


def token_hash(secret: str) -> str:
    """What is stored of a staff token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
