"""A locked or full outbox file: the person still gets an answer, and the referral is not lost.

The faults are real: another process holds the outbox's write lock (as a stuck backup or a staff
tool could), or SQLite runs out of room. The outbox, the worker and aiohttp are the real ones, the
intake is the stand-in of tests/test_outbox.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from actions.outbox import Outbox, open_outbox, outbox_health, submit
from tests import test_outbox as shared
from tests.test_outbox import a_referral, delivered, eventually, running_worker

intake = shared.intake
var_dir = shared.var_dir
settings_for = shared.settings_for

BUSY_TIMEOUT = 0.3

HOLD_THE_WRITE_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


@pytest.fixture
def settings(intake, settings_for):
    return settings_for(intake, OUTBOX_BUSY_TIMEOUT_SECONDS=str(BUSY_TIMEOUT))


@pytest.fixture
def outbox(settings) -> Iterator[Outbox]:
    box = open_outbox(settings)
    yield box
    box.close()


@contextlib.contextmanager
def locked_by_another_process(path: Path) -> Iterator[subprocess.Popen]:
    """Another process holds the outbox's write lock until the block ends."""
    locker = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout.readline().strip() == "locked"
        yield locker
    finally:
        locker.stdin.close()  # it rolls back and exits
        locker.wait(timeout=10)


class LoopWatch:
    """Ticks on the event loop; the longest gap between ticks is how long the loop was blocked."""

    def __init__(self) -> None:
        self.longest_gap = 0.0
        self._task = None

    async def __aenter__(self) -> "LoopWatch":
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _tick(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            self.longest_gap = max(self.longest_gap, now - last)
            last = now


async def test_a_locked_outbox_tells_the_person_to_phone_and_delivers_once_the_lock_is_released(
    intake, settings, outbox
):
    referral = a_referral()
    referral_id = referral["referral_id"]

    with locked_by_another_process(settings.outbox_path):  # and the intake is down
        started = time.monotonic()
        async with LoopWatch() as loop_watch:
            result = await submit(referral, outbox=outbox, settings=settings)
        waited = time.monotonic() - started

        assert result.status == "failed"
        assert result.person_should_phone  # the form answers with the phone numbers
        assert result.held
        assert waited >= BUSY_TIMEOUT  # it did wait for the lock...
        assert loop_watch.longest_gap < BUSY_TIMEOUT / 3  # ...but not on the event loop
        healthy, body = await outbox_health(outbox, settings)
        assert not healthy
        assert body["outbox"]["held_in_memory"] == 1

        async with running_worker(outbox, settings):
            # While the file stays locked the worker keeps trying to save it, and to send it.
            await eventually(lambda: outbox.held[referral_id].attempts >= 3, "tries while locked")
            assert outbox.get(referral_id) is None
    async with running_worker(outbox, settings):
        await eventually(lambda: not outbox.held, "the held referral saved once the lock is gone")
        assert outbox.get(referral_id).state == "pending"
        await intake.start()
        await eventually(lambda: delivered(outbox, referral_id), "delivery once the intake is up")

    assert intake.posts == [referral_id]  # exactly one delivery
    assert intake.stored == [referral_id]
    assert (await outbox_health(outbox, settings))[0]


async def test_with_the_outbox_locked_a_referral_goes_straight_to_an_intake_that_is_up(
    intake, settings, outbox
):
    await intake.start()
    referral = a_referral()

    with locked_by_another_process(settings.outbox_path):
        result = await submit(referral, outbox=outbox, settings=settings)
        assert result.status == "accepted"
        assert not result.person_should_phone
        assert result.reference == intake.receipts[referral["referral_id"]]["reference"]
        assert not outbox.held  # nothing left to keep

    async with running_worker(outbox, settings):
        await asyncio.sleep(0.1)
    assert intake.posts == [referral["referral_id"]]
    assert outbox.get(referral["referral_id"]) is None


async def test_a_referral_refused_while_the_outbox_was_locked_is_saved_as_rejected_for_staff(
    intake, settings, outbox
):
    await intake.start()
    intake.answer = 422
    referral = a_referral()

    with locked_by_another_process(settings.outbox_path):
        result = await submit(referral, outbox=outbox, settings=settings)
    assert (result.status, result.held, result.person_should_phone) == ("rejected", True, True)

    async with running_worker(outbox, settings):
        await eventually(lambda: not outbox.held, "the refused referral saved once the lock is gone")
    assert outbox.get(referral["referral_id"]).state == "rejected"
    assert outbox.payload(referral["referral_id"]) == referral  # for staff to export and resend
    healthy, body = await outbox_health(outbox, settings)
    assert not healthy and body["outbox"]["rejected"] == 1
    assert intake.posts == [referral["referral_id"]]  # not sent again by itself


async def test_a_full_outbox_tells_the_person_to_phone_and_loses_nothing(intake, settings, outbox):
    # SQLite's own size limit on this connection: a write that needs a new page fails with
    # SQLITE_FULL ("database or disk is full"), as on a full disk.
    (pages,) = outbox._db.execute("PRAGMA page_count").fetchone()
    outbox._db.execute(f"PRAGMA max_page_count = {pages}")
    results = []
    for _ in range(50):  # the intake is down
        results.append(await submit(a_referral(), outbox=outbox, settings=settings))
        if results[-1].held:
            break

    *saved, full = results
    assert saved and all(result.status == "queued" for result in saved)
    assert full.status == "failed" and full.person_should_phone
    assert list(outbox.held) == [full.referral_id]

    outbox._db.execute("PRAGMA max_page_count = 1073741823")  # room again
    await intake.start()
    async with running_worker(outbox, settings):
        await eventually(
            lambda: all(delivered(outbox, result.referral_id) for result in results), "every one delivered"
        )
    assert sorted(intake.stored) == sorted(result.referral_id for result in results)
    assert not outbox.held


async def test_submit_answers_even_when_the_outbox_cannot_be_used_at_all(intake, settings, outbox):
    outbox.close()  # say it was closed under the action: every call to it fails

    result = await submit(a_referral(), outbox=outbox, settings=settings)

    assert result.status == "failed"
    assert result.person_should_phone
