"""A stopped referral leaves nothing behind in the conversation store (conversations/tracker_store.py)."""

from __future__ import annotations

from conversations.tracker_store import REMOVED, redact


def test_everything_said_since_the_referral_began_is_overwritten_and_the_rest_is_kept():
    events = [
        {"event": "user", "text": "i'm worried about the boy next door", "parse_data": {"text": "x"}},
        {"event": "slot", "name": "referrer_type", "value": "public"},
        {"event": "active_loop", "name": "referral_form"},
        {
            "event": "user",
            "text": "Sam Jones",
            "parse_data": {"text": "Sam Jones", "entities": [{"value": "Sam"}]},
        },
        {"event": "slot", "name": "name", "value": "Sam Jones"},
        {"event": "bot", "text": "Here is exactly what will be sent: Sam Jones", "data": {"buttons": []}},
        {"event": "slot", "name": "referral_outcome", "value": "cancelled"},
    ]
    changed = redact(events)
    assert changed == [3, 4, 5]
    assert events[0]["text"] == "i'm worried about the boy next door"
    assert events[1]["value"] == "public"
    assert events[3]["text"] == REMOVED and events[3]["parse_data"] == {"text": REMOVED, "entities": []}
    assert events[4]["value"] is None
    assert events[5]["text"] == REMOVED
    assert events[6]["value"] == "cancelled"
    assert "Sam" not in str(events)


def test_a_conversation_without_a_referral_is_left_alone():
    events = [{"event": "user", "text": "what is MASH", "parse_data": {}}]
    assert redact(events) == []
    assert events[0]["text"] == "what is MASH"
