"""The database schema, as SQLAlchemy Core tables (migrations in storage/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    false,
)

from storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

fields = Table(
    "fields",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
)

branches = Table(
    "branches",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("field_id", String(80), ForeignKey("fields.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("hours", Integer, nullable=False),
    Column("min_age", Integer, nullable=False),
    Column("keywords", Text, nullable=False, server_default=""),
    Column("description", Text, nullable=False, server_default=""),
)

centers = Table(
    "centers",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("district", String(60), nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("hours", String(200), nullable=False, server_default=""),
)

courses = Table(
    "courses",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("branch_id", String(80), ForeignKey("branches.id"), nullable=False, index=True),
    Column("center_id", String(80), ForeignKey("centers.id"), nullable=False, index=True),
    Column("capacity", Integer, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("weekdays", String(40), nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("application_opens", Date, nullable=True),
    Column("application_closes", Date, nullable=True),
    Column("status", String(20), nullable=False, server_default="open"),
    Column("notes", Text, nullable=False, server_default=""),
    Column("min_age", Integer, nullable=True),
    Column("max_age", Integer, nullable=True),
    Column("women_only", Boolean, nullable=False, server_default=false()),
    CheckConstraint("capacity >= 0", name="capacity_nonneg"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(100), primary_key=True),
    Column(
        "course_id",
        String(80),
        ForeignKey("courses.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("status", String(20), nullable=False, server_default="scheduled"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("holiday", String(120), nullable=False, server_default=""),
    Index("ix_sessions_course_start", "course_id", "starts_at"),
    Index("ix_sessions_starts_at", "starts_at"),
)
