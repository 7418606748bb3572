"""The review store: conversations and their sealed events, and the conversation a referral came
from (issue 12).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from intake.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("conversation_id", sa.String(64), nullable=True))
    op.create_index("ix_referrals_conversation_id", "referrals", ["conversation_id"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("preview", sa.Boolean(), nullable=False),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("min_confidence", sa.Float(), nullable=True),
        sa.Column("safety_net_fired", sa.Boolean(), nullable=False),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("conversation_id", name="uq_conversations_conversation_id"),
    )
    op.create_index("ix_conversations_last_at", "conversations", ["last_at"])
    op.create_table(
        "conversation_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_pk",
            sa.Integer(),
            sa.ForeignKey(
                "conversations.id",
                ondelete="CASCADE",
                name="fk_conversation_events_conversation_pk_conversations",
            ),
            nullable=False,
        ),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("type_name", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("action", sa.String(100), nullable=True),
        sa.Column("flagged_at", UTCDateTime(), nullable=True),
        sa.Column("flagged_by", sa.String(100), nullable=True),
        sa.Column("corrected_intent", sa.String(100), nullable=True),
        sa.Column("corrected_by", sa.String(100), nullable=True),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("data_sealed", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("message_id", name="uq_conversation_events_message_id"),
    )
    op.create_index(
        "ix_conversation_events_conversation_pk", "conversation_events", ["conversation_pk"]
    )


def downgrade() -> None:
    op.drop_table("conversation_events")
    op.drop_table("conversations")
    op.drop_index("ix_referrals_conversation_id", "referrals")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("conversation_id")
