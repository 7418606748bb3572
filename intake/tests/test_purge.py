"""Retention: `python -m intake purge` deletes what is past its period and says what it deleted."""

import os
import subprocess
import sys

from conftest import SERVICE_TOKEN, new_referral


async def close(store, referral_id):
    for status, reason in (("in_triage", "seen"), ("no_further_action", "nfa"), ("closed", "done")):
        await store.change_status(referral_id, status, reason, "staff:test")


async def test_purge_deletes_closed_and_preview_referrals_past_retention_but_keeps_open_ones(
    store, clock
):
    old_closed = new_referral()
    old_open = new_referral()
    old_preview = new_referral("valid_staff_preview")
    for body in (old_closed, old_open, old_preview):
        await store.receive(body)
    await close(store, old_closed["referral_id"])
    clock.advance(days=40)
    recent_preview = new_referral("valid_staff_preview")
    await store.receive(recent_preview)

    report = await store.purge(referrals_days=30, preview_days=30, audit_days=3650)
    assert report == {
        "conversations_deleted": 0,
        "preview_conversations_deleted": 0,
        "referral_transcripts_kept": 0,
        "conversation_cutoffs_deleted": 0,
        "referrals_deleted": 1,
        "preview_referrals_deleted": 1,
        "open_referrals_kept_past_retention": 1,
        "audit_rows_deleted": 0,
    }
    live, _ = await store.list_referrals()
    previews, _ = await store.list_referrals(preview=True)
    assert [i["referral_id"] for i in live] == [old_open["referral_id"]]
    assert [i["referral_id"] for i in previews] == [recent_preview["referral_id"]]
    trail = await store.audit_trail()
    assert trail[-1]["action"] == "retention.purged"
    assert trail[-1]["detail"] == report


async def test_a_dry_run_counts_but_deletes_nothing(store, clock):
    body = new_referral()
    await store.receive(body)
    await close(store, body["referral_id"])
    clock.advance(days=400)
    report = await store.purge(referrals_days=365, preview_days=30, audit_days=3650, dry_run=True)
    assert report["referrals_deleted"] == 1
    assert (await store.list_referrals())[1] == 1


async def test_audit_rows_past_their_period_are_deleted(store, clock):
    await store.receive(new_referral())
    clock.advance(days=100)
    await store.receive(new_referral())
    report = await store.purge(referrals_days=3650, preview_days=3650, audit_days=90)
    assert report["audit_rows_deleted"] == 1
    assert [e["action"] for e in await store.audit_trail()] == [
        "referral.received",
        "retention.purged",
    ]


async def test_purge_from_the_command_line_reports_what_it_deleted(
    engine, store, clock, database_url, tmp_path
):
    clock.now = clock.now.replace(year=2020)  # long before the real clock the command uses
    await store.receive(new_referral("valid_staff_preview"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INTAKE_VAR_DIR": str(tmp_path),
        "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN,
        "INTAKE_RETAIN_PREVIEW_DAYS": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "intake", "purge"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1 preview referral(s) older than 0 days" in result.stdout
    assert (await store.list_referrals(preview=True))[1] == 0
