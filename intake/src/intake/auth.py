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
