"""The composition root: builds storage, the engine and (later) the scheduler and channels."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.backup import KEY_FILE_NAME, key_file_for
from bot.budget import BoundBudget, Budgets, LocalBudget, account_of, channel_rates
from bot.channels import capabilities
from bot.engine import Engine, EngineConfig
from bot.instance import instance_name
from bot.reminder_policy import kind_of
from bot.settings import Settings
from core.channel import Channel
from handlers import registry
from handlers.base import Routes
from handlers.catalog_view import CatalogView
from locales import load_translator
from locales.faq import topic_patterns
from storage.catalog_repo import import_catalog, is_empty, load_catalog
from storage.crypto import IdVault, load_or_create_key_file
from storage.db import Database
from storage.locks import AdvisoryLock, Lock, SoleLock
from storage.migrate import upgrade
from storage.sample.generate import build_sample_catalog
from storage.users import UserRows

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
            log.info(SAMPLE_NOTICE)
            seeded = True
    except BaseException:
        await db.dispose()
        raise
    return db, seeded


def data_secret(settings: Settings) -> str:
    """MF_DATA_KEY, else the key file beside the database (created when missing)."""
    if settings.data_key is not None:
        return settings.data_key.get_secret_value()
    path = settings.sqlite_path
    key_path = key_file_for(path) if path else Path("data") / KEY_FILE_NAME
    return load_or_create_key_file(key_path)


def open_vault(settings: Settings) -> IdVault:
    """The national-id vault, keyed by `data_secret`."""
    return IdVault(data_secret(settings))


@dataclass
class Assistant:
    """The running pieces, owned here and torn down here."""

    settings: Settings
    db: Database
    engine: Engine
    seeded: bool
    # The running channels by name (the prefix of their user keys); the outbox pushes through
    # them. Registered by `bot.services.channel_service` as `meslek-bot run` builds each one.
    channels: dict[str, Channel] = field(default_factory=dict)
    # What channels and the outbox change about a user outside a turn; the engine hears of it.
    users: UserRows = field(init=False)
    # The platform accounts' outgoing budgets: a channel's replies and the outbox's pushes
    # through it take their slots from the same one (`budget_of`); shared by every instance on
    # PostgreSQL or Redis (`make_budget`).
    budget: Budgets = field(init=False)
    # Set by `meslek-bot run` once everything is built: long-lived data is kept out of the
    # collector's full scans (settle_heap), again after each catalog reload.
    settled: bool = False
    # This process's name in leases on shared work (MF_INSTANCE_ID, else made up at start).
    instance: str = field(init=False)

    def __post_init__(self) -> None:
        self.instance = instance_name(self.settings.instance_id)
        self.users = UserRows(self.db, on_change=self.engine.forget_user)
        self.budget = make_budget(self.settings)

    def lock(self, name: str) -> Lock:
        """A lock only one instance on this database holds at a time (the scheduler's clock
        jobs, Telegram polling): an advisory lock on PostgreSQL; on SQLite always this one's."""
        if self.settings.is_postgres:
            return AdvisoryLock(self.settings.database_url, name)
        return SoleLock(name)

    def budget_of(self, channel: str) -> BoundBudget:
        """The budget of the platform account `channel` sends from."""
        return self.budget.account(account_of(self.settings, channel))

    async def reload_catalog(self) -> None:
        """Reads the catalog again (after an import) and gives it to the engine."""
        self.engine.set_catalog(CatalogView.build(await load_catalog(self.db), topic_patterns()))
        if self.settled:
            settle_heap()

    async def close(self) -> None:
        await self.budget.close()
        await self.engine.close()
        await self.db.dispose()


def make_budget(settings: Settings) -> Budgets:
    """The accounts' budgets: in Redis when MF_REDIS_URL is set, else in PostgreSQL when the
    database is PostgreSQL (several instances may share it), else in this process (SQLite)."""
    rates = channel_rates(settings)
    if settings.redis_url is not None:
        from bot.budget_shared import SharedBudget
        from storage.budget_redis import RedisSlotStore

        return SharedBudget(RedisSlotStore(settings.redis_url.get_secret_value()), rates)
    if settings.is_postgres:
        from bot.budget_shared import SharedBudget
        from storage.budget_pg import PgSlotStore

        return SharedBudget(PgSlotStore(settings.database_url), rates)
    return LocalBudget(rates)


def settle_heap() -> None:
    """Takes what is built once and kept (the catalog, its language index, the sessions) out of
    the garbage collector's periodic full scans.

    Those objects are many and live for the whole run; left in the collector's sight, every
    full collection walks all of them, a pause of 50-100 ms in the middle of answering (the
    WhatsApp webhook's acknowledgement p99 went from 105 ms to 30 ms without it). Frozen
    objects are still freed by reference counting when a new catalog replaces them.
    """
    gc.collect()
    gc.freeze()


async def build_assistant(settings: Settings) -> Assistant:
    """Builds storage and the conversation engine from the settings."""
    db, seeded = await open_database(settings)
    try:
        catalog = CatalogView.build(await load_catalog(db), topic_patterns())
        engine = Engine(
            db=db,
            catalog=catalog,
            translator=load_translator(settings.default_locale),
            vault=open_vault(settings),
            config=EngineConfig(
                tz=settings.tz,
                default_locale=settings.default_locale,
                max_active=settings.max_active_applications,
                reminder_kinds=tuple(dict.fromkeys(map(kind_of, settings.reminder_offsets))),
                capabilities=capabilities.BY_CHANNEL,
            ),
            routes=Routes.of(registry.routers()),
        )
    except BaseException:
        await db.dispose()
        raise
    return Assistant(settings=settings, db=db, engine=engine, seeded=seeded)
