"""The referral form's Rasa actions: they only translate between a tracker and the pure core.

The questions and which fit the person are ``questions.py``; what each message does is
``decisions.decide``; the payload, its check and the summary are ``payload.py``, ``contract.py``
and ``summary.py``; delivery is ``actions/outbox.py``. This is the package's only module that
imports rasa_sdk.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.outbox import submit
from actions.referral.contract import validate_payload
from actions.referral.decisions import SCREENING_SLOTS, Message, decide, what_next
from actions.referral.payload import build_payload
from actions.referral.questions import (
    ANSWER_SLOTS,
    CONTROL_SLOTS,
    QUESTION_TITLES,
    answers_for_payload,
    referral_questions,
)
from actions.referral.summary import summary_lines
from nlp.names import PREVIEW_CHANNEL, SAFETY_NET_KEY

logger = logging.getLogger(__name__)

FORM = "referral_form"


def channel_of(tracker: Tracker) -> Text:
    return (tracker.get_latest_input_channel() or "rest").lower()


def payload_from(tracker: Tracker, referral_id: Text) -> Dict[Text, Any]:
    return build_payload(
        answers_for_payload(tracker.slots),
        referral_id=referral_id,
        conversation_id=tracker.sender_id,
        channel=channel_of(tracker),
        preview=channel_of(tracker) == PREVIEW_CHANNEL,
        submitted_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def message_of(latest_message: Optional[Dict[Text, Any]], text: Any) -> Message:
    """The tracker's latest message as ``decide`` reads it; ``text`` is the answer the form mapped."""
    message = latest_message or {}
    intent = message.get("intent") or {}
    selected = ((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    return Message(
        text=text,
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        safety_net=bool(message.get(SAFETY_NET_KEY)),
        faq_response=selected.get("utter_action"),
    )


def value_before_this_message(tracker: Tracker, name: Text) -> Any:
    """The value a slot had before the latest message."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    for event in reversed(events[:last_user]):
        if event.get("event") == "slot" and event.get("name") == name:
            return event.get("value")
    return None


class ValidateReferralForm(FormValidationAction):
    """Asks ``referral_questions`` and turns each message into events with ``decide``."""

    def name(self) -> Text:
        return "validate_referral_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        return referral_questions(tracker.slots)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = tracker.get_slot("requested_slot")
        candidates = tracker.slots_to_validate()
        # An answer can look like something else to the classifier ("I saw or heard it myself" like a
        # child saying who they are): during the referral it answers the question only.
        events: List[EventType] = [SlotSet(n, v) for n, v in candidates.items() if n != question]
        if question not in candidates:
            return events
        step = decide(
            question,
            message_of(tracker.latest_message, candidates[question]),
            tracker.slots,
            {name: value_before_this_message(tracker, name) for name in SCREENING_SLOTS},
        )
        for response, values in step.say:
            dispatcher.utter_message(response=response, **values)
        return events + [SlotSet(name, value) for name, value in step.slots.items()]


class ActionAskConfirmReferral(Action):
    """Shows exactly what will be sent, then asks to send, change an answer or cancel."""

    def name(self) -> Text:
        return "action_ask_confirm_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        referral_id = tracker.get_slot("referral_id") or str(uuid.uuid4())
        lines = summary_lines(payload_from(tracker, referral_id))
        dispatcher.utter_message(
            text="Here is exactly what will be sent:\n" + "\n".join(lines),
            buttons=[
                {"title": "Send it", "payload": "send it"},
                {"title": "Change an answer", "payload": "change an answer"},
                {"title": "Cancel: send nothing", "payload": "cancel"},
            ],
        )
        return [SlotSet("referral_id", referral_id)]


class ActionAskChangeWhich(Action):
    """Lists the answers given so far, to choose the one to change."""

    def name(self) -> Text:
        return "action_ask_change_which"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        answered = [q for q in tracker.get_slot("referral_answered") or [] if q in QUESTION_TITLES]
        dispatcher.utter_message(
            text="Which answer would you like to change?",
            buttons=[{"title": QUESTION_TITLES[q], "payload": QUESTION_TITLES[q]} for q in answered],
        )
        return []


class ActionSubmitReferral(Action):
    """Builds the contract payload, checks it, and hands it to the intake API through the outbox."""

    def name(self) -> Text:
        return "action_submit_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        reset = [SlotSet(name, None) for name in (*ANSWER_SLOTS, *CONTROL_SLOTS, "referral_cancel_requested")]
        if tracker.get_slot("referral_outcome") == "cancelled":
            dispatcher.utter_message(response="utter_referral_cancelled")
            return [*reset, SlotSet("referral_outcome", None)]

        payload = payload_from(tracker, tracker.get_slot("referral_id") or str(uuid.uuid4()))
        errors = validate_payload(payload)
        if errors:
            # Field names only: the payload holds what the person wrote.
            logger.error("Referral not valid against the contract: %s", [e.split(":")[0] for e in errors])
            dispatcher.utter_message(response="utter_referral_phone_instead")
            return [*reset, SlotSet("referral_outcome", "phone_instead")]

        result = await submit(payload)
        if result.status == "accepted":
            dispatcher.utter_message(response="utter_referral_accepted", reference=result.reference)
            outcome = "accepted"
        elif result.status == "queued":
            dispatcher.utter_message(response="utter_referral_queued")
            outcome = "queued"
        else:
            dispatcher.utter_message(response="utter_referral_phone_instead")
            return [*reset, SlotSet("referral_outcome", "phone_instead")]
        dispatcher.utter_message(response=what_next(payload))
        dispatcher.utter_message(response="utter_referral_if_anything_changes")
        return [*reset, SlotSet("referral_outcome", outcome)]
