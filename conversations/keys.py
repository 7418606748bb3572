"""The keys of what the assistant keeps at rest: see their use, rotate, re-seal, retire.

    python -m conversations.keys key-usage        how many rows each key seals, store by store
    python -m conversations.keys rotate-key       a new key in each keyring; it is current at once
    python -m conversations.keys reencrypt        every row under an older key (or plain) re-sealed
    python -m conversations.keys retire-key ID    key ID removed from each keyring; refused while used

    --only conversations|outbox                   one store instead of both

Two stores, each with its own keyring (conversations/keyring.py): the conversations, in the
tracker store endpoints.yml names (`CONVERSATION_ENCRYPTION_KEYS`, else `CONVERSATION_KEYRING_FILE`,
else `conversation_keyring` beside the SQLite file), and the outbox of referrals waiting for the
intake (`OUTBOX_ENCRYPTION_KEYS`, else `OUTBOX_KEYRING_FILE`, else `outbox_keyring` beside it).
Run it with the servers' environment (`TRACKER_STORE_DB`, `OUTBOX_PATH`, ...); it is safe while
they run, since they reread a keyring file when it changes. With keys from the environment,
`rotate-key` prints the entry to add (restart the server with it, then `reencrypt`), and
`retire-key` says which entry may go. Losing a key loses every row it seals: back keyrings up
apart from the databases.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Protocol, Sequence, TextIO

import yaml

from conversations.keyring import Keys
from conversations.private_files import PROJECT_VAR

ENDPOINTS = PROJECT_VAR.parent / "endpoints.yml"
STORES = ("conversations", "outbox")


class SealedStore(Protocol):
    keys: Keys

    def key_usage(self) -> Dict[Optional[int], int]: ...

    def reencrypt(self) -> int: ...


def main(
    argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None, err: Optional[TextIO] = None
) -> int:
    args = _parser().parse_args(argv)
    out, err = out or sys.stdout, err or sys.stderr
    names = [args.only] if args.only else list(STORES)
    with contextlib.ExitStack() as stack:
        stores: Dict[str, SealedStore] = {}
        for name in names:
            store = stack.enter_context(_opened(name, args.endpoints, err))
            if store is not None:
                stores[name] = store
        if not stores:
            return 1
        failed = False
        for name, store in stores.items():
            failed |= not COMMANDS[args.command](name, store, args, out, err)
        return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conversations.keys",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", choices=STORES, help="one store instead of both")
    parser.add_argument("--endpoints", type=Path, default=ENDPOINTS, help="the Rasa server's endpoints.yml")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("key-usage", help="how many rows each key seals")
    commands.add_parser("rotate-key", help="add a key to each keyring; it becomes current")
    commands.add_parser("reencrypt", help="re-seal every row not under the current key with it")
    retire = commands.add_parser("retire-key", help="remove a key nothing uses any more")
    retire.add_argument("key_id", type=int)
    return parser


@contextlib.contextmanager
def _opened(name: str, endpoints: Path, err: TextIO) -> Iterator[Optional[SealedStore]]:
    """The store called `name` as its server opens it; None (said on `err`) if it has no file yet."""
    if name == "outbox":
        from actions.outbox_store import open_outbox
        from actions.settings import load_settings

        settings = load_settings()
        if not settings.outbox_path.exists():
            print(f"outbox: none at {settings.outbox_path} (OUTBOX_PATH)", file=err)
            yield None
            return
        with open_outbox(settings) as outbox:
            yield outbox
        return

    from conversations.tracker_store import RedactingSQLTrackerStore, sqlite_file

    config = tracker_store_config(endpoints, {"TRACKER_STORE_DB": str(PROJECT_VAR / "rasa.db"), **os.environ})
    database_file = sqlite_file(**config)
    if database_file is not None and not database_file.exists():
        print(f"conversations: none at {database_file} (TRACKER_STORE_DB)", file=err)
        yield None
        return
    store = RedactingSQLTrackerStore(**config)
    try:
        yield store
    finally:
        store.engine.dispose()


def tracker_store_config(endpoints: Path, env: Mapping[str, str]) -> Dict[str, Any]:
    """The tracker store's arguments from endpoints.yml, its ${VARIABLES} from `env`.

    Only that block is read (Rasa's reader needs every variable in the file, the action server's
    address too); `url` is passed as `host`, as Rasa does.
    """
    block = dict(yaml.safe_load(endpoints.read_text(encoding="utf-8"))["tracker_store"])
    block.pop("type", None)
    if "url" in block:
        block["host"] = block.pop("url")

    def expand(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        missing = [name for name in _VARIABLE.findall(value) if name not in env]
        if missing:
            raise SystemExit(f"{endpoints}: set {', '.join(missing)} as the Rasa server has it")
        return _VARIABLE.sub(lambda match: env[match.group(1)], value)

    return {key: expand(value) for key, value in block.items()}


_VARIABLE = re.compile(r"\$\{(\w+)\}")


def key_usage(name: str, store: SealedStore, _args: argparse.Namespace, out: TextIO, _err: TextIO) -> bool:
    usage, ring = store.key_usage(), store.keys.ring
    print(f"{name} (keys: {store.keys.source})", file=out)
    for key_id in sorted(ring.keys):
        mark = " (current)" if key_id == ring.current_id else ""
        print(f"  key {key_id}{mark}: {usage.get(key_id, 0)} row(s)", file=out)
    for key_id in sorted(k for k in usage if k is not None and k not in ring.keys):
        print(f"  key {key_id} (NOT in the keyring: unreadable): {usage[key_id]} row(s)", file=out)
    if usage.get(None):
        print(f"  not sealed yet: {usage[None]} row(s) (reencrypt seals them)", file=out)
    return True


def rotate_key(name: str, store: SealedStore, _args: argparse.Namespace, out: TextIO, err: TextIO) -> bool:
    keys = store.keys
    if keys.from_environment:
        ring = keys.ring.with_new_key()
        print(
            f"{name}: the keys come from {keys.variable}: add this entry to it (comma-separated),"
            " restart the server, then run `python -m conversations.keys reencrypt`:",
            file=err,
        )
        print(f"{ring.current_id}:{ring.entry(ring.current_id)}", file=out)
        return True
    key_id = keys.rotate()
    print(
        f"{name}: added key {key_id} to {keys.path}; it is the current key (a running server rereads"
        " the file). Next: python -m conversations.keys reencrypt",
        file=out,
    )
    return True


def reencrypt(name: str, store: SealedStore, _args: argparse.Namespace, out: TextIO, _err: TextIO) -> bool:
    moved = store.reencrypt()
    print(f"{name}: re-sealed {moved} row(s) with key {store.keys.ring.current_id}", file=out)
    return True


def retire_key(name: str, store: SealedStore, args: argparse.Namespace, out: TextIO, err: TextIO) -> bool:
    keys, key_id = store.keys, args.key_id
    ring = keys.ring
    if key_id not in ring.keys:
        print(f"{name}: no key {key_id} in {keys.source}", file=err)
        return False
    if key_id == ring.current_id:
        print(f"{name}: key {key_id} is the current key and cannot be retired: rotate first", file=err)
        return False
    used = store.key_usage().get(key_id, 0)
    if used:
        print(
            f"{name}: key {key_id} still seals {used} row(s): run `python -m conversations.keys reencrypt`"
            " first",
            file=err,
        )
        return False
    if keys.from_environment:
        print(f"{name}: nothing uses key {key_id}: remove its entry from {keys.variable}", file=out)
        return True
    keys.retire(key_id)
    print(f"{name}: retired key {key_id} from {keys.path}", file=out)
    return True


COMMANDS = {
    "key-usage": key_usage,
    "rotate-key": rotate_key,
    "reencrypt": reencrypt,
    "retire-key": retire_key,
}


if __name__ == "__main__":
    sys.exit(main())
