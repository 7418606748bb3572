"""How much the danger safety net adds to the classifier, on the held-out NLU set.

    .venv/bin/python bench/safety_net.py [--model models/assistant.tar.gz] [--nlu tests/nlu/heldout.yml]

Parses every held-out example with the trained model and prints, for the danger intent, the
recall of the classifier alone (the intent before the safety net), of the safety net alone, and
of both together, and how many other messages the safety net turned into danger (false alarms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent

from nlp.safety_net import DANGER_INTENT, SAFETY_NET_KEY
from tests.test_training_data import nlu_examples


async def measure(model: Path, nlu: Path) -> None:
    agent = Agent.load(str(model))
    examples = [(intent.split("/")[0], text) for intent, texts in nlu_examples(nlu).items() for text in texts]
    counts = {"danger": 0, "classifier": 0, "net": 0, "both": 0, "others": 0, "false_alarms": 0}
    for intent, text in examples:
        parsed = await agent.parse_message(text)
        net = parsed.get(SAFETY_NET_KEY)
        classifier_said = net["overrode"] if net else parsed["intent"]["name"]
        if intent == DANGER_INTENT:
            counts["danger"] += 1
            counts["classifier"] += classifier_said == DANGER_INTENT
            counts["net"] += net is not None
            counts["both"] += parsed["intent"]["name"] == DANGER_INTENT
        else:
            counts["others"] += 1
            counts["false_alarms"] += bool(net) and classifier_said != DANGER_INTENT
    n = counts["danger"]
    print(f"held-out set: {nlu} ({len(examples)} examples, {n} describe immediate danger)")
    print(f"danger recall, classifier alone:   {counts['classifier']}/{n} = {counts['classifier'] / n:.3f}")
    print(f"danger recall, safety net alone:   {counts['net']}/{n} = {counts['net'] / n:.3f}")
    print(f"danger recall, both together:      {counts['both']}/{n} = {counts['both'] / n:.3f}")
    print(
        f"false alarms raised by the net:    {counts['false_alarms']}/{counts['others']} other messages"
        f" = {counts['false_alarms'] / counts['others']:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=Path("models/assistant.tar.gz"))
    parser.add_argument("--nlu", type=Path, default=Path("tests/nlu/heldout.yml"))
    args = parser.parse_args()
    asyncio.run(measure(args.model, args.nlu))


if __name__ == "__main__":
    main()
