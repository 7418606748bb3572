"""The staff console (issue 13): console sign-in on staff accounts (role, argon2 password hash,
sealed TOTP secret, lock-out), server-side sessions, referral assignment and sealed notes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from intake.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column(
                "password_must_change", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(sa.Column("totp_key_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("totp_secret_sealed", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", UTCDateTime(), nullable=True))
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("assigned_to", sa.String(100), nullable=True))
    op.create_index("ix_referrals_assigned_to", "referrals", ["assigned_to"])

    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey(
                "staff.id", ondelete="CASCADE", name="fk_console_sessions_staff_id_staff"
            ),
            nullable=False,
        ),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("session_hash", name="uq_console_sessions_session_hash"),
    )
    op.create_index("ix_console_sessions_staff_id", "console_sessions", ["staff_id"])

    op.create_table(
        "referral_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "referral_pk",
            sa.Integer(),
            sa.ForeignKey(
                "referrals.id",
                ondelete="CASCADE",
                name="fk_referral_assignments_referral_pk_referrals",
            ),
            nullable=False,
        ),
        sa.Column("assigned_to", sa.String(100), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_referral_assignments_referral_pk", "referral_assignments", ["referral_pk"])

    op.create_table(
        "referral_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("note_id", sa.String(36), nullable=False),
        sa.Column(
            "referral_pk",
            sa.Integer(),
            sa.ForeignKey(
                "referrals.id", ondelete="CASCADE", name="fk_referral_notes_referral_pk_referrals"
            ),
            nullable=False,
        ),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("note_id", name="uq_referral_notes_note_id"),
    )
    op.create_index("ix_referral_notes_referral_pk", "referral_notes", ["referral_pk"])


def downgrade() -> None:
    op.drop_table("referral_notes")
    op.drop_table("referral_assignments")
    op.drop_table("console_sessions")
    op.drop_index("ix_referrals_assigned_to", "referrals")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("assigned_to")
    with op.batch_alter_table("staff") as batch:
        for name in (
            "locked_until",
            "failed_sign_ins",
            "totp_last_step",
            "totp_enrolled_at",
            "totp_secret_sealed",
            "totp_key_id",
            "password_must_change",
            "role",
            "password_hash",
        ):
            batch.drop_column(name)
