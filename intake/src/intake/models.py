"""Tables. Queue fields are plain for querying; everything personal is in sealed (encrypted) columns.

- `referrals`: one row per referral_id. The whole payload the assistant sent is in `payload_sealed`;
  the plain columns hold only what the MASH queue needs (RAG, status, times, referrer type, preview).
- `referral_status_changes`: the MASH outcome trail, each with actor, time and a sealed reason.
- `audit_log`: append-only (database triggers refuse UPDATE); no personal data, only who did what when.
- `staff`: staff accounts: the hash of their current bearer token (the API), and for the console
  their role, argon2 password hash, sealed TOTP secret, failed sign-ins and lock-out.
- `console_sessions`: the console's server-side sessions; only a SHA-256 of the session id.
- `referral_assignments`, `referral_notes`: who a referral is assigned to (the trail; the current
  assignee is plain on the referral's row), and staff notes, each sealed.
- `reference_counters`: the per-year sequence behind references such as SCS-2026-000123.
- `conversations`: one row per conversation with the assistant (the review store): what staff filter
  on (times, channel, preview, fallbacks, lowest confidence, safety net,
  intents), their tags and review mark. No text: ids, names of intents and counts.
- `conversation_events`: the conversation's events as Rasa's event broker sent them, each sealed
  whole in `data_sealed`; plain only its type, the intent and action names the assistant's domain
  knows, the intent's confidence, and a staff member's flag or corrected intent.
- `conversation_cutoffs`: per conversation erased or replaced, the last place in the tracker store
  that erasure or replacement covered; an event of it up to there, arriving later from another
  replica's spool, is not stored. Ids and numbers only; kept for the conversations' retention.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    TypeDecorator,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("referral_id", String(36), nullable=False, unique=True),
    Column("reference", String(20), nullable=False, unique=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("preview", Boolean, nullable=False),
    Column("referrer_type", String(16), nullable=False),
    Column("referrer_anonymous", Boolean, nullable=False),
    Column("rag", String(8), nullable=False),
    Column("rag_reasons", JSON, nullable=False),
    Column("mash_response", String(200), nullable=False),
    Column("due_at", UTCDateTime, nullable=True),
    Column("provisional_rag", String(8), nullable=False),
    Column("status", String(24), nullable=False),
    Column("status_changed_at", UTCDateTime, nullable=False),
    Column("feedback_due_at", UTCDateTime, nullable=True),
    Column("feedback_given_at", UTCDateTime, nullable=True),
    Column("key_id", Integer, nullable=False),
    Column("payload_sealed", LargeBinary, nullable=False),
    # The assistant's conversation it came from (a random id), for its transcript.
    Column("conversation_id", String(64), nullable=True, index=True),
    # The staff member (username) working on it, from the console; the trail is in
    # referral_assignments.
    Column("assigned_to", String(100), nullable=True, index=True),
)
Index("ix_referrals_queue", referrals.c.preview, referrals.c.status, referrals.c.due_at)
Index("ix_referrals_received_at", referrals.c.received_at)

referral_status_changes = Table(
    "referral_status_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "referral_pk",
        Integer,
        ForeignKey("referrals.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("from_status", String(24), nullable=False),
    Column("to_status", String(24), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("key_id", Integer, nullable=False),
    Column("reason_sealed", LargeBinary, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("referral_id", String(36), nullable=True, index=True),
    Column("detail", JSON, nullable=False),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=True),
    Column("token_expires_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
    # The console (store/accounts.py). No role: an API-only account, which cannot sign in.
    Column("role", String(16), nullable=True),
    Column("password_hash", String(200), nullable=True),
    Column("password_must_change", Boolean, nullable=False, default=False),
    Column("totp_key_id", Integer, nullable=True),
    Column("totp_secret_sealed", LargeBinary, nullable=True),
    Column("totp_enrolled_at", UTCDateTime, nullable=True),
    # The last TOTP time step accepted: a code is used once.
    Column("totp_last_step", Integer, nullable=True),
    Column("failed_sign_ins", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime, nullable=True),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_hash", String(64), nullable=False, unique=True),
    Column(
        "staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    # "code" (password accepted, TOTP asked), "enrol" (first sign-in), "signed_in".
    Column("stage", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)

referral_assignments = Table(
    "referral_assignments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "referral_pk",
        Integer,
        ForeignKey("referrals.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("assigned_to", String(100), nullable=True),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

referral_notes = Table(
    "referral_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("note_id", String(36), nullable=False, unique=True),
    Column(
        "referral_pk",
        Integer,
        ForeignKey("referrals.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("key_id", Integer, nullable=False),
    Column("text_sealed", LargeBinary, nullable=False),
)

reference_counters = Table(
    "reference_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_value", Integer, nullable=False),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(64), nullable=False, unique=True),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False, index=True),
    Column("channel", String(32), nullable=True),
    Column("preview", Boolean, nullable=False),
    Column("user_messages", Integer, nullable=False),
    Column("fallbacks", Integer, nullable=False),
    Column("min_confidence", Float, nullable=True),
    Column("safety_net_fired", Boolean, nullable=False),
    Column("intents", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("reviewed_at", UTCDateTime, nullable=True),
    Column("reviewed_by", String(100), nullable=True),
)

conversation_events = Table(
    "conversation_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "conversation_pk",
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("at", UTCDateTime, nullable=False),
    Column("type_name", String(32), nullable=False),
    Column("intent", String(100), nullable=True),
    Column("confidence", Float, nullable=True),
    Column("action", String(100), nullable=True),
    Column("flagged_at", UTCDateTime, nullable=True),
    Column("flagged_by", String(100), nullable=True),
    Column("corrected_intent", String(100), nullable=True),
    Column("corrected_by", String(100), nullable=True),
    Column("key_id", Integer, nullable=False),
    Column("data_sealed", LargeBinary, nullable=False),
)

conversation_cutoffs = Table(
    "conversation_cutoffs",
    metadata,
    Column("conversation_id", String(64), primary_key=True),
    Column("through_seq", BigInteger, nullable=False),
    Column("at", UTCDateTime, nullable=False, index=True),
)
