"""faq changes: answers added to the FAQ from the panel, kept as catalog rows

Revision ID: 0011_faq_changes
Revises: 0010_languages
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_faq_changes"
down_revision = "0010_languages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_topics",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answer_en", sa.Text(), nullable=False, server_default=""),
        sa.Column("answer_ar", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("faq_topics")
