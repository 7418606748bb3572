"""A last line of defence for the Rasa and action servers' logs: nothing a person wrote, no slot
value, no entity, no client address.

Our own log lines never hold them. Rasa's and the libraries' are not ours to word: with debug
logging Rasa logs each message, its entities and the events of every action (slot values, what the
bot said) through structlog; engine.io and socket.io, at `LOG_LEVEL_LIBRARIES=INFO`, log every
packet with its data; Sanic logs client addresses; an exception's message can quote the data that
caused it. This module rewrites every log record when it is made, whichever logger or handler:

- a structlog event keeps its name and numbers, and only the fields in `KEPT_FIELDS` as text
  (names of actions, intents, policies); every other field reads `[redacted]`;
- a plain record of Rasa or a library keeps quoted words that are the assistant's own names
  (intents, actions, slots, responses of domain.yml) and loses every other quoted text, the
  `key: value` pairs of slots and entities, and socket.io packet data;
- an IPv4 or IPv6 address becomes `[ip]`, a query string `?[query]` (in our own lines too);
- an exception keeps its type and traceback, not its message.

The intake has its own filter (intake/src/intake/logsafe.py): the two services do not share a venv
nor a package, and what each must strip differs.

    install()   # once, early; again is harmless
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, MutableMapping, Optional

REDACTED = "[redacted]"
ROOT = Path(__file__).resolve().parent.parent

# structlog fields that name things, never hold what someone wrote. Numbers and booleans are kept
# in any field; a string in any other field, and anything else, is redacted.
KEPT_FIELDS = frozenset(
    {
        "event",
        "event_key",
        "event_info",
        "log_level",
        "level",
        "timestamp",
        "logger",
        "action_name",
        "action",
        "policy_name",
        "policy",
        "intent_name",
        "predicted_action",
        "prediction_source",
        "model",
        "name",
        "sender_id",
        "component",
        "node_name",
        "channel",
    }
)

# The project's own loggers (python -m actions.server logs as __main__).
OWN_LOGGERS = frozenset({"actions", "channels", "conversations", "nlp", "policies", "__main__"})

# Candidates only: each is checked with `ipaddress` before it is redacted, so times like 09:41:07
# and version numbers like 1.2.3 are left alone.
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w.:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.]+)?(?![\w.:])"
)
_IPV4_CANDIDATE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_QUERY = re.compile(r"\?[^\s'\"<>]+")
# engine.io and socket.io log each packet and event with its data ("... packet MESSAGE data 2[...]",
# "received event "user_uttered" from abc [/]" is kept, "emitting event "bot_uttered" to x [/]" too).
_PACKET_DATA = re.compile(r"(\bdata\b:?\s).*", re.DOTALL)
_SOCKET_LOGGERS = ("engineio", "socketio", "websockets")
# 'quoted' or "quoted" text on one line, and `name: value` / `'name': value` pairs of slots,
# entities and events (value up to the next comma, bracket or line end).
_QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
_VALUE_PAIR = re.compile(
    r"(?P<key>['\"]?\b(?:value|text|user_text|slot_values|entities|message|metadata)\b['\"]?\s*[:=]\s*)"
    r"(?P<value>'[^'\n]*'|\"[^\"\n]*\"|[^,}\)\]\n]*)"
)
_SLOT_LINE = re.compile(r"^(\s*[\w-]+:\s).+$", re.MULTILINE)
_HEX_ID = re.compile(r"[0-9a-f]{32}")
_RASA_NAME = re.compile(
    r"(?:action|utter|validate|ask)_\w+|[A-Z]\w*(?:Policy|Classifier|Featurizer|Extractor)"
)


def domain_names(domain: Path = ROOT / "domain.yml") -> FrozenSet[str]:
    """The assistant's own names in `domain`: intents, entities, slots, forms, actions, responses."""
    try:
        import yaml

        data = yaml.safe_load(domain.read_text(encoding="utf-8")) or {}
    except Exception:  # no domain here (or no yaml): every quoted text is redacted
        return frozenset()
    names = set()
    for section in ("intents", "entities", "slots", "forms", "actions", "responses"):
        value = data.get(section) or ()
        for item in value if isinstance(value, list) else value.keys():
            if isinstance(item, dict):
                names.update(str(key) for key in item)
            else:
                names.add(str(item))
    return frozenset(names)


def redact_addresses(text: str) -> str:
    def ip(match: re.Match) -> str:
        candidate = match.group(0)
        try:
            ipaddress.ip_address(candidate.split("%", 1)[0])
        except ValueError:
            return candidate
        return "[ip]"

    return _QUERY.sub("?[query]", _IPV4_CANDIDATE.sub(ip, _IPV6_CANDIDATE.sub(ip, text)))


def redact_text(text: str, logger_name: str = "", names: Iterable[str] = ()) -> str:
    """`text` of a plain log record without quoted text, values, packet data or addresses (our
    own loggers' lines, written never to hold what someone wrote, lose addresses only)."""
    if logger_name.split(".", 1)[0] in OWN_LOGGERS:
        return redact_addresses(text)
    kept = frozenset(names)
    if logger_name.startswith(_SOCKET_LOGGERS):
        text = _PACKET_DATA.sub(lambda m: m.group(1) + REDACTED, text)
    text = _VALUE_PAIR.sub(lambda m: m.group("key") + REDACTED, text)
    if "slot values" in text.lower() or "slots:" in text.lower():
        head, _, rest = text.partition("\n")
        text = head + ("\n" + _SLOT_LINE.sub(lambda m: m.group(1) + REDACTED, rest) if rest else "")

    def quoted(match: re.Match) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        quote = match.group(0)[0]
        if (
            inner in kept
            or _RASA_NAME.fullmatch(inner)
            or _HEX_ID.fullmatch(inner)
            or inner in ("", REDACTED)
        ):
            return match.group(0)
        return f"{quote}{REDACTED}{quote}"

    return redact_addresses(_QUOTED.sub(quoted, text))


def redact_fields(event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog event with only names and numbers left readable."""
    for key, value in list(event.items()):
        if key in ("exc_info", "stack"):
            continue
        if isinstance(value, (bool, int, float)) or value is None:
            continue
        if key in KEPT_FIELDS and isinstance(value, str):
            event[key] = redact_addresses(value)
        else:
            event[key] = REDACTED
    return event


def _redact_json(message: str) -> Optional[str]:
    """A record that structlog rendered as JSON, its fields redacted; None if it is not one."""
    if not (message.startswith("{") and message.endswith("}")):
        return None
    try:
        event = json.loads(message)
    except ValueError:
        return None
    if not isinstance(event, dict) or "event" not in event:
        return None
    return json.dumps(redact_fields(event))


def _withhold_exception(record: logging.LogRecord) -> None:
    if record.exc_info and record.exc_info[0] is not None:
        kind, _value, tb = record.exc_info
        record.exc_text = (
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_tb(tb))
            + f"{kind.__name__} (message withheld: it may hold what someone wrote)"
        )
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = REDACTED


def redact_record(record: logging.LogRecord, names: Iterable[str] = ()) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a record whose arguments do not fit its format
        message = str(record.msg)
    redacted = _redact_json(message)
    record.msg = redacted if redacted is not None else redact_text(message, record.name, names)
    record.args = ()
    _withhold_exception(record)
    return record


class _Factory:
    """Wraps the log record factory: every record is redacted as it is made, before any handler
    (Rasa's, coloredlogs', Sanic's, logging's last resort) can write it."""

    def __init__(self, wrapped: Callable[..., logging.LogRecord], names: FrozenSet[str]) -> None:
        self.wrapped, self.names = wrapped, names

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.wrapped(*args, **kwargs)
        try:
            return redact_record(record, self.names)
        except Exception:  # never lose a record, never let one through unredacted
            record.msg, record.args, record.exc_info, record.exc_text = REDACTED, (), None, None
            return record


def structlog_processor(_logger: Any, _method: str, event: Dict[str, Any]) -> Dict[str, Any]:
    return dict(redact_fields(event))


def _install_structlog() -> None:
    try:
        import structlog
    except ImportError:  # the action server's venv has it, but it is not needed there
        return
    # The configured list itself, changed in place: loggers already made hold this same list.
    processors = structlog.get_config()["processors"]
    if structlog_processor not in processors and isinstance(processors, list):
        processors.insert(0, structlog_processor)


def install(names: Optional[Iterable[str]] = None) -> None:
    """Redact every log record of this process from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _Factory):
        kept = frozenset(names) if names is not None else domain_names()
        logging.setLogRecordFactory(_Factory(factory, kept))
    _install_structlog()


def installed() -> bool:
    return isinstance(logging.getLogRecordFactory(), _Factory)
