"""The two halves triage the same payload the same way.

The assistant records its provisional rating in every example payload
(``contracts/examples/valid_*.json``, checked by its own tests against ``actions/referral/triage.py``);
the intake recomputes it from the facts alone. They must agree on the RAG rating: a disagreement is a
child whose referral MASH would see at a different priority from the one the assistant reckoned.
Deliberate differences are written down in ``contracts/README.md``; today there are none in the
rating (the reasons are worded for different readers).
"""

import json
from pathlib import Path

import pytest

from intake.triage import triage

EXAMPLES = Path(__file__).resolve().parents[2] / "contracts" / "examples"
VALID = sorted(EXAMPLES.glob("valid_*.json"))


def test_there_are_examples_to_compare():
    assert len(VALID) >= 9


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_the_intake_rates_each_example_as_the_assistant_did(path):
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert triage(payload).rag == payload["provisional_triage"]["rag"]


def test_the_childs_own_words_are_a_disclosure_on_both_sides():
    payload = json.loads((EXAMPLES / "valid_child_words_recorded.json").read_text(encoding="utf-8"))
    rating = triage(payload)
    assert rating.rag == "amber"
    assert any("own words" in reason for reason in rating.reasons)
