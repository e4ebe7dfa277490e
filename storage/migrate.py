"""Applies Alembic migrations from async code, through a sync connection."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from storage.db import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at storage/migrations, with no ini file needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _set_foreign_keys(conn: Connection, on: bool) -> None:
    # PRAGMA foreign_keys is a no-op inside a transaction, so it goes to the raw connection.
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cur.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    cur.close()


def _upgrade(conn: Connection, target: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # Table rebuilds copy rows between tables; foreign keys must be off while they do.
        _set_foreign_keys(conn, False)
    try:
        command.upgrade(cfg, target)
        conn.commit()
    finally:
        if sqlite:
            _set_foreign_keys(conn, True)


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None when it is empty."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


async def upgrade(db: Database, target: str = "head") -> tuple[str | None, str | None]:
    """Upgrades the schema to `target`; returns (before, after) revisions."""
    async with db.engine.connect() as conn:
        before = await conn.run_sync(_current)
        await conn.rollback()
        await conn.run_sync(_upgrade, target)
        after = await conn.run_sync(_current)
        await conn.rollback()
    if before != after:
        log.info("database migrated from %s to %s", before or "empty", after)
    return before, after
