"""The keyring: AES-GCM sealing bound to its row and field, with numbered keys for rotation."""

import pytest
from cryptography.exceptions import InvalidTag

from intake.crypto import Keyring, KeyringError, generate_key_line, key_id_of


def test_sealed_value_opens_only_with_the_same_context():
    ring = Keyring.parse(generate_key_line(1))
    sealed = ring.seal(b"Maisie, Flat 3", b"referrals:abc:payload")
    assert b"Maisie" not in sealed
    assert ring.open(sealed, b"referrals:abc:payload") == b"Maisie, Flat 3"
    with pytest.raises(InvalidTag):
        ring.open(sealed, b"referrals:other:payload")


def test_tampered_ciphertext_is_refused():
    ring = Keyring.parse(generate_key_line(1))
    sealed = bytearray(ring.seal(b"secret", b"ctx"))
    sealed[-1] ^= 1
    with pytest.raises(InvalidTag):
        ring.open(bytes(sealed), b"ctx")


def test_the_highest_key_id_is_current_and_older_keys_still_open():
    old = Keyring.parse(generate_key_line(1))
    sealed_old = old.seal(b"old", b"ctx")
    rotated = Keyring.parse(generate_key_line(2) + "\n" + _line(old, 1))
    assert rotated.current_id == 2
    assert key_id_of(rotated.seal(b"new", b"ctx")) == 2
    assert rotated.open(sealed_old, b"ctx") == b"old"


def test_a_value_under_a_retired_key_cannot_be_opened():
    old = Keyring.parse(generate_key_line(1))
    sealed = old.seal(b"x", b"ctx")
    with pytest.raises(KeyringError):
        Keyring.parse(generate_key_line(2)).open(sealed, b"ctx")


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment", "1:short", "x:abcd", "1" + ":" + "A" * 43 + "=,1:" + "A" * 43 + "="],
)
def test_malformed_keyrings_are_refused(text):
    with pytest.raises(KeyringError):
        Keyring.parse(text)


def test_keyring_accepts_comma_separated_entries_as_from_an_environment_variable():
    ring = Keyring.parse(generate_key_line(1) + "," + generate_key_line(3))
    assert sorted(ring.keys) == [1, 3]


def test_keyring_repr_does_not_show_keys():
    ring = Keyring.parse(generate_key_line(1))
    assert repr(ring) == "Keyring()"


def _line(ring: Keyring, key_id: int) -> str:
    import base64

    return f"{key_id}:{base64.urlsafe_b64encode(ring.keys[key_id]).decode()}"
