"""whatsapp: inbound messages stored before the webhook answers, and our sent messages

Revision ID: 0003_whatsapp
Revises: 0002_people
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0003_whatsapp"
down_revision = "0002_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wa_inbound",
        sa.Column("wamid", sa.String(length=200), nullable=False),
        sa.Column("user_key", sa.String(length=160), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("wamid", name=op.f("pk_wa_inbound")),
    )
    op.create_index(op.f("ix_wa_inbound_user_key"), "wa_inbound", ["user_key"], unique=False)
    op.create_index(
        "ix_wa_inbound_processed_received",
        "wa_inbound",
        ["processed_at", "received_at"],
        unique=False,
    )
    op.create_table(
        "wa_sent",
        sa.Column("wamid", sa.String(length=200), nullable=False),
        sa.Column("user_key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="sent", nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.String(length=300), server_default="", nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("wamid", name=op.f("pk_wa_sent")),
    )
    op.create_index(op.f("ix_wa_sent_user_key"), "wa_sent", ["user_key"], unique=False)
    op.create_index(op.f("ix_wa_sent_updated_at"), "wa_sent", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_wa_sent_updated_at"), table_name="wa_sent")
    op.drop_index(op.f("ix_wa_sent_user_key"), table_name="wa_sent")
    op.drop_table("wa_sent")
    op.drop_index("ix_wa_inbound_processed_received", table_name="wa_inbound")
    op.drop_index(op.f("ix_wa_inbound_user_key"), table_name="wa_inbound")
    op.drop_table("wa_inbound")
