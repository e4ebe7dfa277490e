"""reminders: outbox session/enrolment columns, attendance, reminder choice, meta

Revision ID: 0004_reminders
Revises: 0003_whatsapp
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0004_reminders"
down_revision = "0003_whatsapp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("session_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("enrolment_id", sa.Integer(), nullable=True))
        batch.create_index("ix_outbox_session_id", ["session_id"])
        batch.create_index("ix_outbox_enrolment_id", ["enrolment_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("reminders", sa.String(60), server_default="", nullable=False))
    op.create_table(
        "attendance",
        sa.Column("session_id", sa.String(100), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(120), nullable=False),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "enrolment_id", name=op.f("pk_attendance")),
    )
    op.create_index(op.f("ix_attendance_user_key"), "attendance", ["user_key"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_table("attendance")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("reminders")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_enrolment_id")
        batch.drop_index("ix_outbox_session_id")
        batch.drop_column("enrolment_id")
        batch.drop_column("session_id")
