"""inbox: conversations handed to a person, and what was said in them

Revision ID: 0007_inbox
Revises: 0006_staff
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0007_inbox"
down_revision = "0006_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_threads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_key", sa.String(200), nullable=False, index=True),
        sa.Column("centre_id", sa.String(80), nullable=True),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("context", sa.Text, nullable=False, server_default=""),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("waiting_since", UTCDateTime(), nullable=True),
        sa.Column("last_message_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(254), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_inbox_threads_status_centre_waiting",
        "inbox_threads",
        ["status", "centre_id", "waiting_since"],
    )
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "thread_id",
            sa.Integer,
            sa.ForeignKey(
                "inbox_threads.id",
                ondelete="CASCADE",
                name="fk_inbox_messages_thread_id_inbox_threads",
            ),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("sender", sa.String(10), nullable=False),
        sa.Column("author", sa.String(254), nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_inbox_messages_thread_id_id", "inbox_messages", ["thread_id", "id"])


def downgrade() -> None:
    op.drop_table("inbox_messages")
    op.drop_table("inbox_threads")
