"""PTB's update queue kept in the database (`bot/channels/telegram_inbox.py`): polling asks for
more updates (which confirms the last ones) only once they are stored, and keeps each as
Telegram sent it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from sqlalchemy import text
from telegram import Update

from bot.channels.telegram_inbox import KeptUpdates
from storage.crypto import IdVault
from storage.db import Database
from storage.telegram_store import Stored, TelegramStore
from tests.doubles.telegram_api import text_update

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


async def test_polling_waits_until_the_updates_are_stored_even_while_the_database_fails(
    db: Database,
) -> None:
    store = TelegramStore(db, _clock, IdVault("test-data-key-0123456789"))
    handed: list[tuple[Update, Stored]] = []
    queue = KeptUpdates(store, _clock, lambda update, stored: handed.append((update, stored)))
    sent = {**text_update(5, "merhaba"), "update_id": 9}
    queue.polled(json.dumps({"ok": True, "result": [sent]}).encode())  # the getUpdates answer
    async with db.write() as conn:  # the table is gone for a moment: every insert fails
        await conn.execute(text("ALTER TABLE tg_inbound RENAME TO tg_inbound_away"))
    update = Update.de_json(sent, None)
    await queue.put(update)  # as PTB's Updater puts each polled update
    confirming = asyncio.create_task(queue.stored())  # what the next getUpdates waits for
    await asyncio.sleep(0.5)
    assert not confirming.done()  # not stored: not confirmed either
    assert not handed  # nor handled
    async with db.write() as conn:
        await conn.execute(text("ALTER TABLE tg_inbound_away RENAME TO tg_inbound"))
    await asyncio.wait_for(confirming, 10)  # stored on a later try
    assert handed == [(update, Stored(new=True, batch=1))]
    [kept] = await store.unprocessed()
    assert json.loads(kept.payload) == sent  # as Telegram sent it
    again = Update.de_json(sent, None)
    await queue.put(again)  # the same update again: not handled twice
    await queue.stored()
    assert handed[1:] == [(again, Stored(new=False))]
    assert queue.empty()  # PTB's own queue never holds an update
