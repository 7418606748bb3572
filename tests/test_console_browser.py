"""The staff console in a real browser (issue 13).

Debian's chromium, driven by Playwright, against the real intake service (`python -m intake
serve`, SQLite in a temporary folder, the repository's built web/dist for GOV.UK Frontend's
styles). An admin made on the command line signs in for the first time (TOTP enrolled from the
page's key), adds a triager; the triager signs in with their one-time password and a TOTP code,
sees the red referral at the top of the queue, opens it, reads its transcript, assigns it to
themself and moves it to "Strategy discussion / S47 enquiry" with a reason; then corrects a
message's intent and downloads the corrections, which `rasa data validate` accepts. The queue's
referral link, the correction and the download are reached and used with the keyboard alone
(Tab, typing, Enter). axe-core finds no WCAG 2.2 AA violation on the sign-in, enrolment, queue,
referral and conversation pages; the preview page is tests/test_staff_preview_browser.py.
The assistant is not needed: the referrals and the conversation are posted as it would post them.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import re
import secrets
import struct
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from playwright.sync_api import Page, expect
from rasa.shared.nlu.training_data.loading import load_data

from tests.live import ROOT, free_port, wait_until_up
from tests.web import AXE_SCRIPT, INTAKE_PYTHON, WEB_DIST, _intake_command, _intake_env

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EXAMPLES = ROOT / "contracts" / "examples"
ADMIN, TRIAGER = "a.admin", "t.triager"
ADMIN_PASSWORD = "admin chooses four long words"  # noqa: S105 (a test account's)
TRIAGER_PASSWORD = "triager picks another phrase"  # noqa: S105 (a test account's)
CONVERSATION = "browser-test-conversation-1"
RASA = ROOT / ".venv" / "bin" / "rasa"
CORRECTED = "report_child_disclosure"
WORRY = "my neighbour's boy has bruises and he said his dad did it"


def totp(secret: str, at: float) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at // 30)), "sha1").digest()
    offset = digest[-1] & 0x0F
    number = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{number:06d}"


class Console:
    def __init__(self, url: str, service_token: str, one_time: str, log: Path) -> None:
        self.url = url
        self.service_token = service_token
        self.admin_one_time = one_time
        self.log = log

    def post(self, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.service_token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


def referral(name: str, **changes: Any) -> Dict[str, Any]:
    body = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    body["referral_id"] = str(uuid.uuid4())
    body.update(changes)
    return body


def review_event(data: Dict[str, Any], at: float, **review: Any) -> Dict[str, Any]:
    return {
        "kind": "event",
        "message_id": str(uuid.uuid4()),
        "conversation_id": CONVERSATION,
        "event": {"timestamp": at, **data},
        "review": {"type": data["event"], "at": at, **review},
    }


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[Console]:
    for needed in (INTAKE_PYTHON, WEB_DIST / "page.css", AXE_SCRIPT):
        assert needed.exists(), f"{needed} is missing: run `make install` first (make test does)"
    workdir = tmp_path_factory.mktemp("console")
    port = free_port()
    token = secrets.token_urlsafe(32)
    env = _intake_env(workdir, port, token, "http://127.0.0.1:5005", "https://www.bbc.co.uk/weather")
    _intake_command(env, "migrate")
    one_time = _intake_command(env, "staff", "add", ADMIN, "--role", "admin").strip().splitlines()[-1]
    log = workdir / "intake.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(INTAKE_PYTHON), "-m", "intake", "serve"],
            cwd=ROOT / "intake",
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log, seconds=120)
        yield Console(f"http://127.0.0.1:{port}", token, one_time, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def axe_violations(page: Page) -> List[Dict[str, Any]]:
    page.add_script_tag(path=AXE_SCRIPT)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
            }));
        }""",
        AXE_TAGS,
    )


# CONSOLE_SCREENSHOTS=<folder>: each page checked is also saved there (for the README).
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")


def assert_accessible(page: Page, where: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"console-{where}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, f"axe-core found, on the {where} page:\n" + json.dumps(violations, indent=1)


def first_sign_in(page: Page, console: Console, username: str, one_time: str, password: str) -> None:
    page.goto(console.url + "/staff")
    expect(page.get_by_role("heading", name="Sign in to the MASH staff console")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(one_time)
    page.get_by_label("Password").press("Enter")  # the keyboard sends the form
    expect(page.get_by_role("heading", name="Set up your sign-in")).to_be_visible()
    key = page.locator("code").first.inner_text().replace(" ", "")
    page.get_by_label("Code", exact=True).fill(totp(key, time.time()))
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(password)
    page.get_by_role("button", name="Finish and sign in").click()
    expect(page.get_by_role("heading", name="Referrals queue")).to_be_visible()


def test_a_triager_added_by_an_admin_signs_in_and_triages_the_red_referral(new_context, console, tmp_path):
    green = referral("valid_professional_with_consent")
    red = referral("valid_immediate_danger", conversation_id=CONVERSATION)
    console.post("/api/v1/referrals", green)
    receipt = console.post("/api/v1/referrals", red)
    now = time.time()
    console.post(
        "/api/v1/conversation-events",
        {
            "messages": [
                review_event(
                    {
                        "event": "user",
                        "text": WORRY,
                        "parse_data": {
                            "intent": {"name": "express_worry_about_child", "confidence": 0.87},
                            "entities": [],
                        },
                    },
                    now,
                    intent="express_worry_about_child",
                    confidence=0.87,
                    channel="socketio",
                ),
                review_event({"event": "bot", "text": "Thank you for telling me."}, now + 1),
            ]
        },
    )
    # axe-core is injected as a script, which the console's policy (no script at all) refuses.
    context = new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(console.url + "/staff")
    assert_accessible(page, "sign-in")

    # The admin's first sign-in, then a triager's account from the accounts page.
    first_sign_in(page, console, ADMIN, console.admin_one_time, ADMIN_PASSWORD)
    page.get_by_role("link", name="Accounts").click()
    page.get_by_label("Username").fill(TRIAGER)
    page.get_by_label("Role").select_option("triager")
    page.get_by_role("button", name="Add account").click()
    one_time = page.locator("#one-time-password").inner_text()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    # The triager: one-time password, enrol, and the queue with the red referral on top.
    page.get_by_label("Username").fill(TRIAGER)
    page.get_by_label("Password").fill(one_time)
    page.get_by_role("button", name="Continue").click()
    assert_accessible(page, "enrolment")
    key = page.locator("code").first.inner_text().replace(" ", "")
    page.get_by_label("Code", exact=True).fill(totp(key, time.time()))
    page.get_by_label("New password", exact=True).fill(TRIAGER_PASSWORD)
    page.get_by_label("New password again").fill(TRIAGER_PASSWORD)
    page.get_by_role("button", name="Finish and sign in").click()
    expect(page.get_by_text(f"Signed in as {TRIAGER}")).to_be_visible()
    first_row = page.locator("#queue tbody tr").first
    expect(first_row).to_contain_text(receipt["reference"])
    expect(first_row.locator(".govuk-tag")).to_have_text("Red")
    expect(first_row).to_contain_text("left")
    assert_accessible(page, "queue")

    # Open it with the keyboard alone (Tab through the page to its link, Enter), then the
    # transcript, assign to me, in triage, then strategy discussion / S47 enquiry.
    tab_to(page, first_row.get_by_role("link", name=receipt["reference"]))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=receipt["reference"])).to_be_visible()
    expect(page.locator("#transcript-lines")).to_contain_text(WORRY)
    expect(page.locator("#transcript-lines")).to_contain_text("confidence 0.87")
    assert_accessible(page, "referral")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_text("The assignment is changed.")).to_be_visible()
    page.get_by_label("In triage").check()
    page.get_by_label("Reason for the change").fill("Duty team looking now")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_text("The status is changed.")).to_be_visible()
    page.get_by_label("Strategy discussion / S47 enquiry").check()
    reason = "Police and health agree a strategy discussion today"
    page.get_by_label("Reason for the change").fill(reason)
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_text("The status is changed.")).to_be_visible()
    history = page.locator("#history + table")
    expect(history).to_contain_text("In triage to Strategy discussion / S47 enquiry")
    expect(history).to_contain_text(reason)
    expect(history).to_contain_text(f"Assigned to {TRIAGER}")

    # The conversation in the review.
    page.get_by_role("link", name="Review this conversation").click()
    expect(page.locator("#transcript-lines")).to_contain_text("express_worry_about_child")
    assert_accessible(page, "conversation")

    # Annotate with the keyboard: the message's correct intent, saved with Enter; then the
    # corrections downloaded from the conversations page, which Rasa validates against the domain.
    tab_to(page, page.get_by_label(re.compile("^Correct intent")).first)
    page.keyboard.type(CORRECTED)
    page.keyboard.press("Enter")
    expect(page.get_by_text("The correct intent is recorded.")).to_be_visible()
    expect(page.locator("#transcript-lines")).to_contain_text(f"corrected to {CORRECTED}")
    page.get_by_role("link", name="Conversations", exact=True).click()
    download_link = page.get_by_role("link", name="Download the intent corrections as Rasa NLU data")
    tab_to(page, download_link)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    data = tmp_path / "data"
    data.mkdir()
    download.value.save_as(data / "corrections.yml")
    examples = load_data(str(data / "corrections.yml")).training_examples
    assert [(e.get("intent"), e.get("text")) for e in examples] == [(CORRECTED, WORRY)]
    validate = subprocess.run(
        [str(RASA), "data", "validate", "--data", str(data), "--domain", "domain.yml"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )  # fmt: skip
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-3000:]
    context.close()


def tab_to(page: Page, target, most: int = 80) -> None:
    """Presses Tab until `target` has the focus, as someone using the keyboard alone would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("(element) => element === document.activeElement"):
            return
    raise AssertionError(f"{target} cannot be reached with Tab in {most} presses")
