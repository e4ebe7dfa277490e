"""wa_pages: the pages of long WhatsApp lists, shared by every instance

Revision ID: 0013_wa_pages
Revises: 0012_telegram_inbound
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0013_wa_pages"
down_revision = "0012_telegram_inbound"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wa_pages",
        sa.Column("user_key", sa.String(160), primary_key=True),
        sa.Column("token", sa.String(16), primary_key=True),
        sa.Column("buttons", sa.Text, nullable=False),
        sa.Column("shown_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_wa_pages_shown_at", "wa_pages", ["shown_at"])


def downgrade() -> None:
    op.drop_index("ix_wa_pages_shown_at", table_name="wa_pages")
    op.drop_table("wa_pages")
