"""AES-256-GCM at rest, with numbered keys so they can be rotated: conversations and waiting referrals.

A keyring is one key a line, `<id>:<urlsafe base64 of 32 random bytes>` (the intake service's format,
intake/src/intake/crypto.py), read from an environment variable (entries separated by commas or
newlines) or else from a file only the service can read (0600), created with one key on first run.
The key with the highest id is current: everything sealed is sealed with it. Every key in the ring
still opens what it sealed, so rows written under an older key stay readable until they are
re-sealed. A running service rereads its keyring file when the file changes, so a key added by
`rotate-key` is used at once and rows re-sealed with it can be read without a restart.

A sealed value is text, so it fits any column: `gcm1:<key id>:<urlsafe base64 of the 12-byte random
nonce, the ciphertext and its 16-byte tag>`. The key id is readable, so a store finds the rows
under an old key without opening them. The associated data (authenticated, not stored) says where
the value belongs (its table, row and conversation): copied onto another row, or altered, it does
not open. Errors never include a value, sealed or plain.

Two keyrings, each owned by the service that uses it: the Rasa server's conversations
(`CONVERSATION_ENCRYPTION_KEYS` or `var/conversation_keyring`, conversations/tracker_store.py)
and the action server's outbox (`OUTBOX_ENCRYPTION_KEYS` or `var/outbox_keyring`,
actions/outbox_store.py). Rotation, for both (`--only conversations|outbox` for one):

    python -m conversations.keys rotate-key     a new key in each keyring; it is current at once
    python -m conversations.keys reencrypt      every row under an older key re-sealed with it
    python -m conversations.keys key-usage      rows per key: an old key should show 0
    python -m conversations.keys retire-key 1   key 1 removed; refused while a row uses it
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional, Tuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conversations.private_files import private_folder, tighten, write_private_file

logger = logging.getLogger(__name__)

SEALED_PREFIX = "gcm1:"
NONCE_BYTES = 12
_SEALED = re.compile(r"gcm1:(\d{1,9}):([A-Za-z0-9_-]+={0,2})\Z")


class KeyringError(ValueError):
    """A keyring cannot be read or changed as asked (the message never holds a key)."""


class UnreadableValue(Exception):
    """A sealed value does not open: altered, moved to another row, or under a key not in the ring.

    Not a ValueError: Rasa's tracker store takes a ValueError in a session for a missing schema
    and exits the server.
    """


def sealed_key_id(value: Optional[str]) -> Optional[int]:
    """The id of the key a value was sealed with; None if it is not a sealed value (plain text)."""
    if not isinstance(value, str) or not value.startswith(SEALED_PREFIX):
        return None
    match = _SEALED.match(value)
    return int(match.group(1)) if match else None


def is_sealed(value: Optional[str]) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


@dataclass(frozen=True)
class Keyring:
    """Numbered AES-256 keys; the highest id is current."""

    keys: Mapping[int, bytes] = field(repr=False)

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """`id:key` entries separated by newlines or commas; blank lines and # comments skipped."""
        keys: Dict[int, bytes] = {}
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
            except (ValueError, binascii.Error):
                raise KeyringError(f"key {key_id} is not valid base64") from None
            if len(key) != 32:
                raise KeyringError(f"key {key_id} must be 32 bytes (AES-256)")
            if key_id < 1 or key_id in keys:
                raise KeyringError(f"key id {key_id} is below 1 or appears twice")
            keys[key_id] = key
        if not keys:
            raise KeyringError("the keyring holds no key")
        return cls(keys)

    @classmethod
    def generate(cls) -> Keyring:
        return cls({1: AESGCM.generate_key(bit_length=256)})

    @property
    def current_id(self) -> int:
        return max(self.keys)

    def with_new_key(self) -> Keyring:
        """This ring and one more key, which is current."""
        return Keyring({**self.keys, self.current_id + 1: AESGCM.generate_key(bit_length=256)})

    def without(self, key_id: int) -> Keyring:
        if key_id == self.current_id:
            raise KeyringError("the current key cannot be retired: rotate first")
        if key_id not in self.keys:
            raise KeyringError(f"key {key_id} is not in the keyring")
        return Keyring({k: v for k, v in self.keys.items() if k != key_id})

    def text(self) -> str:
        """The keyring as its file holds it."""
        return "".join(f"{key_id}:{self.entry(key_id)}\n" for key_id in sorted(self.keys))

    def entry(self, key_id: int) -> str:
        return base64.urlsafe_b64encode(self.keys[key_id]).decode("ascii")

    def seal(self, plaintext: bytes, associated_data: bytes) -> str:
        """Encrypt with the current key; `associated_data` is authenticated, not stored."""
        key_id = self.current_id
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(self.keys[key_id]).encrypt(nonce, plaintext, associated_data)
        return f"{SEALED_PREFIX}{key_id}:{base64.urlsafe_b64encode(nonce + ciphertext).decode('ascii')}"

    def open(self, sealed: str, associated_data: bytes) -> bytes:
        """Decrypt a value sealed under any key in the ring with this associated data."""
        key_id, body = _parts(sealed)
        if key_id not in self.keys:
            raise UnreadableValue(f"the value was sealed with key {key_id}, which is not in the keyring")
        try:
            return AESGCM(self.keys[key_id]).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], associated_data)
        except InvalidTag:
            raise UnreadableValue(
                "the value does not open: it was altered or belongs to another row"
            ) from None


def _parts(sealed: str) -> Tuple[int, bytes]:
    match = _SEALED.match(sealed) if isinstance(sealed, str) else None
    if not match:
        raise UnreadableValue("not a sealed value")
    try:
        body = base64.urlsafe_b64decode(match.group(2))
    except (ValueError, binascii.Error):
        raise UnreadableValue("the sealed value is not valid base64") from None
    if len(body) < NONCE_BYTES + 16:
        raise UnreadableValue("the sealed value is cut short")
    return int(match.group(1)), body


class Keys:
    """The keyring one service uses: from its environment variable, else from its file.

    The file is created (0600, one key) on first run and reread whenever it changes, so
    `rotate-key` and `retire-key` take effect in a running service. If the file disappears or
    stops parsing, the keys already read stay in use and the problem is logged.
    """

    def __init__(self, *, path: Path, text: Optional[str] = None, variable: str = "") -> None:
        self.path = path
        self.variable = variable  # the environment variable the keys may come from, for messages
        self.from_environment = bool(text and text.strip())
        self._lock = threading.Lock()
        self._seen: Optional[Tuple[int, int, int]] = None
        if self.from_environment:
            self._ring = Keyring.parse(text or "")
        else:
            self._ring = self._read_or_create()

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str], *, variable: str, file_variable: str, default_file: Path
    ) -> Keys:
        """Keys from `variable` if set, else from the file `file_variable` names (or `default_file`)."""
        named = env.get(file_variable)
        path = Path(named).expanduser() if named else default_file
        return cls(path=path, text=env.get(variable), variable=variable)

    @property
    def source(self) -> str:
        return self.variable if self.from_environment else str(self.path)

    @property
    def ring(self) -> Keyring:
        """The keyring, reread first if its file changed since it was last read."""
        if not self.from_environment:
            with self._lock:
                self._reload_if_changed()
        return self._ring

    def seal(self, plaintext: bytes, associated_data: bytes) -> str:
        return self.ring.seal(plaintext, associated_data)

    def open(self, sealed: str, associated_data: bytes) -> bytes:
        return self.ring.open(sealed, associated_data)

    def rotate(self) -> int:
        """Add a key to the file; it is current. Returns its id. (Keys from the environment: refused.)"""
        ring = self._change(lambda ring: ring.with_new_key())
        return ring.current_id

    def retire(self, key_id: int) -> None:
        """Remove a key from the file. The caller checks first that nothing uses it."""
        self._change(lambda ring: ring.without(key_id))

    def _change(self, change: Callable[[Keyring], Keyring]) -> Keyring:
        if self.from_environment:
            raise KeyringError(f"the keys come from {self.variable}: change it there, then restart")
        with self._lock:
            self._reload_if_changed()
            updated = change(self._ring)
            Keyring.parse(updated.text())  # never write a keyring that cannot be read
            write_private_file(self.path, updated.text())
            self._ring, self._seen = updated, _signature(self.path)
        return updated

    def _read_or_create(self) -> Keyring:
        private_folder(self.path.parent)
        if not self.path.exists():
            # Linked into place complete: if another process created it first, theirs is used.
            if write_private_file(self.path, Keyring.generate().text(), replace=False):
                logger.info("Created the keyring %s with a new key", self.path)
        tighten(self.path, 0o600)
        self._seen = _signature(self.path)
        return Keyring.parse(self.path.read_text(encoding="utf-8"))

    def _reload_if_changed(self) -> None:
        try:
            seen = _signature(self.path)
        except FileNotFoundError:
            if self._seen is not None:
                logger.error("The keyring %s is missing: using the keys read before", self.path)
                self._seen = None
            return
        if seen == self._seen:
            return
        self._seen = seen
        try:
            self._ring = Keyring.parse(self.path.read_text(encoding="utf-8"))
        except (KeyringError, OSError) as exc:
            logger.error("The keyring %s was not reread (%s): using the keys read before", self.path, exc)
            return
        logger.info("Reread the keyring %s: current key %d", self.path, self._ring.current_id)


def _signature(path: Path) -> Tuple[int, int, int]:
    found = path.stat()
    return found.st_ino, found.st_mtime_ns, found.st_size
