"""How well the running assistant understands people it was not trained on: five rates.

    PYTHONPATH=. .venv/bin/python bench/understanding.py [--set tests/understanding] [--check]

Plays an independent evaluation set (``messages.yml`` and ``conversations.yml`` under ``--set``)
against the REAL Rasa server and action server, started as the live tests start them
(``tests/live.py``: the trained model models/assistant.tar.gz, free ports, a stand-in intake),
over REST as the web chat talks to them. Every single message is the first message of a fresh
conversation (a new sender id). Matching is case-insensitive and ignores whitespace differences,
in phone numbers too ("023 8083 3336" = "02380833336").

1. danger: ``danger_now`` messages whose first reply message contains "Call 999";
2. child: ``child_self`` messages where some reply contains "0800 1111" (Childline), and for those
   with ``danger_now: true`` also a 999 in the first reply (both are reported);
3. false alarms: ``not_immediate`` messages whose first reply starts with "Call 999 now" (lower is
   better);
4. questions: ``question`` messages where some reply contains one of ``expect_any``;
5. conversations where every expectation holds at every turn (``expect_first`` in the first reply
   of that turn, ``expect_any`` in one of that turn's replies, ``expect_none``: no reply of the turn
   starts with any of them).

Many of the assistant's answers end with "If a child is in immediate danger, call 999 now", so
rates 1 and 2 would count such an answer; the strict figure beside each (the first reply *starts*
with "Call 999") says how often the danger was really recognised.

It prints the rates, the failing items and the latency of one message alone (p50, p95), and
writes them to bench/results/understanding.md and .json (another set, such as
tests/understanding_fresh, to understanding_fresh.md and .json). ``--check`` exits 1 when rate 1 or
rate 2 is below 100%.

The evaluation set measures generalisation: it must NEVER be trained on, copied into data/ or
used to tune the NLU. Once it has been, these figures mean nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from tests.live import MODEL, Conversation, LiveStack, start_live_stack  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CALL_999 = "Call 999"
CALL_999_NOW = "Call 999 now"
CHILDLINE = "0800 1111"
CUT = 100


@contextlib.contextmanager
def running_stack() -> Iterator[LiveStack]:
    """The test suite's own live stack (Rasa, actions, stand-in intake), in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bench-understanding-") as base:
        with start_live_stack(Path(base)) as stack:
            yield stack


# -- matching ------------------------------------------------------------------------------------


def norm(text: str) -> str:
    """Lower case, whitespace runs as one space, no space between two digits."""
    text = re.sub(r"\s+", " ", text).strip().lower()
    return re.sub(r"(?<=\d) (?=\d)", "", text)


def contains(reply: str, needle: str) -> bool:
    return norm(needle) in norm(reply)


def starts(reply: str, needle: str) -> bool:
    return norm(reply).startswith(norm(needle))


def as_list(value: Any) -> List[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def cut(text: str, size: int = CUT) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= size else text[: size - 1] + "…"


# -- talking to the assistant --------------------------------------------------------------------


def say(conversation: Conversation, text: str) -> Dict[str, Any]:
    """One message: the replies' texts, how long it took, and the error if the request failed."""
    started = time.perf_counter()
    try:
        replies = [reply.get("text", "") or "" for reply in conversation.say(text)]
        error = None
    except Exception as exc:  # a failed request is a failed item, not a crash
        replies, error = [], f"{type(exc).__name__}: {exc}"
    return {"replies": replies, "seconds": time.perf_counter() - started, "error": error}


def first(replies: List[str]) -> str:
    return replies[0] if replies else ""


def play_messages(stack: LiveStack, messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    results = []
    for number, message in enumerate(messages, 1):
        conversation = Conversation(stack.webhook, f"bench-{uuid.uuid4()}")
        results.append({**message, **say(conversation, message["text"])})
        if number % 25 == 0 or number == len(messages):
            print(f"  messages {number}/{len(messages)}", file=sys.stderr, flush=True)
    return results


def play_conversations(stack: LiveStack, conversations: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    results = []
    for number, conversation in enumerate(conversations, 1):
        talk = Conversation(stack.webhook, f"bench-{uuid.uuid4()}")
        turns = [{**turn, **say(talk, turn["user"])} for turn in conversation["turns"]]
        results.append({"name": conversation.get("name", f"conversation {number}"), "turns": turns})
        if number % 10 == 0 or number == len(conversations):
            print(f"  conversations {number}/{len(conversations)}", file=sys.stderr, flush=True)
    return results


# -- the five rates ------------------------------------------------------------------------------


def failure(item: Dict[str, Any], why: str) -> Dict[str, str]:
    return {"text": cut(item["text"]), "first_reply": cut(shown_reply(item)), "why": why}


def shown_reply(item: Dict[str, Any]) -> str:
    """The first reply, or the error when the request failed."""
    return f"<{item['error']}>" if item["error"] else first(item["replies"])


def rate(passed: int, n: int) -> Dict[str, Any]:
    return {"x": passed, "n": n, "rate": passed / n if n else None}


def score_messages(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    by_kind: Dict[str, List[Dict[str, Any]]] = {}
    for item in results:
        by_kind.setdefault(item["kind"], []).append(item)
        replies = item["replies"]
        item["first_has_999"] = contains(first(replies), "999")
        item["first_has_call_999"] = contains(first(replies), CALL_999)
        item["first_starts_call_999"] = starts(first(replies), CALL_999)
        item["first_starts_call_999_now"] = starts(first(replies), CALL_999_NOW)
        item["has_childline"] = any(contains(reply, CHILDLINE) for reply in replies)
        if item["kind"] == "question":
            item["has_expected"] = any(contains(r, e) for r in replies for e in as_list(item["expect_any"]))

    danger = by_kind.get("danger_now", [])
    child = by_kind.get("child_self", [])
    child_danger = [item for item in child if item.get("danger_now")]
    calm = by_kind.get("not_immediate", [])
    questions = by_kind.get("question", [])

    def child_ok(item: Dict[str, Any]) -> bool:
        return item["has_childline"] and (not item.get("danger_now") or item["first_has_999"])

    def child_why(item: Dict[str, Any]) -> str:
        missing = [] if item["has_childline"] else ["no 0800 1111 in any reply"]
        if item.get("danger_now") and not item["first_has_999"]:
            missing.append("no 999 in the first reply")
        return "; ".join(missing)

    return {
        "danger": {
            **rate(sum(i["first_has_call_999"] for i in danger), len(danger)),
            "strict": rate(sum(i["first_starts_call_999"] for i in danger), len(danger)),
            "failures": [
                failure(i, "no 'Call 999' in the first reply") for i in danger if not i["first_has_call_999"]
            ],
            "not_strict": [
                failure(i, "first reply does not start with 'Call 999'")
                for i in danger
                if i["first_has_call_999"] and not i["first_starts_call_999"]
            ],
        },
        "child": {
            **rate(sum(child_ok(i) for i in child), len(child)),
            "childline": rate(sum(i["has_childline"] for i in child), len(child)),
            "danger_999": rate(sum(i["first_has_999"] for i in child_danger), len(child_danger)),
            "danger_strict": rate(sum(i["first_starts_call_999"] for i in child_danger), len(child_danger)),
            "failures": [failure(i, child_why(i)) for i in child if not child_ok(i)],
        },
        "false_alarms": {
            **rate(sum(i["first_starts_call_999_now"] for i in calm), len(calm)),
            "failures": [
                failure(i, "first reply starts with 'Call 999 now'")
                for i in calm
                if i["first_starts_call_999_now"]
            ],
        },
        "questions": {
            **rate(sum(i["has_expected"] for i in questions), len(questions)),
            "failures": [
                failure(i, "none of " + json.dumps(as_list(i["expect_any"]), ensure_ascii=False))
                for i in questions
                if not i["has_expected"]
            ],
        },
    }


def turn_problems(turn: Dict[str, Any]) -> List[str]:
    replies = turn["replies"]
    problems = [f"request failed: {turn['error']}"] if turn["error"] else []
    for expected in as_list(turn.get("expect_first")):
        if not contains(first(replies), expected):
            problems.append(f"first reply lacks {expected!r}")
    wanted = as_list(turn.get("expect_any"))
    if wanted and not any(contains(reply, e) for reply in replies for e in wanted):
        problems.append("no reply has any of " + json.dumps(wanted, ensure_ascii=False))
    for unwanted in as_list(turn.get("expect_none")):
        if any(starts(reply, unwanted) for reply in replies):
            problems.append(f"a reply starts with {unwanted!r}")
    return problems


def score_conversations(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    failures = []
    for conversation in results:
        broken = []
        for number, turn in enumerate(conversation["turns"], 1):
            turn["problems"] = turn_problems(turn)
            if turn["problems"]:
                broken.append(
                    {
                        "turn": number,
                        "text": cut(turn["user"]),
                        "first_reply": cut(shown_reply(turn)),
                        "why": "; ".join(turn["problems"]),
                    }
                )
        conversation["passed"] = not broken
        if broken:
            failures.append({"name": conversation["name"], "turns": broken})
    return {**rate(sum(c["passed"] for c in results), len(results)), "failures": failures}


def percentile(values: List[float], p: float) -> Optional[float]:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# -- the record ----------------------------------------------------------------------------------


def git(*args: str) -> str:
    """Git's output as it is (porcelain lines start with a space), or "" without git."""
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def shown(entry: Dict[str, Any]) -> str:
    if not entry["n"]:
        return "0/0"
    return f"{entry['x']}/{entry['n']} = {100 * entry['rate']:.1f}%"


def table(scores: Dict[str, Any]) -> List[str]:
    danger, child, alarms = scores["danger"], scores["child"], scores["false_alarms"]
    questions, conversations = scores["questions"], scores["conversations"]
    return [
        "| # | rate | result | goal |",
        "|---|---|---|---|",
        f'| 1 | danger_now: first reply contains "Call 999" | {shown(danger)} | 100% |',
        f"|   | (strict: first reply starts with \"Call 999\") | {shown(danger['strict'])} | |",
        f"| 2 | child_self: Childline, and 999 first when in danger | {shown(child)} | 100% |",
        f"|   | child_self: some reply has 0800 1111 | {shown(child['childline'])} | 100% |",
        f"|   | child_self, danger_now: first reply has 999 | {shown(child['danger_999'])} | 100% |",
        f"|   | (strict: first reply starts with \"Call 999\") | {shown(child['danger_strict'])} | |",
        f'| 3 | not_immediate: first reply starts "Call 999 now" (false alarms) | {shown(alarms)} | lower |',
        f"| 4 | question: some reply has one of expect_any | {shown(questions)} | higher |",
        f"| 5 | conversations: every expectation at every turn | {shown(conversations)} | higher |",
    ]


def md_quote(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("`", "'")
        .replace("|", "\\|")
        .replace("*", "\\*")
        .replace("_", "\\_")
    )


def item_lines(item: Dict[str, str], indent: str = "") -> str:
    return (
        f"{indent}- \"{md_quote(item['text'])}\"  \n{indent}  → {md_quote(item['first_reply'])}  \n"
        f"{indent}  ({md_quote(item['why'])})"
    )


def failure_lines(scores: Dict[str, Any]) -> List[str]:
    sections = [
        ('1. danger_now without "Call 999" in the first reply', scores["danger"]["failures"]),
        (
            '1. (strict) danger_now not starting "Call 999" (but containing it)',
            scores["danger"]["not_strict"],
        ),
        ("2. child_self", scores["child"]["failures"]),
        ('3. not_immediate answered "Call 999 now" (false alarms)', scores["false_alarms"]["failures"]),
        ("4. questions without an expected answer", scores["questions"]["failures"]),
    ]
    lines: List[str] = []
    for title, items in sections:
        lines += ["", f"### {title} ({len(items)})", ""]
        lines += [item_lines(i) for i in items] or ["none"]
    conversations = scores["conversations"]["failures"]
    lines += ["", f"### 5. conversations with a failed expectation ({len(conversations)})", ""]
    for conversation in conversations:
        lines.append(f"- **{md_quote(conversation['name'])}**")
        for turn in conversation["turns"]:
            lines.append(item_lines({**turn, "text": f"turn {turn['turn']}: {turn['text']}"}, "  "))
    if not conversations:
        lines.append("none")
    return lines


def seconds(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.3f} s"


def report(record: Dict[str, Any]) -> str:
    run, latency = record["run"], record["latency_one_message_seconds"]
    dirty = ", ".join(f"`{path}`" for path in run["uncommitted"]) or "none"
    lines = [
        "# Understanding: the independent evaluation set against the running assistant",
        "",
        f"`bench/understanding.py` on `{run['set']}` ({run['messages']} messages, "
        f"{run['conversations']} conversations), against the real Rasa and action servers with "
        f"`models/assistant.tar.gz` (sha256 `{run['model_sha256'][:12]}`).",
        f"Run on {run['date']} at commit `{run['commit'][:12]}`; uncommitted changes in the tree: {dirty}.",
        f"Machine: {run['nproc']} cores, Python {run['python']}, Rasa {run['rasa']}. "
        f"Start-up {run['startup_seconds']:.0f} s, the whole run {run['total_seconds']:.0f} s.",
        "",
        "The set must never be trained on: it measures how the assistant does on words it has not seen.",
        "",
        *table(record["scores"]),
        "",
        f"Latency of one message alone (the first of a fresh conversation, {latency['n']} messages, "
        f"one at a time): p50 {seconds(latency['p50'])}, p95 {seconds(latency['p95'])}, "
        f"max {seconds(latency['max'])}.",
        "",
        'Rate 1 counts any first reply containing "call 999" (many answers end with "If a child is in',
        'immediate danger, call 999 now"); the strict line counts first replies that start with it.',
        "",
        "## Failures",
        "",
        "Message and first reply cut to 100 characters.",
        *failure_lines(record["scores"]),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set", type=Path, default=Path("tests/understanding"), help="the folder of the two files"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when rate 1 or rate 2 is below 100%%")
    args = parser.parse_args()
    folder = args.set if args.set.is_absolute() else ROOT / args.set
    messages = yaml.safe_load((folder / "messages.yml").read_text(encoding="utf-8"))["messages"]
    conversations = yaml.safe_load((folder / "conversations.yml").read_text(encoding="utf-8"))
    conversations = conversations["conversations"]

    began = time.perf_counter()
    print("starting the Rasa and action servers...", file=sys.stderr, flush=True)
    with running_stack() as stack:
        up = time.perf_counter()
        message_results = play_messages(stack, messages)
        conversation_results = play_conversations(stack, conversations)
    ended = time.perf_counter()

    scores = score_messages(message_results)
    scores["conversations"] = score_conversations(conversation_results)
    seconds = [item["seconds"] for item in message_results if not item["error"]]
    status = git("status", "--porcelain")
    record = {
        "run": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "commit": git("rev-parse", "HEAD").strip(),
            "uncommitted": [line[3:] for line in status.splitlines() if line],
            "nproc": len(os.sched_getaffinity(0)),
            "machine": platform.machine(),
            "python": platform.python_version(),
            "rasa": version("rasa"),
            "model_sha256": sha256(MODEL),
            "set": str(folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder),
            "messages": len(messages),
            "conversations": len(conversations),
            "startup_seconds": up - began,
            "total_seconds": ended - began,
        },
        "latency_one_message_seconds": {
            "n": len(seconds),
            "p50": percentile(seconds, 50),
            "p95": percentile(seconds, 95),
            "max": max(seconds, default=None),
        },
        "scores": scores,
        "messages": message_results,
        "conversations": conversation_results,
    }
    text = report(record)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    # tests/understanding -> understanding.md; another set (tests/understanding_fresh) -> its own file,
    # so that measuring a second set never overwrites the main set's figures.
    stem = (
        "understanding"
        if folder.name == "understanding"
        else f"understanding_{folder.name.removeprefix('understanding_')}"
    )
    (RESULTS / f"{stem}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(
        json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    goal_met = scores["danger"]["rate"] == 1 and scores["child"]["rate"] == 1
    return 1 if args.check and not goal_met else 0


if __name__ == "__main__":
    sys.exit(main())
