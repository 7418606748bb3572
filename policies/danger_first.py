"""Rasa policy: "call 999 now" during the referral form, even when the action server is down.

Inside the referral form, a message that describes danger is answered by the form's validator
on the action server (``actions/referral/decisions.py``, ``decide``): it says "call 999 now"
first, records the danger and keeps a description of it as the answer. When the action server
cannot be reached, the form's call fails and nothing would be said. This policy runs in the Rasa
server: after the form has run for a message that describes danger, if no "call 999 now" was
said since that message, it predicts ``utter_call_999_now`` and records what the validator would
have: danger, 999 advised, at this question. It decides with the validator's own
function (``describes_danger``) on the question that was being asked, so a message the validator
takes as an answer is never met with 999 here. The form stays active and goes on from the same
question once the action server is back.

A rule would not do: it would answer before the form, so the validator would never see the
message (no description kept, no danger recorded in the referral).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from actions.referral.decisions import Message, describes_danger
from nlp.names import SAFETY_NET_KEY

REFERRAL_FORM = "referral_form"
CALL_999_NOW = "utter_call_999_now"
CALL_999_NOW_TEXT = "Call 999 now."


def _since_last_user_message(tracker: DialogueStateTracker) -> tuple:
    """The events before the latest user message and those after it."""
    events = list(tracker.events)
    last = max((i for i, e in enumerate(events) if isinstance(e, UserUttered)), default=None)
    if last is None:
        return events, []
    return events[:last], events[last + 1 :]


def _slot_before(events: List[Any], name: Text) -> Any:
    for event in reversed(events):
        if isinstance(event, SlotSet) and event.key == name:
            return event.value
    return None


def question_asked(tracker: DialogueStateTracker) -> Optional[Text]:
    """The referral question the latest message answered."""
    before, _ = _since_last_user_message(tracker)
    return _slot_before(before, "requested_slot")


def should_say_999(tracker: DialogueStateTracker) -> bool:
    """Whether "call 999 now" is owed: the referral form has run for a message that describes
    danger at the question being asked, and nothing has said it since that message."""
    if tracker.active_loop_name != REFERRAL_FORM or tracker.latest_action_name != REFERRAL_FORM:
        return False
    before, since = _since_last_user_message(tracker)
    if any(isinstance(e, BotUttered) and (e.text or "").startswith(CALL_999_NOW_TEXT) for e in since):
        return False
    latest = tracker.latest_message
    if latest is None:
        return False
    parse = latest.parse_data or {}
    intent = parse.get("intent") or {}
    message = Message(
        text=latest.text,
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        safety_net=bool(parse.get(SAFETY_NET_KEY)),
    )
    question: Optional[Text] = _slot_before(before, "requested_slot")
    if not describes_danger(message, question):
        return False
    # The validator takes a repeated answer at the question where 999 was said, unless the net fires.
    return _slot_before(before, "referral_999_at") != question or message.safety_net


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class DangerFirstPolicy(Policy):
    """Predicts ``utter_call_999_now`` when ``should_say_999``; otherwise predicts nothing."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Above the RulePolicy, whose prediction after the form would be to listen.
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY + 1}

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if CALL_999_NOW in domain.action_names_or_texts and should_say_999(tracker):
            probabilities[domain.index_for_action(CALL_999_NOW)] = 1.0
            # What the validator would have recorded: the referral goes as one where 999 was advised.
            recorded = [
                SlotSet("immediate_danger", "yes"),
                SlotSet("advised_999", True),
                SlotSet("referral_999_at", question_asked(tracker)),
            ]
            # Loop predictions of the RulePolicy are "no user" predictions, which win over the
            # rest; this one must be of the same kind to be weighed against them.
            return self._prediction(probabilities, optional_events=recorded, is_no_user_prediction=True)
        return self._prediction(probabilities)
