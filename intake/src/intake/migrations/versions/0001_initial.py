"""Initial schema: referrals, status changes, append-only audit log, staff, reference counters.

Revision ID: 0001
Revises:
Create Date: 2026-03-02
"""

import sqlalchemy as sa
from alembic import op

from intake.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_id", sa.String(36), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("preview", sa.Boolean(), nullable=False),
        sa.Column("referrer_type", sa.String(16), nullable=False),
        sa.Column("referrer_anonymous", sa.Boolean(), nullable=False),
        sa.Column("rag", sa.String(8), nullable=False),
        sa.Column("rag_reasons", sa.JSON(), nullable=False),
        sa.Column("mash_response", sa.String(200), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("provisional_rag", sa.String(8), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("status_changed_at", UTCDateTime(), nullable=False),
        sa.Column("feedback_due_at", UTCDateTime(), nullable=True),
        sa.Column("feedback_given_at", UTCDateTime(), nullable=True),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("payload_sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_referrals"),
        sa.UniqueConstraint("referral_id", name="uq_referrals_referral_id"),
        sa.UniqueConstraint("reference", name="uq_referrals_reference"),
    )
    op.create_index("ix_referrals_queue", "referrals", ["preview", "status", "due_at"])
    op.create_index("ix_referrals_received_at", "referrals", ["received_at"])

    op.create_table(
        "referral_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_pk", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(24), nullable=False),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_referral_status_changes"),
        sa.ForeignKeyConstraint(
            ["referral_pk"],
            ["referrals.id"],
            name="fk_referral_status_changes_referral_pk_referrals",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_referral_status_changes_referral_pk", "referral_status_changes", ["referral_pk"]
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("referral_id", sa.String(36), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_referral_id", "audit_log", ["referral_id"])

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("token_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("disabled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.UniqueConstraint("username", name="uq_staff_username"),
    )

    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_reference_counters"),
    )

    # The audit log is append-only: the database itself refuses to change a row.
    # (Rows are deleted only by the retention purge.)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_is_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.drop_table("reference_counters")
    op.drop_table("staff")
    op.drop_table("audit_log")
    op.drop_table("referral_status_changes")
    op.drop_table("referrals")
