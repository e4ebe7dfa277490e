"""staff panel: accounts, sign-in sessions, the audit trail, uploads awaiting confirmation

Revision ID: 0006_staff
Revises: 0005_longer_user_keys
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from core.checks import search_key
from storage.types import UTCDateTime

revision = "0006_staff"
down_revision = "0005_longer_user_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("centres", sa.Text, nullable=False, server_default=""),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("must_change", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_sign_in_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("email", name="uq_staff_email"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "staff_id",
            sa.Integer,
            sa.ForeignKey("staff.id", ondelete="CASCADE", name="fk_staff_sessions_staff_id_staff"),
            nullable=False,
            index=True,
        ),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False, index=True),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index("ix_audit_action_target_at", "audit", ["action", "target", "at"])
    op.create_index("ix_audit_action_address_at", "audit", ["action", "address", "at"])
    op.create_index("ix_audit_target", "audit", ["target"])
    op.create_table(
        "panel_uploads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("staff_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("options", sa.Text, nullable=False, server_default="{}"),
        sa.Column("data", sa.Text, nullable=False),  # encrypted with the data key
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("reason", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("name_key", sa.String(200), nullable=False, server_default=""))
    _fill_name_keys()
    op.create_index("ix_applications_created_at", "applications", ["created_at"])
    op.create_index("ix_applications_course_status", "applications", ["course_id", "status"])


def _fill_name_keys() -> None:
    apps = sa.table(
        "applications", sa.column("id", sa.Integer), sa.column("full_name"), sa.column("name_key")
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(apps.c.id, apps.c.full_name)).all()
    if rows:
        bind.execute(
            sa.update(apps)
            .where(apps.c.id == sa.bindparam("app_id"))
            .values(name_key=sa.bindparam("key")),
            [{"app_id": i, "key": search_key(name)} for i, name in rows],
        )


def downgrade() -> None:
    op.drop_index("ix_applications_course_status", "applications")
    op.drop_index("ix_applications_created_at", "applications")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("name_key")
        batch.drop_column("reason")
    op.drop_table("panel_uploads")
    op.drop_table("audit")
    op.drop_table("staff_sessions")
    op.drop_table("staff")
