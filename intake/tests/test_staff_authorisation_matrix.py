"""Every staff route against every credential that must not open it.

The routes come from the app's router (a staff route added later is in the matrix at once). For
each, no token, the service token, an expired staff token, a disabled account's token, a replaced
token, and forged or malformed ones are refused with a 401 (or 403), and each refusal is recorded
twice: as its access-log line (method, route, status) and as one audit row (`access.refused`: the
actor if proven, a fixed reason, the method and the route's pattern; store/audit.py). No secret is
in any log line, audit row or answer, and a refused request reads and changes nothing.

A flood of refusals is bounded: one row a minute for each kind (actor, reason, method, route),
whose count says how many it stands for.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets

import pytest
from conftest import new_referral

REFUSED = {401, 403}


def staff_routes(app, referral_id: str) -> list[tuple[str, str, str]]:
    """(method, concrete path, route label) for every route the app serves under /api/v1/staff."""
    found = []
    for route in app.router.routes:
        label = "/" + route.path
        if not label.startswith("/api/v1/staff"):
            continue
        path = (
            label.replace("<referral_id:uuid>", referral_id)
            .replace("<conversation_id:str>", "conversation-1")
            .replace("<event_id:int>", "1")
        )
        assert "<" not in path, f"a new parameter in {label}: teach this test its value"
        found += [(m, path, label) for m in sorted(route.methods) if m != "OPTIONS"]
    return sorted(found)


def _raw(data: bytes) -> str:
    """Bytes that are not UTF-8, as Sanic hands them on (and `send` sends them back as bytes)."""
    return data.decode("utf-8", "surrogateescape")


# What is presented, made from the tokens the world holds (`id` and `secret` are the parts of the
# valid token, `other_secret` the secret of another account's).
CREDENTIALS = {
    "no Authorization header": lambda w: None,
    "an empty bearer": lambda w: "Bearer ",
    "bearer and spaces": lambda w: "Bearer    ",
    "a valid token in another scheme": lambda w: (
        "Basic " + base64.b64encode(w["valid"].encode()).decode()
    ),
    "a valid token with no scheme": lambda w: w["valid"],
    "the service token": lambda w: f"Bearer {w['service']}",
    "an expired staff token": lambda w: f"Bearer {w['expired']}",
    "a disabled account's token": lambda w: f"Bearer {w['disabled']}",
    "a token replaced by a newer one": lambda w: f"Bearer {w['replaced']}",
    "a forged secret for a real account": lambda w: f"Bearer {w['id']}.{secrets.token_urlsafe(32)}",
    "one account's id with another's secret": lambda w: f"Bearer {w['id']}.{w['other_secret']}",
    "a valid secret with the id left out": lambda w: f"Bearer .{w['secret']}",
    "a valid secret with no id at all": lambda w: f"Bearer {w['secret']}",
    "a valid token with a character added": lambda w: f"Bearer {w['valid']}x",
    "a valid token cut short": lambda w: f"Bearer {w['valid'][:-1]}",
    "a valid token upper-cased": lambda w: f"Bearer {w['valid'].upper()}",
    "a valid token with a dot added": lambda w: f"Bearer {w['valid']}.1",
    "an unknown account id": lambda w: f"Bearer 4242.{w['secret']}",
    "an id of 0": lambda w: f"Bearer 0.{w['secret']}",
    "a negative id": lambda w: f"Bearer -{w['id']}.{w['secret']}",
    "an id with a space": lambda w: f"Bearer {w['id']} .{w['secret']}",
    "an id past PostgreSQL's integer": lambda w: "Bearer 2147483648.abc",
    "an id of thirty digits": lambda w: "Bearer " + "9" * 30 + ".abc",
    "an id in superscript digits": lambda w: "Bearer \u00b2.abc",
    # Bytes that are not UTF-8 (sent as they are: see `send`).
    "a secret not in UTF-8": lambda w: f"Bearer {w['id']}." + _raw(b"\xb2\xff" * 20),
    "an id not in UTF-8": lambda w: "Bearer " + _raw(b"\xb2") + f".{w['secret']}",
    "a SQL fragment": lambda w: "Bearer 1.' OR '1'='1",
    "a very long token": lambda w: "Bearer 1." + "a" * 8000,
    "a JWT-looking token": lambda w: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhLmpvbmVzIn0.",
}


# What each is refused as: (actor, reason) of its audit rows. An actor is named only when the
# secret proved it (the expired token) or the service token was presented.
ANONYMOUS_INVALID = ("anonymous", "invalid_token")
EXPECTED = {
    "no Authorization header": ("anonymous", "no_token"),
    "an empty bearer": ("anonymous", "no_token"),
    "bearer and spaces": ("anonymous", "no_token"),
    "a valid token in another scheme": ("anonymous", "no_token"),
    "a valid token with no scheme": ("anonymous", "no_token"),
    "the service token": ("service:assistant", "service_token_on_staff_route"),
    "an expired staff token": ("staff:c.expired", "expired"),
    "a disabled account's token": ("anonymous", "disabled"),
}


def expected_refusal(credential: str) -> tuple[str, str]:
    return EXPECTED.get(credential, ANONYMOUS_INVALID)


def refusal_rows(audit: list[dict]) -> list[dict]:
    return [row for row in audit if row["action"] == "access.refused"]


@pytest.fixture
async def world(client, store, clock):
    """Staff tokens in every state, and a real referral for the routes that name one."""
    expired = await store.issue_staff_token("c.expired", 1, create=True)
    disabled = await store.issue_staff_token("d.disabled", 12, create=True)
    await store.disable_staff("d.disabled")
    replaced = await store.issue_staff_token("e.replaced", 12, create=True)
    await store.issue_staff_token("e.replaced", 12, create=False)
    clock.advance(hours=2)  # past the expired token's hour
    valid = await store.issue_staff_token("a.jones", 12, create=True)
    other = await store.issue_staff_token("b.smith", 12, create=True)
    body = new_referral("valid_parent_carer")
    assert (await client.post_referral(body)).status_code == 201
    staff_id, _, secret = valid.partition(".")
    return {
        "valid": valid,
        "id": staff_id,
        "secret": secret,
        "other_secret": other.partition(".")[2],
        "other": other,
        "expired": expired,
        "disabled": disabled,
        "replaced": replaced,
        "service": client.service_token,
        "referral_id": body["referral_id"],
    }


async def send(client, method: str, path: str, authorization: str | None):
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    if authorization is not None:
        # As bytes: some are not ASCII, some not even UTF-8.
        headers["Authorization"] = authorization.encode("utf-8", "surrogateescape")
    return await client.request(
        method, path, headers=headers, content=b'{"status": "in_triage", "reason": "checked"}'
    )


def secrets_in(authorization: str | None, world: dict) -> set[str]:
    """What must be found nowhere: every token the world holds, what was presented and its
    secret part."""
    found = {world[k] for k in ("valid", "other", "expired", "disabled", "replaced", "service")}
    found |= {token.partition(".")[2] for token in list(found) if "." in token}
    if authorization:
        presented = authorization.partition(" ")[2] or authorization
        found |= {presented, *presented.split(".")}
    return {s for s in found if len(s) >= 12}  # long enough that a match is not chance


async def test_a_valid_staff_token_opens_every_staff_route(client, store, world):
    """The matrix below means something: with a good token no route answers 401 or 403, and
    nothing is audited as refused."""
    routes = staff_routes(client.app, world["referral_id"])
    assert {m for m, _, _ in routes} >= {"GET", "POST"} and len(routes) >= 5
    for method, path, _ in routes:
        response = await send(client, method, path, f"Bearer {world['valid']}")
        assert response.status_code not in REFUSED, (method, path, response.status_code)
    assert refusal_rows(await store.audit_trail()) == []


def test_every_credential_has_its_expected_refusal():
    assert set(EXPECTED) <= set(CREDENTIALS)


@pytest.mark.parametrize("credential", list(CREDENTIALS))
async def test_every_staff_route_refuses_it_audits_it_and_leaves_no_secret_anywhere(
    client, store, clock, world, caplog, credential
):
    authorization = CREDENTIALS[credential](world)
    routes = staff_routes(client.app, world["referral_id"])
    audit_before = await store.audit_trail()
    with caplog.at_level(logging.DEBUG):
        for method, path, _ in routes:
            response = await send(client, method, path, authorization)
            assert response.status_code in REFUSED, (method, path, response.status_code)
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"] == 'Bearer realm="intake"'
            answer = response.text + json.dumps(dict(response.headers))
            for secret in secrets_in(authorization, world):
                assert secret not in answer, (method, path)

    # Each refusal is on record: one access-log line with its method, route and status.
    access = [r.getMessage() for r in caplog.records if r.name == "intake.access"]
    for method, _, label in routes:
        lines = [line for line in access if line.startswith(f"{method} {label} ")]
        assert len(lines) == 1 and lines[0].split()[2] in {"401", "403"}, (method, label, lines)

    # And one audit row each: who (if proven), why, the method and the route's pattern, nothing
    # else; written at the refusal (the clock has not moved, so each is the first of its kind).
    audit = await store.audit_trail()
    assert audit[: len(audit_before)] == audit_before
    actor, reason = expected_refusal(credential)
    at = clock().isoformat().replace("+00:00", "Z")
    assert audit[len(audit_before) :] == [
        {
            "at": at,
            "actor": actor,
            "action": "access.refused",
            "referral_id": None,
            "detail": {"reason": reason, "method": method, "route": label, "count": 1},
        }
        for method, _, label in routes
    ]

    # No secret in any log line (messages, arguments and tracebacks) or anywhere in the audit log.
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records
    )
    recorded = json.dumps(audit)
    for secret in secrets_in(authorization, world):
        assert secret not in logged
        assert secret not in recorded
    # Nor the referral id a path carried, nor the path's other values.
    assert world["referral_id"] not in json.dumps(audit[len(audit_before) :])
    assert "conversation-1" not in recorded

    # A refused request read nothing and changed nothing.
    detail = await store.read_referral(world["referral_id"], "test:check")
    assert detail["status"] == "new" and detail["status_history"] == []
    assert detail["feedback_given_at"] is None


async def test_a_flood_of_refusals_is_one_row_a_minute_for_each_kind_with_its_count(
    client, store, clock, world
):
    """Bad tokens as fast as they come cost a counter, not a row: the first of each kind is
    written at once, the rest in the minute after it go into the next row of that kind."""
    path = "/api/v1/staff/referrals"
    before = len(await store.audit_trail())

    first = clock()
    for _ in range(100):
        forged = f"Bearer {world['id']}.{secrets.token_urlsafe(32)}"
        assert (await send(client, "GET", path, forged)).status_code == 401
    for _ in range(5):
        assert (await send(client, "GET", path, None)).status_code == 401
    rows = refusal_rows((await store.audit_trail())[before:])
    assert [row["detail"] for row in rows] == [
        {"reason": "invalid_token", "method": "GET", "route": path, "count": 1},
        {"reason": "no_token", "method": "GET", "route": path, "count": 1},
    ]

    clock.advance(seconds=59)  # still the first row's minute: counted, not written
    assert (await send(client, "GET", path, "Bearer 1.still-forged")).status_code == 401
    assert len(refusal_rows((await store.audit_trail())[before:])) == 2

    clock.advance(seconds=1)  # a minute on: the next refusal writes what was held, with its own
    assert (await send(client, "GET", path, "Bearer 1.forged-again")).status_code == 401
    rows = refusal_rows((await store.audit_trail())[before:])
    since = first.isoformat().replace("+00:00", "Z")
    assert [row["detail"] for row in rows[2:]] == [
        {"reason": "no_token", "method": "GET", "route": path, "count": 4, "since": since},
        {"reason": "invalid_token", "method": "GET", "route": path, "count": 101, "since": since},
    ]

    # Held counts are written by the first request after their minute, accepted ones too.
    for _ in range(3):
        assert (await send(client, "GET", path, None)).status_code == 401
    assert len(refusal_rows((await store.audit_trail())[before:])) == 5  # the first of them
    clock.advance(minutes=1)
    assert (await send(client, "GET", path, f"Bearer {world['valid']}")).status_code == 200
    rows = refusal_rows((await store.audit_trail())[before:])
    assert rows[-1]["detail"]["reason"] == "no_token" and rows[-1]["detail"]["count"] == 2
    # Every refusal is counted once: 100 + 5 + 2 + 3.
    assert sum(row["detail"]["count"] for row in rows) == 110
    assert all(row["actor"] == "anonymous" for row in rows)
