"""languages: optional English and Arabic names of fields, branches and centres

Revision ID: 0010_languages
Revises: 0009_inbox
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_languages"
down_revision = "0009_inbox"
branch_labels = None
depends_on = None

TABLES = ("fields", "branches", "centers")
COLUMNS = ("name_en", "name_ar")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in COLUMNS:
                batch.add_column(
                    sa.Column(column, sa.String(200), nullable=False, server_default="")
                )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in COLUMNS:
                batch.drop_column(column)
