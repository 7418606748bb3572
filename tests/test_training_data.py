"""The training data: validated by Rasa, large enough, and never reused by the tests."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).with_name("rasa"))
INTENTS_A_CONVERSATION_STARTS_WITH = [
    "report_immediate_danger",
    "express_worry_about_child",
    "report_child_disclosure",
    "request_referral",
    "child_seeking_help",
    "faq",
]


def nlu_examples(path: Path) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
        if "intent" not in block:
            continue
        lines = [re.sub(r"^- ", "", line).strip() for line in block["examples"].splitlines()]
        examples.setdefault(block["intent"], []).extend(line for line in lines if line)
    return examples


def training_examples() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data/nlu").glob("*.yml")):
        for intent, texts in nlu_examples(path).items():
            merged.setdefault(intent.split("/")[0], []).extend(texts)
    return merged


def normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def conversation_test_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "tests/stories").glob("*.yml")):
        for story in yaml.safe_load(path.read_text())["stories"]:
            texts += [step["user"].strip() for step in story["steps"] if "user" in step]
    return [t for t in texts if not t.startswith("/")]


@pytest.mark.parametrize("intent", INTENTS_A_CONVERSATION_STARTS_WITH)
def test_every_intent_a_conversation_starts_with_has_at_least_30_examples(intent):
    assert len(training_examples()[intent]) >= 30


def test_no_example_is_given_to_two_intents():
    seen = Counter(normalised(t) for texts in training_examples().values() for t in set(texts))
    assert [t for t, n in seen.items() if n > 1] == []


def test_conversation_tests_use_text_the_model_never_trained_on():
    trained = {normalised(t) for texts in training_examples().values() for t in texts}
    reused = [t for t in conversation_test_texts() if normalised(t) in trained]
    assert reused == []


def test_the_held_out_nlu_set_shares_no_example_with_the_training_data():
    trained = {normalised(t) for texts in training_examples().values() for t in texts}
    held_out = [t for texts in nlu_examples(ROOT / "tests/nlu/heldout.yml").values() for t in texts]
    assert len(held_out) >= 150
    assert [t for t in held_out if normalised(t) in trained] == []


def understanding_set_texts() -> list[str]:
    """Every message of the independent evaluation sets (tests/understanding,
    tests/understanding_fresh, tests/understanding_blind, tests/understanding_final and
    tests/understanding_dec2), conversations included."""
    texts = []
    for name in (
        "understanding",
        "understanding_fresh",
        "understanding_blind",
        "understanding_final",
        "understanding_dec2",
    ):
        folder = ROOT / "tests" / name
        messages = yaml.safe_load((folder / "messages.yml").read_text(encoding="utf-8"))["messages"]
        conversations = yaml.safe_load((folder / "conversations.yml").read_text(encoding="utf-8"))[
            "conversations"
        ]
        texts += [m["text"] for m in messages] + [t["user"] for c in conversations for t in c["turns"]]
    return texts


# An answer of this many words or fewer ("hello", "member of the public") is the same whoever
# writes it: a conversation of the set may use one the training data has.
SHORT_ANSWER_WORDS = 4


def test_the_understanding_set_shares_no_sentence_with_the_training_data():
    trained = {normalised(t) for texts in training_examples().values() for t in texts}
    texts = understanding_set_texts()
    assert len(texts) >= 300
    shared = [t for t in texts if normalised(t) in trained and len(t.split()) > SHORT_ANSWER_WORDS]
    assert shared == []


def responses_sent_by_forms_and_actions() -> set[str]:
    """Responses a form asks (utter_ask_<slot>) or a custom action sends, which no story names."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    form_slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    asked = {f"utter_ask_{slot}" for slot in form_slots}
    sent = set()
    for path in (ROOT / "actions").rglob("*.py"):
        sent |= set(re.findall(r"[\"'](utter_[a-z0-9_]+)[\"']", path.read_text()))
    return (asked | sent) & set(domain["responses"])


# Rasa 3.6's validator counts a response as unused when only a form asks it or an action sends it
# (RasaHQ/rasa#4417), and reports the retrieval intent `faq` twice when the domain lists it as
# Rasa's docs ask. Those are the only warnings this project accepts.
def accepted_warnings() -> list[str]:
    unused = "|".join(sorted(responses_sent_by_forms_and_actions()))
    return [
        rf"The utterance '({unused})' is not used in any story or rule\.",
        r"The following duplicated intents have been found across multiple domain files: faq",
    ]


def test_rasa_data_validate_passes_with_fail_on_warnings_and_no_unexplained_warning():
    result = subprocess.run(
        [RASA, "data", "validate", "--fail-on-warnings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    warnings = re.findall(r"UserWarning: (.*)", output)
    unexplained = [w for w in warnings if not any(re.search(p, w) for p in accepted_warnings())]
    assert unexplained == []


def _word_set(text: str) -> frozenset[str]:
    return frozenset(normalised(text).split())


# Two sentences of at least NEAR_COPY_WORDS words sharing this share of their words (Jaccard) are
# one sentence lightly reworded; shorter questions ("what is mash?") are the same whoever asks them.
NEAR_COPY_AT_LEAST = 0.7
NEAR_COPY_WORDS = 9


def test_no_training_example_is_a_light_rewording_of_a_sentence_of_the_understanding_set():
    trained = [
        (t, _word_set(t)) for texts in training_examples().values() for t in texts if len(t.split()) > 4
    ]
    near = []
    for text in understanding_set_texts():
        words = _word_set(text)
        if len(words) < NEAR_COPY_WORDS:
            continue
        for example, example_words in trained:
            shared = len(words & example_words) / len(words | example_words)
            if shared >= NEAR_COPY_AT_LEAST:
                near.append((text, example, round(shared, 2)))
    assert near == []
