"""The log filter of the Rasa and action servers (channels/logsafe.py).

First the filter on the records Rasa, structlog, socket.io and Sanic really write (a log line with
what someone wrote, a slot value, an entity and a client's address comes out redacted), then the
real servers with every debug switch on: a conversation's words and slot values appear in no log.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from typing import Iterator

import pytest
import socketio
import structlog

from channels import logsafe
from tests.live import start_live_stack

CANARY_NAME = "Quentin-Fairweather"
CANARY_STREET = "Marigold Crescent"
CLIENT_IP = "203.0.113.77"
NAMES = frozenset({"greet", "inform", "referrer_type", "action_listen", "utter_greet", "child_name"})


@pytest.fixture()
def redacting() -> Iterator[io.StringIO]:
    """Records of this process go through the filter, into the returned stream; undone after."""
    factory = logging.getLogRecordFactory()
    processors = list(structlog.get_config()["processors"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    test_logger = logging.getLogger("logsafe-test")
    test_logger.propagate = False
    loggers = [test_logger] + [
        logging.getLogger(n) for n in ("rasa.core.processor", "socketio.server", "sanic.access")
    ]
    for each in loggers:
        each.addHandler(handler)
        each.setLevel(logging.DEBUG)
    logsafe.install(NAMES)
    try:
        yield stream
    finally:
        logging.setLogRecordFactory(factory)
        structlog.get_config()["processors"][:] = processors
        for each in loggers:
            each.removeHandler(handler)
            each.setLevel(logging.NOTSET)


def test_a_line_with_a_message_a_slot_value_an_entity_and_an_address_is_written_redacted(redacting):
    log = logging.getLogger("rasa.core.processor")
    log.debug(
        f"Received user message 'my neighbour {CANARY_NAME} at {CANARY_STREET}' with intent "
        f"'{{'name': 'inform', 'confidence': 0.93}}' and entities "
        f"'[{{'entity': 'PERSON', 'start': 13, 'value': '{CANARY_NAME}'}}]' from {CLIENT_IP}"
    )
    log.debug(f"Current slot values: \n\tchild_name: {CANARY_NAME}\n\treferrer_type: public")
    log.info("SlotSet(key: child_name, value: %s) from %s:51234", CANARY_NAME, CLIENT_IP)
    written = redacting.getvalue()
    assert CANARY_NAME not in written and CANARY_STREET not in written and CLIENT_IP not in written
    assert "Marigold" not in written and "Quentin" not in written
    assert "'inform'" in written and "child_name" in written and "[ip]" in written
    assert written.count("rasa.core.processor ") == 3  # every record written, none dropped


def test_structlog_events_keep_their_names_and_numbers_only(redacting):
    event = logsafe.structlog_processor(
        None,
        "debug",
        {
            "event": "processor.message.parse",
            "parse_data_text": f"it is {CANARY_NAME}",
            "parse_data_intent": {"name": "inform", "confidence": 0.9},
            "parse_data_entities": [{"entity": "PERSON", "value": CANARY_NAME}],
            "action_name": "action_listen",
            "len_extraction_events": 2,
        },
    )
    assert event["event"] == "processor.message.parse" and event["action_name"] == "action_listen"
    assert event["len_extraction_events"] == 2
    assert CANARY_NAME not in json.dumps(event)

    # Rendered to JSON before the standard library logs it (Rasa's renderer when not on a terminal).
    rendered = json.dumps({"event": "processor.actions.log", "rasa_events": [f"SlotSet({CANARY_NAME})"]})
    logging.getLogger("rasa.core.processor").debug(rendered)
    line = redacting.getvalue().strip().split(" ", 2)[2]
    assert json.loads(line) == {"event": "processor.actions.log", "rasa_events": logsafe.REDACTED}


def test_socket_io_packets_lose_their_data_and_sanic_its_client_addresses(redacting):
    logging.getLogger("socketio.server").info(
        'abc: Received packet EVENT data 2["user_uttered",{"message":"%s","session_id":"x"}]', CANARY_NAME
    )
    logging.getLogger("sanic.access").info("", extra={"host": f"{CLIENT_IP}:443", "request": "GET /"})
    logging.getLogger("sanic.access").info(f"{CLIENT_IP} - GET /socket.io/?EIO=4&transport=websocket")
    logging.getLogger("sanic.access").info("client at 2001:db8::17 went away")
    written = redacting.getvalue()
    assert CANARY_NAME not in written and CLIENT_IP not in written and "2001:db8" not in written
    assert "EIO=4" not in written and "Received packet EVENT data [redacted]" in written


def test_an_exception_keeps_its_type_and_traceback_not_its_message(redacting):
    try:
        raise ValueError(f"cannot read {CANARY_NAME}")
    except ValueError:
        logging.getLogger("rasa.core.processor").exception("Encountered an exception")
    written = redacting.getvalue()
    assert CANARY_NAME not in written
    assert "ValueError (message withheld" in written and "Traceback" in written


def test_our_own_lines_keep_their_words_and_lose_addresses(redacting):
    log = logging.getLogger("logsafe-test")
    assert logsafe.redact_text("File 'var/outbox.db' narrowed from 0644 to 0600", "actions.outbox") == (
        "File 'var/outbox.db' narrowed from 0644 to 0600"
    )
    assert logsafe.redact_text(f"peer {CLIENT_IP}", "actions.outbox") == "peer [ip]"
    assert logsafe.redact_text("at 09:41:07, version 1.2.3", "rasa") == "at 09:41:07, version 1.2.3"
    log.info("ok")


def test_the_domains_names_are_read_from_domain_yml():
    names = logsafe.domain_names()
    assert {"greet", "utter_default", "referral_form"} <= names
    assert logsafe.redact_text("intent 'greet', said 'hello there'", "rasa.core", names) == (
        "intent 'greet', said '[redacted]'"
    )


# --- the real servers, every debug switch on ---------------------------------------------------
async def test_with_debug_logging_no_word_of_a_conversation_reaches_the_logs(tmp_path):
    debug = {"LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG"}
    with start_live_stack(tmp_path, rasa_args=["--debug"], env_overrides=debug) as stack:
        # Over REST (development keeps it) and over socket.io, as the web chat.
        chat = stack.conversation()
        chat.say("hello")
        chat.say("A member of the public")
        chat.say(f"my neighbour {CANARY_NAME} leaves her twins alone at {CANARY_STREET}")

        client = socketio.AsyncClient(reconnection=False)
        answered = asyncio.Event()
        client.on("bot_uttered", lambda message: answered.set())
        await client.connect(stack.rasa_url, transports=["websocket"])
        try:  # disconnected whatever happens: a client left running breaks the next tests' loops
            await client.emit("session_request", {"session_id": None})
            await asyncio.sleep(0.5)
            await client.emit("user_uttered", {"message": f"{CANARY_NAME} lives at {CANARY_STREET}"})
            await asyncio.wait_for(answered.wait(), 120)
            await asyncio.sleep(1)
        finally:
            await client.disconnect()

        logs = "\n".join(path.read_text() for path in stack.logs)
    assert "processor" in logs  # debug logging was on: Rasa wrote its lines
    for canary in (CANARY_NAME, "Quentin", "Fairweather", CANARY_STREET, "Marigold"):
        assert canary not in logs, [line for line in logs.splitlines() if canary in line][:3]
    assert not re.search(r"\b127\.0\.0\.1\b", logs)
