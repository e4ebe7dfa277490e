"""catalog: fields, branches, centers, courses, sessions

Revision ID: 0001_catalog
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0001_catalog"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fields",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "branches",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("field_id", sa.String(80), sa.ForeignKey("fields.id", name="fk_branches_field_id_fields"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("hours", sa.Integer, nullable=False),
        sa.Column("min_age", sa.Integer, nullable=False),
        sa.Column("keywords", sa.Text, nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_branches_field_id", "branches", ["field_id"])
    op.create_table(
        "centers",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("district", sa.String(60), nullable=False),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("phone", sa.String(40), nullable=False, server_default=""),
        sa.Column("hours", sa.String(200), nullable=False, server_default=""),
    )
    op.create_table(
        "courses",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("branch_id", sa.String(80), sa.ForeignKey("branches.id", name="fk_courses_branch_id_branches"), nullable=False),
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id", name="fk_courses_center_id_centers"), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("weekdays", sa.String(40), nullable=False),
        sa.Column("start_time", sa.Time, nullable=False),
        sa.Column("end_time", sa.Time, nullable=False),
        sa.Column("application_opens", sa.Date, nullable=True),
        sa.Column("application_closes", sa.Date, nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("min_age", sa.Integer, nullable=True),
        sa.Column("max_age", sa.Integer, nullable=True),
        sa.Column("women_only", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.CheckConstraint("capacity >= 0", name="ck_courses_capacity_nonneg"),
    )
    op.create_index("ix_courses_branch_id", "courses", ["branch_id"])
    op.create_index("ix_courses_center_id", "courses", ["center_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("course_id", sa.String(80), sa.ForeignKey("courses.id", ondelete="CASCADE", name="fk_sessions_course_id_courses"), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="scheduled"),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("holiday", sa.String(120), nullable=False, server_default=""),
    )
    op.create_index("ix_sessions_course_start", "sessions", ["course_id", "starts_at"])
    op.create_index("ix_sessions_starts_at", "sessions", ["starts_at"])


def downgrade() -> None:
    for name in ("sessions", "courses", "centers", "branches", "fields"):
        op.drop_table(name)
