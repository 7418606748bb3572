"""The staff console's preview of the assistant in a real browser (issue 13's "talk to your bot").

The real processes of tests/web.py (the intake serving the console, the Rasa server, the action
server), Debian's chromium through Playwright. A viewer made on the command line signs in (TOTP
enrolled from the page), opens /staff/preview and makes a referral there as a member of the public
would: it is stored with `preview: true`, listed among the staff preview referrals and not in the
live queue, and its conversation is a staff preview in the review store. A preview page whose
ticket the Rasa server does not accept says so and starts no conversation, live or preview.
"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from typing import Any, Dict, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.test_console_browser import assert_accessible, first_sign_in
from tests.test_web_chat import (
    Chat,
    record_console,
)
from tests.web import WebStack, _intake_command

VIEWER, PASSWORD = "p.preview", "preview four long words"
PREVIEW_SESSION_KEY = "chat-widget-preview-session"
LIVE_SESSION_KEY = "chat-widget-session"
FORGE_TICKET = """
new MutationObserver((records, observer) => {
  const widget = document.querySelector("[data-preview-ticket]");
  if (widget) {
    widget.dataset.previewTicket = widget.dataset.previewTicket.replace(/[A-Za-z0-9_-]{43}$/, "A".repeat(43));
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""
CONCERN = "the little boy upstairs is left on his own most evenings and cries for hours"


@pytest.fixture(scope="module")
def signed_in(browser: Browser, web_stack: WebStack) -> Iterator[Dict[str, Any]]:
    """A viewer's signed-in browser state (their session cookie), made once."""
    one_time = _intake_command(web_stack.intake_env, "staff", "add", VIEWER, "--role", "viewer")
    context = browser.new_context()
    page = context.new_page()
    first_sign_in(page, SimpleNamespace(url=web_stack.page_url.rstrip("/")), VIEWER,
                  one_time.strip().splitlines()[-1], PASSWORD)  # fmt: skip
    state = context.storage_state()
    context.close()
    yield state


def open_preview(page: Page, stack: WebStack) -> Chat:
    page.goto(stack.url("staff/preview"))
    expect(page.get_by_role("heading", name="Preview the assistant")).to_be_visible()
    return Chat(page, stack)


def eventually(check, within: float = 30.0):
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_a_referral_made_in_the_preview_is_a_preview_and_never_reaches_the_live_queue(
    new_context, web_stack: WebStack, signed_in
):
    context = new_context(storage_state=signed_in)
    page = context.new_page()
    problems = record_console(page)
    chat = open_preview(page, web_stack)
    chat.start_referral()
    chat.refer_neglect_anonymously(
        age="about 4",
        address="flat 9, 3 Preview Street",
        concern=CONCERN,
        when="most evenings this month",
        where="in the flat upstairs",
    )
    receipt = chat.choose("Send it", "Your reference is")
    reference = re.search(r"SCS-\d{4}-\d{6}", receipt.inner_text())
    assert reference, receipt.inner_text()
    reference = reference.group()

    # The conversation is kept under the preview's own keys, not the public chat's.
    stored = page.evaluate("(keys) => keys.map((k) => window.sessionStorage.getItem(k))",
                           [PREVIEW_SESSION_KEY, LIVE_SESSION_KEY])  # fmt: skip
    session_id, live_session = stored
    assert re.fullmatch(r"[0-9a-f]{32}", session_id or "") and live_session is None

    live = web_stack.staff_api("referrals?limit=200")["items"]
    assert reference not in [item["reference"] for item in live]
    previews = web_stack.staff_api("referrals?preview=true&limit=200")["items"]
    [entry] = [item for item in previews if item["reference"] == reference]
    held = web_stack.staff_api(f"referrals/{entry['referral_id']}")["referral"]
    assert held["preview"] is True and held["channel"] == "webchat"
    assert held["concern"]["description"] == CONCERN

    # The console shows it among the preview referrals only.
    page.goto(web_stack.url("staff/queue"))
    expect(page.get_by_role("heading", name="Referrals queue")).to_be_visible()
    expect(page.get_by_text(reference)).to_have_count(0)
    page.goto(web_stack.url("staff/queue?preview=yes"))
    expect(page.get_by_role("heading", name="Staff preview referrals")).to_be_visible()
    expect(page.get_by_text(reference).first).to_be_visible()

    # The review store has the conversation as a staff preview, and not among the live ones.
    def listed(preview: str):
        items = web_stack.staff_api(f"conversations?preview={preview}&limit=200")["items"]
        return [i["conversation_id"] for i in items]

    assert eventually(
        lambda: session_id in listed("true")
    ), "the preview conversation never reached the review store"
    assert session_id not in listed("false")
    assert problems == []


def test_the_preview_page_passes_axe_and_its_widget_talks_to_the_assistant(new_context, web_stack, signed_in):
    # axe-core is injected as a script, which the page's policy refuses: bypassed for this check.
    context = new_context(storage_state=signed_in, bypass_csp=True)
    page = context.new_page()
    chat = open_preview(page, web_stack)
    assert_accessible(page, "preview")
    chat.open()
    assert_accessible(page, "preview-open")


def test_a_preview_page_with_a_ticket_the_assistant_refuses_starts_no_conversation(
    new_context, web_stack: WebStack, signed_in
):
    context = new_context(storage_state=signed_in)
    page = context.new_page()

    # The page as served, its ticket's signature changed before the widget reads it (a page
    # served by Playwright instead, from no address, may not open a socket to 127.0.0.1).
    page.add_init_script(FORGE_TICKET)
    chat = open_preview(page, web_stack)
    assert page.locator("[data-preview-ticket]").get_attribute("data-preview-ticket").endswith("A" * 43)
    chat.opener.click()
    expect(page.get_by_role("alert").filter(has_text="This preview has expired")).to_be_visible()
    chat.input.fill("hello")
    chat.input.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="This preview has expired")).to_be_visible()
    expect(chat.log.locator(".chat-widget__message--bot")).to_have_count(0)
    stored = page.evaluate("(keys) => keys.map((k) => window.sessionStorage.getItem(k))",
                           [PREVIEW_SESSION_KEY, LIVE_SESSION_KEY])  # fmt: skip
    assert stored == [None, None]
