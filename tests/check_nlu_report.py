"""Checks the NLU evaluation on the held-out set against the project's floors.

    python -m tests.check_nlu_report results/nlu

Reads ``intent_report.json`` written by ``rasa test nlu`` and fails (exit 1) when the intent
macro-F1 is under 0.90 or when any held-out danger message was not recognised as danger (the
model's NLU pipeline includes the spaCy safety net, so this is the recall of both together).
A summary is written next to the report as ``summary.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nlp.names import DANGER_INTENT

MACRO_F1_FLOOR = 0.90
DANGER_RECALL_FLOOR = 1.0


def check(report: dict, errors: list[dict] = ()) -> list[str]:
    """The floors the report misses; empty when it meets them all. ``errors`` (``rasa test nlu``'s
    ``intent_errors.json``) names the danger messages missed."""
    failures = []
    macro_f1 = report["macro avg"]["f1-score"]
    if macro_f1 < MACRO_F1_FLOOR:
        failures.append(f"intent macro-F1 {macro_f1:.3f} is under {MACRO_F1_FLOOR}")
    danger = report.get(DANGER_INTENT)
    if danger is None:
        failures.append(f"the held-out set has no {DANGER_INTENT} examples")
    elif danger["recall"] < DANGER_RECALL_FLOOR:
        missed = [
            f"{error['text']!r} -> {error['intent_prediction']['name']}"
            for error in errors
            if error.get("intent") == DANGER_INTENT
        ]
        failures.append(f"{DANGER_INTENT} recall {danger['recall']:.3f} is under 1.0; missed: {missed}")
    return failures


def summary(report: dict) -> str:
    rows = [
        f"| {name} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1-score']:.3f} | {v['support']} |"
        for name, v in sorted(report.items())
        if isinstance(v, dict) and "support" in v and name not in ("macro avg", "weighted avg", "micro avg")
    ]
    macro = report["macro avg"]
    danger_recall = report.get(DANGER_INTENT, {}).get("recall", 0)
    return "\n".join(
        [
            "# NLU evaluation on tests/nlu/heldout.yml",
            "",
            f"Intent macro-F1: {macro['f1-score']:.3f} (floor {MACRO_F1_FLOOR})  ",
            f"{DANGER_INTENT} recall with the safety net: {danger_recall:.3f} (floor {DANGER_RECALL_FLOOR})",
            "",
            "| intent | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


def main(results: Path) -> int:
    report = json.loads((results / "intent_report.json").read_text())
    (results / "summary.md").write_text(summary(report))
    print(summary(report))
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    failures = check(report, errors)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/nlu")))
