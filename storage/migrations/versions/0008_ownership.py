"""ownership: replies kept with the turn's record, leases on in-flight work

Revision ID: 0008_ownership
Revises: 0006_staff
Create Date: 2026-12-06

- `processed_messages.replies`: what a WhatsApp turn answered (sealed), written in the turn's
  own transaction and cleared once sent, so a crash between the commit and the send delays the
  answer instead of losing it.
- `wa_claims`: which instance handles a user's stored messages, until when (a lease), and how
  many were stored for the user while it held them.
- `outbox.owner`, `outbox.lease_until`: who is sending a claimed push, until when.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0008_ownership"
down_revision = "0007_shared_budget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_messages") as batch:
        batch.add_column(sa.Column("replies", sa.Text, nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("owner", sa.String(80), nullable=True))
        batch.add_column(sa.Column("lease_until", UTCDateTime(), nullable=True))
    op.create_table(
        "wa_claims",
        sa.Column("user_key", sa.String(160), primary_key=True),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=False),
        sa.Column("stored", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_wa_inbound_user_received", "wa_inbound", ["user_key", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_wa_inbound_user_received", "wa_inbound")
    op.drop_table("wa_claims")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("owner")
    with op.batch_alter_table("processed_messages") as batch:
        batch.drop_column("replies")
