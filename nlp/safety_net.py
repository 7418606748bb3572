"""Rasa NLU component: a message that describes immediate danger is never lost.

It runs last in the NLU pipeline, after the intent classifier and the fallback classifier.
When the project's spaCy patterns find immediate danger (``nlp.danger.assess``), the intent
becomes ``report_immediate_danger`` whatever the classifier said, so the dialogue's
"call 999 now" rule fires even for wording the classifier has never seen. Recall matters
more than precision here: a false alarm costs a sentence, a missed 999 may cost a child.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlp.danger import assess
from nlp.names import DANGER_INTENT, SAFETY_NET_KEY

__all__ = ["DANGER_INTENT", "SAFETY_NET_KEY", "DangerSafetyNet", "is_button_payload"]

# What a button sends: "/intent" with, at most, its entities as JSON ('/inform{"categories": [...]}').
_BUTTON_PAYLOAD = re.compile(r"^/[A-Za-z_][\w/]*(\{.*\})?\s*$", re.DOTALL)


def is_button_payload(text: Text) -> bool:
    """Exactly what a button sends, not a message that happens to start with "/" ("/ he has a knife")."""
    return bool(_BUTTON_PAYLOAD.match(text))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False, model_from="SpacyNLP"
)
class DangerSafetyNet(GraphComponent, IntentClassifier):
    """Overrides the predicted intent with ``report_immediate_danger`` on a danger pattern."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": DANGER_INTENT}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._intent = config["intent"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerSafetyNet:
        return cls(config)

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or is_button_payload(text):
                # Button payloads ("/affirm") are exact choices, not descriptions.
                continue
            assessment = assess(model.model(text))
            if not assessment.immediate:
                continue
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            message.set(
                SAFETY_NET_KEY,
                {"overrode": predicted, "reasons": list(assessment.reasons)},
                add_to_output=True,
            )
            if predicted == self._intent:
                continue
            danger = {INTENT_NAME_KEY: self._intent, "confidence": 1.0}
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != self._intent
            ]
            message.set(INTENT, danger, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [danger, *ranking], add_to_output=True)
        return messages
