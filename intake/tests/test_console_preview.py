"""The console's preview page (/staff/preview, issue 13): the public widget for a signed-in staff
member, with a ticket the Rasa server checks (intake/preview.py). The ticket is signed with the
service's preview key and lives as configured; each one given is audited; the page's policy lets
the widget's script run and reach the Rasa server, nothing else; without a key the page says the
preview is not set up. The widget talking to the assistant is tests/test_staff_preview_browser.py.
"""

from __future__ import annotations

import base64
import html
import re
import time
from pathlib import Path

import pytest
from console_kit import signed_in

from intake.preview import make_ticket, signature
from intake.settings import Settings

KEY = b"s" * 32
TICKET = re.compile(r'data-preview-ticket="(v1\.(\d{10})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43}))"')


async def test_a_viewer_gets_the_widget_with_a_ticket_signed_with_the_preview_key(
    make_client, store, clock
):
    client = await make_client(staff_preview_key=KEY, staff_preview_minutes=45)
    viewer = await signed_in(client, store, clock, "v.preview", "viewer")
    page = await viewer.get("/staff/preview")
    assert page.status_code == 200, page.text
    found = TICKET.search(page.text)
    assert found, "the page carries no ticket"
    _, expires, nonce, mac = found.groups()
    assert mac == signature(KEY, int(expires), nonce)
    # The ticket is made with the service's own clock (time.time), not the test clock: its
    # lifetime is what is configured, from now.
    assert 44 * 60 <= int(expires) - time.time() <= 45 * 60 + 5
    assert 'data-module="chat-widget"' in page.text and "/assets/chat.js" in page.text
    assert 'data-socket-url="http://127.0.0.1:5005"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self' ws://127.0.0.1:5005" in policy
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert page.headers["cache-control"].startswith("no-store")
    # Two visits, two tickets, each audited without the ticket.
    again = await viewer.get("/staff/preview")
    assert TICKET.search(again.text).group(1) != found.group(1)
    rows, _ = await store.recent_audit(action="preview.started")
    assert [r["actor"] for r in rows] == ["staff:v.preview"] * 2
    assert found.group(1) not in str(rows) and nonce not in str(rows)
    assert [r["detail"] for r in rows] == [{"minutes": 45}] * 2


async def test_the_preview_is_in_the_console_menu(make_client, store, clock):
    client = await make_client(staff_preview_key=KEY)
    viewer = await signed_in(client, store, clock, "v.menu", "viewer")
    queue = await viewer.get("/staff/queue")
    assert 'href="/staff/preview"' in queue.text
    page = await viewer.get("/staff/preview")
    assert 'aria-current="page">Preview<' in page.text


async def test_without_a_preview_key_the_page_says_the_preview_is_not_set_up(
    make_client, store, clock
):
    client = await make_client(staff_preview_key=b"")
    viewer = await signed_in(client, store, clock, "v.nokey", "viewer")
    page = await viewer.get("/staff/preview")
    assert page.status_code == 200
    assert "The preview is not set up" in page.text and "data-preview-ticket" not in page.text
    assert (await store.recent_audit(action="preview.started"))[0] == []


async def test_an_anonymous_visitor_is_sent_to_sign_in_and_given_no_ticket(make_client):
    client = await make_client(staff_preview_key=KEY)
    response = await client.http.get("/staff/preview", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/sign-in"
    assert "preview-ticket" not in response.text


def test_the_preview_key_is_made_once_0600_and_read_from_the_environment(tmp_path: Path):
    env = {"INTAKE_VAR_DIR": str(tmp_path), "INTAKE_SERVICE_TOKEN": "t" * 40}
    first = Settings.from_env(env).staff_preview_key
    path = tmp_path / "staff_preview_key"
    assert len(first) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert Settings.from_env(env).staff_preview_key == first
    given = base64.b64encode(b"g" * 32).decode()
    assert Settings.from_env({**env, "STAFF_PREVIEW_KEY": given}).staff_preview_key == b"g" * 32
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Settings.from_env({**env, "STAFF_PREVIEW_KEY": base64.b64encode(b"short").decode()})
    with pytest.raises(ValueError, match="INTAKE_STAFF_PREVIEW_MINUTES"):
        Settings.from_env({**env, "INTAKE_STAFF_PREVIEW_MINUTES": "0"})


def test_a_ticket_names_its_expiry_and_is_signed_over_it():
    ticket = make_ticket(KEY, 60, now=1_800_000_000)
    version, expires, nonce, mac = ticket.split(".")
    assert version == "v1" and expires == str(1_800_000_000 + 3600)
    assert mac == signature(KEY, int(expires), nonce)
    assert html.escape(ticket) == ticket  # nothing in it needs escaping in an attribute
