"""Storage, a store per aggregate over one engine; `Store` is all of them together, and is what the
app and the command line use.

referrals.py    the referral: idempotent receipt and reference, the queue, status trail, feedback
staff.py        staff accounts and their bearer tokens (the API)
accounts.py     console accounts: roles, passwords, TOTP, lock-out, sessions
casework.py     a referral's assignment and notes (the console)
audit.py        the append-only audit log: written in each change's transaction, read as a trail
maintenance.py  the retention purge and the keys (key usage, re-encryption)
conversations.py  the review store: conversations from the assistant's event broker, for staff
base.py         what they share: the engine, keyring and clock; NotFound; times as ISO text

Personal data only ever reaches the database sealed by the keyring (see crypto.py). Every read of a
referral's personal fields and every change is written to the audit log in the same transaction.
A new aggregate is a module with a `StoreBase` subclass, added to `Store`'s bases.
"""

from __future__ import annotations

from intake.store.accounts import AccountStore
from intake.store.audit import AuditStore
from intake.store.base import NotFound
from intake.store.casework import CaseworkStore
from intake.store.conversations import ConversationStore
from intake.store.maintenance import MaintenanceStore
from intake.store.referrals import (
    STATUSES,
    InvalidTransition,
    Receipt,
    ReferralConflict,
    ReferralStore,
)
from intake.store.staff import StaffStore

__all__ = [
    "STATUSES",
    "InvalidTransition",
    "NotFound",
    "Receipt",
    "ReferralConflict",
    "Store",
]


class Store(
    ReferralStore,
    CaseworkStore,
    ConversationStore,
    StaffStore,
    AccountStore,
    AuditStore,
    MaintenanceStore,
):
    """Every store over one engine, keyring and clock: `Store(engine, keyring, clock=...)`."""
