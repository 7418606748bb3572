"""The audit log: who received, read or changed what, and when. Written in the same transaction as
the change it records (`write_audit`); append-only in the database itself (triggers refuse any
UPDATE), and only the retention purge deletes from it. Rows hold no personal data.

Refused staff requests are audited too (`audit_refusal`, action `access.refused`): a staff API
request without a valid staff token (routes/deps.py `staff_only`), and a console request refused for
its session, its CSRF token or its role (routes/console/guard.py `console`). The row names the
actor when it is known for certain (`staff:<username>` when the secret was right, as for an expired
token or a console user's refused form; `service:assistant` for the service token; else
`anonymous`), and its detail holds these and nothing else:

    reason   a fixed word: no_token, invalid_token, expired, disabled,
             service_token_on_staff_route (the API); no_session, csrf, wrong_role (the console)
    method   the request's method
    route    the route's pattern (`/api/v1/staff/referrals/<referral_id:uuid>`), never the path
             asked for, which could carry whatever a client typed
    count    how many refusals of this kind the row stands for (below); a row that carries
             refusals counted since the previous row of its kind also has `since`, that row's time

Never the token, a password, the session id, the CSRF token or any other header or form value.

Flooding. An attacker sending bad tokens as fast as they can must not add audit rows as fast. The
rate limiter (ratelimit.py) does not answer this: it guards only `POST /api/v1/referrals`, and it
counts per client (peer address, an IPv6 /64), so an attacker with many addresses gets many
buckets, and a limit there would decide what is answered, not what is written. Instead refusals
are counted here, per process, by kind: (actor, reason, method, route). The first refusal of a
kind is written at once (count 1), so an attack is on record from its first request; the next ones
in the minute after that row are only counted, and go into the next row of that kind, written at
the first refusal of that kind a minute or more after the previous row, or, if none comes, at the
first refused or accepted staff request after the minute is over (`flush_refusals`). So each kind
has at most one row a minute in each process (Sanic worker), whatever the number of requests; the
kinds are bounded (the reasons are fixed words, the routes the app's own, and an actor is named
only when proven), and the sum of the counts is the number of refusals. Counts held when the
process stops are lost (at most a minute's, and never the first refusal of a kind).
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.auth import staff_token_parts, token_hash
from intake.models import audit_log, staff
from intake.store.base import StoreBase, iso

REFUSED = "access.refused"
ANONYMOUS = "anonymous"
# A kind of refusal is written at most once in this long (see the module's docstring).
REFUSAL_WINDOW = timedelta(minutes=1)
# The kinds are bounded by construction; this is a backstop: past it, everything held is written.
MAX_REFUSAL_KINDS = 10_000
# As store/staff.py checks tokens (that module imports this one, so not imported from it).


async def write_audit(
    conn: AsyncConnection,
    actor: str,
    action: str,
    referral_id: str | None,
    detail: dict[str, Any],
    *,
    at: datetime,
) -> None:
    await conn.execute(
        insert(audit_log).values(
            at=at, actor=actor, action=action, referral_id=referral_id, detail=detail
        )
    )


def _entry(r) -> dict[str, Any]:
    return {
        "at": iso(r.at),
        "actor": r.actor,
        "action": r.action,
        "referral_id": r.referral_id,
        "detail": r.detail,
    }


# (actor, reason, method, route)
RefusalKind = tuple[str, str, str, str]
# A row to write: its kind, count, and the previous row's time when it carries held refusals.
HeldRow = tuple[RefusalKind, int, datetime | None]


class _HeldRefusals:
    """Per kind of refusal: when its last row was written, and how many have come since."""

    def __init__(self) -> None:
        self.kinds: dict[RefusalKind, tuple[datetime, int]] = {}

    def note(self, kind: RefusalKind, now: datetime) -> list[HeldRow]:
        """The rows to write for a refusal of this kind now: (kind, count, since), `since` the
        previous row's time when the row carries refusals held since it (else None). Only
        counted, when this kind's last row is less than a minute old."""
        rows = self.due(now, keep=kind)
        held = self.kinds.get(kind)
        if held is not None and now - held[0] < REFUSAL_WINDOW:
            self.kinds[kind] = (held[0], held[1] + 1)
            return rows
        self.kinds[kind] = (now, 0)
        if held is not None and held[1]:
            rows.append((kind, held[1] + 1, held[0]))
        else:
            rows.append((kind, 1, None))
        return rows

    def due(self, now: datetime, keep: RefusalKind | None = None) -> list[HeldRow]:
        """The counts whose minute is over (written as rows), forgetting those kinds; `keep` is
        left to `note`. Everything, when more kinds are held than MAX_REFUSAL_KINDS."""
        rows: list[HeldRow] = []
        full = len(self.kinds) >= MAX_REFUSAL_KINDS
        for kind, (since, count) in list(self.kinds.items()):
            if kind == keep and not full:
                continue
            if full or now - since >= REFUSAL_WINDOW:
                del self.kinds[kind]
                if count:
                    rows.append((kind, count, since))
        return rows


def _refusal_detail(kind: RefusalKind, count: int, since: datetime | None) -> dict[str, Any]:
    _actor, reason, method, route = kind
    detail: dict[str, Any] = {"reason": reason, "method": method, "route": route, "count": count}
    if since is not None:
        detail["since"] = iso(since)
    return detail


class AuditStore(StoreBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_refusals = _HeldRefusals()

    async def audit_refusal(self, actor: str, reason: str, method: str, route: str) -> None:
        """Record a refused request (see the module's docstring: at most one row a minute for
        each kind, with its count). Every argument is a fixed word, a route pattern or a proven
        actor: never anything the client sent."""
        now = self.clock()
        await self._write_refusals(
            now, self._held_refusals.note((actor, reason, method, route), now)
        )

    async def flush_refusals(self) -> None:
        """Write the counts whose minute is over (cheap when none is held: no database)."""
        if self._held_refusals.kinds:
            now = self.clock()
            await self._write_refusals(now, self._held_refusals.due(now))

    async def _write_refusals(self, now: datetime, rows: list[HeldRow]) -> None:
        if not rows:
            return
        async with self.engine.begin() as conn:
            for kind, count, since in rows:
                await write_audit(
                    conn, kind[0], REFUSED, None, _refusal_detail(kind, count, since), at=now
                )

    async def staff_token_refusal(self, token: str) -> tuple[str, str]:
        """Why a staff token that `authenticate_staff` refused was refused: (actor, reason). The
        reason is `expired` (the secret is right: the actor is named), `disabled` (the token names
        a disabled account; disabling forgets the token's hash, so the secret cannot be checked
        and nobody is named) or `invalid_token` (malformed, an unknown account, a wrong or
        replaced secret). The secret is compared in constant time, as store/staff.py does."""
        parts = staff_token_parts(token)
        if parts is None:
            return ANONYMOUS, "invalid_token"
        staff_id, secret = parts
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        staff.c.username,
                        staff.c.token_hash,
                        staff.c.token_expires_at,
                        staff.c.disabled_at,
                    ).where(staff.c.id == staff_id)
                )
            ).first()
        presented = token_hash(secret)
        if row is None or row.token_hash is None or row.disabled_at is not None:
            hmac.compare_digest(presented, "0" * 64)
            if row is not None and row.disabled_at is not None:
                return ANONYMOUS, "disabled"
            return ANONYMOUS, "invalid_token"
        if not hmac.compare_digest(presented, row.token_hash):
            return ANONYMOUS, "invalid_token"
        if row.token_expires_at is None or row.token_expires_at <= self.clock():
            return f"staff:{row.username}", "expired"
        # Valid now, refused a moment ago (a token issued in between): the refusal stands.
        return ANONYMOUS, "invalid_token"

    async def recent_audit(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """The newest audit rows first (the console's audit page), by actor and action."""
        conditions = []
        if actor is not None:
            conditions.append(audit_log.c.actor == actor)
        if action is not None:
            conditions.append(audit_log.c.action == action)
        async with self.engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(audit_log).where(*conditions))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(audit_log)
                    .where(*conditions)
                    .order_by(audit_log.c.id.desc())
                    .limit(limit)
                    .offset(offset)
                )
            ).all()
        return [_entry(r) for r in rows], int(total)

    async def audit_trail(self, referral_id: str | None = None) -> list[dict[str, Any]]:
        query = select(audit_log).order_by(audit_log.c.id)
        if referral_id is not None:
            query = query.where(audit_log.c.referral_id == referral_id.lower())
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            {
                "at": iso(r.at),
                "actor": r.actor,
                "action": r.action,
                "referral_id": r.referral_id,
                "detail": r.detail,
            }
            for r in rows
        ]
