"""AES-256-GCM encryption of personal fields, with a keyring of numbered keys so keys can be rotated.

A keyring is written one key a line, `<id>:<urlsafe base64 of 32 random bytes>`. The key with the
highest id is the current one: everything new is encrypted with it. Every key in the ring can still
decrypt, so rows written under an older key stay readable until `python -m intake reencrypt` has moved
them to the current key and the old line can be removed.

A sealed value is: format byte 0x01, key id (4 bytes, big-endian), 12-byte random nonce, ciphertext
with its GCM tag. The associated data binds a value to its table, row and field, so a ciphertext
copied onto another row or field does not decrypt.
"""

from __future__ import annotations

import base64
import os
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = 1
_HEADER = struct.Struct(">BI")
NONCE_BYTES = 12


class KeyringError(ValueError):
    """The keyring text is malformed, or a value names a key the ring does not hold."""


def generate_key_line(key_id: int) -> str:
    """A new keyring line with a fresh random 256-bit key."""
    return f"{key_id}:{base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


@dataclass(frozen=True)
class Keyring:
    keys: dict[int, bytes] = field(repr=False)

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Parse `id:key` entries separated by newlines or commas; blank lines and # comments skipped."""
        keys: dict[int, bytes] = {}
        for raw in text.replace(",", "\n").splitlines():
            entry = raw.strip()
            if not entry or entry.startswith("#"):
                continue
            key_id_text, sep, key_text = entry.partition(":")
            if not sep or not key_id_text.strip().isdigit():
                raise KeyringError("each keyring entry must look like '<id>:<base64 key>'")
            key_id = int(key_id_text)
            try:
                key = base64.urlsafe_b64decode(key_text.strip())
            except ValueError as exc:
                raise KeyringError(f"key {key_id} is not valid base64") from exc
            if len(key) != 32:
                raise KeyringError(f"key {key_id} must be 32 bytes (AES-256)")
            if key_id in keys:
                raise KeyringError(f"key {key_id} appears twice")
            keys[key_id] = key
        if not keys:
            raise KeyringError("the keyring holds no key")
        return cls(keys)

    @property
    def current_id(self) -> int:
        return max(self.keys)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """Encrypt with the current key; `context` is authenticated but not stored."""
        key_id = self.current_id
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(self.keys[key_id]).encrypt(nonce, plaintext, context)
        return _HEADER.pack(FORMAT, key_id) + nonce + ciphertext

    def open(self, sealed: bytes, context: bytes) -> bytes:
        """Decrypt a value sealed under any key in the ring (raises InvalidTag if tampered)."""
        key_id = key_id_of(sealed)
        if key_id not in self.keys:
            raise KeyringError(f"value was sealed with key {key_id}, which is not in the keyring")
        nonce = sealed[_HEADER.size : _HEADER.size + NONCE_BYTES]
        return AESGCM(self.keys[key_id]).decrypt(
            nonce, sealed[_HEADER.size + NONCE_BYTES :], context
        )


def key_id_of(sealed: bytes) -> int:
    fmt, key_id = _HEADER.unpack_from(sealed)
    if fmt != FORMAT:
        raise KeyringError(f"unknown sealed-value format {fmt}")
    return key_id
