"""The keyring that seals conversations and waiting referrals at rest (conversations/keyring.py),
and the private files that hold them (conversations/private_files.py)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from conversations.keyring import (
    Keyring,
    KeyringError,
    Keys,
    UnreadableValue,
    is_sealed,
    sealed_key_id,
)
from conversations.private_files import private_database, private_folder, write_private_file

SECRET = "Zephyrine Quaddle, SO17 9QX, 07700 900461".encode()
HERE = b'["events", 7, "conversation-a", "user"]'


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_sealed_value_opens_with_the_same_associated_data_and_holds_no_plain_text():
    ring = Keyring.generate()
    sealed = ring.seal(SECRET, HERE)
    assert is_sealed(sealed) and sealed_key_id(sealed) == 1
    assert b"Zephyrine" not in sealed.encode() and "SO17" not in sealed
    assert ring.open(sealed, HERE) == SECRET
    assert ring.seal(SECRET, HERE) != sealed  # a fresh nonce every time


def test_a_tampered_ciphertext_is_refused():
    ring = Keyring.generate()
    sealed = ring.seal(SECRET, HERE)
    head, body = sealed[:-8], sealed[-8:]
    flipped = head + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(UnreadableValue, match="altered or belongs to another row"):
        ring.open(flipped, HERE)
    with pytest.raises(UnreadableValue):
        ring.open(sealed[:20], HERE)  # cut short


def test_a_value_moved_to_another_row_or_conversation_is_refused():
    ring = Keyring.generate()
    sealed = ring.seal(SECRET, HERE)
    for elsewhere in (b'["events", 8, "conversation-a", "user"]', b'["events", 7, "conversation-b", "user"]'):
        with pytest.raises(UnreadableValue) as refused:
            ring.open(sealed, elsewhere)
        assert "Zephyrine" not in str(refused.value)


def test_after_rotation_new_values_use_the_newest_key_and_old_ones_still_open():
    old = Keyring.generate()
    sealed_before = old.seal(SECRET, HERE)
    rotated = old.with_new_key()
    assert rotated.current_id == 2
    assert sealed_key_id(rotated.seal(SECRET, HERE)) == 2
    assert rotated.open(sealed_before, HERE) == SECRET
    with pytest.raises(UnreadableValue, match="key 1, which is not in the keyring"):
        rotated.without(1).open(sealed_before, HERE)
    with pytest.raises(KeyringError, match="current key cannot be retired"):
        rotated.without(2)


def test_a_keyring_reads_the_intake_services_format_and_its_errors_never_show_a_key():
    ring = Keyring.generate().with_new_key()
    assert Keyring.parse(ring.text()).keys == ring.keys
    assert Keyring.parse(ring.text().replace("\n", ",")).keys == ring.keys  # as an environment variable
    for bad in ("", "# only a comment", "1:short", "x:" + ring.entry(1), ring.text() + ring.text()):
        with pytest.raises(KeyringError) as refused:
            Keyring.parse(bad)
        assert ring.entry(1) not in str(refused.value)
    assert ring.entry(1) not in repr(ring)


def test_the_keyring_file_is_created_once_0600_in_a_0700_folder(tmp_path):
    path = tmp_path / "var" / "conversation_keyring"
    keys = Keys(path=path)
    assert mode(path.parent) == 0o700 and mode(path) == 0o600
    again = Keys(path=path)
    assert again.ring.keys == keys.ring.keys  # read, not replaced
    assert not list(path.parent.glob(".*tmp"))  # written under a temporary name, then linked


def test_keys_from_the_environment_are_used_and_no_file_is_written(tmp_path):
    ring = Keyring.generate().with_new_key()
    keys = Keys.from_environment(
        {"THE_KEYS": ring.text().replace("\n", ",")},
        variable="THE_KEYS",
        file_variable="THE_KEYRING_FILE",
        default_file=tmp_path / "keyring",
    )
    assert keys.from_environment and keys.ring.current_id == 2 and keys.source == "THE_KEYS"
    assert not (tmp_path / "keyring").exists()
    with pytest.raises(KeyringError, match="change it there"):
        keys.rotate()


def test_a_running_service_rereads_its_keyring_file_when_it_is_rotated(tmp_path):
    path = tmp_path / "keyring"
    server, operator = Keys(path=path), Keys(path=path)
    before = server.seal(SECRET, HERE)
    assert operator.rotate() == 2
    after = operator.seal(SECRET, HERE)
    assert sealed_key_id(after) == 2
    assert server.open(after, HERE) == SECRET  # the server reread the file: no restart needed
    assert sealed_key_id(server.seal(SECRET, HERE)) == 2
    operator.retire(1)
    assert sorted(Keyring.parse(path.read_text()).keys) == [2]
    with pytest.raises(UnreadableValue):
        server.open(before, HERE)
    assert mode(path) == 0o600


def test_a_keyring_file_that_stops_parsing_keeps_the_keys_already_read(tmp_path, caplog):
    path = tmp_path / "keyring"
    keys = Keys(path=path)
    sealed = keys.seal(SECRET, HERE)
    path.write_text("not a keyring at all\n")
    assert keys.open(sealed, HERE) == SECRET
    assert "was not reread" in caplog.text


def test_files_found_readable_by_others_are_narrowed_and_logged_without_their_content(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    folder = tmp_path / "state"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)  # noqa: S103 (too open, on purpose)
    database = folder / "rasa.db"
    database.write_bytes(b"SQLite format 3\x00 Zephyrine")
    journal = folder / "rasa.db-journal"
    journal.write_bytes(b"Zephyrine")
    for path in (database, journal):
        os.chmod(path, 0o644)
    private_database(database)
    assert mode(database) == 0o600 and mode(journal) == 0o600
    assert "rasa.db was 0644" in caplog.text and "narrowed to 0600" in caplog.text
    assert "Zephyrine" not in caplog.text
    # A folder that is not the project's var/ nor made here is reported, not changed for everyone.
    assert mode(folder) == 0o755
    assert "can be opened by other users" in caplog.text


def test_the_projects_var_folder_is_narrowed_to_0700(tmp_path, monkeypatch):
    import conversations.private_files as private_files

    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)  # noqa: S103 (too open, on purpose)
    monkeypatch.setattr(private_files, "PROJECT_VAR", var)
    private_folder(var)
    assert mode(var) == 0o700


def test_a_private_file_is_written_whole_and_not_replaced_when_asked_not_to(tmp_path):
    path = tmp_path / "var" / "secret"
    assert write_private_file(path, "first\n", replace=False)
    assert not write_private_file(path, "second\n", replace=False)
    assert path.read_text() == "first\n" and mode(path) == 0o600
    assert write_private_file(path, "third\n")
    assert path.read_text() == "third\n" and mode(path) == 0o600
