"""Issue 12 as a new user would meet it, through the real servers: the Rasa and action servers
(tests/live.py) handing referrals and conversation events to the real intake service
(tests/intake_service.py).

Three conversations: one ends in a referral, one is an ordinary question, one starts a referral
and is left (the tab closed). Then: nothing any of them said is readable in any file of either
side; the staff API lists the first with its intents, confidences and referral; the retention
purge, once the session has expired, erases the abandoned one from both stores; a staff
correction exports as NLU data that Rasa reads and validates, and the referral's conversation
exports as a test story that `rasa test` runs.
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from tests.intake_service import SERVICE_TOKEN, IntakeService
from tests.live import BIN, MODEL, ROOT, start_live_stack
from tests.test_live_referrals import CHILD_AND_CONCERN, eventually, start_referral

CANARIES = {
    "referral": ("Marigold Oakhampton", "SO15 3RT", "023 8041 7345"),
    "abandoned": ("Benedikt Larchmont", "SO17 1BJ", "023 8041 7351"),
}


def named(child: str, postcode: str, phone: str):
    return ["no, I will give my details", "Pat Green", phone, "skip", "his aunt",
            "I saw or heard it myself", child, "7 year old", f"14 Harbour View, {postcode}"]  # fmt: skip


def readable(folder: Path):
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            for scenario, values in CANARIES.items():
                for value in values:
                    for form in {value, value.replace(" ", "")}:
                        if form.lower().encode() in data:
                            found.append(f"{form} ({scenario}) in {path.name}")
    return found


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    intake_dir = tmp_path_factory.mktemp("intake")
    intake = IntakeService(intake_dir).start()
    workdir = tmp_path_factory.mktemp("assistant")
    overrides = {"INTAKE_URL": intake.url + "/api/v1/referrals", "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN}
    try:
        with start_live_stack(workdir, env_overrides=overrides) as live:
            chats = {}
            chat = live.conversation()
            chats["referral"] = chat.sender
            start_referral(chat, "/identify_as_public")
            for answer in named(*CANARIES["referral"]) + CHILD_AND_CONCERN[4:]:
                summary = chat.texts(answer)
            assert summary[0].startswith("Here is exactly what will be sent:")
            sent = " ".join(chat.texts("send it"))
            assert "SCS-" in sent, sent

            chat = live.conversation()
            chats["question"] = chat.sender
            assert any("023 8083" in t for t in chat.texts("what number do I ring to report a worry?"))

            chat = live.conversation()
            chats["abandoned"] = chat.sender
            start_referral(chat, "/identify_as_public")
            for answer in named(*CANARIES["abandoned"]):
                chat.texts(answer)

            listed = eventually(
                lambda: all(intake.conversation(chats[k]) for k in chats)
                and len(intake.conversation(chats["referral"])["referrals"]) == 1,
                within=60,
            )
            assert listed, "the review store never received the three conversations"
            env = {
                **os.environ,
                "TRACKER_STORE_DB": str(workdir / "rasa.db"),
                "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook",
                **overrides,
            }
            yield {"intake": intake, "chats": chats, "workdir": workdir, "env": env}
    finally:
        intake.stop()


def test_nothing_anyone_said_is_readable_in_any_file_of_either_side(stack):
    assert readable(stack["workdir"]) == []
    assert readable(stack["intake"].var_dir) == []


def test_staff_see_the_referral_conversation_with_its_intents_confidences_and_reference(stack):
    intake = stack["intake"]
    held = intake.conversation(stack["chats"]["referral"])
    [referral] = held["referrals"]
    assert referral["reference"].startswith("SCS-")
    users = [e for e in held["events"] if e["type"] == "user"]
    assert users[0]["intent"] == "request_referral" and 0 < users[0]["confidence"] <= 1
    ranking = users[0]["event"]["parse_data"]["intent_ranking"]
    assert ranking[0]["name"] == "request_referral" and len(ranking) > 1
    assert any(e["type"] == "active_loop" and e["event"]["name"] == "referral_form" for e in held["events"])
    status, listed = intake.staff("GET", "/conversations?referral=true")
    assert status == 200
    assert [i["conversation_id"] for i in listed["items"]] == [stack["chats"]["referral"]]


def test_an_abandoned_referral_is_erased_from_both_stores_once_its_session_expires(stack):
    chats, env = stack["chats"], stack["env"]
    soon = (datetime.now(timezone.utc) + timedelta(minutes=30)).isoformat()
    later = (datetime.now(timezone.utc) + timedelta(minutes=61)).isoformat()
    command = [str(BIN / "python"), "-m", "conversations.retention", "--now"]
    first = subprocess.run([*command, soon], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert '"abandoned_referrals_erased": 0' in first.stdout
    second = subprocess.run([*command, later], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    assert '"abandoned_referrals_erased": 1' in second.stdout
    assert '"review_messages_waiting": 0' in second.stdout
    intake = stack["intake"]
    assert eventually(lambda: intake.conversation(chats["abandoned"]) is None, within=30)
    assert intake.conversation(chats["referral"]) is not None
    assert intake.conversation(chats["question"]) is not None


def test_a_correction_exports_as_nlu_data_rasa_validates_and_a_conversation_as_a_story_rasa_runs(
    stack, tmp_path
):
    intake, chats = stack["intake"], stack["chats"]
    question = intake.conversation(chats["question"])
    message = next(e for e in question["events"] if e["type"] == "user")
    status, _ = intake.staff(
        "POST", f"/conversations/{chats['question']}/events/{message['id']}/correction", {"intent": "faq"}
    )
    assert status == 200
    status, nlu = intake.staff("GET", "/exports/nlu")
    assert status == 200
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "corrections.yml").write_text(nlu, encoding="utf-8")
    examples = load_data(str(data_dir / "corrections.yml")).training_examples
    assert [(e.get("intent"), e.get("text")) for e in examples] == [
        ("faq", "what number do I ring to report a worry?")
    ]
    validate = subprocess.run(
        [str(BIN / "rasa"), "data", "validate", "--data", str(data_dir), "--domain", "domain.yml"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-3000:]

    status, story = intake.staff("GET", f"/conversations/{chats['referral']}/story")
    assert status == 200
    for value in CANARIES["referral"]:
        assert value not in story
    steps = yaml.safe_load(story)["stories"][0]["steps"]
    assert {"active_loop": "referral_form"} in steps
    stories = tmp_path / "story.yml"
    stories.write_text(story, encoding="utf-8")
    started = time.monotonic()
    tested = subprocess.run(
        [str(BIN / "rasa"), "test", "core", "--model", str(MODEL), "--stories", str(stories),
         "--out", str(tmp_path / "results")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )  # fmt: skip
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    report = (tmp_path / "results" / "story_report.json").read_text()
    assert '"support"' in report, f"rasa test ran no story ({time.monotonic() - started:.0f} s)"
