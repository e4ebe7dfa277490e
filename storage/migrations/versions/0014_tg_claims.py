"""tg_claims: which instance handles a Telegram user's kept updates, in order

Revision ID: 0014_tg_claims
Revises: 0013_wa_pages
Create Date: 2026-12-07

- `tg_claims`: as `wa_claims`, for Telegram — one instance at a time holds a user (under a
  lease) and handles their kept updates in order; `stored` counts the updates stored for the
  user while held.
- `tg_inbound.owner` and `lease_until` go: updates are held by user now, not one by one.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0014_tg_claims"
down_revision = "0013_wa_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tg_claims",
        sa.Column("user_key", sa.String(160), primary_key=True),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=False),
        sa.Column("stored", sa.Integer, nullable=False, server_default="0"),
    )
    with op.batch_alter_table("tg_inbound") as batch:
        batch.drop_column("owner")
        batch.drop_column("lease_until")


def downgrade() -> None:
    with op.batch_alter_table("tg_inbound") as batch:
        batch.add_column(sa.Column("owner", sa.String(80), nullable=True))
        batch.add_column(sa.Column("lease_until", UTCDateTime(), nullable=True))
    op.drop_table("tg_claims")
