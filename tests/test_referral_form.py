"""The referral form's Rasa actions (actions/referral/form.py): a tracker as the decisions read it."""

from __future__ import annotations

import pytest


def test_a_screening_answer_matched_by_a_referral_answer_keeps_its_value():
    from rasa_sdk import Tracker

    from actions.referral.form import value_before_this_message

    events = [
        {"event": "slot", "name": "referrer_type", "value": "public"},
        {"event": "user", "text": "I saw or heard it myself"},
        {"event": "slot", "name": "referrer_type", "value": "child"},
    ]
    tracker = Tracker("t", {}, {}, events, False, None, {}, "action_listen")
    assert value_before_this_message(tracker, "referrer_type") == "public"


@pytest.mark.parametrize(
    "message, danger",
    [
        ({"text": "in the park", "intent": {"name": "report_immediate_danger", "confidence": 1.0}}, False),
        (
            {
                "text": "he is punching her in the park",
                "intent": {"name": "report_immediate_danger", "confidence": 0.97},
            },
            True,
        ),
        (
            {
                "text": "he's got a knife",
                "intent": {"name": "faq", "confidence": 0.5},
                "danger_safety_net": {"r": 1},
            },
            True,
        ),
        (
            {
                "text": "at home with her mum now",
                "intent": {"name": "report_immediate_danger", "confidence": 0.6},
            },
            False,
        ),
    ],
)
def test_in_the_form_short_answers_are_answers_and_danger_needs_confidence_or_the_safety_net(message, danger):
    from actions.referral.decisions import describes_danger
    from actions.referral.form import message_of

    assert describes_danger(message_of(message, message["text"])) is danger


def test_for_names_addresses_and_choices_only_the_safety_net_counts_as_danger():
    from actions.referral.decisions import describes_danger
    from actions.referral.form import message_of

    address = {
        "text": "flat 6, 21 Onslow Road, SO14 0JG",
        "intent": {"name": "report_immediate_danger", "confidence": 0.99},
    }
    address = message_of(address, address["text"])
    assert describes_danger(address, "child_address") is False
    assert describes_danger(address, "description") is True
    knife = {
        "text": "hes got a knife",
        "intent": {"name": "faq", "confidence": 0.4},
        "danger_safety_net": {"r": 1},
    }
    knife = message_of(knife, knife["text"])
    assert describes_danger(knife, "child_address") is True
