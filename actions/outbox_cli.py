"""The outbox for staff: see, export, resend or resolve the referrals the intake has not accepted.

    python -m actions.outbox_cli list                         every referral, no personal data
    python -m actions.outbox_cli export ID [--output FILE]    one referral's payload (personal data)
    python -m actions.outbox_cli retry ID [ID ...] | --all    send refused referrals again, now
    python -m actions.outbox_cli resolve ID                   a refused referral reached MASH another
                                                              way (say by phone): delete its payload

A referral the intake refuses (a 4xx: the contract changed, it is too large, its id is taken) stays
in the outbox as rejected and the action server's /health fails until it is retried and accepted,
or resolved. The listing shows ids, states, RAG, attempts, the last HTTP status and ages only.
`export` writes the referral to stdout, or to a new file only its owner can read (0600); delete it
once MASH has it. It reads the action server's settings (OUTBOX_PATH, INTAKE_URL, the service
token) from the same environment, and is safe to run while the action server runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, TextIO

import aiohttp

from actions.intake_client import Outcome
from actions.outbox import (
    PENDING,
    PRIORITY,
    REJECTED,
    Outbox,
    OutboxEntry,
    attempt,
    lease_seconds,
    open_outbox,
)
from actions.settings import Settings, load_settings

_ATTENTION = {REJECTED: 0, PENDING: 1}  # then the settled ones


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=err, format="%(levelname)s %(message)s")
    settings = load_settings()
    if not settings.outbox_path.exists():
        print(f"No outbox at {settings.outbox_path} (OUTBOX_PATH)", file=err)
        return 1
    with open_outbox(settings) as outbox:
        if args.command == "list":
            print(format_entries(outbox.entries()), file=out)
            return 0
        if args.command == "export":
            return _export(outbox, args.referral_id, args.output, out, err)
        if args.command == "resolve":
            return _resolve(outbox, args.referral_id, out, err)
        ids = outbox.rejected_ids() if args.all else args.referral_ids
        if not ids:
            print("Nothing to retry: no referral is rejected", file=out)
            return 0
        return asyncio.run(_retry(outbox, ids, settings, out, err))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m actions.outbox_cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every referral in the outbox, without personal data")
    export = commands.add_parser("export", help="one referral's payload, as JSON")
    export.add_argument("referral_id")
    export.add_argument("--output", type=Path, help="a new file (0600) instead of stdout")
    retry = commands.add_parser("retry", help="send refused referrals again, now")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("referral_ids", nargs="*", default=[], metavar="ID")
    which.add_argument("--all", action="store_true", help="every rejected referral")
    resolve = commands.add_parser("resolve", help="a refused referral was passed on another way")
    resolve.add_argument("referral_id")
    return parser


def format_entries(entries: Iterable[OutboxEntry], *, now: Optional[float] = None) -> str:
    """A table of the outbox, what needs a person first: no payload field appears in it."""
    now = time.time() if now is None else now
    rows = [("REFERRAL", "STATE", "RAG", "ATTEMPTS", "LAST", "AGE", "LAST TRY", "NEXT TRY")]
    ordered = sorted(
        entries,
        key=lambda e: (_ATTENTION.get(e.state, 2), PRIORITY.get(e.rag or "", len(PRIORITY)), e.created_at),
    )
    for entry in ordered:
        rows.append(
            (
                entry.referral_id,
                entry.state,
                entry.rag or "-",
                str(entry.attempts),
                entry.last_error or (str(entry.last_status) if entry.last_status else "-"),
                _age(now - entry.created_at),
                _age(now - entry.last_attempt_at) if entry.last_attempt_at else "-",
                _age(entry.next_attempt_at - now, future=True) if entry.next_attempt_at else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    if len(rows) == 1:
        lines.append("(the outbox is empty)")
    return "\n".join(lines)


def _age(seconds: float, *, future: bool = False) -> str:
    if future and seconds <= 0:
        return "now"
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{seconds / size:.0f}{unit}"
            break
    else:
        text = f"{seconds:.0f}s"
    return f"in {text}" if future else f"{text} ago"


def _export(outbox: Outbox, referral_id: str, output: Optional[Path], out: TextIO, err: TextIO) -> int:
    payload = outbox.payload(referral_id)
    if payload is None:
        entry = outbox.get(referral_id)
        if entry is None:
            print(f"No referral {referral_id} in the outbox", file=err)
        else:
            print(f"Referral {referral_id} is {entry.state}: its payload has been deleted", file=err)
        return 1
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        out.write(text)
        return 0
    try:
        # A new file only: never through a link, never over another file, readable by its owner only.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        print(f"{output} already exists: choose a new file", file=err)
        return 1
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text)
    print(
        f"Referral {referral_id} written to {output}: it holds personal data, delete it once MASH has it",
        file=err,
    )
    return 0


def _resolve(outbox: Outbox, referral_id: str, out: TextIO, err: TextIO) -> int:
    if outbox.resolve(referral_id):
        print(f"Referral {referral_id} resolved: its payload is deleted", file=out)
        return 0
    entry = outbox.get(referral_id)
    state = "not in the outbox" if entry is None else entry.state
    print(f"Referral {referral_id} is {state}: only a rejected referral can be resolved", file=err)
    return 1


async def _retry(outbox: Outbox, ids: List[str], settings: Settings, out: TextIO, err: TextIO) -> int:
    """Send each again now; 0 if every one was accepted."""
    failed = 0
    async with aiohttp.ClientSession() as session:
        for referral_id in ids:
            lease = lease_seconds(settings)
            claimed = await outbox.call(outbox.requeue, referral_id, lease_seconds=lease)
            if claimed is None:  # a pending one: sent now if it is due and not in flight
                claimed = await outbox.call(outbox.claim, referral_id, lease_seconds=lease)
            if claimed is None:
                entry = await outbox.call(outbox.get, referral_id)
                failed += entry is None or entry.state != "delivered"
                print(f"{referral_id}: {_not_claimed(entry)}", file=out if entry else err)
                continue
            result = await attempt(outbox, referral_id, claimed[1], settings, session)
            if result.outcome is Outcome.ACCEPTED:
                print(f"{referral_id}: accepted as {result.reference}", file=out)
            else:
                failed += 1
                again = "rejected again" if result.outcome is Outcome.REJECTED else "not delivered"
                print(f"{referral_id}: {again} ({result.error})", file=out)
    return 1 if failed else 0


def _not_claimed(entry: Optional[OutboxEntry]) -> str:
    if entry is None:
        return "not in the outbox"
    if entry.state == PENDING:
        return "pending: being sent by the action server, or due again soon"
    return f"{entry.state}, nothing to send"


if __name__ == "__main__":
    sys.exit(main())
