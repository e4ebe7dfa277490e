"""longer user keys: WhatsApp's business-scoped user ids make keys of up to ~140 characters

Revision ID: 0005_longer_user_keys
Revises: 0004_reminders
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_longer_user_keys"
down_revision = "0004_reminders"
branch_labels = None
depends_on = None

COLUMNS = [
    ("users", "key"),
    ("conversations", "user_key"),
    ("processed_messages", "user_key"),
    ("applications", "user_key"),
    ("enrolments", "user_key"),
    ("interests", "user_key"),
    ("callback_requests", "user_key"),
    ("outbox", "user_key"),
    ("attendance", "user_key"),
    ("applications", "decided_by"),
]


def _alter(length: int) -> None:
    # SQLite does not enforce VARCHAR lengths, so only PostgreSQL needs the change (and a
    # SQLite table rebuild would copy every row for nothing).
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length))


def upgrade() -> None:
    _alter(200)


def downgrade() -> None:
    _alter(120)
