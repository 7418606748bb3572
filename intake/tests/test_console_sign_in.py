"""Signing in to the staff console (issue 13): accounts from the command line with a one-time
password, argon2 hashes, TOTP enrolled at first sign-in from a QR code made here, a server-side
session behind an HttpOnly SameSite=Strict cookie that expires when idle and after its lifetime,
CSRF on every form, lock-out after repeated failures, sign-out; failed sign-ins audited without
the password. Secrets (passwords, TOTP secrets, session ids) are never stored or logged in plain.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pyotp
import pytest
from conftest import SERVICE_TOKEN
from console_kit import NEW_PASSWORD, Browser, code_for, signed_in
from sqlalchemy import select

from intake.models import console_sessions, staff


async def audit_actions(store) -> list[str]:
    return [row["action"] for row in await store.audit_trail()]


async def raw_database_text(engine, sqlite_file) -> str:
    """Everything the database holds, as text (SQLite: the file and its WAL; PostgreSQL: rows)."""
    if sqlite_file is not None:
        return b"".join(
            p.read_bytes() for p in sqlite_file.parent.glob(sqlite_file.name + "*")
        ).decode("latin-1")
    from intake.models import metadata

    parts = []
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def run_cli(database_url, tmp_path, *args) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INTAKE_VAR_DIR": str(tmp_path),
        "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN,
    }
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_an_account_added_on_the_command_line_signs_in_once_with_its_one_time_password(
    client, store, clock, engine, database_url, tmp_path, sqlite_file
):
    added = run_cli(database_url, tmp_path, "staff", "add", "t.smith", "--role", "triager")
    assert added.returncode == 0, added.stderr
    one_time = added.stdout.strip()
    assert len(one_time) == 20 and "shown once" in added.stderr
    async with engine.connect() as conn:
        row = (await conn.execute(select(staff).where(staff.c.username == "t.smith"))).one()
    assert row.role == "triager" and row.password_hash.startswith("$argon2id$")
    assert one_time not in row.password_hash

    browser = Browser(client)
    first = await browser.start_sign_in("t.smith", one_time)
    # First sign-in: enrol the authenticator app (a QR code made here, inline SVG) and choose a
    # password; nothing is open before that.
    assert first.status_code == 303 and first.headers["location"] == "/staff/sign-in/enrol"
    assert (await browser.get("/staff/queue")).headers["location"] == "/staff/sign-in"
    page = await browser.get("/staff/sign-in/enrol")
    assert "<svg" in page.text and "QR code" in page.text
    assert "http" not in page.text.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    ), "the QR code refers to nothing outside the page"
    done = await browser.enrol(clock)
    assert done.status_code == 303 and done.headers["location"] == "/staff/queue"
    queue = await browser.get("/staff/queue")
    assert queue.status_code == 200 and "Referrals queue" in queue.text

    # The one-time password worked once: it is not a password any more.
    clock.advance(seconds=30)
    again = await Browser(client).start_sign_in("t.smith", one_time)
    assert again.status_code == 400
    later = Browser(client)
    later.secret = browser.secret
    await later.sign_in("t.smith", clock)

    secret_text = await raw_database_text(engine, sqlite_file)
    for secret in (one_time, NEW_PASSWORD, browser.secret):
        assert secret not in secret_text
    audit = await store.audit_trail()
    assert [(a["actor"], a["action"]) for a in audit] == [
        ("admin:cli", "staff.account_added"),
        ("staff:t.smith", "staff.enrolled"),
        ("staff:t.smith", "staff.signed_in"),
        ("staff:t.smith", "staff.sign_in_failed"),
        ("staff:t.smith", "staff.signed_in"),
    ]
    for entry in audit:
        assert one_time not in str(entry) and NEW_PASSWORD not in str(entry)


async def test_disabling_an_account_on_the_command_line_signs_it_out(
    client, store, clock, database_url, tmp_path
):
    browser = await signed_in(client, store, clock, "v.iewer", "viewer")
    assert (await browser.get("/staff/queue")).status_code == 200
    result = run_cli(database_url, tmp_path, "staff", "disable", "v.iewer")
    assert result.returncode == 0, result.stderr
    assert (await browser.get("/staff/queue")).headers["location"] == "/staff/sign-in"
    clock.advance(seconds=30)
    refused = await Browser(client).start_sign_in("v.iewer", NEW_PASSWORD)
    assert refused.status_code == 400
    assert "staff.disabled" in await audit_actions(store)
    assert run_cli(database_url, tmp_path, "staff", "disable", "nobody").returncode == 1


async def test_a_wrong_password_is_refused_and_audited_without_the_password(
    client, store, clock, caplog
):
    one_time = await store.add_console_account("w.rong", "viewer", "admin:test")
    browser = Browser(client)
    with caplog.at_level(logging.INFO):
        refused = await browser.start_sign_in("w.rong", "not-the-password-at-all")
        unknown = await browser.start_sign_in("hunter2-typed-as-a-name", "whatever-password")
    assert refused.status_code == 400 and unknown.status_code == 400
    # The same words for both: the page does not say which accounts exist.
    assert "The username, password or code is not right" in refused.text
    assert "The username, password or code is not right" in unknown.text
    assert 'class="govuk-error-summary"' in refused.text and 'href="#password"' in refused.text
    assert refused.text.count("not-the-password-at-all") == 0
    failed = [a for a in await store.audit_trail() if a["action"] == "staff.sign_in_failed"]
    assert [(a["actor"], a["detail"]) for a in failed] == [
        ("staff:w.rong", {"reason": "wrong_password"}),
        ("anonymous", {"reason": "unknown_account"}),
    ]
    everything = str(await store.audit_trail()) + caplog.text
    for secret in ("not-the-password-at-all", "hunter2-typed-as-a-name", one_time):
        assert secret not in everything
    assert (await browser.get("/staff/queue")).headers["location"] == "/staff/sign-in"


async def test_five_failures_lock_the_account_even_against_the_right_password_until_it_ends(
    client, store, clock
):
    browser = await signed_in(client, store, clock, "l.ocked", "viewer")
    secret = browser.secret
    attacker = Browser(client)
    for _ in range(5):
        assert (await attacker.start_sign_in("l.ocked", "guess-guess-guess")).status_code == 400
    actions = await audit_actions(store)
    assert actions.count("staff.sign_in_failed") == 5 and "staff.locked_out" in actions
    clock.advance(seconds=30)
    owner = Browser(client)
    refused = await owner.start_sign_in("l.ocked", NEW_PASSWORD)
    assert refused.status_code == 400, "locked: the right password does not open it"
    assert (await store.audit_trail())[-1]["detail"] == {"reason": "locked"}
    accounts = {a["username"]: a for a in await store.list_accounts()}
    assert accounts["l.ocked"]["locked"] is True
    clock.advance(minutes=15)
    owner.secret = secret
    await owner.sign_in("l.ocked", clock)


async def test_wrong_codes_count_towards_the_lock_out_too(client, store, clock):
    browser = await signed_in(client, store, clock, "c.odes", "viewer")
    other = Browser(client)
    for _ in range(5):
        clock.advance(seconds=1)
        response = await other.start_sign_in("c.odes", NEW_PASSWORD)
        assert response.headers.get("location") == "/staff/sign-in/code"
        wrong = "000000" if code_for(browser.secret, clock) != "000000" else "111111"
        assert (await other.enter_code(clock, wrong)).status_code == 400
    assert "staff.locked_out" in await audit_actions(store)
    clock.advance(seconds=30)
    fresh = Browser(client)
    fresh.secret = browser.secret
    assert (await fresh.start_sign_in("c.odes", NEW_PASSWORD)).status_code == 400


async def test_the_password_alone_opens_nothing_a_totp_code_is_required(client, store, clock):
    browser = await signed_in(client, store, clock, "t.otp", "admin")
    secret = browser.secret
    await browser.post("/staff/sign-out")
    clock.advance(seconds=30)
    half = Browser(client)
    step = await half.start_sign_in("t.otp", NEW_PASSWORD)
    assert step.headers["location"] == "/staff/sign-in/code"
    for path in ("/staff/queue", "/staff/accounts", "/staff/conversations", "/staff/audit"):
        response = await half.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/staff/sign-in"
    wrong = await half.enter_code(
        clock, "123456" if code_for(secret, clock) != "123456" else "654321"
    )
    assert wrong.status_code == 400 and "The username, password or code is not right" in wrong.text
    assert (await half.get("/staff/queue")).status_code == 303
    half.secret = secret
    code = code_for(secret, clock)
    assert (await half.enter_code(clock, code)).headers["location"] == "/staff/queue"
    assert (await half.get("/staff/queue")).status_code == 200
    # A code works once: the same code again, in the same 30 seconds, is refused.
    replay = Browser(client)
    await replay.start_sign_in("t.otp", NEW_PASSWORD)
    assert (await replay.enter_code(clock, code)).status_code == 400


async def test_a_code_step_left_unfinished_expires(client, store, clock):
    browser = await signed_in(client, store, clock, "s.low", "viewer")
    clock.advance(seconds=30)
    half = Browser(client)
    await half.start_sign_in("s.low", NEW_PASSWORD)
    clock.advance(minutes=11)
    expired = await half.post("/staff/sign-in/code", {"code": code_for(browser.secret, clock)})
    assert expired.status_code == 303 and expired.headers["location"] == "/staff/sign-in"


async def test_every_form_needs_its_csrf_token(client, store, clock, make_client):
    browser = await signed_in(client, store, clock, "c.srf", "admin")
    # The sign-in form: double-submit, the cookie's token must come back in the form.
    stranger = Browser(client)
    await stranger.get("/staff/sign-in")
    for form in ({}, {"csrf_token": "forged-token-value-1234567890"}):
        response = await stranger.post(
            "/staff/sign-in", {"username": "c.srf", "password": NEW_PASSWORD, **form}, csrf=False
        )
        assert response.status_code == 403
    # Signed in: every POST without the session's token is a 403 and changes nothing.
    for number, (path, form) in enumerate(
        (("/staff/accounts", {"username": "x.new", "role": "viewer"}), ("/staff/sign-out", {}))
    ):
        assert (await browser.post(path, form, csrf=False)).status_code == 403
        other = await signed_in(client, store, clock, f"o.{number}", "admin")
        # Another session's token is not this session's.
        assert (await browser.post(path, {**form, "csrf_token": other.csrf})).status_code == 403
    assert "x.new" not in {a["username"] for a in await store.list_accounts()}
    assert (await browser.get("/staff/queue")).status_code == 200, "still signed in"


async def test_a_form_refused_for_its_csrf_token_is_audited_without_any_secret(
    client, store, clock
):
    """The console guard's CSRF refusals are audited (`access.refused`, reason `csrf`) with the
    route's pattern and the user, never the token sent, the session's token or the cookie; the
    same refusal again within a minute is counted into the next row, not written at once."""
    browser = await signed_in(client, store, clock, "c.sure", "admin")
    before = await store.audit_trail()
    forged = "forged-token-value-" + "f" * 24
    form = {"username": "x.new", "role": "viewer"}
    assert (await browser.post("/staff/accounts", form, csrf=False)).status_code == 403
    assert (
        await browser.post("/staff/accounts", {**form, "csrf_token": forged})
    ).status_code == 403
    path = f"/staff/accounts/{'r' * 20}/disable"
    assert (await browser.post(path, {"csrf_token": forged})).status_code == 403
    new = [
        (a["actor"], a["action"], a["detail"]) for a in (await store.audit_trail())[len(before) :]
    ]
    assert new == [
        (
            "staff:c.sure",
            "access.refused",
            {"reason": "csrf", "method": "POST", "route": "/staff/accounts", "count": 1},
        ),
        (
            "staff:c.sure",
            "access.refused",
            {
                "reason": "csrf",
                "method": "POST",
                "route": "/staff/accounts/<username:str>/disable",
                "count": 1,
            },
        ),
    ]
    clock.advance(minutes=1)
    assert (await browser.post("/staff/accounts", form, csrf=False)).status_code == 403
    last = (await store.audit_trail())[-1]
    assert last["detail"]["count"] == 2 and last["detail"]["reason"] == "csrf"
    recorded = str(await store.audit_trail())
    session = browser.http.cookies.get("staff_session")
    for secret in (forged, browser.csrf, session, "r" * 20):
        assert secret and secret not in recorded
    assert "x.new" not in {a["username"] for a in await store.list_accounts()}


async def test_an_anonymous_post_is_audited_and_an_anonymous_get_is_not(client, store):
    before = await store.audit_trail()
    assert (await client.get("/staff/queue")).headers["location"] == "/staff/sign-in"
    assert (await client.get("/staff/audit")).status_code == 303
    assert await store.audit_trail() == before, "a first visit is not a refusal worth a row"
    refused = await client.post("/staff/accounts", data={"csrf_token": "x" * 40})
    assert refused.status_code == 403
    new = (await store.audit_trail())[len(before) :]
    assert [(a["actor"], a["action"], a["detail"]["reason"]) for a in new] == [
        ("anonymous", "access.refused", "no_session")
    ]
    assert "x" * 40 not in str(new)


async def test_the_session_cookie_is_httponly_samesite_strict_and_secure_over_https(
    client, store, clock, make_client
):
    one_time = await store.add_console_account("c.ookie", "viewer", "admin:test")
    browser = Browser(client)
    response = await browser.start_sign_in("c.ookie", one_time)
    [cookie] = [c for c in response.headers.get_list("set-cookie") if c.startswith("staff_session")]
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/staff"} <= attributes
    assert "secure" not in attributes, "http on this machine: a Secure cookie would not come back"
    assert not any(a.startswith(("max-age", "expires")) for a in attributes), (
        "ends with the browser"
    )
    # Over https as Sanic sees it (here its SERVER_NAME; behind a proxy, its forwarded proto),
    # or always with INTAKE_CONSOLE_SECURE_COOKIES=1.
    client.app.config.SERVER_NAME = "https://intake.test"
    response = await Browser(client).start_sign_in("c.ookie", one_time)
    for cookie in response.headers.get_list("set-cookie"):
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}
    always = await make_client(console_secure_cookies=True)
    response = await Browser(always).start_sign_in("c.ookie", "wrong-password-here")
    for cookie in response.headers.get_list("set-cookie"):
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}


async def test_only_a_hash_of_the_session_id_is_stored(client, store, clock, engine):
    browser = await signed_in(client, store, clock, "h.ash", "viewer")
    session_id = browser.http.cookies["staff_session"]
    async with engine.connect() as conn:
        stored = (await conn.execute(select(console_sessions.c.session_hash))).scalars().all()
    assert len(stored) == 1 and stored[0] != session_id and len(stored[0]) == 64


async def test_a_session_ends_when_idle_and_at_the_end_of_its_lifetime(client, store, clock):
    browser = await signed_in(client, store, clock, "i.dle", "viewer")
    clock.advance(minutes=29)
    assert (await browser.get("/staff/queue")).status_code == 200
    clock.advance(minutes=31)
    assert (await browser.get("/staff/queue")).headers["location"] == "/staff/sign-in"
    assert "staff.session_expired" in await audit_actions(store)

    busy = Browser(client)
    busy.secret = browser.secret
    await busy.sign_in("i.dle", clock)
    for _ in range(9 * 3):  # used every 20 minutes for 9 hours: never idle
        clock.advance(minutes=20)
        assert (await busy.get("/staff/queue")).status_code == 200
    clock.advance(minutes=61)  # past 10 hours since signing in
    assert (await busy.get("/staff/queue")).headers["location"] == "/staff/sign-in"


async def test_the_timeouts_come_from_the_settings(make_client, store, clock):
    client = await make_client(console_idle_minutes=5)
    browser = await signed_in(client, store, clock, "s.hort", "viewer")
    clock.advance(minutes=6)
    assert (await browser.get("/staff/queue")).headers["location"] == "/staff/sign-in"


async def test_signing_out_ends_the_session_for_good(client, store, clock):
    browser = await signed_in(client, store, clock, "o.ut", "viewer")
    session_id = browser.http.cookies["staff_session"]
    out = await browser.post("/staff/sign-out")
    assert out.status_code == 303 and out.headers["location"] == "/staff/sign-in?signed_out=1"
    assert "staff_session=" in out.headers["set-cookie"]
    page = await browser.get("/staff/sign-in?signed_out=1")
    assert "You have signed out" in page.text
    replay = Browser(client)
    replay.http.cookies.set("staff_session", session_id, domain="intake.test", path="/staff")
    assert (await replay.get("/staff/queue")).headers["location"] == "/staff/sign-in"
    assert "staff.signed_out" in await audit_actions(store)


async def test_enrolment_refuses_a_short_password_or_two_that_differ(client, store, clock):
    one_time = await store.add_console_account("e.nrol", "viewer", "admin:test")
    browser = Browser(client)
    await browser.start_sign_in("e.nrol", one_time)
    page = await browser.get("/staff/sign-in/enrol")
    secret = page.text.split("Or type in this key: ")[1].split(">", 1)[1].split("<")[0]
    secret = secret.replace(" ", "")
    code = pyotp.TOTP(secret).at(clock.now)
    for form, field in (
        ({"new_password": "short", "new_password_again": "short"}, "new_password"),
        (
            {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD + "x"},
            "new_password_again",
        ),
        ({"new_password": one_time, "new_password_again": one_time}, "new_password"),
        (
            {
                "new_password": "e.nrol and more words",
                "new_password_again": "e.nrol and more words",
            },
            "new_password",
        ),
    ):
        response = await browser.post("/staff/sign-in/enrol", {"code": code, **form})
        assert response.status_code == 400, form
        assert f'href="#{field}"' in response.text
    assert (await browser.get("/staff/queue")).status_code == 303


async def test_an_api_only_account_cannot_sign_in_to_the_console_and_its_token_still_works(
    client, store, clock, staff_headers
):
    assert (await client.get("/api/v1/staff/referrals", headers=staff_headers)).status_code == 200
    refused = await Browser(client).start_sign_in("a.jones", "anything-at-all-here")
    assert refused.status_code == 400


@pytest.mark.parametrize("path", ["/staff/sign-in", "/staff/queue"])
async def test_console_pages_have_their_own_strict_policy_and_no_script(client, store, clock, path):
    browser = await signed_in(client, store, clock, "p.olicy", "viewer")
    response = await browser.get(path, follow_redirects=True)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "style-src 'self'" in csp
    assert "<script" not in response.text and " style=" not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("text/html")
