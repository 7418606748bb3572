"""The Rasa-side policy that says "call 999 now" in the referral form when the action server is down
(policies/danger_first.py)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from nlp.names import DANGER_INTENT, SAFETY_NET_KEY
from policies.danger_first import should_say_999


def user(text: str, intent: str, confidence: float = 1.0, safety_net: bool = False) -> UserUttered:
    parse: Dict[str, Any] = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "text": text,
    }
    if safety_net:
        parse[SAFETY_NET_KEY] = {"overrode": intent, "reasons": ["danger sign: knife"]}
    return UserUttered(text, parse["intent"], [], parse)


def tracker(asked: str, message: UserUttered, after: List[Any], referral_999_at: Optional[str] = None):
    events = [
        ActionExecuted("action_listen"),
        ActionExecuted("referral_form"),
        ActiveLoop("referral_form"),
        SlotSet("referral_999_at", referral_999_at),
        SlotSet("requested_slot", asked),
        BotUttered("What is the child's name?"),
        ActionExecuted("action_listen"),
        message,
        *after,
    ]
    return DialogueStateTracker.from_events("t", events)


def test_danger_at_the_childs_name_with_the_action_server_down_gets_999():
    knife = user("he's got a knife to her", "faq", 0.4, safety_net=True)
    assert should_say_999(tracker("child_name", knife, [ActionExecuted("referral_form")]))


def test_nothing_more_is_said_when_the_validator_already_said_999():
    knife = user("he's got a knife to her", "faq", 0.4, safety_net=True)
    said = [
        BotUttered("Call 999 now. If a child is in immediate danger, phone the police on 999."),
        ActionExecuted("referral_form"),
    ]
    assert not should_say_999(tracker("child_name", knife, said))


def test_before_the_form_has_run_the_policy_waits_for_the_validator():
    knife = user("he's got a knife to her", "faq", 0.4, safety_net=True)
    assert not should_say_999(tracker("child_name", knife, []))


def test_an_address_the_classifier_takes_for_danger_is_an_answer_as_the_validator_decides():
    address = user("flat 6, 21 Onslow Road, SO14 0JG", DANGER_INTENT, 0.99)
    assert not should_say_999(tracker("child_address", address, [ActionExecuted("referral_form")]))


def test_a_confident_danger_description_at_what_happened_gets_999():
    text = "he is punching her in the garden right now"
    assert should_say_999(
        tracker("description", user(text, DANGER_INTENT, 0.97), [ActionExecuted("referral_form")])
    )


def test_the_same_description_after_999_at_that_question_is_taken_as_the_answer():
    text = "he is punching her in the garden"
    message = user(text, DANGER_INTENT, 0.97)
    assert not should_say_999(
        tracker("description", message, [ActionExecuted("referral_form")], "description")
    )
