"""A referral waiting in the outbox is sealed at rest (actions/outbox_store.py, conversations/keyring.py):
nothing of its payload is readable in the file or its WAL, a payload moved to another row does not
open, an outbox from before is sealed when it opens, and its keys rotate."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from actions.outbox_store import _INDEXES, _TABLE, Outbox, open_outbox
from actions.settings import load_settings
from conversations.keyring import Keyring, Keys, UnreadableValue, sealed_key_id
from conversations.keys import main as keys_main
from tests.test_outbox import DESCRIPTION, NAME, a_referral, canonical

PERSONAL = (NAME, DESCRIPTION, "Maisie", "Portswood Road", "023 8000 0001")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_nothing_readable(var_dir: Path) -> None:
    """Not a word of a payload in any file of the outbox's folder: database, WAL, keyring."""
    for path in var_dir.iterdir():
        raw = path.read_bytes()
        for value in PERSONAL:
            assert value.encode() not in raw, f"{value!r} readable in {path.name}"


def payload_column(path: Path, referral_id: str) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT payload FROM outbox WHERE referral_id = ?", (referral_id,)).fetchone()[0]


def test_a_waiting_referral_is_sealed_in_the_file_and_comes_back_whole(tmp_path):
    var_dir = tmp_path / "var"
    with Outbox(var_dir / "outbox.db") as box:
        referral = a_referral()
        box.put(referral["referral_id"], referral)
        assert box.payload(referral["referral_id"]) == referral
        claimed_id, claimed = box.claim(lease_seconds=5)
        assert (claimed_id, claimed) == (referral["referral_id"], referral)
        assert sealed_key_id(payload_column(box.path, claimed_id)) == 1
        assert box.key_usage() == {1: 1}
        assert_nothing_readable(var_dir)
    for name in ("outbox.db", "outbox_keyring"):
        assert mode(var_dir / name) == 0o600, name
    assert mode(var_dir) == 0o700


def test_a_payload_copied_onto_another_referrals_row_does_not_open(tmp_path):
    path = tmp_path / "var" / "outbox.db"
    first, second = a_referral(), a_referral()
    with Outbox(path) as box:
        for referral in (first, second):
            box.put(referral["referral_id"], referral)
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE outbox SET payload = ? WHERE referral_id = ?",
            (payload_column(path, first["referral_id"]), second["referral_id"]),
        )
    with Outbox(path) as box:
        assert box.payload(first["referral_id"]) == first
        with pytest.raises(UnreadableValue, match="belongs to another row"):
            box.payload(second["referral_id"])


def test_an_outbox_holding_payloads_in_plain_text_is_sealed_when_it_opens(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o700)
    path = var_dir / "outbox.db"
    waiting = a_referral()
    old = sqlite3.connect(path)  # as the outbox before sealing (user_version 2) left it
    old.execute(_TABLE)
    for index in _INDEXES:
        old.execute(index)
    old.execute(
        "INSERT INTO outbox (referral_id, payload, payload_sha256, state, created_at, next_attempt_at)"
        " VALUES (?, ?, 'x', 'pending', 1.0, 1.0)",
        (waiting["referral_id"], canonical(waiting)),
    )
    old.execute("PRAGMA user_version = 2")
    old.commit()
    old.close()
    os.chmod(path, 0o644)  # as SQLite's default mode left it

    with Outbox(path) as box:
        assert box.payload(waiting["referral_id"]) == waiting
        assert box.key_usage() == {1: 1}
    assert "Sealed 1 outbox payload(s) stored in plain text before" in caplog.text
    assert "outbox.db was 0644" in caplog.text and NAME not in caplog.text
    assert mode(path) == 0o600
    assert_nothing_readable(var_dir)  # secure_delete and a checkpoint: no plain copy left behind


def test_the_outbox_keys_rotate_and_old_payloads_are_moved_to_the_new_key(tmp_path, monkeypatch, capsys):
    var_dir = tmp_path / "var"
    monkeypatch.setenv("OUTBOX_PATH", str(var_dir / "outbox.db"))
    before, after = a_referral(), a_referral()
    with open_outbox(load_settings()) as box:
        box.put(before["referral_id"], before)

        assert keys_main(["--only", "outbox", "rotate-key"]) == 0
        box.put(after["referral_id"], after)  # the open outbox rereads its keyring file
        assert box.key_usage() == {1: 1, 2: 1}
        assert keys_main(["--only", "outbox", "retire-key", "1"]) == 1
        assert keys_main(["--only", "outbox", "reencrypt"]) == 0
        assert "outbox: re-sealed 1 row(s) with key 2" in capsys.readouterr().out
        assert keys_main(["--only", "outbox", "retire-key", "1"]) == 0
        assert box.key_usage() == {2: 2}
        assert box.payload(before["referral_id"]) == before and box.payload(after["referral_id"]) == after
    assert sorted(Keyring.parse((var_dir / "outbox_keyring").read_text()).keys) == [2]


def test_the_outbox_keys_may_come_from_the_environment_and_are_never_shown(tmp_path):
    ring = Keyring.generate()
    entries = ring.text().strip()
    settings = load_settings(
        {"OUTBOX_PATH": str(tmp_path / "var" / "outbox.db"), "OUTBOX_ENCRYPTION_KEYS": entries}
    )
    assert entries not in repr(settings)
    referral = a_referral()
    with open_outbox(settings) as box:
        assert box.keys.from_environment
        box.put(referral["referral_id"], referral)
    assert not (tmp_path / "var" / "outbox_keyring").exists()
    keys = Keys(path=tmp_path / "unused", text=entries)
    with Outbox(tmp_path / "var" / "outbox.db", keys=keys) as box:
        assert box.payload(referral["referral_id"]) == referral
    assert load_settings({"OUTBOX_KEYRING_FILE": str(tmp_path / "k")}).outbox_keyring_path == tmp_path / "k"
