"""Who may do what in the console (issue 13). The routes come from the app's router, so a console
route added later is checked at once: every one refuses an anonymous request (a GET goes to the
sign-in page, anything else is a 403) and one signed in only with a password, every one but the
sign-in steps carries the role guard, and a role below the route's is a 403 that changes nothing.
Every 403 of the guard is audited (`access.refused`, with the route's pattern and its reason); an
anonymous GET sent to sign in is not (guard.py says why).

viewer: reads the queue, referrals and conversations. triager: also changes status, assigns, adds
notes and reviews conversations. admin: also manages accounts and reads the audit log.
"""

from __future__ import annotations

import re

import pytest
from conftest import new_referral
from console_kit import NEW_PASSWORD, Browser, signed_in

from intake.store.accounts import ROLE_RANK

# In valid_parent_carer's personal fields: the child's family name.
PERSONAL = "Hughes"
# The sign-in steps: open to anyone, each checking its own step (test_console_sign_in.py).
SIGN_IN_ROUTES = {
    "/staff/sign-in",
    "/staff/sign-in/code",
    "/staff/sign-in/enrol",
    "/staff/sign-out",
}


def console_routes(app, referral_id: str) -> list[tuple[str, str, str, object]]:
    """(method, concrete path, route label, handler) for every route under /staff."""
    found = []
    for route in app.router.routes:
        label = "/" + route.path
        if not (label == "/staff" or label.startswith("/staff/")):
            continue
        path = (
            label.replace("<referral_id:uuid>", referral_id)
            .replace("<conversation_id:str>", "c-roles")
            .replace("<event_id:int>", "1")
            .replace("<username:str>", "someone")
        )
        assert "<" not in path, f"a new parameter in {label}: teach this test its value"
        found += [(m, path, label, route.handler) for m in sorted(route.methods) if m != "OPTIONS"]
    return sorted(found, key=lambda r: r[:3])


def guard_role(handler) -> str | None:
    """The role a handler's guard asks for (Sanic's HEAD handler wraps the GET one)."""
    inner = getattr(handler, "keywords", {}).get("get_handler")
    return getattr(inner or handler, "console_role", None)


@pytest.fixture
async def referral_id(client):
    body = new_referral("valid_parent_carer")
    assert (await client.post_referral(body)).status_code == 201
    return body["referral_id"]


async def test_the_console_has_the_routes_this_test_expects(client, referral_id):
    labels = {label for _, _, label, _ in console_routes(client.app, referral_id)}
    assert labels >= SIGN_IN_ROUTES | {
        "/staff/queue",
        "/staff/referrals/<referral_id:uuid>",
        "/staff/referrals/<referral_id:uuid>/status",
        "/staff/conversations",
        "/staff/accounts",
        "/staff/audit",
    }


async def test_every_console_route_but_the_sign_in_steps_carries_the_role_guard(
    client, referral_id
):
    for _method, _path, label, handler in console_routes(client.app, referral_id):
        if label.rstrip("/") in SIGN_IN_ROUTES:
            continue
        assert guard_role(handler) in ROLE_RANK, label


def refusal(actor: str, reason: str, method: str, label: str) -> tuple[str, str, None, dict]:
    detail = {"reason": reason, "method": method, "route": label, "count": 1}
    return (actor, "access.refused", None, detail)


def rows_of(audit: list[dict]) -> list[tuple]:
    return [(a["actor"], a["action"], a["referral_id"], a["detail"]) for a in audit]


async def test_every_console_route_refuses_an_anonymous_request(client, store, referral_id):
    audit_before = await store.audit_trail()
    expected = []
    for method, path, label, _ in console_routes(client.app, referral_id):
        if label.rstrip("/") in SIGN_IN_ROUTES:
            continue
        response = await client.request(method, path, data={"status": "in_triage", "reason": "x"})
        if method in ("GET", "HEAD"):
            assert response.status_code == 303, (method, path)
            assert response.headers["location"] == "/staff/sign-in"
        else:
            assert response.status_code == 403, (method, path)
            expected.append(refusal("anonymous", "no_session", method, label))
        assert PERSONAL not in response.text  # nothing of the referral's personal fields
    # Nothing read, nothing changed; each refused POST audited, by the route's pattern (not the
    # path with its ids), the redirected GETs not.
    audit = await store.audit_trail()
    assert audit[: len(audit_before)] == audit_before
    assert len(expected) >= 10
    assert rows_of(audit[len(audit_before) :]) == expected
    assert referral_id not in str(audit[len(audit_before) :])


async def test_a_password_without_the_code_opens_no_console_route(
    client, store, clock, referral_id
):
    browser = await signed_in(client, store, clock, "h.alf", "admin")
    clock.advance(seconds=30)
    half = Browser(client)
    await half.start_sign_in("h.alf", NEW_PASSWORD)
    half.csrf = browser.csrf
    for method, path, label, _ in console_routes(client.app, referral_id):
        if label.rstrip("/") in SIGN_IN_ROUTES:
            continue
        response = await half.http.request(method, path, data={"csrf_token": browser.csrf})
        assert response.status_code in (303, 403), (method, path)


@pytest.mark.parametrize("role", ["viewer", "triager"])
async def test_a_role_below_a_routes_is_refused_and_changes_nothing(
    client, store, clock, referral_id, role
):
    browser = await signed_in(client, store, clock, f"r.{role}", role)
    checked = 0
    for method, path, label, handler in console_routes(client.app, referral_id):
        needed = guard_role(handler)
        if needed is None or ROLE_RANK[needed] <= ROLE_RANK[role]:
            continue
        before = await store.audit_trail()
        response = await browser.http.request(
            method,
            path,
            data={
                "csrf_token": browser.csrf,
                "status": "in_triage",
                "reason": "x",
                "role": "admin",
            },
        )
        assert response.status_code == 403, (role, method, path)
        if method != "HEAD":
            assert "does not allow this" in response.text
        # Nothing read or changed: the one new row is the refusal itself.
        after = await store.audit_trail()
        assert after[: len(before)] == before, (method, path)
        assert rows_of(after[len(before) :]) == [
            refusal(f"staff:r.{role}", "wrong_role", method, label)
        ], (method, path)
        checked += 1
    assert checked >= (3 if role == "triager" else 10)


async def test_a_viewer_reads_a_referral_but_cannot_change_its_status(
    client, store, clock, referral_id
):
    viewer = await signed_in(client, store, clock, "v.one", "viewer")
    page = await viewer.get(f"/staff/referrals/{referral_id}")
    assert page.status_code == 200 and "Change status" not in page.text
    refused = await viewer.post(
        f"/staff/referrals/{referral_id}/status", {"status": "in_triage", "reason": "looked"}
    )
    assert refused.status_code == 403
    detail = await store.read_referral(referral_id, "test")
    assert detail["status"] == "new" and detail["status_history"] == []


async def test_a_triager_cannot_add_accounts_or_read_the_audit_log(client, store, clock):
    triager = await signed_in(client, store, clock, "t.one", "triager")
    refused = await triager.post("/staff/accounts", {"username": "t.two", "role": "admin"})
    assert refused.status_code == 403
    assert "t.two" not in {a["username"] for a in await store.list_accounts()}
    assert (await triager.get("/staff/accounts")).status_code == 403
    assert (await triager.get("/staff/audit")).status_code == 403
    assert (await triager.post("/staff/accounts/t.one/disable")).status_code == 403
    queue = await triager.get("/staff/queue")
    assert 'href="/staff/accounts"' not in queue.text and 'href="/staff/audit"' not in queue.text


async def test_an_admin_adds_a_triager_who_signs_in_with_the_one_time_password(
    client, store, clock
):
    admin = await signed_in(client, store, clock, "a.dmin", "admin")
    page = await admin.get("/staff/accounts")
    assert page.status_code == 200 and "a.dmin" in page.text
    invalid = await admin.post("/staff/accounts", {"username": "<b>bad name</b>", "role": "boss"})
    assert invalid.status_code == 400
    assert 'href="#username"' in invalid.text and 'href="#role"' in invalid.text
    assert "<b>bad name</b>" not in invalid.text and "&lt;b&gt;bad name&lt;/b&gt;" in invalid.text
    added = await admin.post("/staff/accounts", {"username": "n.ew", "role": "triager"})
    assert added.status_code == 200
    one_time = re.search(r'id="one-time-password">([^<]+)<', added.text).group(1)
    assert added.headers["cache-control"] == "no-store"
    again = await admin.post("/staff/accounts", {"username": "n.ew", "role": "viewer"})
    assert again.status_code == 400 and "already an account" in again.text
    newcomer = Browser(client)
    await newcomer.first_sign_in("n.ew", one_time, clock)
    assert (
        "Signed in as <strong>n.ew</strong> (Triager)" in (await newcomer.get("/staff/queue")).text
    )
    audit = [(a["actor"], a["action"], a["detail"]) for a in await store.audit_trail()]
    assert ("staff:a.dmin", "staff.account_added", {"username": "n.ew", "role": "triager"}) in audit


async def test_an_admin_resets_and_disables_an_account(client, store, clock):
    admin = await signed_in(client, store, clock, "a.two", "admin")
    worker = await signed_in(client, store, clock, "w.orker", "triager")
    reset = await admin.post("/staff/accounts/w.orker/reset")
    assert reset.status_code == 200 and "Account reset" in reset.text
    one_time = re.search(r'id="one-time-password">([^<]+)<', reset.text).group(1)
    assert (await worker.get("/staff/queue")).status_code == 303, "the reset signed them out"
    again = Browser(client)
    await again.first_sign_in("w.orker", one_time, clock)  # enrols a new authenticator
    disabled = await admin.post("/staff/accounts/w.orker/disable")
    assert disabled.status_code == 303
    assert (await again.get("/staff/queue")).headers["location"] == "/staff/sign-in"
    self_disable = await admin.post("/staff/accounts/a.two/disable")
    assert self_disable.status_code == 400
    assert (await admin.post("/staff/accounts/nobody/disable")).status_code == 404


async def test_an_admin_reads_the_audit_log_and_who_opened_a_referral(
    client, store, clock, referral_id
):
    viewer = await signed_in(client, store, clock, "v.reader", "viewer")
    await viewer.get(f"/staff/referrals/{referral_id}")
    admin = await signed_in(client, store, clock, "a.udit", "admin")
    log = await admin.get("/staff/audit?actor=staff:v.reader")
    assert log.status_code == 200 and "referral.read_personal" in log.text
    page = await admin.get(f"/staff/referrals/{referral_id}")
    opened = page.text.split("Who opened or changed this referral", 1)[1]
    assert "staff:v.reader" in opened and "referral.read_personal" in opened
    viewer_page = await viewer.get(f"/staff/referrals/{referral_id}")
    assert "Who opened or changed this referral" not in viewer_page.text


async def test_an_admin_reads_the_refusals_in_the_audit_log(client, store, clock, referral_id):
    """The refusal rows on the audit page: who, why and where, as text (the route's pattern
    escaped), filtered by `access.refused`."""
    triager = await signed_in(client, store, clock, "t.ried", "triager")
    assert (await triager.get("/staff/audit")).status_code == 403
    api = await client.get(f"/api/v1/staff/referrals/{referral_id}", headers={"Authorization": "x"})
    assert api.status_code == 401
    admin = await signed_in(client, store, clock, "a.reader", "admin")
    page = await admin.get("/staff/audit?action=access.refused")
    assert page.status_code == 200
    assert "2 entries" in page.text
    assert "staff:t.ried" in page.text and "anonymous" in page.text
    assert "reason: wrong_role; method: GET; route: /staff/audit; count: 1" in page.text
    assert (
        "reason: no_token; method: GET; route: /api/v1/staff/referrals/&lt;referral_id:uuid&gt;; "
        "count: 1" in page.text
    )
    assert "<referral_id:uuid>" not in page.text and referral_id not in page.text
