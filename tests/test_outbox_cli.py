"""A referral ends accepted or in front of a person: the action server's /health fails while one
is refused or waits too long, and `python -m actions.outbox_cli` lists, exports, resends and
resolves them. The action server, the outbox and the command are the real ones (the command in its
own process, as staff run it); the intake is the stand-in of tests/test_outbox.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any, Dict, Tuple

import aiohttp

from actions.outbox import Outbox, submit
from actions.settings import REPO_ROOT, load_settings
from tests import test_outbox as shared
from tests.test_outbox import (
    DESCRIPTION,
    NAME,
    a_referral,
    assert_no_copy_left,
    delivered,
    environment,
    eventually,
    running_action_server,
    running_worker,
)
from tests.test_outbox_faults import locked_by_another_process

intake = shared.intake
var_dir = shared.var_dir
settings_for = shared.settings_for
settings = shared.settings
outbox = shared.outbox
reusable_app_names = shared.reusable_app_names


async def outbox_cli(env: Dict[str, str], *args: str) -> Tuple[int, str, str]:
    """Run the command as staff would, in its own process: exit status, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "actions.outbox_cli",
        *args,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def health(address: str) -> Tuple[int, Dict[str, Any], str]:
    async with aiohttp.ClientSession() as session, session.get(f"{address}/health") as answer:
        text = await answer.text()
        return answer.status, json.loads(text), text


def personal_values(referral: Dict[str, Any]) -> list:
    return [
        NAME,
        DESCRIPTION,
        referral["referrer"]["email"],
        referral["referrer"]["phone"],
        referral["children"][0]["address"],
        referral["conversation_id"],
    ]


async def test_a_refused_referral_fails_health_until_staff_export_and_resend_it(
    intake, var_dir, reusable_app_names, tmp_path
):
    await intake.start()
    intake.answer = 422  # the intake's contract changed under the assistant
    env = environment(intake, var_dir)
    referral = a_referral()
    referral_id = referral["referral_id"]

    async with running_action_server(load_settings(env)) as (_, address):
        assert (await health(address))[0] == 200
        result = await submit(referral)  # as the referral form calls it, on the server's outbox
        assert result.status == "rejected" and result.person_should_phone

        status, body, text = await health(address)
        assert status == 503
        assert body["outbox"]["rejected"] == 1
        assert referral_id not in text
        for personal in personal_values(referral):
            assert personal not in text

        code, listing, _ = await outbox_cli(env, "list")
        assert code == 0
        (row,) = [line for line in listing.splitlines() if line.startswith(referral_id)]
        assert row.split()[1:5] == ["rejected", "amber", "1", "HTTP"]
        for personal in personal_values(referral):
            assert personal not in listing

        exported = tmp_path / "referral.json"
        assert (await outbox_cli(env, "export", referral_id, "--output", str(exported)))[0] == 0
        assert stat.S_IMODE(exported.stat().st_mode) == 0o600
        assert json.loads(exported.read_text()) == referral
        assert (await outbox_cli(env, "export", referral_id, "--output", str(exported)))[0] == 1
        code, out, _ = await outbox_cli(env, "export", referral_id)
        assert (code, json.loads(out)) == (0, referral)

        intake.answer = 201  # the contract is fixed
        code, out, _ = await outbox_cli(env, "retry", referral_id)
        assert code == 0
        assert f"accepted as {intake.receipts[referral_id]['reference']}" in out
        assert (await health(address))[0] == 200
        assert (await outbox_cli(env, "export", referral_id))[0] == 1  # the payload is deleted

    assert intake.stored == [referral_id]


async def test_retry_all_resends_every_refused_one_and_what_cannot_be_sent_is_resolved_by_hand(
    intake, var_dir, reusable_app_names
):
    await intake.start()
    env = environment(intake, var_dir)
    too_large, invalid, taken = a_referral(), a_referral(), a_referral()
    intake.bodies[taken["referral_id"]] = "another body under this id"  # 409, for good

    async with running_action_server(load_settings(env)) as (_, address):
        for referral, answer in ((too_large, 413), (invalid, 422), (taken, 201)):
            intake.answer = answer
            assert (await submit(referral)).status == "rejected"
        assert (await health(address))[1]["outbox"]["rejected"] == 3

        intake.answer = 201
        code, out, _ = await outbox_cli(env, "retry", "--all")
        assert code == 1  # not every one went
        assert out.count("accepted as") == 2
        assert f"{taken['referral_id']}: rejected again (HTTP 409)" in out
        assert (await health(address))[1]["outbox"]["rejected"] == 1

        # Staff phoned it through to MASH: resolving it deletes its payload and clears the alarm.
        code, out, _ = await outbox_cli(env, "resolve", taken["referral_id"])
        assert code == 0
        assert (await health(address))[0] == 200
        assert (await outbox_cli(env, "export", taken["referral_id"]))[0] == 1
        assert (await outbox_cli(env, "resolve", taken["referral_id"]))[0] == 1  # once only

    assert sorted(intake.stored) == sorted([too_large["referral_id"], invalid["referral_id"]])
    with Outbox(env["OUTBOX_PATH"]) as box:
        assert box.get(taken["referral_id"]).state == "resolved"
    assert_no_copy_left(var_dir, taken["concern"]["description"], taken["referrer"]["email"])


async def test_health_fails_while_a_referral_has_waited_longer_than_the_alert(
    intake, var_dir, reusable_app_names
):
    env = environment(intake, var_dir, OUTBOX_ALERT_PENDING_SECONDS="0.5")
    referral = a_referral()

    async with running_action_server(load_settings(env)) as (app, address):
        assert (await submit(referral)).status == "queued"  # the intake is down
        assert (await health(address))[0] == 200  # waiting, not yet for long
        await asyncio.sleep(0.6)
        status, body, _ = await health(address)
        assert status == 503
        assert body["outbox"]["pending"] == 1
        assert body["outbox"]["oldest_pending_seconds"] >= 0.5
        await intake.start()
        server_outbox = app.ctx.outbox_worker[0]
        await eventually(lambda: delivered(server_outbox, referral["referral_id"]), "delivery")
        assert (await health(address))[0] == 200


async def test_health_fails_when_the_outbox_cannot_be_opened(intake, var_dir, reusable_app_names):
    var_dir.mkdir(mode=0o700)
    (var_dir / "outbox.db").mkdir()  # a folder where the file should be
    env = environment(intake, var_dir)

    async with running_action_server(load_settings(env)) as (_, address):
        status, body, _ = await health(address)

    assert status == 503
    assert "not open" in body["problems"][0]


async def test_the_listing_says_when_there_is_nothing_and_when_there_is_no_outbox(intake, var_dir):
    env = environment(intake, var_dir)
    code, _, err = await outbox_cli(env, "list")
    assert code == 1 and "No outbox" in err
    Outbox(env["OUTBOX_PATH"]).close()
    code, out, _ = await outbox_cli(env, "list")
    assert code == 0 and "empty" in out


async def test_staff_can_list_the_outbox_while_another_process_holds_its_write_lock(intake, var_dir):
    env = environment(intake, var_dir)
    referral = a_referral()
    with Outbox(env["OUTBOX_PATH"]) as box:
        box.put(referral["referral_id"], referral)

    with locked_by_another_process(Path(env["OUTBOX_PATH"])):
        code, out, _ = await outbox_cli(env, "list")

    assert code == 0
    assert referral["referral_id"] in out


async def test_settled_referrals_expire_and_rejected_or_pending_ones_do_not(intake, settings_for, var_dir):
    await intake.start()
    settings = settings_for(intake, OUTBOX_KEEP_SETTLED_DAYS="0.000001")  # 0.09 seconds
    accepted, refused, waiting = a_referral(), a_referral(), a_referral()
    with Outbox(settings.outbox_path) as box:
        assert (await submit(accepted, outbox=box, settings=settings)).status == "accepted"
        intake.answer = 422
        assert (await submit(refused, outbox=box, settings=settings)).status == "rejected"
        intake.answer = 503
        assert (await submit(waiting, outbox=box, settings=settings)).status == "queued"
        await asyncio.sleep(0.1)

        async with running_worker(box, settings):  # it expires settled ones when it starts
            await eventually(lambda: box.get(accepted["referral_id"]) is None, "the delivered one expired")
        assert box.get(refused["referral_id"]).state == "rejected"
        assert box.payload(refused["referral_id"]) == refused
        assert box.get(waiting["referral_id"]).state == "pending"
        assert box.expire_settled(settled_before=time.time() + 1) == 0  # only settled ones go


async def test_a_delivered_referral_is_remembered_until_its_time(intake, settings, outbox):
    await intake.start()
    referral = a_referral()
    await submit(referral, outbox=outbox, settings=settings)

    async with running_worker(outbox, settings):  # 30 days by default
        await asyncio.sleep(0.05)

    assert delivered(outbox, referral["referral_id"])
    assert outbox.expire_settled(settled_before=time.time() + 30 * 86400) == 1
