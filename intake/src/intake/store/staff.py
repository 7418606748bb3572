"""Staff accounts and their bearer tokens: issued and disabled from the command line (audited),
checked on every staff request.

Tokens are `<id>.<random 256 bits>`; only a SHA-256 of the random part is stored, and it is compared
in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, insert, select, update

from intake.auth import staff_token_parts, token_hash
from intake.models import console_sessions, staff
from intake.store.audit import write_audit
from intake.store.base import NotFound, StoreBase

# Staff usernames: short and plain, so `staff:<username>` always fits the 100-character actor
# columns (PostgreSQL refuses longer values) and never carries markup or control characters.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# Staff ids are PostgreSQL `integer`s; a larger number in a token must not reach the query
# (intake/auth.py's staff_token_parts checks it).


class StaffStore(StoreBase):
    async def issue_staff_token(self, username: str, hours: int, *, create: bool) -> str:
        """Create the account (when asked) and give it a new bearer token, replacing any old one.

        Only a SHA-256 hash of the token's random part is stored; the token is shown once.
        """
        if not USERNAME.fullmatch(username):
            raise ValueError(
                "a staff username is 1 to 64 letters, digits, '.', '_', '@' or '-', "
                "starting with a letter or digit"
            )
        now = self.clock()
        secret = secrets.token_urlsafe(32)
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(staff).where(staff.c.username == username))).first()
            if row is None and not create:
                raise NotFound(username)
            if row is not None and create:
                raise ValueError(f"staff account {username!r} already exists")
            values = {
                "token_hash": token_hash(secret),
                "token_expires_at": now + timedelta(hours=hours),
                "disabled_at": None,
            }
            if row is None:
                staff_id = (
                    await conn.execute(
                        insert(staff)
                        .values(username=username, created_at=now, **values)
                        .returning(staff.c.id)
                    )
                ).scalar_one()
            else:
                staff_id = row.id
                await conn.execute(update(staff).where(staff.c.id == staff_id).values(**values))
            await write_audit(
                conn, "admin:cli", "staff.token_issued", None, {"username": username}, at=now
            )
        return f"{staff_id}.{secret}"

    async def disable_staff(self, username: str) -> None:
        now = self.clock()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(staff)
                .where(staff.c.username == username)
                .values(disabled_at=now, token_hash=None, token_expires_at=None)
            )
            if result.rowcount != 1:
                raise NotFound(username)
            # The console's sessions end too (store/accounts.py).
            await conn.execute(
                delete(console_sessions).where(
                    console_sessions.c.staff_id
                    == select(staff.c.id).where(staff.c.username == username).scalar_subquery()
                )
            )
            await write_audit(
                conn, "admin:cli", "staff.disabled", None, {"username": username}, at=now
            )

    async def authenticate_staff(self, token: str) -> str | None:
        """The username a bearer token belongs to, or None. The secret is compared in constant time."""
        parts = staff_token_parts(token)
        if parts is None:
            return None
        staff_id, secret = parts
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).first()
        if row is None or row.token_hash is None or row.disabled_at is not None:
            # Still hash and compare, so an unknown id takes as long as a wrong secret.
            hmac.compare_digest(token_hash(secret), "0" * 64)
            return None
        if not hmac.compare_digest(token_hash(secret), row.token_hash):
            return None
        if row.token_expires_at is None or row.token_expires_at <= self.clock():
            return None
        return row.username
