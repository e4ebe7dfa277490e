"""telegram inbound: updates kept from their arrival until handled

Revision ID: 0012_telegram_inbound
Revises: 0011_faq_changes
Create Date: 2026-12-07

- `tg_inbound`: a Telegram update (sealed) stored before it is acknowledged (the webhook's 200,
  the next getUpdates), marked handled once its answer was sent; who handles it until when
  (`owner`, `lease_until`) when several instances share PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0012_telegram_inbound"
down_revision = "0011_faq_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tg_inbound",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_key", sa.String(160), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.Column("owner", sa.String(80), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_tg_inbound_user_key", "tg_inbound", ["user_key"])
    op.create_index(
        "ix_tg_inbound_processed_received", "tg_inbound", ["processed_at", "received_at"]
    )


def downgrade() -> None:
    op.drop_table("tg_inbound")
