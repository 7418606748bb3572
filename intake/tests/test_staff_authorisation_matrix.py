"""Every staff route against every credential that must not open it.

The routes come from the app's router (a staff route added later is in the matrix at once). For
each, no token, the service token, an expired staff token, a disabled account's token, a replaced
token, and forged or malformed ones are refused with a 401 (or 403), and each refusal is recorded
as its access-log line (method, route, status) with no secret in any log line, audit row or answer.

Refusals are not written to the audit log today (the guard in routes/deps.py answers 401 and
writes nothing); the audit log is checked to hold no secret and no read or change by a refused
request.
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
    "a SQL fragment": lambda w: "Bearer 1.' OR '1'='1",
    "a very long token": lambda w: "Bearer 1." + "a" * 8000,
    "a JWT-looking token": lambda w: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhLmpvbmVzIn0.",
}


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
        headers["Authorization"] = authorization.encode()  # as bytes: some are not ASCII
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


async def test_a_valid_staff_token_opens_every_staff_route(client, world):
    """The matrix below means something: with a good token no route answers 401 or 403."""
    routes = staff_routes(client.app, world["referral_id"])
    assert {m for m, _, _ in routes} >= {"GET", "POST"} and len(routes) >= 5
    for method, path, _ in routes:
        response = await send(client, method, path, f"Bearer {world['valid']}")
        assert response.status_code not in REFUSED, (method, path, response.status_code)


@pytest.mark.parametrize("credential", list(CREDENTIALS))
async def test_every_staff_route_refuses_it_and_leaves_no_secret_anywhere(
    client, store, world, caplog, credential
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

    # No secret in any log line (messages, arguments and tracebacks) or audit row.
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records
    )
    audit = await store.audit_trail()
    recorded = json.dumps(audit)
    for secret in secrets_in(authorization, world):
        assert secret not in logged
        assert secret not in recorded

    # A refused request read nothing and changed nothing.
    assert audit == audit_before
    detail = await store.read_referral(world["referral_id"], "test:check")
    assert detail["status"] == "new" and detail["status_history"] == []
    assert detail["feedback_given_at"] is None
