"""Exports from the review store for improving the assistant: staff corrections as Rasa NLU
training data, and one conversation as a Rasa test story.

Both strip what the referral form collected, and say so at the top:
- a person's message written while the referral form was active (an answer: a name, an address,
  a phone number) is never exported as training text; in a story it becomes a placeholder;
- every value a slot was given while the form was active, wherever else it appears in a message,
  is replaced, and so is anything that looks like a phone number, an e-mail address or a postcode.

The texts are written as YAML double-quoted strings (JSON's escapes are YAML's), and the
characters Rasa reads as entity markup in training examples are replaced, so a person's text can
neither break the file nor annotate entities.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

FORM = "referral_form"
REMOVED = "(removed)"
FORM_ANSWER = "(removed: an answer to the referral form)"
HEADER = (
    "# Exported from the conversation review store. What the referral form collected has been\n"
    "# removed: answers given while it was active are left out (or, in a story, replaced), and\n"
    "# the values it recorded, phone numbers, e-mail addresses and postcodes are replaced by\n"
    f"# {REMOVED}.\n"
)
_LOOKS_PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # e-mail
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"  # UK postcode
    r"|(?:\+?\d[\d\s().-]{8,}\d)",  # a phone number: ten or more digits with separators
    re.IGNORECASE,
)
_MARKUP = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")"})


def _walk(events: Iterable[dict[str, Any]]):
    """Each opened event with whether the referral form was active when it happened."""
    active = False
    for item in events:
        data = item["event"]
        if data.get("event") == "active_loop":
            active = data.get("name") == FORM
            yield item, False
            continue
        yield item, active


def collected_values(events: list[dict[str, Any]]) -> list[str]:
    """Every text value a slot was given while the referral form was active, longest first."""
    values = set()
    for item, in_form in _walk(events):
        data = item["event"]
        if in_form and data.get("event") == "slot" and data.get("name") != "requested_slot":
            value = data.get("value")
            if isinstance(value, str) and len(value.strip()) >= 2:
                values.add(value.strip())
    return sorted(values, key=len, reverse=True)


def strip_text(text: str, collected: list[str]) -> str:
    for value in collected:
        text = re.sub(re.escape(value), REMOVED, text, flags=re.IGNORECASE)
    text = _LOOKS_PERSONAL.sub(REMOVED, text)
    return " ".join(text.split())


def nlu_yaml(conversations: list[dict[str, Any]]) -> tuple[str, dict[str, int]]:
    """The corrected messages of these conversations as NLU data; and what was left out."""
    examples: dict[str, list[str]] = {}
    left_out = 0
    for conversation in conversations:
        events = conversation["events"]
        collected = collected_values(events)
        for item, in_form in _walk(events):
            if item["type"] != "user" or not item.get("corrected_intent"):
                continue
            if in_form:
                left_out += 1
                continue
            text = strip_text(str(item["event"].get("text") or ""), collected).translate(_MARKUP)
            if text and text not in examples.setdefault(item["corrected_intent"], []):
                examples[item["corrected_intent"]].append(text)
    lines = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
    for intent in sorted(examples):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in examples[intent])
    if not examples:
        lines[-1] = "nlu: []"
    count = sum(len(v) for v in examples.values())
    return "\n".join(lines) + "\n", {"examples": count, "form_answers_left_out": left_out}


def story_yaml(conversation_id: str, events: list[dict[str, Any]]) -> str:
    """One conversation as a Rasa test story (user messages, actions, the form's loop)."""
    collected = collected_values(events)
    steps: list[str] = []
    for item, in_form in _walk(events):
        data = item["event"]
        kind = data.get("event")
        if kind == "user":
            text = FORM_ANSWER if in_form else strip_text(str(data.get("text") or ""), collected)
            intent = item.get("corrected_intent") or item.get("intent") or "nlu_fallback"
            steps.append(f"  - user: {json.dumps(text or REMOVED, ensure_ascii=False)}")
            steps.append(f"    intent: {intent}")
        elif kind == "action" and item.get("action") and item["action"] != "action_listen":
            if item["action"] in ("action_session_start",):
                continue
            steps.append(f"  - action: {item['action']}")
        elif kind == "active_loop":
            steps.append(f"  - active_loop: {data.get('name') or 'null'}")
    return (
        HEADER
        + 'version: "3.1"\nstories:\n'
        + f"- story: {json.dumps('conversation ' + conversation_id)}\n  steps:\n"
        + ("\n".join(steps) + "\n" if steps else "")
    )
