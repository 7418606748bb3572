"""Helpers for the console tests (test_console_*.py): a browser with its own cookies over the
in-process app, reading a form's CSRF token, and signing in with a password and TOTP code made
from the test clock."""

from __future__ import annotations

import html
import re

import httpx
import pyotp

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = re.compile(r"Or type in this key: <code[^>]*>([A-Z2-7 ]+)</code>")
NEW_PASSWORD = "correct horse battery staple"


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no CSRF field"
    return html.unescape(match.group(1))


class Browser:
    """One person's browser: its own cookie jar, redirects not followed (the tests read them)."""

    def __init__(self, client):
        self.client = client
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=client.app, client=("192.0.2.55", 50000)),
            base_url="http://intake.test",
        )
        self.csrf = ""
        self.secret = ""

    async def get(self, path: str, **kwargs) -> httpx.Response:
        response = await self.http.get(path, **kwargs)
        match = CSRF.search(response.text) if response.status_code < 300 else None
        if match:
            self.csrf = html.unescape(match.group(1))
        return response

    async def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return await self.http.post(path, data=form, **kwargs)

    async def start_sign_in(self, username: str, password: str) -> httpx.Response:
        await self.get("/staff/sign-in")
        return await self.post("/staff/sign-in", {"username": username, "password": password})

    async def enrol(self, clock, new_password: str = NEW_PASSWORD) -> httpx.Response:
        page = await self.get("/staff/sign-in/enrol")
        assert page.status_code == 200, page.text
        self.secret = SECRET.search(page.text).group(1).replace(" ", "")
        return await self.post(
            "/staff/sign-in/enrol",
            {
                "code": code_for(self.secret, clock),
                "new_password": new_password,
                "new_password_again": new_password,
            },
        )

    async def enter_code(self, clock, code: str | None = None) -> httpx.Response:
        await self.get("/staff/sign-in/code")
        return await self.post(
            "/staff/sign-in/code", {"code": code or code_for(self.secret, clock)}
        )

    async def first_sign_in(self, username: str, one_time: str, clock) -> None:
        """Sign in with the one-time password, enrol TOTP, choose NEW_PASSWORD; signed in."""
        response = await self.start_sign_in(username, one_time)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/staff/sign-in/enrol"
        done = await self.enrol(clock)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/staff/queue"
        await self.get("/staff/queue")  # picks up the signed-in session's CSRF token

    async def sign_in(self, username: str, clock, password: str = NEW_PASSWORD) -> None:
        """Sign in again (an enrolled account): password, then a fresh code."""
        clock.advance(seconds=30)  # a code is used once: the next one
        response = await self.start_sign_in(username, password)
        assert response.headers.get("location") == "/staff/sign-in/code", response.text
        done = await self.enter_code(clock)
        assert done.status_code == 303 and done.headers["location"] == "/staff/queue", done.text
        await self.get("/staff/queue")

    async def aclose(self):
        await self.http.aclose()


def code_for(secret: str, clock) -> str:
    return pyotp.TOTP(secret).at(clock.now)


async def signed_in(client, store, clock, username: str, role: str) -> Browser:
    """A browser signed in as a new account with this role."""
    one_time = await store.add_console_account(username, role, "admin:test")
    browser = Browser(client)
    await browser.first_sign_in(username, one_time, clock)
    return browser
