"""The public web chat in a real browser (issue 5).

Debian's chromium, driven by Playwright, against the real processes of tests/web.py: the intake
service serving the page, the Rasa server the widget talks to over socket.io, and the action
server that hands referrals to the intake. Each test starts from a fresh browser context (no
storage, no history) and acts as a person would: clicks, keys and typed text.
"""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, Route, WebSocket, expect

from tests.live import free_port
from tests.web import AXE_SCRIPT, NEUTRAL_TITLE, WebStack

# The assistant answers in 0.1 to 2 s; the first answer after start-up can take longer.
ANSWER_MS = 20_000
WHO_ARE_YOU = "which of these describes you?"
DANGER_QUESTION = "Is the child in immediate danger right now?"
WHAT_NEXT = "What would you like to do?"
STAY_ANONYMOUS = "Would you like to stay anonymous?"
HOW_DO_YOU_KNOW_THE_CHILD = "How do you know the child?"
HOW_DO_YOU_KNOW_ABOUT_THIS = "How do you know about this?"
CALL_999_NOW = "Call 999 now"
SESSION_KEY = "chat-widget-session"
TOKEN_KEY = "chat-widget-session-token"  # noqa: S105 (a storage key: the token proves the session is this tab's)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# What the page and the error message give as a way forward (web/pages/index.html).
PHONE_LINKS = {"999": "tel:999", "023 8083 3336": "tel:02380833336", "023 8083 2300": "tel:02380832300"}


@pytest.fixture(autouse=True)
def _answer_time() -> None:
    expect.set_options(timeout=ANSWER_MS)


class Chat:
    """The public chat page in one browser tab, used the way a person uses it."""

    def __init__(self, page: Page, stack: WebStack) -> None:
        self.page = page
        self.stack = stack
        page.set_default_timeout(ANSWER_MS)
        self.widget = page.locator('[data-module="chat-widget"]')
        self.opener = page.get_by_role("button", name="Start a chat")
        self.panel = page.locator("section#chat-widget-panel")
        self.closer = page.get_by_role("button", name="Close chat")
        self.input = page.get_by_role("textbox", name="Your message")
        self.send_button = page.get_by_role("button", name="Send", exact=True)
        self.log = page.get_by_role("log")
        self.status = page.locator("#chat-widget-status")
        self.error = page.get_by_role("alert").filter(has_text="The chat is not available")
        self.replies = page.get_by_role("group", name="Suggested replies")
        self.exit_button = page.get_by_role("button", name="Exit this page")

    # --- what the person does ---------------------------------------------------------------
    def load(self) -> "Chat":
        self.page.goto(self.stack.page_url)
        expect(self.opener).to_be_visible()
        return self

    def open(self) -> Locator:
        """Opens the chat; the assistant's greeting ends by asking who the person is."""
        self.opener.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()
        return self.wait_for_answer(0, WHO_ARE_YOU)

    def say(self, text: str, then: Optional[str] = None) -> Locator:
        """Types a message and sends it with Enter; the assistant's answer holding `then`."""
        before = self.message_count()
        self.input.fill(text)
        self.input.press("Enter")
        return self.wait_for_answer(before, then)

    def choose(self, title: str, then: Optional[str] = None) -> Locator:
        """Clicks a suggested reply; the assistant's answer holding `then`."""
        before = self.message_count()
        self.reply(title).click()
        expect(self.user_messages().last).to_have_text(title)
        return self.wait_for_answer(before, then)

    # --- what the page shows ------------------------------------------------------------------
    def reply(self, title: str) -> Locator:
        return self.replies.get_by_role("button", name=title, exact=True)

    def message_count(self) -> int:
        return self.log.locator(":scope > .chat-widget__message").count()

    def answers_since(self, count: int) -> Locator:
        """The assistant's messages after the first `count` messages of the transcript."""
        return self.log.locator(f":scope > .chat-widget__message--bot:nth-child(n+{count + 1})")

    def wait_for_answer(self, since: int, text: Optional[str] = None) -> Locator:
        answers = self.answers_since(since)
        answer = (answers.filter(has_text=text) if text else answers).first
        expect(answer).to_be_visible()
        return answer

    def user_messages(self) -> Locator:
        return self.log.locator(".chat-widget__message--user .chat-widget__text")

    def session_id(self) -> Optional[str]:
        return self.page.evaluate(f"() => window.sessionStorage.getItem('{SESSION_KEY}')")

    def start_referral(self) -> None:
        """From the greeting to the referral's first question, as a member of the public."""
        self.open()
        self.choose("A member of the public", DANGER_QUESTION)
        self.choose("No", WHAT_NEXT)
        self.choose("Make a referral", STAY_ANONYMOUS)
        self.choose("Yes, stay anonymous", HOW_DO_YOU_KNOW_THE_CHILD)

    def refer_neglect_anonymously(
        self, *, age: str, address: str, concern: str, when: str, where: str
    ) -> Locator:
        """After start_referral: a neighbour's neglect referral of a child whose name they do not
        know, to the summary (returned)."""
        self.say("I'm their neighbour", HOW_DO_YOU_KNOW_ABOUT_THIS)
        self.choose("I saw or heard it myself", "What is the child's name?")
        self.say("I don't know", "How old is the child")
        self.say(age, "Where does the child live")
        self.say(address, "Where is the child now")
        self.say("at home I think", "Is there another child")
        self.choose("No", "What kind of harm")
        self.choose("Neglect", "Please tell me what happened")
        self.say(concern, "When did this happen")
        self.say(when, "Where did it happen?")
        self.say(where, "Who are you worried might be harming the child")
        self.say("I don't know", "Has the child been harmed")
        return self.choose("Not sure", "Here is exactly what will be sent:")


@pytest.fixture()
def chat(page: Page, web_stack: WebStack) -> Chat:
    return Chat(page, web_stack).load()


def record_console(page: Page) -> List[str]:
    """Console errors and warnings, uncaught exceptions and Content-Security-Policy violations."""
    problems: List[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"} or "Refused to" in message.text:
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    # Reported by the browser as an event too: caught whether or not it also logs a message.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => console.error("
        "`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));"
    )
    return problems


def point_widget_at_nothing(page: Page, stack: WebStack) -> None:
    """The page as the intake serves it when its Rasa server is down: the widget's socket URL (and
    the policy's connect-src, to match) name a port where nothing listens."""
    live = urlsplit(stack.socket_url).netloc
    dead = f"127.0.0.1:{free_port()}"

    def serve(route: Route) -> None:
        response = route.fetch()
        body = response.text()
        assert f'data-socket-url="{stack.socket_url}"' in body
        headers = {name: value.replace(live, dead) for name, value in response.headers.items()}
        route.fulfill(response=response, body=body.replace(live, dead), headers=headers)

    page.route(stack.page_url, serve)


# --- 1. a referral, end to end ------------------------------------------------------------------
CONCERN = "she is out on the landing in a nappy most evenings and nobody comes when she cries"


def test_a_member_of_the_public_makes_an_anonymous_referral_that_the_intake_holds(chat: Chat, web_stack):
    chat.start_referral()
    summary = chat.refer_neglect_anonymously(
        age="about 5",
        address="flat 3, 12 Portswood Road",
        concern=CONCERN,
        when="most evenings for the last month",
        where="outside the flats",
    )
    expect(summary).to_contain_text("You are staying anonymous")
    receipt = chat.choose("Send it", "Your reference is")

    reference = re.search(r"SCS-2026-\d{6}", receipt.inner_text())
    assert reference, receipt.inner_text()
    queue = web_stack.staff_api("referrals?limit=200")["items"]
    [entry] = [item for item in queue if item["reference"] == reference.group()]
    assert entry["referrer_anonymous"] is True and entry["channel"] == "webchat"
    referral = web_stack.staff_api(f"referrals/{entry['referral_id']}")["referral"]
    referrer = referral["referrer"]
    assert referrer["anonymous"] is True and referrer["type"] == "public"
    assert referrer["name"] is None and referrer["phone"] is None and referrer["email"] is None
    assert referral["concern"]["description"] == CONCERN
    assert referral["concern"]["categories"] == ["neglect"]
    assert referral["children"][0]["age"] == 5


# --- 2. danger at any point -----------------------------------------------------------------------
def test_danger_typed_in_the_middle_of_the_referral_gets_call_999_now_then_the_question_again(chat: Chat):
    chat.start_referral()
    before = chat.message_count()
    chat.say("he's hitting her right now", HOW_DO_YOU_KNOW_THE_CHILD)
    first_answer = chat.answers_since(before).first
    expect(first_answer).to_contain_text(CALL_999_NOW)
    expect(first_answer.locator('a[href="tel:999"]').first).to_have_text("999")


# --- 3. quick exit ------------------------------------------------------------------------------
# socket.io's DISCONNECT packet (engine.io message "4", socket.io disconnect "1"): the widget ended
# the conversation itself, rather than the socket dropping as the page went.
SOCKET_IO_DISCONNECT = "41"
QUICK_EXITS = ["the button", "shift three times"]


def have_a_conversation(chat: Chat) -> str:
    """Opens the chat and says something a person would not want found; the transcript."""
    chat.open()
    chat.choose("A member of the public", DANGER_QUESTION)
    chat.say("my neighbour's little girl is left on her own a lot", None)
    assert re.fullmatch(r"[0-9a-f]{32}", chat.session_id() or "")
    conversation = chat.log.inner_text()
    assert "little girl" in conversation
    return conversation


def quick_exit(chat: Chat, how: str) -> None:
    if how == "the button":
        chat.exit_button.click()
    else:
        chat.input.fill("he said not to tell anyone")  # typing, then Shift three times
        for _ in range(3):
            chat.page.keyboard.press("Shift")


@pytest.mark.parametrize("how", QUICK_EXITS)
def test_quick_exit_wipes_the_conversation_before_the_page_is_left(page: Page, web_stack: WebStack, how: str):
    # The way to /exit is cut (as a network that drops it would): what quick exit itself left
    # behind stays in view, and the wipe must not depend on the next page loading.
    exits: List[str] = []
    page.route(web_stack.url("exit"), lambda route: (exits.append(route.request.url), route.abort("aborted")))
    chat = Chat(page, web_stack).load()
    sockets: List[WebSocket] = []
    sent_frames: List[str] = []

    def watch(socket: WebSocket) -> None:
        sockets.append(socket)
        socket.on("framesent", lambda frame: sent_frames.append(frame))

    page.on("websocket", watch)
    have_a_conversation(chat)
    assert SOCKET_IO_DISCONNECT not in sent_frames

    with page.expect_request(web_stack.url("exit")):  # once the server has the erase request
        quick_exit(chat, how)
    page.wait_for_function("() => !document.querySelector('#chat-widget-log')")
    assert exits == [web_stack.url("exit")]
    left = page.evaluate(
        """(key) => ({
            widget: document.querySelector('[data-module="chat-widget"]').innerHTML,
            hidden: document.body.classList.contains('govuk-exit-this-page-hide-content'),
            session: window.sessionStorage.length,
            local: window.localStorage.length,
            stored: window.sessionStorage.getItem(key),
        })""",
        SESSION_KEY,
    )
    assert left == {"widget": "", "hidden": True, "session": 0, "local": 0, "stored": None}
    text = page.locator("body").inner_text()
    assert "little girl" not in text and "not to tell" not in text
    for socket in sockets:
        if not socket.is_closed():
            socket.wait_for_event("close")
    assert SOCKET_IO_DISCONNECT in sent_frames, sent_frames


@pytest.mark.parametrize("how", QUICK_EXITS)
def test_quick_exit_lands_on_the_neutral_site_and_the_tab_keeps_nothing(
    page: Page, context: BrowserContext, web_stack: WebStack, how: str
):
    before_url = web_stack.neutral_url + "before"
    page.goto(before_url)  # an earlier page in this tab, for the Back button to go to
    chat = Chat(page, web_stack).load()
    have_a_conversation(chat)

    quick_exit(chat, how)
    page.wait_for_url(web_stack.neutral_url)
    expect(page).to_have_title(NEUTRAL_TITLE)
    assert "little girl" not in page.content()

    page.go_back()  # the chat page's and /exit's history entries were replaced: Back skips them
    assert page.url == before_url

    # The page's own origin keeps nothing in this tab: looked at from a page that runs no script.
    probe = web_stack.url("storage-probe")
    blank = "<!DOCTYPE html><title>probe</title>"
    page.route(probe, lambda route: route.fulfill(body=blank, content_type="text/html"))
    page.goto(probe)
    storage = page.evaluate("() => [window.sessionStorage.length, window.localStorage.length]")
    assert storage == [0, 0]
    assert context.cookies() == []


# --- 4. accessibility (axe-core) ---------------------------------------------------------------
def axe_violations(page: Page) -> List[Dict[str, Any]]:
    page.add_script_tag(path=AXE_SCRIPT)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
                nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
            }));
        }""",
        AXE_TAGS,
    )


def readable(violations: List[Dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} {v['url']}")
        lines += [f"    {node}" for node in v["nodes"]]
    return "\n".join(lines)


def reach_mid_form(chat: Chat) -> None:
    chat.start_referral()
    chat.say("he's hitting her right now", HOW_DO_YOU_KNOW_THE_CHILD)
    chat.input.press("Enter")  # an empty message: the error message shows too
    expect(chat.page.get_by_text("Type a message before you send it")).to_be_visible()


def reach_error_state(chat: Chat) -> None:
    chat.opener.click()
    expect(chat.error).to_be_visible()


def reach_chat_open(chat: Chat) -> None:
    chat.open()
    expect(chat.replies.get_by_role("button").first).to_be_visible()


AXE_STATES: Dict[str, Callable[[Chat], None]] = {
    "chat closed": lambda chat: None,
    "chat open": reach_chat_open,
    "mid-form": reach_mid_form,
    "error": reach_error_state,
}


@pytest.mark.parametrize("state", list(AXE_STATES))
def test_the_page_has_no_wcag_22_aa_violations_axe_finds(new_context, web_stack: WebStack, state: str):
    # The page's policy forbids inline scripts, which is how axe-core is injected.
    page = new_context(bypass_csp=True).new_page()
    if state == "error":
        point_widget_at_nothing(page, web_stack)
    chat = Chat(page, web_stack).load()
    AXE_STATES[state](chat)
    violations = axe_violations(page)
    assert not violations, f"axe-core found, with the {state}:\n{readable(violations)}"


# --- 5. the keyboard alone ----------------------------------------------------------------------
def tab_to(page: Page, target: Locator, *, backwards: bool = False, most: int = 60) -> None:
    """Presses Tab (Shift+Tab backwards) until `target` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(most):
        page.keyboard.press(key)
        if target.evaluate("(element) => element === document.activeElement"):
            return
    raise AssertionError(f"{target} was not reached with {key} in {most} presses")


def test_a_whole_conversation_with_the_keyboard_alone(chat: Chat):
    page, keyboard = chat.page, chat.page.keyboard
    tab_to(page, chat.opener)
    keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    chat.wait_for_answer(0, WHO_ARE_YOU)

    def answer_by_reply(title: str, key: str, then: str) -> None:
        before = chat.message_count()
        tab_to(page, chat.reply(title), backwards=True)  # the replies sit just before the text box
        keyboard.press(key)
        expect(chat.user_messages().last).to_have_text(title)
        expect(chat.input).to_be_focused()
        chat.wait_for_answer(before, then)

    def answer_by_typing(text: str, then: str) -> None:
        before = chat.message_count()
        expect(chat.input).to_be_focused()
        keyboard.type(text)
        keyboard.press("Enter")
        chat.wait_for_answer(before, then)

    answer_by_reply("A member of the public", "Space", DANGER_QUESTION)
    answer_by_reply("No", "Enter", WHAT_NEXT)
    answer_by_reply("Make a referral", "Enter", STAY_ANONYMOUS)
    answer_by_reply("Yes, stay anonymous", "Space", HOW_DO_YOU_KNOW_THE_CHILD)
    answer_by_typing("I'm their neighbour", HOW_DO_YOU_KNOW_ABOUT_THIS)
    answer_by_reply("I saw or heard it myself", "Enter", "What is the child's name?")
    answer_by_typing("I don't know", "How old is the child")
    answer_by_typing("about 5", "Where does the child live")

    # Enter on an empty box sends nothing and says why; Shift+Enter starts a new line.
    sent = chat.message_count()
    keyboard.press("Enter")
    expect(page.get_by_text("Type a message before you send it")).to_be_visible()
    expect(chat.input).to_be_focused()
    assert chat.message_count() == sent
    keyboard.type("flat 3")
    keyboard.press("Shift+Enter")
    keyboard.type("12 Portswood Road")
    expect(chat.input).to_have_value("flat 3\n12 Portswood Road")
    assert chat.message_count() == sent
    keyboard.press("Enter")
    chat.wait_for_answer(sent, "Where is the child now")
    expect(chat.user_messages().last).to_have_text("flat 3\n12 Portswood Road")
    expect(page.get_by_text("Type a message before you send it")).to_be_hidden()

    # The Send button works from the keyboard too.
    before = chat.message_count()
    keyboard.type("at home I think")
    tab_to(page, chat.send_button)
    keyboard.press("Enter")
    chat.wait_for_answer(before, "Is there another child")

    tab_to(page, chat.closer, backwards=True)
    keyboard.press("Enter")
    expect(chat.panel).to_be_hidden()
    reopen = page.get_by_role("button", name="Return to the chat")
    expect(reopen).to_be_focused()
    keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    answer_by_reply("No", "Space", "What kind of harm")


# --- 6. odd input is text ----------------------------------------------------------------------
ODD_MESSAGES = {
    "5,000 characters": ("my neighbour's children are left alone. " * 125)[:4999] + ".",
    "script and markup": '<script>alert(1)</script><img src=x onerror="window.__injected = 1; alert(2)">',
    "emoji and right-to-left text": "my neighbour's 👶 cries all night 😢 ولد صغير يبكي כל הלילה",
}


@pytest.mark.parametrize("message", list(ODD_MESSAGES.values()), ids=list(ODD_MESSAGES))
def test_odd_messages_are_shown_as_typed_as_text_and_answered(chat: Chat, message: str):
    dialogs: List[str] = []
    chat.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    chat.open()
    chat.say(message)
    shown = chat.user_messages().last
    assert shown.evaluate("(p) => p.textContent") == message
    assert shown.evaluate("(p) => p.childElementCount") == 0
    assert chat.page.locator("#chat-widget-log script, #chat-widget-log img, img[src='x']").count() == 0
    assert chat.page.evaluate("() => window.__injected") is None
    assert dialogs == []


# --- 7. nothing leaves the machine -------------------------------------------------------------
def test_no_request_of_the_page_leaves_127_0_0_1(page: Page, web_stack: WebStack):
    addresses: List[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    page.on("websocket", lambda socket: addresses.append(socket.url))
    chat = Chat(page, web_stack).load()
    chat.open()
    chat.choose("A member of the public", DANGER_QUESTION)
    chat.say("my neighbour's little girl is left on her own a lot")
    page.goto(web_stack.url("privacy"))
    Chat(page, web_stack).exit_button.click()
    page.wait_for_url(web_stack.neutral_url)

    assert any(url.startswith("ws://") for url in addresses), "the chat's socket was not seen"
    assert web_stack.url("assets/chat.js") in addresses
    elsewhere = [
        url
        for url in addresses
        if urlsplit(url).scheme != "data"
        and not (urlsplit(url).scheme in {"http", "ws"} and urlsplit(url).hostname == "127.0.0.1")
    ]
    assert elsewhere == []


# --- 8. and the rest of the issue ---------------------------------------------------------------
LOST = "The connection was lost. Trying to reconnect…"


def record_announcements(chat: Chat) -> None:
    """Keeps every text the status line announces (some last a moment) in window.__announced."""
    chat.page.evaluate(
        """() => {
            const status = document.querySelector('#chat-widget-status');
            window.__announced = [];
            new MutationObserver(() => window.__announced.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )


def wait_for_announcement(chat: Chat, text: str) -> None:
    chat.page.wait_for_function("(text) => window.__announced.includes(text)", arg=text)


def test_a_dropped_connection_reconnects_and_the_conversation_carries_on(context: BrowserContext, chat: Chat):
    chat.start_referral()
    session = chat.session_id()
    said = chat.message_count()
    record_announcements(chat)
    context.set_offline(True)
    wait_for_announcement(chat, LOST)
    context.set_offline(False)
    expect(chat.status).to_have_text("Connected again. You can carry on.")
    assert chat.message_count() == said  # the transcript is still there
    chat.say("I'm their neighbour", HOW_DO_YOU_KNOW_ABOUT_THIS)  # the referral goes on
    assert chat.session_id() == session


def test_a_message_sent_while_offline_goes_when_the_connection_is_back(context: BrowserContext, chat: Chat):
    chat.start_referral()
    record_announcements(chat)
    context.set_offline(True)
    wait_for_announcement(chat, LOST)
    before = chat.message_count()
    chat.input.fill("I'm their neighbour")
    chat.input.press("Enter")
    expect(chat.status).to_have_text("Not connected. Your message will be sent when the connection is back.")
    context.set_offline(False)
    chat.wait_for_answer(before, HOW_DO_YOU_KNOW_ABOUT_THIS)


def test_when_the_assistant_cannot_be_reached_the_page_says_so_with_the_phone_numbers(
    page: Page, web_stack: WebStack
):
    point_widget_at_nothing(page, web_stack)
    chat = Chat(page, web_stack).load()
    chat.opener.click()
    expect(chat.error).to_be_visible()
    expect(chat.error).to_contain_text("The chat is not available at the moment")
    for number, href in PHONE_LINKS.items():
        expect(chat.error.locator(f'a[href="{href}"]')).to_have_text(number)


def test_a_widget_embedded_without_a_usable_socket_url_keeps_the_message_and_gives_the_numbers(
    page: Page, web_stack: WebStack
):
    # A council page that embeds the widget with a mistyped, or a hostile, socket URL.
    def serve(route: Route) -> None:
        response = route.fetch()
        body = response.text().replace(
            f'data-socket-url="{web_stack.socket_url}"', 'data-socket-url="javascript:alert(1)"'
        )
        route.fulfill(response=response, body=body)

    page.route(web_stack.page_url, serve)
    dialogs: List[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    chat = Chat(page, web_stack).load()
    chat.opener.click()
    expect(chat.error).to_be_visible()
    chat.input.fill("my neighbour's little girl is left on her own a lot")
    chat.input.press("Enter")
    expect(chat.error).to_contain_text("The chat is not available at the moment")
    expect(chat.error.locator('a[href="tel:02380833336"]')).to_have_text("023 8083 3336")
    expect(chat.input).to_have_value("my neighbour's little girl is left on her own a lot")
    assert chat.message_count() == 0 and dialogs == []


def test_the_page_logs_no_error_and_breaks_no_content_security_policy(page: Page, web_stack: WebStack):
    problems = record_console(page)
    chat = Chat(page, web_stack).load()
    chat.open()
    chat.choose("A member of the public", DANGER_QUESTION)
    chat.say("what happens after I make a referral?")
    chat.closer.click()
    page.goto(web_stack.url("privacy"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice: the chat about a child")
    assert problems == []


# 320 CSS pixels: WCAG's reflow width (a 1280-pixel window at 400 %); 640: the same window at 200 %.
@pytest.mark.parametrize("width", [320, 640], ids=["320 px wide", "200 % zoom"])
def test_nothing_scrolls_sideways_and_every_target_is_24_pixels(new_context, web_stack: WebStack, width: int):
    page = new_context(viewport={"width": width, "height": 720}).new_page()
    chat = Chat(page, web_stack).load()
    chat.open()
    chat.say("a" * 120)  # one long word, as a pasted link would be
    expect(chat.replies.get_by_role("button").first).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                '[data-module="chat-widget"] button, [data-module="chat-widget"] a'))
            .filter((target) => target.getClientRects().length > 0)
            // WCAG 2.5.8's inline exception: a link inside a sentence is sized by its line.
            .filter((target) => !target.closest('p'))
            .map((target) => [target.textContent.trim(), target.getBoundingClientRect()])
            .filter(([, box]) => box.width < 24 || box.height < 24)
            .map(([name, box]) => `${name}: ${box.width}x${box.height}`)"""
    )
    assert small == []


@pytest.mark.parametrize("path", ["", "privacy"])
def test_every_page_has_exit_this_page(page: Page, web_stack: WebStack, path: str):
    page.goto(web_stack.url(path))
    exit_button = page.get_by_role("button", name="Exit this page")
    expect(exit_button).to_be_visible()
    expect(exit_button).to_have_attribute("href", "/exit")


def test_the_privacy_notice_renders(page: Page, web_stack: WebStack):
    page.goto(web_stack.url("privacy"))
    expect(page).to_have_title(re.compile("^Privacy notice"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice: the chat about a child")
    expect(page.get_by_role("heading", name="What the page keeps in your browser")).to_be_visible()
    expect(page.get_by_role("link", name="023 8083 3336")).to_have_attribute("href", "tel:02380833336")
    # Styled by the page's own stylesheet (GOV.UK Frontend), not the browser's defaults.
    assert page.locator("body").evaluate("(body) => getComputedStyle(body).margin") == "0px"


def test_the_page_keeps_only_the_conversation_id_and_its_token_and_only_in_session_storage(chat: Chat):
    chat.open()
    chat.choose("A member of the public", DANGER_QUESTION)
    stored = chat.page.evaluate(
        """() => ({
            session: Object.keys(window.sessionStorage),
            local: window.localStorage.length,
            cookies: document.cookie,
        })"""
    )
    stored["session"].sort()
    assert stored == {"session": [SESSION_KEY, TOKEN_KEY], "local": 0, "cookies": ""}
    assert chat.page.context.cookies() == []


def test_phone_numbers_from_the_assistant_are_tel_links(chat: Chat):
    chat.open()
    greeting = chat.answers_since(0).first
    expect(greeting).to_contain_text("If a child is in immediate danger, call 999 now.")
    expect(greeting.locator('a[href="tel:999"]')).to_have_text("999")
    answer = chat.say("what are the phone numbers?", "023 8083 3336")
    for number in ("023 8083 3336", "023 8083 2300"):
        expect(answer.locator(f'a[href="{PHONE_LINKS[number]}"]')).to_have_text(number)


# --- 9. quick exit erases the conversation on the server; a reload carries it on (issues 12, 14) --
def tracker_events(stack: WebStack, sender_id: str) -> int:
    """How many events the Rasa server's tracker store holds for the conversation."""
    database = stack.logs[-1].parent / "rasa.db"  # TRACKER_STORE_DB of tests/web.py's stack
    with sqlite3.connect(database) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender_id,)).fetchone()[0]


@pytest.mark.parametrize("how", QUICK_EXITS)
def test_quick_exit_erases_the_conversation_from_the_tracker_store(page: Page, web_stack: WebStack, how: str):
    chat = Chat(page, web_stack).load()
    have_a_conversation(chat)
    session = chat.session_id()
    assert session and tracker_events(web_stack, session) > 0

    quick_exit(chat, how)
    page.wait_for_url(web_stack.neutral_url)  # nothing held the person back
    deadline = time.monotonic() + ANSWER_MS / 1000
    while tracker_events(web_stack, session) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tracker_events(web_stack, session) == 0


def test_a_reload_carries_the_conversation_on_with_the_servers_session(chat: Chat, web_stack: WebStack):
    chat.open()
    chat.choose("A member of the public", DANGER_QUESTION)
    session = chat.session_id()
    token = chat.page.evaluate(f"() => window.sessionStorage.getItem('{TOKEN_KEY}')")
    assert session and token and len(token) >= 40

    chat.page.reload()
    expect(chat.log).to_contain_text("You are carrying on a conversation you started earlier in this tab.")
    chat.say("no", WHAT_NEXT)  # the answer to the question asked before the reload
    assert chat.session_id() == session
    assert tracker_events(web_stack, session) > 0
