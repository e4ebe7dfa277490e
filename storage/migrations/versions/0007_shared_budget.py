"""the platforms' rate budget shared by several instances (PostgreSQL): per account the next
free send time and a pause, per chat when a push may go next

Revision ID: 0007_shared_budget
Revises: 0006_staff
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_shared_budget"
down_revision = "0006_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Coordination state, not records: seconds on the database's clock, rewritten many times a
    # second and worthless after a restart, so PostgreSQL keeps it out of the WAL (UNLOGGED).
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "budget_accounts",
        sa.Column("account", sa.String(80), primary_key=True),
        sa.Column("next_at", sa.Float(precision=53), nullable=False, server_default="0"),
        sa.Column("paused_until", sa.Float(precision=53), nullable=False, server_default="0"),
        # What the last lease saw (its first time and the clock), returned by the same UPDATE.
        sa.Column("lease_start", sa.Float(precision=53), nullable=False, server_default="0"),
        sa.Column("lease_now", sa.Float(precision=53), nullable=False, server_default="0"),
        prefixes=unlogged,
    )
    op.create_table(
        "budget_chats",
        sa.Column("account", sa.String(80), primary_key=True),
        sa.Column("chat", sa.String(80), primary_key=True),
        sa.Column("next_at", sa.Float(precision=53), nullable=False),
        prefixes=unlogged,
    )


def downgrade() -> None:
    op.drop_table("budget_chats")
    op.drop_table("budget_accounts")
