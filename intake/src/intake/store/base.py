"""What every store shares: the one engine, the keyring that seals personal data, the clock, and
how times are written out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.crypto import Keyring
from intake.models import utcnow


class NotFound(Exception):
    pass


class StoreBase:
    def __init__(
        self, engine: AsyncEngine, keyring: Keyring, clock: Callable[[], datetime] = utcnow
    ):
        self.engine = engine
        self.keyring = keyring
        self.clock = clock


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")
