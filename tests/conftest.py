"""Shared fixtures: the project's spaCy pipeline, built in memory, and Rasa SDK trackers."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

import pytest
import spacy.language
from rasa_sdk import Tracker

from nlp.pipeline import build
from tests.live import live_stack  # noqa: F401 (the session's live Rasa stack, tests/live.py)
from tests.web import (  # noqa: F401 (the web chat's whole stack and the browser, tests/web.py)
    browser_type_launch_args,
    web_stack,
)

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def nlp() -> spacy.language.Language:
    return build()


def user_event(intent: str, text: str = "") -> Dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": []},
    }


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    latest_intent: Optional[str] = None,
    active_loop: Optional[str] = None,
) -> Tracker:
    """A tracker as the action server receives it from the Rasa server."""
    events = list(events or [])
    latest = {"intent": {"name": latest_intent, "confidence": 1.0}, "entities": [], "text": ""}
    if latest_intent and not events:
        events = [user_event(latest_intent)]
    return Tracker(
        sender_id="test",
        slots=dict(slots or {}),
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def pytest_collection_modifyitems(config, items):
    """Browser tests run last. pytest-playwright's sync API keeps its event loop running for the
    rest of the session once a browser test has run, and every asyncio test after it then fails
    with "this event loop is already running" (tests/test_console_browser.py sorts before the
    async tests; tests/test_web_chat.py after them). Every pytest-playwright fixture needs "playwright"."""
    items.sort(key=lambda item: "playwright" in getattr(item, "fixturenames", ()))
