"""The composition root: builds storage (and later the engine, scheduler, channels)."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.settings import Settings
from storage.catalog_repo import import_catalog, is_empty
from storage.db import Database
from storage.migrate import upgrade
from storage.sample.generate import build_sample_catalog

log = logging.getLogger(__name__)

SAMPLE_NOTICE = (
    "Veritabanı boştu: ÖRNEK katalog yüklendi (gerçek kurs bilgisi değildir). Kurumun kendi "
    "kataloğu için: meslek-bot catalog import katalog.xlsx --replace"
)


async def open_database(settings: Settings, *, seed_sample: bool = True) -> tuple[Database, bool]:
    """Opens and migrates the database; loads the sample catalog into an empty one.

    Returns the database and whether the sample catalog was just loaded.
    """
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        seeded = False
        if seed_sample and await is_empty(db):
            today = datetime.now(settings.tz).date()
            await import_catalog(db, build_sample_catalog(today, settings.tz))
            log.warning(SAMPLE_NOTICE)
            seeded = True
    except BaseException:
        await db.dispose()
        raise
    return db, seeded
