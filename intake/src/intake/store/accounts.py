"""Console accounts and sign-in: a role, an argon2 password hash, a TOTP second factor, lock-out
after repeated failures, and server-side sessions (only a SHA-256 of the session id is stored).

An account is made from the command line or by an admin with a one-time password, shown once;
the first sign-in with it enrols the authenticator app (a QR code) and chooses the password that
replaces it. Signing in is three steps, each its own session row (a new id at every step, so an id
seen before signing in is worth nothing after): the password (`begin_sign_in`) gives a "code" (or,
at first sign-in, an "enrol") session; the code gives a "signed_in" one.

Secrets stay secret: the password is kept only as its argon2 hash; the TOTP secret is sealed by the
keyring (bound to the account); a code is used once (its time step is kept); nothing here logs or
audits a password, code, secret or session id. Failed sign-ins are audited with their reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.models import console_sessions, staff
from intake.store.audit import write_audit
from intake.store.base import NotFound, StoreBase, iso
from intake.store.staff import USERNAME

ROLES = ("viewer", "triager", "admin")
# Each role can do what the ones before it can: a triager reads, an admin triages.
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}
MIN_PASSWORD = 12
MAX_PASSWORD = 200  # argon2 hashes anything, but a megabyte "password" is only a cost to us
# The steps before signing in (the code, enrolment) must be finished within this.
PENDING_MINUTES = 10
TOTP_ISSUER = "Southampton MASH console"

_hasher = PasswordHasher()
# Verified when the account does not exist, so an unknown name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class SignInRefused(Exception):
    """The sign-in did not succeed. `reason` is for the audit log, never shown as such."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PasswordRefused(ValueError):
    """A new password does not meet the rules; the text says which (never quoting it)."""


@dataclass(frozen=True)
class ConsoleUser:
    staff_id: int
    username: str
    role: str
    stage: str

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"

    def can(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


@dataclass(frozen=True)
class SignInLimits:
    """From the settings: when a session ends and when an account locks."""

    idle: timedelta
    lifetime: timedelta
    max_failures: int
    lockout: timedelta


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_token(session_id: str) -> str:
    """The session's CSRF token: derived from the session id, which only its holder knows."""
    return hmac.new(session_id.encode(), b"console-csrf", hashlib.sha256).hexdigest()


def totp_context(staff_id: int) -> bytes:
    return f"staff:{staff_id}:totp".encode()


def one_time_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 random bits


def check_new_password(password: str, *, username: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise PasswordRefused(
            f"Your new password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long"
        )
    if username and username.lower() in password.lower():
        raise PasswordRefused("Your new password must not contain your username")


def _check_username(username: str) -> None:
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        raise ValueError(
            "a staff username is 1 to 64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )


class AccountStore(StoreBase):
    # --- accounts ----------------------------------------------------------------------------

    async def add_console_account(self, username: str, role: str, actor: str) -> str:
        """Create a console account; returns its one-time password (shown once, never stored)."""
        _check_username(username)
        if role not in ROLES:
            raise ValueError("the role must be one of " + ", ".join(ROLES))
        password = one_time_password()
        now = self.clock()
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(staff).where(staff.c.username == username))).first()
            if row is not None:
                raise ValueError(f"staff account {username!r} already exists")
            await conn.execute(
                insert(staff).values(
                    username=username,
                    created_at=now,
                    role=role,
                    password_hash=await _ahash(password),
                    password_must_change=True,
                    failed_sign_ins=0,
                )
            )
            await write_audit(
                conn,
                actor,
                "staff.account_added",
                None,
                {"username": username, "role": role},
                at=now,
            )
        return password

    async def reset_console_account(self, username: str, actor: str) -> str:
        """A new one-time password; the authenticator is enrolled again at the next sign-in.
        For a lost phone or a forgotten password. Ends the account's sessions."""
        now = self.clock()
        password = one_time_password()
        async with self.engine.begin() as conn:
            row = await self._account(conn, username)
            if row.role is None or row.disabled_at is not None:
                raise ValueError(f"{username!r} is not an active console account")
            await conn.execute(
                update(staff)
                .where(staff.c.id == row.id)
                .values(
                    password_hash=await _ahash(password),
                    password_must_change=True,
                    totp_key_id=None,
                    totp_secret_sealed=None,
                    totp_enrolled_at=None,
                    totp_last_step=None,
                    failed_sign_ins=0,
                    locked_until=None,
                )
            )
            await conn.execute(
                delete(console_sessions).where(console_sessions.c.staff_id == row.id)
            )
            await write_audit(
                conn, actor, "staff.account_reset", None, {"username": username}, at=now
            )
        return password

    async def disable_console_account(self, username: str, actor: str) -> None:
        """Disable the account: its sessions end and its bearer token stops working."""
        now = self.clock()
        async with self.engine.begin() as conn:
            row = await self._account(conn, username)
            await conn.execute(
                update(staff)
                .where(staff.c.id == row.id)
                .values(disabled_at=now, token_hash=None, token_expires_at=None)
            )
            await conn.execute(
                delete(console_sessions).where(console_sessions.c.staff_id == row.id)
            )
            await write_audit(conn, actor, "staff.disabled", None, {"username": username}, at=now)

    async def record_preview_started(self, actor: str, minutes: int) -> None:
        """A staff member was given a preview ticket (routes/console/preview.py)."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await write_audit(conn, actor, "preview.started", None, {"minutes": minutes}, at=now)

    async def list_accounts(self) -> list[dict[str, Any]]:
        now = self.clock()
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(staff).order_by(staff.c.username))).all()
        return [
            {
                "username": r.username,
                "role": r.role,
                "created_at": iso(r.created_at),
                "disabled": r.disabled_at is not None,
                "enrolled": r.totp_enrolled_at is not None,
                "locked": r.locked_until is not None and r.locked_until > now,
                "api_token": r.token_hash is not None,
            }
            for r in rows
        ]

    async def console_usernames(self) -> list[str]:
        """Active console accounts that can be given a referral (triagers and admins)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(staff.c.username)
                .where(staff.c.disabled_at.is_(None), staff.c.role.in_(("triager", "admin")))
                .order_by(staff.c.username)
            )
            return [r.username for r in rows]

    # --- signing in --------------------------------------------------------------------------

    async def begin_sign_in(
        self, username: str, password: str, limits: SignInLimits
    ) -> tuple[str, str]:
        """Check the password. Returns (session id, stage): "code", or "enrol" at first sign-in.
        Raises SignInRefused (audited, with the reason and never the password)."""
        now = self.clock()
        known = isinstance(username, str) and bool(USERNAME.fullmatch(username))

        async def work(conn: AsyncConnection):
            row = None
            if known:
                row = (
                    await conn.execute(select(staff).where(staff.c.username == username))
                ).first()
            if row is None or row.password_hash is None or row.role is None:
                await _averify(_DUMMY_HASH, password)
                # The name typed is not recorded: it may be a password typed in the wrong box.
                await write_audit(
                    conn,
                    "anonymous",
                    "staff.sign_in_failed",
                    None,
                    {"reason": "unknown_account"},
                    at=now,
                )
                return SignInRefused("unknown_account")
            refusal = _refusal(row, now)
            if refusal:
                await _averify(_DUMMY_HASH, password)
                await self._failed(conn, row, refusal, limits, now, count=False)
                return SignInRefused(refusal)
            if not await _averify(row.password_hash, password):
                await self._failed(conn, row, "wrong_password", limits, now)
                return SignInRefused("wrong_password")
            if _hasher.check_needs_rehash(row.password_hash):
                await conn.execute(
                    update(staff)
                    .where(staff.c.id == row.id)
                    .values(password_hash=await _ahash(password))
                )
            stage = "enrol" if row.password_must_change or row.totp_enrolled_at is None else "code"
            return await self._new_session(conn, row.id, stage, now), stage

        return await self._commit_then_raise(work)

    async def verify_code(self, session_id: str, code: str, limits: SignInLimits) -> str:
        """The TOTP code of a "code" session; returns the signed-in session's id."""
        now = self.clock()

        async def work(conn: AsyncConnection):
            session, row = await self._pending(conn, session_id, "code", now)
            refusal = _refusal(row, now)
            if refusal:
                await self._failed(conn, row, refusal, limits, now, count=False)
                return SignInRefused(refusal)
            secret = self.keyring.open(row.totp_secret_sealed, totp_context(row.id)).decode()
            step = _matching_step(secret, code, now, row.totp_last_step)
            if step is None:
                await self._failed(conn, row, "wrong_code", limits, now)
                return SignInRefused("wrong_code")
            await conn.execute(
                update(staff)
                .where(staff.c.id == row.id)
                .values(totp_last_step=step, failed_sign_ins=0, locked_until=None)
            )
            await conn.execute(delete(console_sessions).where(console_sessions.c.id == session.id))
            new_id = await self._new_session(conn, row.id, "signed_in", now)
            await write_audit(conn, f"staff:{row.username}", "staff.signed_in", None, {}, at=now)
            return new_id

        return await self._commit_then_raise(work)

    async def enrolment(self, session_id: str) -> tuple[str, str]:
        """For an "enrol" session: the TOTP secret being enrolled (made on first ask, kept sealed)
        and its otpauth:// URI, for the QR code."""
        now = self.clock()
        async with self.engine.begin() as conn:
            _session, row = await self._pending(conn, session_id, "enrol", now)
            if row.totp_secret_sealed is None:
                secret = pyotp.random_base32()
                await conn.execute(
                    update(staff)
                    .where(staff.c.id == row.id)
                    .values(
                        totp_key_id=self.keyring.current_id,
                        totp_secret_sealed=self.keyring.seal(secret.encode(), totp_context(row.id)),
                    )
                )
            else:
                secret = self.keyring.open(row.totp_secret_sealed, totp_context(row.id)).decode()
        uri = pyotp.TOTP(secret).provisioning_uri(name=row.username, issuer_name=TOTP_ISSUER)
        return secret, uri

    async def complete_enrolment(
        self, session_id: str, code: str, new_password: str, limits: SignInLimits
    ) -> str:
        """First sign-in (after the one-time password): a code from the newly enrolled app and
        the new password, which replaces the one-time one. Returns the signed-in session's id.
        Raises PasswordRefused or SignInRefused."""
        check_new_password(new_password, username="")
        now = self.clock()

        async def work(conn: AsyncConnection):
            session, row = await self._pending(conn, session_id, "enrol", now)
            refusal = _refusal(row, now)
            if refusal:
                await self._failed(conn, row, refusal, limits, now, count=False)
                return SignInRefused(refusal)
            if row.totp_secret_sealed is None:
                return SignInRefused("not_enrolled")
            check_new_password(new_password, username=row.username)
            if await _averify(row.password_hash, new_password):
                return PasswordRefused("Your new password must not be the one-time password")
            secret = self.keyring.open(row.totp_secret_sealed, totp_context(row.id)).decode()
            step = _matching_step(secret, code, now, row.totp_last_step)
            if step is None:
                await self._failed(conn, row, "wrong_code", limits, now)
                return SignInRefused("wrong_code")
            await conn.execute(
                update(staff)
                .where(staff.c.id == row.id)
                .values(
                    password_hash=await _ahash(new_password),
                    password_must_change=False,
                    totp_enrolled_at=now,
                    totp_last_step=step,
                    failed_sign_ins=0,
                    locked_until=None,
                )
            )
            await conn.execute(delete(console_sessions).where(console_sessions.c.id == session.id))
            new_id = await self._new_session(conn, row.id, "signed_in", now)
            await write_audit(conn, f"staff:{row.username}", "staff.enrolled", None, {}, at=now)
            await write_audit(conn, f"staff:{row.username}", "staff.signed_in", None, {}, at=now)
            return new_id

        return await self._commit_then_raise(work)

    async def console_session(
        self, session_id: str | None, limits: SignInLimits, *, stage: str = "signed_in"
    ) -> ConsoleUser | None:
        """The user of a live session at this stage, or None; an expired one is deleted. A
        signed-in session's idle clock starts again."""
        if not session_id or len(session_id) > 100:
            return None
        now = self.clock()
        async with self.engine.begin() as conn:
            found = (
                await conn.execute(
                    select(console_sessions, staff.c.username, staff.c.role, staff.c.disabled_at)
                    .join(staff, staff.c.id == console_sessions.c.staff_id)
                    .where(console_sessions.c.session_hash == session_hash(session_id))
                )
            ).first()
            if found is None:
                return None
            if found.stage == "signed_in":
                alive = (
                    now - found.last_seen_at < limits.idle
                    and now - found.created_at < limits.lifetime
                )
            else:
                alive = now - found.created_at < timedelta(minutes=PENDING_MINUTES)
            if not alive or found.disabled_at is not None or found.role not in ROLE_RANK:
                await conn.execute(
                    delete(console_sessions).where(console_sessions.c.id == found.id)
                )
                if not alive and found.stage == "signed_in":
                    await write_audit(
                        conn, f"staff:{found.username}", "staff.session_expired", None, {}, at=now
                    )
                return None
            if found.stage != stage:
                return None
            if stage == "signed_in":
                await conn.execute(
                    update(console_sessions)
                    .where(console_sessions.c.id == found.id)
                    .values(last_seen_at=now)
                )
        return ConsoleUser(found.staff_id, found.username, found.role, found.stage)

    async def sign_out(self, session_id: str | None) -> None:
        if not session_id:
            return
        now = self.clock()
        async with self.engine.begin() as conn:
            found = (
                await conn.execute(
                    select(console_sessions.c.id, staff.c.username)
                    .join(staff, staff.c.id == console_sessions.c.staff_id)
                    .where(console_sessions.c.session_hash == session_hash(session_id))
                )
            ).first()
            if found is None:
                return
            await conn.execute(delete(console_sessions).where(console_sessions.c.id == found.id))
            await write_audit(conn, f"staff:{found.username}", "staff.signed_out", None, {}, at=now)

    # --- shared ------------------------------------------------------------------------------

    async def _commit_then_raise(self, work):
        """Run `work` in a transaction that is committed even when it returns a refusal (the
        failure's audit row and count must stay), then raise the refusal."""
        async with self.engine.begin() as conn:
            result = await work(conn)
        if isinstance(result, Exception):
            raise result
        return result

    async def _account(self, conn: AsyncConnection, username: str):
        row = (await conn.execute(select(staff).where(staff.c.username == username))).first()
        if row is None:
            raise NotFound(username)
        return row

    async def _new_session(
        self, conn: AsyncConnection, staff_id: int, stage: str, now: datetime
    ) -> str:
        session_id = secrets.token_urlsafe(32)
        await conn.execute(
            insert(console_sessions).values(
                session_hash=session_hash(session_id),
                staff_id=staff_id,
                stage=stage,
                created_at=now,
                last_seen_at=now,
            )
        )
        return session_id

    async def _pending(self, conn: AsyncConnection, session_id: str | None, stage: str, now):
        """The session row of a sign-in step still open, with its account; SignInRefused if not."""
        if not session_id or len(session_id) > 100:
            raise SignInRefused("no_session")
        found = (
            await conn.execute(
                select(console_sessions).where(
                    console_sessions.c.session_hash == session_hash(session_id)
                )
            )
        ).first()
        if (
            found is None
            or found.stage != stage
            or now - found.created_at >= timedelta(minutes=PENDING_MINUTES)
        ):
            raise SignInRefused("no_session")
        row = (await conn.execute(select(staff).where(staff.c.id == found.staff_id))).one()
        return found, row

    async def _failed(self, conn, row, reason: str, limits: SignInLimits, now, *, count=True):
        """Audit a failed sign-in; count it, and lock the account at the limit."""
        detail: dict[str, Any] = {"reason": reason}
        if count:
            failures = row.failed_sign_ins + 1
            values: dict[str, Any] = {"failed_sign_ins": failures}
            if limits.max_failures and failures >= limits.max_failures:
                values = {"failed_sign_ins": 0, "locked_until": now + limits.lockout}
                detail["locked_until"] = iso(now + limits.lockout)
            await conn.execute(update(staff).where(staff.c.id == row.id).values(**values))
            # Deleting the account's pending steps makes a locked account start again.
            if "locked_until" in values:
                await conn.execute(
                    delete(console_sessions).where(
                        console_sessions.c.staff_id == row.id,
                        console_sessions.c.stage != "signed_in",
                    )
                )
        await write_audit(
            conn, f"staff:{row.username}", "staff.sign_in_failed", None, detail, at=now
        )
        if "locked_until" in detail:
            await write_audit(
                conn,
                f"staff:{row.username}",
                "staff.locked_out",
                None,
                {"until": detail["locked_until"]},
                at=now,
            )


def _verify(password_hash: str, password: str) -> bool:
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def _averify(password_hash: str, password: str) -> bool:
    """argon2 takes tens of milliseconds: off the event loop."""
    return await asyncio.to_thread(_verify, password_hash, password)


async def _ahash(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _refusal(row, now: datetime) -> str | None:
    if row.disabled_at is not None:
        return "disabled"
    if row.locked_until is not None and row.locked_until > now:
        return "locked"
    return None


def _matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step (this one, or one either side for a clock a little out) whose code this is,
    and that is later than the last code used; else None."""
    if not isinstance(code, str):
        return None
    code = code.replace(" ", "").replace("-", "")
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
