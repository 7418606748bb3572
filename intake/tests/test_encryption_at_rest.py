"""A copy of the database reveals nothing personal, and rotating the key keeps old rows readable."""

import os
import subprocess
import sys

import pytest
from conftest import SERVICE_TOKEN, new_referral
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text, update

from intake.crypto import Keyring, generate_key_line
from intake.models import metadata, referral_status_changes
from intake.store import Store

PERSONAL = [
    "Helen Carter",
    "h.carter@school.example.org",
    "023 8000 0002",
    "Chloe Baker",
    "stepfather comes into her room",
    "he comes in when mum is asleep",
    "Dan Hughes",
    "07700 900123",
    "Leo Hughes",
    "4 Bitterne Road",
    "He grabbed me and pushed me",
    "Flat 3, 12 Portswood Road",
    "Maisie",
    "a private reason naming Leo's uncle",
]


async def store_personal_referrals(client, staff_headers):
    bodies = [
        new_referral("valid_professional_without_consent_because_of_risk"),
        new_referral("valid_parent_carer"),
        new_referral("valid_anonymous_public"),
    ]
    for body in bodies:
        assert (await client.post_referral(body)).status_code == 201
    rid = bodies[1]["referral_id"]
    response = await client.post(
        f"/api/v1/staff/referrals/{rid}/status",
        json={"status": "in_triage", "reason": "a private reason naming Leo's uncle"},
        headers=staff_headers,
    )
    assert response.status_code == 200
    return bodies


async def raw_database_bytes(engine, sqlite_file) -> bytes:
    """Everything the database holds, as an attacker with a copy of it would see it."""
    if sqlite_file is not None:
        await engine.dispose()  # flush the write-ahead log into the file
        data = sqlite_file.read_bytes()
        for extra in (sqlite_file.with_name(sqlite_file.name + "-wal"),):
            if extra.exists():
                data += extra.read_bytes()
        return data
    chunks = []
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = await conn.execute(text(f"SELECT t::text FROM {table.name} t"))
            chunks.extend(row[0] for row in rows)
    return "\n".join(chunks).encode()


async def test_the_database_contains_none_of_the_personal_strings(
    client, staff_headers, engine, sqlite_file
):
    await store_personal_referrals(client, staff_headers)
    raw = await raw_database_bytes(engine, sqlite_file)
    assert b"SCS-2026-000001" in raw  # the raw read really does see the stored rows
    for secret in PERSONAL:
        assert secret.encode() not in raw, secret
        assert secret.encode().hex().encode() not in raw, secret


async def test_key_rotation_keeps_old_rows_readable_and_moves_them_to_the_new_key(
    client, staff_headers, engine, keyring, clock
):
    bodies = await store_personal_referrals(client, staff_headers)
    key1_line = _line(keyring, 1)
    rotated = Keyring.parse(key1_line + "\n" + generate_key_line(2))
    store2 = Store(engine, rotated, clock=clock)

    # Old rows still open under the rotated ring; new rows use key 2.
    detail = await store2.read_referral(bodies[1]["referral_id"], "staff:test")
    assert detail["referral"] == bodies[1]
    assert detail["status_history"][0]["reason"] == "a private reason naming Leo's uncle"
    await store2.receive(new_referral("valid_named_public"))
    assert await store2.key_usage() == {1: 4, 2: 1}

    assert await store2.reencrypt() == 4
    assert await store2.key_usage() == {2: 5}

    # Key 1 can now be dropped: every row opens with key 2 alone.
    only2 = Store(engine, Keyring.parse(_line(rotated, 2)), clock=clock)
    for body in bodies:
        assert (await only2.read_referral(body["referral_id"], "staff:test"))["referral"] == body
    # A replay of an old referral is still recognised as the same body after rotation.
    _receipt, created = await only2.receive(bodies[0])
    assert created is False


async def test_rotation_from_the_command_line(engine, database_url, tmp_path, client):
    """rotate-key, reencrypt, key-usage and retire-key as an operator would run them."""
    keyring_path = tmp_path / "intake_keyring"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INTAKE_VAR_DIR": str(tmp_path),
        "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN,
    }
    env.pop("INTAKE_ENCRYPTION_KEYS", None)

    def run(*args):
        result = subprocess.run(
            [sys.executable, "-m", "intake", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("migrate")
    assert oct(keyring_path.stat().st_mode & 0o777) == "0o600"
    cli_store = Store(engine, Keyring.parse(keyring_path.read_text()))
    body = new_referral("valid_parent_carer")
    await cli_store.receive(body)

    assert "key 1 (current): 1 value(s)" in run("key-usage")
    run("rotate-key")
    assert sorted(Keyring.parse(keyring_path.read_text()).keys) == [1, 2]
    refused = subprocess.run(
        [sys.executable, "-m", "intake", "retire-key", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1 and "reencrypt" in refused.stderr
    assert "re-sealed 1 value(s) with key 2" in run("reencrypt")
    run("retire-key", "1")
    ring = Keyring.parse(keyring_path.read_text())
    assert sorted(ring.keys) == [2]
    assert oct(keyring_path.stat().st_mode & 0o777) == "0o600"
    assert (await Store(engine, ring).read_referral(body["referral_id"], "t"))["referral"] == body


def _line(ring: Keyring, key_id: int) -> str:
    import base64

    return f"{key_id}:{base64.urlsafe_b64encode(ring.keys[key_id]).decode()}"


async def test_rotate_key_on_a_keyring_without_a_final_newline(tmp_path, database_url):
    """A hand-edited keyring may lack its last newline: the new key must not be glued onto it."""
    keyring_path = tmp_path / "intake_keyring"
    keyring_path.write_text(generate_key_line(1))  # no newline at the end
    os.chmod(keyring_path, 0o644)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INTAKE_VAR_DIR": str(tmp_path),
        "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN,
    }
    env.pop("INTAKE_ENCRYPTION_KEYS", None)
    result = subprocess.run(
        [sys.executable, "-m", "intake", "rotate-key"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(Keyring.parse(keyring_path.read_text()).keys) == [1, 2]
    assert oct(keyring_path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


async def _two_changes_at_the_same_moment(store):
    """Two status changes of one referral with the same time (the clock does not move)."""
    body = new_referral()
    await store.receive(body)
    rid = body["referral_id"]
    await store.change_status(rid, "in_triage", "first private reason", "staff:a")
    await store.change_status(rid, "early_help", "second private reason", "staff:b")
    return rid


async def test_a_reason_copied_onto_another_status_change_does_not_open(store, engine):
    """Each reason is bound to its own row (the step, actor and time), not just to the referral
    and time: two changes in the same instant used to share their associated data."""
    rid = await _two_changes_at_the_same_moment(store)
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                select(
                    referral_status_changes.c.id, referral_status_changes.c.reason_sealed
                ).order_by(referral_status_changes.c.id)
            )
        ).all()
        assert rows[0].reason_sealed != rows[1].reason_sealed
        for row, other in ((rows[0], rows[1]), (rows[1], rows[0])):
            await conn.execute(
                update(referral_status_changes)
                .where(referral_status_changes.c.id == row.id)
                .values(reason_sealed=other.reason_sealed)
            )
    with pytest.raises(InvalidTag):
        await store.read_referral(rid, "staff:test")


async def test_a_status_change_credited_to_someone_else_does_not_open(store, engine):
    rid = await _two_changes_at_the_same_moment(store)
    async with engine.begin() as conn:
        await conn.execute(
            update(referral_status_changes)
            .where(referral_status_changes.c.actor == "staff:a")
            .values(actor="staff:b")
        )
    with pytest.raises(InvalidTag):
        await store.read_referral(rid, "staff:test")


async def test_reasons_survive_reencryption_with_their_binding(store, engine, keyring, clock):
    rid = await _two_changes_at_the_same_moment(store)
    rotated = Keyring.parse(_line(keyring, 1) + "\n" + generate_key_line(2))
    assert await Store(engine, rotated, clock=clock).reencrypt() == 3
    only2 = Store(engine, Keyring.parse(_line(rotated, 2)), clock=clock)
    history = (await only2.read_referral(rid, "staff:test"))["status_history"]
    assert [h["reason"] for h in history] == ["first private reason", "second private reason"]
