"""A consistent copy of the database while the bot runs, with what is needed to read it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from bot.settings import Settings
from storage.files import create_private, write_private

KEY_FILE_NAME = "meslek.key"


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def key_file_for(db_path: Path) -> Path:
    """Where the national-id key file lives when MF_DATA_KEY is unset: beside the database."""
    return db_path.parent / KEY_FILE_NAME


def _copy(src: Path, dst: Path) -> None:
    # The online backup API copies pages under SQLite's own locking, so the copy is a
    # consistent snapshot even while another process writes.
    tmp = dst.with_name(dst.name + ".part")
    tmp.unlink(missing_ok=True)
    create_private(tmp)  # 0600, like the database: SQLite writes into the file it finds
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target, pages=1024)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        source.close()
    os.replace(tmp, dst)


async def backup_database(settings: Settings, dest: Path) -> list[str]:
    """Copies the SQLite database to `dest` (and the id key beside it); returns report lines."""
    return await asyncio.to_thread(_backup, settings, dest)


def _backup(settings: Settings, dest: Path) -> list[str]:
    src = settings.sqlite_path
    if src is None:
        raise BackupError(
            "yalnızca SQLite veritabanı yedeklenir; PostgreSQL için pg_dump kullanın."
        )
    if not src.exists():
        raise BackupError(f"veritabanı dosyası yok: {src}")
    if dest.exists() and dest.is_dir():
        dest = dest / f"{src.stem}-backup.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    _copy(src, dest)
    lines = [f"Yedek yazıldı: {dest} ({dest.stat().st_size} bayt)"]
    key = key_file_for(src)
    if settings.data_key is not None:
        lines.append(
            "Kimlik numaraları MF_DATA_KEY ile şifreli: bu anahtarı yedekle birlikte, ayrı ve "
            "güvenli bir yerde saklayın; anahtarsız yedekteki kimlik numaraları okunamaz."
        )
    elif key.exists():
        key_dest = dest.with_name(dest.name + ".key")
        write_private(key_dest, key.read_bytes())
        lines.append(
            f"Kimlik numarası anahtarı da kopyalandı: {key_dest} (izin 0600). Geri yüklerken "
            f"veritabanının yanına {KEY_FILE_NAME} adıyla koyun ya da MF_DATA_KEY olarak verin."
        )
    return lines
