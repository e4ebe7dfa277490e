"""inbox: conversations handed to a person and what was said in them; what the assistant
could not answer, grouped; catalog changes made in the panel

Revision ID: 0009_inbox
Revises: 0008_ownership
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0009_inbox"
down_revision = "0008_ownership"
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
    op.create_table(
        "unanswered_groups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("handled_at", UTCDateTime(), nullable=True),
        sa.Column("handled_by", sa.String(254), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_unanswered_groups_handled_at_last_seen",
        "unanswered_groups",
        ["handled_at", "last_seen"],
    )
    op.create_table(
        "unanswered_texts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "group_id",
            sa.Integer,
            sa.ForeignKey(
                "unanswered_groups.id",
                ondelete="CASCADE",
                name="fk_unanswered_texts_group_id_unanswered_groups",
            ),
            nullable=False,
            index=True,
        ),
        sa.Column("user_key", sa.String(200), nullable=False, index=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(12), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("folded", sa.Text, nullable=False),
    )
    op.create_index("ix_unanswered_texts_reason_at", "unanswered_texts", ["reason", "at"])
    op.create_index("ix_outbox_kind_due", "outbox", ["kind", "due_at"])
    op.create_index(
        "ix_processed_messages_processed_at_user_key",
        "processed_messages",
        ["processed_at", "user_key"],
    )
    op.drop_index("ix_processed_messages_processed_at", table_name="processed_messages")
    op.create_table(
        "catalog_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(80), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.String(40), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.create_index("ix_processed_messages_processed_at", "processed_messages", ["processed_at"])
    op.drop_index("ix_processed_messages_processed_at_user_key", table_name="processed_messages")
    op.drop_index("ix_outbox_kind_due", table_name="outbox")
    op.drop_table("catalog_changes")
    op.drop_table("unanswered_texts")
    op.drop_table("unanswered_groups")
    op.drop_table("inbox_messages")
    op.drop_table("inbox_threads")
