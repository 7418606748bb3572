"""Conversation cut-offs: an erasure or a stopped referral's replacement made through one Rasa
replica supersedes what another replica's spool still holds of that conversation (issue 12).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from intake.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_cutoffs",
        sa.Column("conversation_id", sa.String(64), primary_key=True),
        sa.Column("through_seq", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_conversation_cutoffs_at", "conversation_cutoffs", ["at"])


def downgrade() -> None:
    op.drop_index("ix_conversation_cutoffs_at", table_name="conversation_cutoffs")
    op.drop_table("conversation_cutoffs")
