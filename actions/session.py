"""A referral left idle: a warning before its session expires, and the truth after (issue 14).

``session_config: session_expiration_time`` in domain.yml (60 minutes) ends a conversation's
session when the person has written nothing for that long; a referral still being answered is then
lost (the new session carries no slot over) and conversations/retention.py erases it.

Before. Every question of the referral form is asked by ``action_ask_referral_form_<slot>``, one
per question of actions/referral/questions.py, listed in domain.yml (Rasa's form asks with the
action of that name before any ``utter_ask_<slot>``). Each asks as before (the question's
``utter_ask_<slot>`` response, or for the summary and the change list the form's own ask action)
and returns Rasa's ``ReminderScheduled`` for ``EXTERNAL_referral_idle``, (session_expiration_time
- 10) minutes after the person's last message, with ``kill_on_user_message``: any message before
then cancels it, and the next question schedules the next one. The form asks once every time it
runs, so while it is active a reminder is always pending, and none is scheduled outside it. Its
name is the conversation's and the message's (a hash of the sender id, and the message's time):
Rasa keys its scheduler jobs by the name alone, and a fixed name would let one conversation's
reminder replace another's, or a replica's stale reminder fire for a message it never saw.

When it fires, the rule of data/rules/session.yml runs ``action_referral_idle_warning`` (the form
ignores the intent, domain.yml's ``ignored_intents``, so it takes no answer from it): it says
``utter_referral_idle_warning`` (the answers are not sent yet, they will be deleted if there is no
reply in the next 10 minutes, the phone numbers) and returns ``UserUtteranceReverted`` and
``action_listen``. The reminder's message and everything after it are taken back: the form is
where it was, its question waiting for the answer, and the reminder's message is not counted as
the person's (Rasa's session clock counts from the last message it applies; the session start
below from the person's own), so the session does expire when the warning says. A stale reminder
(the person wrote since, or was warned already) is taken back without a word.

After. ``action_session_start`` replaces Rasa's own. Rasa 3.6 measures a session's idle time from
the last message it applies, which while a form runs is the message before the form: a person
still answering an hour after starting would have been cut off. So this one first checks the
person's own last message, and while it is under the session's length it carries on with the same
session (it only listens). When the session has really expired and had the referral form still
active (the form sends nothing until it is over, so nothing was sent), the first thing
said in the new one is ``utter_referral_session_expired``: the answers were not sent and were
deleted because the conversation was idle, and the phone numbers; then the conversation goes on as
any new one. It reads only which form was active, never an answer, and repeats none: it works the
same on a conversation whose referral the tracker store has overwritten
(conversations/tracker_store.py keeps the events' shape). A conversation retention has erased has
no events left, so its next message starts a conversation like any other.

Reminders are Rasa's: kept in memory by the Rasa server that scheduled them (a restart cancels
them: no warning, the session still expires), and said through the output channel of the
message that scheduled them, so the web chat's socket.io channel gets them (while its socket is
connected to that server) and REST never does.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    EventType,
    FollowupAction,
    ReminderScheduled,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.referral.form import ActionAskChangeWhich, ActionAskConfirmReferral
from actions.referral.questions import CHANGE_WHICH, CONFIRM_REFERRAL, QUESTIONS

FORM = "referral_form"
IDLE_INTENT = "EXTERNAL_referral_idle"
IDLE_WARNING = "utter_referral_idle_warning"
SESSION_EXPIRED = "utter_referral_session_expired"
ASK_PREFIX = f"action_ask_{FORM}_"
# Rasa's text for a message a reminder or an external event sends (rasa.shared.core.events).
EXTERNAL_PREFIX = "EXTERNAL: "
# Rasa's own default when domain.yml says nothing (rasa.shared.core.constants).
DEFAULT_SESSION_MINUTES = 60.0
WARNING_BEFORE_MINUTES = 10.0
# A reminder fires on time or a little late; this much early still counts as on time.
EARLY_SECONDS = 2.0
# The questions the form asks with its own action rather than their utter_ask_ response.
OWN_ASK_ACTIONS: Dict[Text, Type[Action]] = {
    CONFIRM_REFERRAL: ActionAskConfirmReferral,
    CHANGE_WHICH: ActionAskChangeWhich,
}


# --- timing -----------------------------------------------------------------------------------
def session_minutes(domain: Optional[DomainDict]) -> float:
    """The session expiration time the Rasa server sends with the domain (0: sessions never end)."""
    config = (domain or {}).get("session_config") or {}
    value = config.get("session_expiration_time")
    return DEFAULT_SESSION_MINUTES if value is None else float(value)


def warning_after_minutes(session: float) -> float:
    """Idle minutes before the warning: 10 before the session expires (50 of 60); half-way
    through a session of 20 minutes or less (the tests' short sessions)."""
    return max(session - WARNING_BEFORE_MINUTES, session / 2)


def spoken(minutes: float) -> Text:
    """'10 minutes', '1 minute', '12 seconds'."""
    if minutes >= 1:
        whole = round(minutes)
        return f"{whole} minute{'' if whole == 1 else 's'}"
    seconds = max(1, round(minutes * 60))
    return f"{seconds} second{'' if seconds == 1 else 's'}"


# --- reading the events -----------------------------------------------------------------------
def is_external(event: Dict[Text, Any]) -> bool:
    """Whether a user event was sent by Rasa (a reminder, an external event), not by the person."""
    metadata = event.get("metadata") or {}
    return bool(metadata.get("is_external")) or str(event.get("text") or "").startswith(EXTERNAL_PREFIX)


def user_events(events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    return [e for e in events if e.get("event") == "user"]


def last_message_from_the_person(events: List[Dict[Text, Any]]) -> Optional[Dict[Text, Any]]:
    return next((e for e in reversed(user_events(events)) if not is_external(e)), None)


def idle_reminders_since_the_persons_last_message(events: List[Dict[Text, Any]]) -> int:
    count = 0
    for event in reversed(user_events(events)):
        if not is_external(event):
            break
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        count += intent == IDLE_INTENT or str(event.get("text") or "").endswith(IDLE_INTENT)
    return count


def referral_left_unsent(events: List[Dict[Text, Any]]) -> bool:
    """Whether the latest session in `events` ends with the referral form still active: started,
    not sent (the form sends only once it is over), not stopped. Reads event types and the form's
    name only, never an answer."""
    active: Optional[Text] = None
    for event in events:
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            active = None
        elif kind == "active_loop":
            active = event.get("name")
    return active == FORM


def _digest(sender_id: Text) -> Text:
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:16]


def idle_reminder(tracker: Tracker, domain: DomainDict) -> List[EventType]:
    """The reminder a question of the referral form schedules: the warning, (session - 10) minutes
    after the person's last message, cancelled by any message before then. None outside the form
    or when sessions never expire."""
    session = session_minutes(domain)
    if session <= 0 or tracker.active_loop_name != FORM:
        return []
    last = last_message_from_the_person(list(tracker.events))
    if last is not None and isinstance(last.get("timestamp"), (int, float)):
        since = datetime.fromtimestamp(last["timestamp"], tz=timezone.utc)
        turn = f"{last['timestamp']:.6f}".replace(".", "")
    else:
        since = datetime.now(timezone.utc)
        turn = "0"
    return [
        ReminderScheduled(
            IDLE_INTENT,
            trigger_date_time=since + timedelta(minutes=warning_after_minutes(session)),
            name=f"referral_idle_{_digest(tracker.sender_id)}_{turn}",
            kill_on_user_message=True,
        )
    ]


# --- before: each question schedules the warning ------------------------------------------------
class AskAndScheduleTheWarning:
    """Asks one question of the referral form as before, and schedules the idle warning. Mixed
    into one ``Action`` per question below (this class is no action: the action server registers
    every subclass of ``Action`` it finds)."""

    slot: Text = ""

    def name(self) -> Text:
        return f"{ASK_PREFIX}{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        own = OWN_ASK_ACTIONS.get(self.slot)
        if own is not None:
            events = list(await own().run(dispatcher, tracker, domain) or [])
        else:
            dispatcher.utter_message(response=f"utter_ask_{self.slot}")
            events = []
        return events + idle_reminder(tracker, domain)


ASK_ACTIONS: Dict[Text, Type[Action]] = {
    question.slot: type(
        f"ActionAskReferralForm_{question.slot}", (AskAndScheduleTheWarning, Action), {"slot": question.slot}
    )
    for question in QUESTIONS
}


class ActionReferralIdleWarning(Action):
    """The reminder fired: warn the person (once, if they are still idle) and take the reminder's
    message back, so that the form and the session clock are as the person left them."""

    def name(self) -> Text:
        return "action_referral_idle_warning"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = list(tracker.events)
        latest = user_events(events)[-1] if user_events(events) else {}
        if not is_external(latest):
            # The classifier took a person's message for the reminder's intent: not understood,
            # and the form asks its question again.
            dispatcher.utter_message(response="utter_default")
            return [FollowupAction(FORM)] if tracker.active_loop_name == FORM else []
        if self.still_idle(tracker, domain, events):
            session = session_minutes(domain)
            dispatcher.utter_message(
                response=IDLE_WARNING, time_left=spoken(session - warning_after_minutes(session))
            )
        return [UserUtteranceReverted(), FollowupAction("action_listen")]

    @staticmethod
    def still_idle(tracker: Tracker, domain: DomainDict, events: List[Dict[Text, Any]]) -> bool:
        session = session_minutes(domain)
        if session <= 0 or tracker.active_loop_name != FORM:
            return False
        if idle_reminders_since_the_persons_last_message(events) > 1:
            return False  # warned already since the person last wrote
        last = last_message_from_the_person(events)
        if last is None or not isinstance(last.get("timestamp"), (int, float)):
            return True
        idle = datetime.now(timezone.utc).timestamp() - last["timestamp"]
        return warning_after_minutes(session) * 60 - EARLY_SECONDS <= idle < session * 60


# --- after: the new session says what happened ----------------------------------------------------
def since_the_last_restart(events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    start = max((i for i, e in enumerate(events) if e.get("event") == "restart"), default=-1)
    return events[start + 1 :]


def session_really_expired(events: List[Dict[Text, Any]], domain: DomainDict, now: float) -> bool:
    """Whether the person has written nothing for the session's length.

    Rasa 3.6 decides from the last message its tracker *applies*, and while a form runs it does
    not apply the messages that answer it (``DialogueStateTracker.applied_events`` keeps one form
    execution per happy path): its clock runs from the message before the form, so a person still
    answering an hour after that would lose the referral at their next message. Here the clock runs
    from the person's last message, as the session's idle time is meant to."""
    session = session_minutes(domain)
    current = since_the_last_restart(events)
    last = last_message_from_the_person(current)
    if session <= 0 or last is None or not isinstance(last.get("timestamp"), (int, float)):
        return True  # a new conversation (or one restarted): Rasa starts a session, so does this
    return (now - last["timestamp"]) / 60 > session


class ActionSessionStart(Action):
    """Rasa's session start, saying first when the session that ended left a referral unsent, and
    carrying on with the same session when Rasa took a person still answering a form for an idle
    one (``session_really_expired``): then it only listens, as Rasa's own does after a session
    start, and the form goes on.

    Nothing is carried over to a new session (domain.yml: carry_over_slots_to_new_session is
    false), the referral's answers least of all."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = list(tracker.events)
        if not session_really_expired(events, domain, datetime.now(timezone.utc).timestamp()):
            return [ActionExecuted("action_listen")]
        if referral_left_unsent(events):
            dispatcher.utter_message(response=SESSION_EXPIRED, idle_for=spoken(session_minutes(domain)))
        return [SessionStarted(), ActionExecuted("action_listen")]
