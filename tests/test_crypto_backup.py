"""National ids encrypted at rest; the backup is consistent and carries its key."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from bot.backup import BackupError, backup_database, key_file_for
from bot.settings import load_settings
from storage.crypto import IdVault, KeyError_, load_or_create_key_file
from tests.idnumbers import VALID_ID


def test_vault_round_trip_and_keyed_hash() -> None:
    vault = IdVault("a-test-key-of-enough-length")
    token = vault.encrypt(VALID_ID)
    assert VALID_ID not in token
    assert vault.decrypt(token) == VALID_ID
    assert vault.hash(VALID_ID) == vault.hash(VALID_ID)
    assert vault.hash(VALID_ID) != IdVault("another-key-of-enough-len").hash(VALID_ID)
    with pytest.raises(KeyError_):
        IdVault("another-key-of-enough-len").decrypt(token)


def test_any_text_can_be_sealed_and_opened_again() -> None:
    vault = IdVault("a-test-key-of-enough-length")
    text = f'{{"body": "kimliğim {VALID_ID}, adım Ayşe"}}'
    sealed = vault.seal_text(text)
    assert VALID_ID not in sealed
    assert not sealed.startswith("{")  # how a stored WhatsApp message tells sealed from plain
    assert vault.open_text(sealed) == text
    with pytest.raises(KeyError_):
        IdVault("another-key-of-enough-len").open_text(sealed)


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "meslek.key"
    first = load_or_create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key_file(path) == first


async def test_backup_copies_database_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = tmp_path / "data" / "meslek.db"
    db_path.parent.mkdir()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE x (v TEXT)")
        conn.executemany("INSERT INTO x VALUES (?)", [(str(i),) for i in range(500)])
    conn.close()
    load_or_create_key_file(key_file_for(db_path))
    monkeypatch.setenv("MF_DATABASE_URL", f"sqlite+aiosqlite:///{db_path}")
    monkeypatch.delenv("MF_DATA_KEY", raising=False)
    lines = await backup_database(load_settings(), tmp_path / "out" / "copy.db")
    copy = tmp_path / "out" / "copy.db"
    with sqlite3.connect(copy) as check:
        assert check.execute("SELECT count(*) FROM x").fetchone() == (500,)
    check.close()
    key_copy = tmp_path / "out" / "copy.db.key"
    assert key_copy.read_text() == key_file_for(db_path).read_text()
    assert stat.S_IMODE(key_copy.stat().st_mode) == 0o600
    assert any("anahtar" in line for line in lines)


async def test_backup_of_postgres_says_to_use_pg_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MF_DATABASE_URL", "postgresql+asyncpg://u@localhost/db")
    monkeypatch.setenv("MF_DATA_KEY", "a-shared-key-of-enough-length")
    with pytest.raises(BackupError, match="pg_dump"):
        await backup_database(load_settings(), Path("x.db"))
