"""The hand-off to the intake API never loses a referral and never sends it twice.

Real components throughout: the outbox on a SQLite file under a temporary `var/`, the worker,
aiohttp, and the action server itself. A small aiohttp server on 127.0.0.1 stands in for the intake
API: it can be down (not listening), answer 5xx/4xx, hang, or accept with a reference, and like the
real intake it keeps one referral per `referral_id` (same body again: 200 with the same receipt;
different body: 409). Backoff is tiny through the settings; waits poll with a bounded loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import socket
import sqlite3
import stat
import time
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from aiohttp import web
from sanic import Sanic

from actions.outbox import Outbox, backoff_delay, run_outbox_worker, submit
from actions.server import build_app
from actions.settings import DEFAULT_INTAKE_URL, REPO_ROOT, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "contracts" / "examples" / "valid_named_public.json"
REFERRALS_PATH = "/api/v1/referrals"
TOKEN = "test-service-token"  # noqa: S105 (the stand-in intake's own)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def canonical(payload: Dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class FakeIntake:
    """Stands in for POST /api/v1/referrals of the intake service."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{REFERRALS_PATH}"
        self.answer = 201  # 201: accept (or 200/409 for a known id); anything else: answer that status
        self.hang = False  # hold every request until `release` is set, then answer
        self.release = asyncio.Event()
        # "before_storing" / "after_storing": the next request that would be accepted never gets an
        # answer, the intake goes down meanwhile (`stop`) having stored it or not; `crashing` says so.
        self.crash: Optional[str] = None
        self.crashing = asyncio.Event()
        self.bodies: Dict[str, str] = {}  # referral_id -> canonical body of each referral accepted
        self.receipts: Dict[str, Dict[str, Any]] = {}
        self.stored: List[str] = []  # referral_id of each new referral stored, in order
        self.posts: List[Optional[str]] = []  # the Idempotency-Key of every POST that arrived
        self._runner: Optional[web.AppRunner] = None

    @property
    def up(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(REFERRALS_PATH, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Go down: nothing listens on the port any more."""
        if self._runner is not None:
            self.release.set()
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key")
        self.posts.append(key)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": "unauthorised"}, status=401)
        payload = await request.json()  # read before any hang: the body is here even if the client goes
        if self.hang:
            await self.release.wait()
        if self.answer != 201:
            headers = {"Retry-After": "0"} if self.answer == 429 else None
            errors = [{"field": "children/0/age", "message": "must be 0 to 17"}]
            return web.json_response(
                {"error": "refused", "errors": errors}, status=self.answer, headers=headers
            )
        referral_id = payload["referral_id"]
        if key != referral_id:
            return web.json_response({"error": "idempotency key is not the referral_id"}, status=400)
        if referral_id in self.bodies:
            if self.bodies[referral_id] != canonical(payload):
                return web.json_response({"error": "referral_id_conflict"}, status=409)
            return web.json_response(self.receipts[referral_id], status=200)
        await self._crash_if("before_storing")
        self.bodies[referral_id] = canonical(payload)
        self.stored.append(referral_id)
        self.receipts[referral_id] = {
            "referral_id": referral_id,
            "reference": f"SCS-2026-{len(self.bodies):06d}",
            "rag": "amber",
            "reasons": ["harmed or at risk"],
            "mash_response": "strategy discussion",
            "received_at": "2026-03-02T14:05:01Z",
            "due_at": "2026-03-02T20:05:01Z",
            "feedback_due_at": None,
        }
        await self._crash_if("after_storing")
        return web.json_response(self.receipts[referral_id], status=201)

    async def _crash_if(self, moment: str) -> None:
        if self.crash == moment:
            self.crash = None
            self.crashing.set()
            await asyncio.Event().wait()  # no answer: `stop` cuts the connection


def a_referral(**changes: Any) -> Dict[str, Any]:
    """A named member of the public's referral (contract example), each from its own conversation."""
    payload = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    payload["referral_id"] = str(uuid.uuid4())
    payload["conversation_id"] = str(uuid.uuid4())
    payload.update(changes)
    return payload


NAME = a_referral()["referrer"]["name"]
DESCRIPTION = a_referral()["concern"]["description"]


async def eventually(condition: Callable[[], bool], what: str, within: float = 15.0) -> None:
    """Poll until `condition` holds; the bound only stops a broken test from hanging."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def running_worker(outbox: Outbox, settings: Settings) -> AsyncIterator[asyncio.Task]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_outbox_worker(outbox, settings, stop))
    try:
        yield task
    finally:
        stop.set()
        if not task.done():
            await asyncio.wait_for(task, timeout=10)


@pytest.fixture
async def intake() -> AsyncIterator[FakeIntake]:
    fake = FakeIntake()
    yield fake
    await fake.stop()


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def settings_for(var_dir: Path) -> Callable[..., Settings]:
    """Settings as the action server reads them from its environment, with tiny backoff."""

    def make(intake: FakeIntake, **environ: str) -> Settings:
        return load_settings(environment(intake, var_dir, **environ))

    return make


def environment(intake: FakeIntake, var_dir: Path, **environ: str) -> Dict[str, str]:
    """The action server's environment in these tests: the stand-in intake, tiny backoff."""
    env = {
        "INTAKE_URL": intake.url,
        "INTAKE_SERVICE_TOKEN": TOKEN,
        "INTAKE_SERVICE_TOKEN_FILE": str(var_dir / "intake_service_token"),
        "OUTBOX_PATH": str(var_dir / "outbox.db"),
        "INTAKE_TIMEOUT_SECONDS": "5",
        "OUTBOX_RETRY_INITIAL_SECONDS": "0.005",
        "OUTBOX_RETRY_FACTOR": "2",
        "OUTBOX_RETRY_MAX_SECONDS": "0.02",
        "OUTBOX_POLL_SECONDS": "0.01",
    }
    env.update(environ)
    return env


@pytest.fixture
def settings(intake: FakeIntake, settings_for: Callable[..., Settings]) -> Settings:
    return settings_for(intake)


@pytest.fixture
def outbox(settings: Settings) -> Iterator[Outbox]:
    box = Outbox(settings.outbox_path)
    yield box
    box.close()


def pending_attempts(outbox: Outbox, referral_id: str) -> int:
    entry = outbox.get(referral_id)
    return entry.attempts if entry and entry.state == "pending" else -1


def assert_no_copy_left(var_dir: Path, *values: str) -> None:
    """Not even a leftover copy of these in the outbox file or its write-ahead log."""
    for path in var_dir.glob("outbox.db*"):
        raw = path.read_bytes()
        for value in values:
            assert value.encode() not in raw, path.name


def delivered(outbox: Outbox, referral_id: str) -> bool:
    entry = outbox.get(referral_id)
    return entry is not None and entry.state == "delivered"


# --- settings --------------------------------------------------------------------------------


def test_settings_default_to_a_laptop_with_the_intake_on_port_8000():
    settings = load_settings({})
    assert settings.intake_url == DEFAULT_INTAKE_URL == "http://127.0.0.1:8000/api/v1/referrals"
    assert settings.outbox_path == REPO_ROOT / "var" / "outbox.db"
    assert settings.service_token_file == REPO_ROOT / "var" / "intake_service_token"
    assert settings.retry_initial_seconds <= settings.retry_max_seconds


def test_the_service_token_is_read_when_sending_so_the_assistant_works_before_intake_ran(tmp_path):
    token_file = tmp_path / "intake_service_token"
    settings = load_settings({"INTAKE_SERVICE_TOKEN_FILE": str(token_file)})
    assert settings.read_service_token() is None
    token_file.write_text("written-by-intake\n")
    assert settings.read_service_token() == "written-by-intake"
    assert "written-by-intake" not in repr(load_settings({"INTAKE_SERVICE_TOKEN": "written-by-intake"}))


def test_retries_back_off_exponentially_with_jitter_up_to_the_cap():
    settings = load_settings(
        {"OUTBOX_RETRY_INITIAL_SECONDS": "2", "OUTBOX_RETRY_FACTOR": "2", "OUTBOX_RETRY_MAX_SECONDS": "300"}
    )
    rng = random.Random(7)  # noqa: S311 (jitter, not security)
    for attempts, step in [(1, 2), (2, 4), (3, 8), (9, 300), (5000, 300)]:
        delays = [backoff_delay(attempts, settings, rng=rng) for _ in range(50)]
        assert all(step / 2 <= delay <= step for delay in delays), attempts
        assert len(set(delays)) > 1  # jittered, so queued referrals do not retry in step
    assert backoff_delay(1, settings, retry_after=60, rng=rng) == 60  # the intake's Retry-After
    assert backoff_delay(1, settings, retry_after=86400, rng=rng) == 300


# --- the outbox file -------------------------------------------------------------------------


def test_the_same_referral_put_twice_is_stored_once(outbox):
    referral = a_referral()
    assert outbox.put(referral["referral_id"], referral) is True
    assert outbox.put(referral["referral_id"], json.loads(json.dumps(referral))) is False
    assert [entry.referral_id for entry in outbox.entries()] == [referral["referral_id"]]


def test_a_different_payload_under_the_same_id_keeps_the_first_and_logs_nothing_personal(outbox, caplog):
    caplog.set_level(logging.DEBUG)
    first = a_referral()
    second = json.loads(json.dumps(first))
    second["concern"]["description"] = "A different account of what happened."
    outbox.put(first["referral_id"], first)
    assert outbox.put(first["referral_id"], second) is False
    assert outbox.payload(first["referral_id"]) == first
    assert len(outbox.entries()) == 1
    assert first["referral_id"] in caplog.text
    for personal in (NAME, DESCRIPTION, "A different account"):
        assert personal not in caplog.text


def test_the_outbox_file_can_be_read_only_by_the_service(var_dir):
    with Outbox(var_dir / "outbox.db") as box:
        referral = a_referral()
        box.put(referral["referral_id"], referral)
        assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
        for name in ("outbox.db", "outbox.db-wal", "outbox.db-shm"):
            if (var_dir / name).exists():
                assert stat.S_IMODE((var_dir / name).stat().st_mode) == 0o600, name
        assert (var_dir / "outbox.db").exists()


# The outbox as first released (user_version 0): what a deployment's file holds before upgrading.
FIRST_SCHEMA = """
CREATE TABLE outbox (
    referral_id TEXT PRIMARY KEY, payload TEXT, payload_sha256 TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'rejected')),
    attempts INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, last_attempt_at REAL,
    next_attempt_at REAL, last_status INTEGER, last_error TEXT, reference TEXT, rag TEXT,
    due_at TEXT, settled_at REAL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
"""


async def test_an_outbox_written_before_the_upgrade_keeps_its_referrals_and_delivers_them(
    intake, settings, var_dir
):
    await intake.start()
    waiting, red = a_referral(), a_referral(provisional_triage={"rag": "red", "reasons": ["weapon"]})
    var_dir.mkdir(mode=0o700)
    old = sqlite3.connect(settings.outbox_path)
    old.executescript(FIRST_SCHEMA)
    for referral in (waiting, red):
        old.execute(
            "INSERT INTO outbox (referral_id, payload, payload_sha256, state, attempts, created_at,"
            " next_attempt_at, last_error) VALUES (?, ?, 'x', 'pending', 4, 1.0, 1.0, 'HTTP 503')",
            (referral["referral_id"], canonical(referral)),
        )
    old.execute(
        "INSERT INTO outbox (referral_id, payload_sha256, state, created_at, reference, rag, settled_at)"
        " VALUES ('delivered-before', 'y', 'delivered', 1.0, 'SCS-2025-000001', 'green', ?)",
        (time.time(),),
    )
    old.commit()
    old.close()

    with Outbox(settings.outbox_path) as box:
        assert box.get("delivered-before").reference == "SCS-2025-000001"
        assert box.get(red["referral_id"]).rag == "red"
        assert box.get(waiting["referral_id"]).attempts == 4
        async with running_worker(box, settings):
            await eventually(
                lambda: delivered(box, waiting["referral_id"]) and delivered(box, red["referral_id"]),
                "delivery of what waited in the old file",
            )
    assert intake.stored == [red["referral_id"], waiting["referral_id"]]  # red first
    with Outbox(settings.outbox_path) as again:  # opening an upgraded file changes nothing
        assert len(again.entries()) == 3


# --- delivery --------------------------------------------------------------------------------


async def test_a_referral_is_accepted_at_once_when_the_intake_is_up(intake, settings, outbox):
    await intake.start()
    referral = a_referral()

    result = await submit(referral, outbox=outbox, settings=settings)

    assert result.status == "accepted"
    assert (result.reference, result.rag, result.due_at) == (
        "SCS-2026-000001",
        "amber",
        "2026-03-02T20:05:01Z",
    )
    assert not result.person_should_phone
    assert intake.bodies == {referral["referral_id"]: canonical(referral)}
    assert intake.posts == [referral["referral_id"]]


async def test_a_delivered_referral_no_longer_holds_its_payload(intake, settings, outbox, var_dir):
    await intake.start()
    referral = a_referral()
    await submit(referral, outbox=outbox, settings=settings)

    entry = outbox.get(referral["referral_id"])
    assert entry.state == "delivered"
    assert entry.reference == "SCS-2026-000001"
    assert entry.created_at <= entry.settled_at
    assert not entry.has_payload
    assert outbox.payload(referral["referral_id"]) is None
    outbox.close()
    assert_no_copy_left(var_dir, NAME, DESCRIPTION)


async def test_submitting_a_referral_again_after_it_was_accepted_answers_with_its_reference(
    intake, settings, outbox
):
    await intake.start()
    referral = a_referral()
    first = await submit(referral, outbox=outbox, settings=settings)

    again = await submit(referral, outbox=outbox, settings=settings)

    assert again == first
    assert intake.posts == [referral["referral_id"]]


async def test_intake_down_then_up_exactly_one_referral_arrives(intake, settings, outbox):
    referral = a_referral()
    referral_id = referral["referral_id"]

    result = await submit(referral, outbox=outbox, settings=settings)
    assert result.status == "queued"
    assert not result.person_should_phone
    assert outbox.get(referral_id).last_error == "ClientConnectorError"

    async with running_worker(outbox, settings):
        await eventually(
            lambda: pending_attempts(outbox, referral_id) >= 3, "retries while the intake is down"
        )
        await intake.start()
        await eventually(lambda: delivered(outbox, referral_id), "delivery once the intake is up")

    assert list(intake.bodies) == [referral_id]
    assert intake.posts == [referral_id]
    assert outbox.get(referral_id).reference == "SCS-2026-000001"


async def test_the_action_server_restarted_mid_retry_still_delivers_exactly_one(intake, settings):
    await intake.start()
    intake.answer = 503
    referral = a_referral()
    referral_id = referral["referral_id"]

    before = Outbox(settings.outbox_path)
    assert (await submit(referral, outbox=before, settings=settings)).status == "queued"
    async with running_worker(before, settings):
        await eventually(lambda: pending_attempts(before, referral_id) >= 2, "retries against a 503")
    attempts = before.get(referral_id).attempts
    before.close()

    intake.answer = 201
    after = Outbox(settings.outbox_path)  # a new process on the same file
    try:
        assert after.get(referral_id).state == "pending"
        assert after.get(referral_id).attempts == attempts
        async with running_worker(after, settings):
            await eventually(lambda: delivered(after, referral_id), "delivery by the restarted worker")
        assert after.payload(referral_id) is None
    finally:
        after.close()

    assert list(intake.bodies) == [referral_id]
    assert intake.posts.count(referral_id) == attempts + 1


@pytest.mark.parametrize("crash", ["before_storing", "after_storing"])
async def test_intake_down_then_up_then_restarted_mid_delivery_stores_each_referral_once(
    intake, settings, outbox, crash
):
    referrals = [a_referral() for _ in range(10)]
    ids = [referral["referral_id"] for referral in referrals]
    for referral in referrals:  # the intake is down
        assert (await submit(referral, outbox=outbox, settings=settings)).status == "queued"

    async with running_worker(outbox, settings):
        await eventually(
            lambda: all(pending_attempts(outbox, i) >= 3 for i in ids), "retries while the intake is down"
        )
        intake.crash = crash
        await intake.start()
        await eventually(intake.crashing.is_set, "a delivery in flight when the intake goes down")
        cut_off = intake.posts[-1]
        assert (cut_off in intake.stored) == (crash == "after_storing")
        await intake.stop()  # restarted mid-delivery, with the referral stored or not
        await intake.start()
        await eventually(lambda: all(delivered(outbox, i) for i in ids), "every referral delivered")

    assert sorted(intake.stored) == sorted(ids)  # each stored once, none lost
    assert intake.posts.count(cut_off) == 2  # the cut-off delivery, then one more after the restart
    for referral_id in ids:
        assert outbox.get(referral_id).reference == intake.receipts[referral_id]["reference"]
        assert outbox.payload(referral_id) is None


async def test_a_delivery_cut_off_by_a_crash_is_finished_after_restart_without_a_duplicate(
    intake, settings_for
):
    await intake.start()
    intake.hang = True
    settings = settings_for(intake, INTAKE_TIMEOUT_SECONDS="0.2")
    referral = a_referral()
    referral_id = referral["referral_id"]

    crashed = Outbox(settings.outbox_path)
    crashed.put(referral_id, referral)
    async with running_worker(crashed, settings) as worker:
        await eventually(lambda: intake.posts == [referral_id], "the request reaching the intake")
        worker.cancel()  # the process dies mid-request
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    crashed.close()
    # The intake finishes the request it had: it now holds the referral, the client never heard.
    intake.hang = False
    intake.release.set()
    await eventually(lambda: referral_id in intake.bodies, "the intake storing the first request")

    restarted = Outbox(settings.outbox_path)
    try:
        assert restarted.get(referral_id).state == "pending"
        async with running_worker(restarted, settings):
            await eventually(lambda: delivered(restarted, referral_id), "delivery once the lease ran out")
        assert restarted.get(referral_id).reference == intake.receipts[referral_id]["reference"]
    finally:
        restarted.close()

    assert list(intake.bodies) == [referral_id]
    assert intake.posts == [referral_id, referral_id]


async def test_a_referral_being_sent_by_submit_is_not_sent_again_by_the_worker_meanwhile(
    intake, settings, outbox
):
    await intake.start()
    intake.hang = True
    referral = a_referral()
    referral_id = referral["referral_id"]

    async with running_worker(outbox, settings):
        sending = asyncio.create_task(submit(referral, outbox=outbox, settings=settings))
        await eventually(lambda: intake.posts == [referral_id], "submit's request reaching the intake")
        # The worker takes the referral due next; the one in flight is not due, so it takes this.
        later = a_referral()
        outbox.put(later["referral_id"], later)
        await eventually(lambda: later["referral_id"] in intake.posts, "the worker sending the later one")
        intake.release.set()
        assert (await sending).status == "accepted"
        await eventually(lambda: delivered(outbox, later["referral_id"]), "the later one delivered")

    assert intake.posts.count(referral_id) == 1
    assert sorted(intake.bodies) == sorted([referral_id, later["referral_id"]])


async def test_a_timed_out_delivery_is_retried(intake, settings_for, outbox):
    await intake.start()
    intake.hang = True
    settings = settings_for(intake, INTAKE_TIMEOUT_SECONDS="0.2")
    referral = a_referral()
    referral_id = referral["referral_id"]

    result = await submit(referral, outbox=outbox, settings=settings)

    assert result.status == "queued"
    assert outbox.get(referral_id).last_error == "TimeoutError"
    intake.hang = False
    intake.release.set()
    async with running_worker(outbox, settings):
        await eventually(lambda: delivered(outbox, referral_id), "delivery after the timeout")
    assert list(intake.bodies) == [referral_id]
    assert outbox.get(referral_id).reference == intake.receipts[referral_id]["reference"]


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
async def test_a_passing_failure_at_the_intake_is_retried_until_accepted(intake, settings, outbox, status):
    await intake.start()
    intake.answer = status
    referral = a_referral()
    referral_id = referral["referral_id"]

    assert (await submit(referral, outbox=outbox, settings=settings)).status == "queued"
    assert outbox.get(referral_id).last_error == f"HTTP {status}"
    async with running_worker(outbox, settings):
        await eventually(lambda: pending_attempts(outbox, referral_id) >= 2, f"a retry after HTTP {status}")
        intake.answer = 201
        await eventually(lambda: delivered(outbox, referral_id), "delivery once the intake recovers")
    assert list(intake.bodies) == [referral_id]


async def test_a_refused_referral_is_not_retried_and_nothing_personal_is_logged(
    intake, settings, outbox, caplog
):
    caplog.set_level(logging.DEBUG)
    await intake.start()
    intake.answer = 422
    refused = a_referral()

    result = await submit(refused, outbox=outbox, settings=settings)

    assert result.status == "rejected"
    assert result.person_should_phone
    # The worker runs on and delivers a later referral; the refused one is never sent again.
    intake.answer = 201
    later = a_referral()
    outbox.put(later["referral_id"], later)
    async with running_worker(outbox, settings):
        await eventually(lambda: delivered(outbox, later["referral_id"]), "the later referral delivered")
    entry = outbox.get(refused["referral_id"])
    assert (entry.state, entry.attempts, entry.last_status, entry.last_error) == (
        "rejected",
        1,
        422,
        "HTTP 422",
    )
    assert entry.next_attempt_at is None
    assert outbox.payload(refused["referral_id"]) == refused  # kept for staff
    assert intake.posts.count(refused["referral_id"]) == 1
    assert refused["referral_id"] in caplog.text
    for personal in (NAME, DESCRIPTION, refused["referrer"]["email"], refused["children"][0]["address"]):
        assert personal not in caplog.text


async def test_a_refused_referral_staff_resend_is_theirs_to_send_and_no_worker_takes_it_meanwhile(
    intake, settings, outbox
):
    await intake.start()
    intake.answer = 422
    refused = a_referral()
    assert (await submit(refused, outbox=outbox, settings=settings)).status == "rejected"

    taken = outbox.requeue(refused["referral_id"], lease_seconds=60)

    assert taken == (refused["referral_id"], refused)
    # Pending again, and already claimed: the worker's claim finds nothing to send, by id or not.
    assert outbox.get(refused["referral_id"]).state == "pending"
    assert outbox.claim(lease_seconds=60) is None
    assert outbox.claim(refused["referral_id"], lease_seconds=60) is None
    assert outbox.requeue(refused["referral_id"], lease_seconds=60) is None  # no longer rejected
    assert pending_attempts(outbox, refused["referral_id"]) == 2


async def test_a_different_body_already_at_the_intake_under_the_same_id_is_rejected_not_retried(
    intake, settings, outbox
):
    await intake.start()
    referral = a_referral()
    intake.bodies[referral["referral_id"]] = "another body under this id"

    result = await submit(referral, outbox=outbox, settings=settings)

    assert result.status == "rejected"
    assert outbox.get(referral["referral_id"]).last_error == "HTTP 409"
    async with running_worker(outbox, settings):
        other = a_referral()
        outbox.put(other["referral_id"], other)
        await eventually(lambda: delivered(outbox, other["referral_id"]), "the next referral delivered")
    assert intake.posts.count(referral["referral_id"]) == 1


async def test_referrals_wait_until_the_intake_has_written_its_service_token(
    intake, settings_for, outbox, var_dir
):
    await intake.start()
    settings = settings_for(intake, INTAKE_SERVICE_TOKEN="")
    referral = a_referral()

    result = await submit(referral, outbox=outbox, settings=settings)

    assert result.status == "queued"
    assert outbox.get(referral["referral_id"]).last_error == "NoServiceToken"
    assert intake.posts == []  # nothing is sent without a token
    async with running_worker(outbox, settings):
        (var_dir / "intake_service_token").write_text(TOKEN + "\n")
        await eventually(lambda: delivered(outbox, referral["referral_id"]), "delivery once the token exists")
    assert list(intake.bodies) == [referral["referral_id"]]


async def test_a_refused_service_token_keeps_the_referral_until_the_token_is_fixed(
    intake, settings_for, outbox, var_dir, caplog
):
    await intake.start()
    token_file = var_dir / "intake_service_token"
    token_file.write_text("a token the intake no longer knows")
    settings = settings_for(intake, INTAKE_SERVICE_TOKEN="")
    referral = a_referral()

    assert (await submit(referral, outbox=outbox, settings=settings)).status == "queued"
    assert outbox.get(referral["referral_id"]).last_error == "HTTP 401"
    assert "refused the service token" in caplog.text
    async with running_worker(outbox, settings):
        token_file.write_text(TOKEN)
        await eventually(lambda: delivered(outbox, referral["referral_id"]), "delivery with the right token")
    assert list(intake.bodies) == [referral["referral_id"]]


# --- the action server -----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def running_action_server(settings: Settings) -> AsyncIterator[Tuple[Sanic, str]]:
    """The action server (actions/server.py) listening on 127.0.0.1, and its address."""
    app = build_app(settings)
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )  # listening
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


@pytest.fixture
def reusable_app_names(monkeypatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)  # allows the app name to be reused in one run


async def test_the_action_server_delivers_what_waited_in_the_outbox_when_it_starts(
    intake, settings, reusable_app_names
):
    referral = a_referral()
    with Outbox(settings.outbox_path) as box:  # queued while the intake was down
        assert (await submit(referral, outbox=box, settings=settings)).status == "queued"
    await intake.start()

    async with running_action_server(settings) as (app, _):
        await eventually(lambda: referral["referral_id"] in intake.bodies, "delivery by the server's worker")

    assert app.ctx.outbox_worker is None  # stopped and closed before the server stopped
    with Outbox(settings.outbox_path) as box:
        assert box.get(referral["referral_id"]).state == "delivered"
    assert list(intake.bodies) == [referral["referral_id"]]
