"""The NLU report check (tests/check_nlu_report.py) fails under its floors and names what was missed."""

from __future__ import annotations

from nlp.names import DANGER_INTENT
from tests.check_nlu_report import check


def report(recall: float, f1: float = 0.95) -> dict:
    return {
        DANGER_INTENT: {"precision": 1.0, "recall": recall, "f1-score": f1, "support": 20},
        "macro avg": {"precision": 1.0, "recall": 1.0, "f1-score": f1, "support": 20},
    }


def test_every_danger_message_recognised_and_a_good_f1_passes():
    assert check(report(1.0)) == []


def test_a_missed_danger_message_fails_and_is_named_with_what_it_was_taken_for():
    errors = [
        {"text": "hes got a bottle", "intent": DANGER_INTENT, "intent_prediction": {"name": "faq"}},
        {"text": "what is mash", "intent": "faq", "intent_prediction": {"name": "greet"}},
    ]
    [failure] = check(report(0.95), errors)
    assert "recall 0.950 is under 1.0" in failure
    assert "'hes got a bottle' -> faq" in failure and "what is mash" not in failure


def test_a_macro_f1_under_the_floor_fails():
    assert any("macro-F1 0.850" in failure for failure in check(report(1.0, f1=0.85)))
