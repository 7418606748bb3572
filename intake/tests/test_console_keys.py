"""What the console seals (notes, TOTP secrets) follows the keyring like every other sealed value:
counted by key-usage, re-sealed by reencrypt, unreadable when moved to another row; and a purged
referral takes its notes and assignments with it."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from conftest import new_referral
from console_kit import NEW_PASSWORD, signed_in
from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select, update

from intake.crypto import Keyring, generate_key_line
from intake.models import referral_assignments, referral_notes, staff
from intake.store import Store
from intake.store.accounts import SignInLimits
from intake.store.casework import note_context


async def test_notes_and_totp_secrets_are_counted_and_resealed_when_the_key_rotates(
    client, store, clock, engine, keyring
):
    browser = await signed_in(client, store, clock, "k.eys", "triager")
    body = new_referral()
    await store.receive(body)
    await store.add_note(body["referral_id"], "Called the school back", "staff:k.eys")
    assert await store.key_usage() == {1: 3}  # the payload, the note, the TOTP secret

    rotated = Keyring({**keyring.keys, **Keyring.parse(generate_key_line(2)).keys})
    later = Store(engine, rotated, clock=clock)
    assert await later.reencrypt() == 3
    assert await later.key_usage() == {2: 3}
    [note] = (await later.casework(body["referral_id"]))["notes"]
    assert note["text"] == "Called the school back"
    # The TOTP secret opens under the new key: a sign-in with a fresh code works.
    clock.advance(seconds=30)
    limits = _limits()
    session_id, stage = await later.begin_sign_in("k.eys", NEW_PASSWORD, limits)
    assert stage == "code"
    code = pyotp.TOTP(browser.secret).at(clock.now)
    assert await later.verify_code(session_id, code, limits)


def _limits() -> SignInLimits:
    return SignInLimits(
        idle=timedelta(minutes=30),
        lifetime=timedelta(hours=10),
        max_failures=5,
        lockout=timedelta(minutes=15),
    )


async def test_a_note_moved_to_another_referral_does_not_open(store, engine, keyring):
    first, second = new_referral(), new_referral()
    await store.receive(first)
    await store.receive(second)
    await store.add_note(first["referral_id"], "about the first child", "staff:x")
    await store.add_note(second["referral_id"], "about the second", "staff:x")
    async with engine.begin() as conn:
        rows = (await conn.execute(select(referral_notes).order_by(referral_notes.c.id))).all()
        await conn.execute(
            update(referral_notes)
            .where(referral_notes.c.id == rows[1].id)
            .values(text_sealed=rows[0].text_sealed)
        )
    with pytest.raises(InvalidTag):
        await store.casework(second["referral_id"])
    context = note_context(first["referral_id"], rows[0].note_id, "staff:x", rows[0].at)
    assert keyring.open(rows[0].text_sealed, context) == b"about the first child"


async def test_a_purged_referral_takes_its_notes_and_assignments_with_it(
    client, store, clock, engine
):
    await signed_in(client, store, clock, "p.urge", "triager")
    body = new_referral()
    await store.receive(body)
    referral_id = body["referral_id"]
    await store.add_note(referral_id, "a note", "staff:p.urge")
    await store.assign(referral_id, "p.urge", "staff:p.urge")
    for step in ("in_triage", "early_help", "closed"):
        await store.change_status(referral_id, step, "done", "staff:p.urge")
    clock.advance(days=11)
    report = await store.purge(referrals_days=10, preview_days=10, audit_days=3650)
    assert report["referrals_deleted"] == 1
    async with engine.connect() as conn:
        for table in (referral_notes, referral_assignments):
            count = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            assert count == 0, table.name
        assert (await conn.execute(select(func.count()).select_from(staff))).scalar_one() == 1
