"""The rule-based safety net: a message that describes immediate danger is never lost."""

from __future__ import annotations

import pytest
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message

from nlp.danger import assess
from nlp.safety_net import DANGER_INTENT, SAFETY_NET_KEY, DangerSafetyNet, is_button_payload

DANGER_MESSAGES = [
    "he's hitting her right now",
    "hes hitting her rn",
    "HE IS BEATING THE KIDS",
    "she is being hurt",
    "the baby isn't breathing",
    "my friend's little girl won't wake up",
    "he has a knife and the children are in the house",
    "i can hear the kids screaming next door right now",
    "he said he's going to kill them tonight",
    "there's a toddler alone in the flat, the mum went out hours ago",
    "the boy next door is locked outside in the snow",
    "he punched his son just now",
    "my 15 year old has taken pills",
    "she says she wants to kill herself",
    "someone help he's strangling her",
    "they're dragging a girl into a van",
    "a little boy maybe 3 is walking along the dual carriageway on his own",
    "he's hitting her what do i do?",
    "is he allowed to be hitting her right now?",
    "kid not moving after his dad shoved him down the stairs",
]

NOT_DANGER_MESSAGES = [
    "i saw bruises on her arm last week",
    "my neighbour hits his kids, i've heard it a few times",
    "she told me her dad is hitting her",
    "i think he is hurting them but i'm not sure",
    "the kids are often left alone in the evenings",
    "what happens after i make a referral",
    "hello",
    "i want to report a concern about a child at my school",
    "is smacking your child abuse?",
    "what are the warning signs that a child is being harmed?",
    "a girl at youth club told me tonight he's threatening to share her photos",
    "she is often on the balcony on her own crying, and I hardly see an adult",
]


@pytest.mark.parametrize("text", DANGER_MESSAGES)
def test_messages_that_describe_immediate_danger_are_caught(nlp, text):
    assessment = assess(nlp(text))
    assert assessment.immediate, text
    assert assessment.reasons


@pytest.mark.parametrize("text", NOT_DANGER_MESSAGES)
def test_worries_about_the_past_reported_speech_and_questions_are_not_flagged(nlp, text):
    assert not assess(nlp(text)).immediate, text


def classified(text: str, intent: str, confidence: float) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": confidence}, {"name": DANGER_INTENT, "confidence": 0.01}],
        add_to_output=True,
    )
    return message


@pytest.fixture()
def safety_net(nlp):
    return DangerSafetyNet(DangerSafetyNet.get_default_config()), SpacyModel(model=nlp, model_name="test")


def test_a_danger_message_classified_as_something_else_becomes_danger(safety_net):
    component, model = safety_net
    message = classified("omg he's strangling her right now", "express_worry_about_child", 0.93)
    [result] = component.process([message], model)
    assert result.get("intent") == {"name": DANGER_INTENT, "confidence": 1.0}
    assert result.get("intent_ranking")[0]["name"] == DANGER_INTENT
    assert [r["name"] for r in result.get("intent_ranking")].count(DANGER_INTENT) == 1
    assert result.get(SAFETY_NET_KEY)["overrode"] == "express_worry_about_child"


def test_a_danger_message_lost_to_the_fallback_becomes_danger(safety_net):
    component, model = safety_net
    message = classified("dad's kicking my brother now", "nlu_fallback", 0.45)
    [result] = component.process([message], model)
    assert result.get("intent")["name"] == DANGER_INTENT


def test_a_message_without_danger_keeps_its_intent(safety_net):
    component, model = safety_net
    message = classified("what is emotional abuse", "faq", 0.97)
    [result] = component.process([message], model)
    assert result.get("intent") == {"name": "faq", "confidence": 0.97}
    assert result.get(SAFETY_NET_KEY) is None


def test_button_payloads_are_left_alone(safety_net):
    component, model = safety_net
    message = classified("/affirm", "affirm", 1.0)
    [result] = component.process([message], model)
    assert result.get("intent")["name"] == "affirm"


@pytest.mark.parametrize(
    "text",
    ["/ he has a knife to her throat", "/help he's strangling her right now", "//he's hitting her right now"],
)
def test_a_danger_message_that_only_starts_with_a_slash_is_still_danger(safety_net, text):
    component, model = safety_net
    [result] = component.process([classified(text, "nlu_fallback", 0.3)], model)
    assert result.get("intent")["name"] == DANGER_INTENT


@pytest.mark.parametrize("text", ["/affirm", "/identify_as_public", '/inform{"categories": ["physical"]}'])
def test_exact_button_payloads_are_recognised(text):
    assert is_button_payload(text)
