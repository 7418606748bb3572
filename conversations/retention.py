"""Retention of the conversations in the tracker store: kept only as long as needed.

- A conversation whose last event is older than the retention period (default 30 days,
  ``CONVERSATION_RETENTION_DAYS``) is deleted from the tracker store. The review store keeps its
  own copy on its own terms (a referral's transcript as long as the referral: the intake's purge).
- A referral abandoned mid-way (the referral form still active when the session expired: the
  tab closed, the person left) is erased once its session has expired (``session_expiration_time``
  in domain.yml, 60 minutes): the whole conversation, here and in the review store, unless the
  conversation already sent a referral, whose transcript is kept; then only the abandoned
  referral's words are overwritten, as when a person stops one. The session's hour counts from
  the person's last message: the assistant's idle warning does not restart it. A person who comes
  back after the hour, and so starts a new session, has the abandoned referral's words
  overwritten by the tracker store as that session starts (``abandoned_referral_before``).

    python -m conversations.retention [--dry-run] [--now ISO-TIME]

prints what it did as one JSON line. `make purge` runs it (and the intake's purge); `make run`
runs `make purge` every 10 minutes while it is up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
import yaml

from conversations.tracker_store import FORM, RedactingSQLTrackerStore

SENT_OUTCOMES = ("accepted", "queued")
DEFAULT_RETENTION_DAYS = 30
# The intents of messages Rasa makes itself (reminders, actions/session.py), not the person.
EXTERNAL_PREFIX = "EXTERNAL_"
DOMAIN_FILE = Path(__file__).resolve().parent.parent / "domain.yml"


def session_minutes(domain_file: Path = DOMAIN_FILE) -> float:
    config = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    return float((config.get("session_config") or {}).get("session_expiration_time") or 60)


def idle_conversations(
    store: RedactingSQLTrackerStore, before: float, *, by_the_person: bool = False
) -> Dict[str, Optional[str]]:
    """Conversations whose last event is older than `before`: id -> the name of the last loop
    activated (None: no form active at the end). `by_the_person`: idle since the person last
    wrote, whatever the assistant did since (its idle warning, a Rasa reminder's ``EXTERNAL_``
    message, is not the person writing: counted, the abandoned referral would be kept past its
    session for as long again)."""
    table = store.SQLEvent.__table__
    rows = sa.select(table.c.sender_id, sa.func.max(table.c.timestamp).label("last"))
    if by_the_person:
        rows = rows.where(
            table.c.type_name == "user",
            sa.or_(table.c.intent_name.is_(None), ~table.c.intent_name.startswith(EXTERNAL_PREFIX)),
        )
    with store.session_scope() as session:
        last = session.execute(
            rows.group_by(table.c.sender_id).having(sa.func.max(table.c.timestamp) < before)
        ).fetchall()
        idle: Dict[str, Optional[str]] = {}
        for sender_id, _ in last:
            loop = session.execute(
                sa.select(table.c.action_name)
                .where(table.c.sender_id == sender_id, table.c.type_name == "active_loop")
                .order_by(table.c.id.desc())
                .limit(1)
            ).scalar()
            idle[sender_id] = loop
    return idle


def sent_a_referral_before_the_last_form(events: List[Dict[str, Any]]) -> bool:
    start = max(
        (i for i, e in enumerate(events) if e.get("event") == "active_loop" and e.get("name") == FORM),
        default=len(events),
    )
    return any(
        e.get("event") == "slot" and e.get("name") == "referral_outcome" and e.get("value") in SENT_OUTCOMES
        for e in events[:start]
    )


async def purge(
    store: RedactingSQLTrackerStore,
    *,
    now: Optional[float] = None,
    retention_days: float = DEFAULT_RETENTION_DAYS,
    session_expiry_minutes: Optional[float] = None,
    dry_run: bool = False,
) -> Dict[str, int]:
    now = time.time() if now is None else now
    minutes = session_minutes() if session_expiry_minutes is None else session_expiry_minutes
    report = {
        "conversations_deleted": 0,
        "abandoned_referrals_erased": 0,
        "abandoned_referrals_overwritten": 0,
    }
    for sender_id in idle_conversations(store, now - retention_days * 86400):
        report["conversations_deleted"] += 1
        if not dry_run:
            await store.erase(sender_id, reason="retention", tell_broker=False)
    for sender_id, loop in idle_conversations(store, now - minutes * 60, by_the_person=True).items():
        if loop != FORM:
            continue
        events = store.opened_events(sender_id)
        if sent_a_referral_before_the_last_form(events):
            report["abandoned_referrals_overwritten"] += 1
            if not dry_run:
                store.overwrite_referral(sender_id)
        else:
            report["abandoned_referrals_erased"] += 1
            if not dry_run:
                await store.erase(sender_id, reason="abandoned")
    return report


def open_store() -> RedactingSQLTrackerStore:
    """The tracker store (and event broker) endpoints.yml configures, as the Rasa server opens it."""
    from rasa.core.brokers.broker import EventBroker
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import read_endpoint_config

    endpoints = os.environ.get("RASA_ENDPOINTS", "endpoints.yml")
    # endpoints.yml names these; the Makefile's defaults, for a run by hand.
    os.environ.setdefault("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    os.environ.setdefault("TRACKER_STORE_DB", "var/rasa.db")
    tracker = read_endpoint_config(endpoints, "tracker_store")
    broker_config = read_endpoint_config(endpoints, "event_broker")
    broker = asyncio.run(EventBroker.create(broker_config)) if broker_config else None
    kwargs = {k: v for k, v in (tracker.kwargs if tracker else {}).items() if k != "type"}
    if tracker is not None and tracker.url:  # `url:` is the database host, as Rasa reads it
        kwargs["host"] = tracker.url
    return RedactingSQLTrackerStore(Domain.load(str(DOMAIN_FILE)), event_broker=broker, **kwargs)


def main(argv: Optional[List[str]] = None) -> int:
    # Loading the domain and the store warns about Rasa's and SQLAlchemy's own deprecations, every
    # 10 minutes under `make run`: not this command's to report.
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    parser.add_argument("--now", help="pretend it is this time (ISO 8601), for trying the periods")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00")).timestamp() if args.now else None
    days = float(os.environ.get("CONVERSATION_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)
    store = open_store()

    async def run() -> Dict[str, int]:
        report = await purge(store, now=now, retention_days=days, dry_run=args.dry_run)
        broker = store.event_broker
        if broker is not None and hasattr(broker, "flush"):
            report["review_messages_waiting"] = await broker.flush()
        return report

    report = asyncio.run(run())
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"conversations purge {verb}: {report['conversations_deleted']} conversation(s) idle over "
        f"{days:g} days; abandoned referrals: {report['abandoned_referrals_erased']} erased, "
        f"{report['abandoned_referrals_overwritten']} overwritten"
    )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
