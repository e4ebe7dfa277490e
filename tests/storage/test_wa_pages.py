"""Long WhatsApp lists' pages in the database: any instance reads what another kept.

Two `WhatsAppStore`s over one database stand for two instances (on PostgreSQL, two owners of
claims); each test runs on SQLite and PostgreSQL (when configured).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.messages import Button
from storage import outbox_repo, wa_pages
from storage import tables as t
from storage.crypto import IdVault
from storage.db import Database
from storage.repos import TOUCH_USER, touch_params
from storage.users import UserRows
from storage.whatsapp_repo import Finished
from storage.whatsapp_store import WhatsAppStore

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
USER = "whatsapp:905321234567"
COURSES = tuple(Button(f"Kurs {i} — İleri Düzey", f"crs|k{i}") for i in range(1, 24))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def instances(db: Database, clock: Clock) -> tuple[WhatsAppStore, WhatsAppStore]:
    vault = IdVault("a-test-key-of-enough-length")
    return (
        WhatsAppStore(db, UserRows(db), clock, vault, owner="a"),
        WhatsAppStore(db, UserRows(db), clock, vault, owner="b"),
    )


async def a_user(db: Database, user: str = USER) -> None:
    async with db.write() as conn:
        await conn.execute(TOUCH_USER, touch_params(user, NOW))


async def rows(db: Database) -> list[tuple[str, str, str]]:
    async with db.read() as conn:
        found = await conn.execute(
            select(t.wa_pages.c.user_key, t.wa_pages.c.token, t.wa_pages.c.buttons)
        )
        return [tuple(r) for r in found.all()]


async def test_a_list_kept_by_one_instance_is_paged_by_another(any_db: Database) -> None:
    clock = Clock()
    a, b = instances(any_db, clock)
    await a_user(any_db)
    await a_user(any_db, "whatsapp:1")
    done = Finished(
        "wamid.1", USER, NOW, (("wamid.out", USER, "reply"),), pages=(("ab12", COURSES),)
    )
    await a.finish(done)
    assert await b.page(USER, "ab12") == COURSES
    assert await b.page(USER, "ffff") is None  # a token nobody kept
    assert await b.page("whatsapp:1", "ab12") is None  # someone else's list
    [(user, token, sealed)] = await rows(any_db)
    assert (user, token) == (USER, "ab12")
    assert "Kurs" not in sealed  # sealed, like recorded answers
    assert "crs|" not in sealed


async def test_pages_expire_when_idle_and_a_page_shown_keeps_them(any_db: Database) -> None:
    clock = Clock()
    a, b = instances(any_db, clock)
    await a_user(any_db)
    await a.finish(Finished("wamid.1", USER, NOW, pages=(("ab12", COURSES),)))
    await a.finish(Finished("wamid.2", USER, NOW, pages=(("cd34", COURSES[:11]),)))
    clock.now = NOW + wa_pages.IDLE - timedelta(seconds=1)
    await b.finish(Finished("wamid.3", USER, clock.now, pages=(("ab12", COURSES),)))  # "more"
    clock.now = NOW + wa_pages.IDLE + timedelta(seconds=1)
    assert await a.page(USER, "ab12") == COURSES
    assert await a.page(USER, "cd34") is None  # nobody paged it for 15 minutes
    async with any_db.write() as conn:  # the hourly clean-up (the scheduler's)
        await outbox_repo.clean_up(conn, clock.now)
    assert [token for _, token, _ in await rows(any_db)] == ["ab12"]
    clock.now += wa_pages.IDLE
    async with any_db.write() as conn:
        await outbox_repo.clean_up(conn, clock.now)
    assert await rows(any_db) == []


async def test_an_erased_user_s_pages_go_with_their_messages(any_db: Database) -> None:
    a, _ = instances(any_db, Clock())
    await a_user(any_db)
    await a.finish(Finished("wamid.1", USER, NOW, pages=(("ab12", COURSES),)))
    async with any_db.write() as conn:  # "verilerimi sil" deletes the user's row
        await conn.execute(t.users.delete().where(t.users.c.key == USER))
    await a.finish(Finished("wamid.2", USER, NOW))
    assert await rows(any_db) == []
    assert await a.page(USER, "ab12") is None


async def test_a_push_keeps_the_pages_of_the_list_it_sent(any_db: Database) -> None:
    a, b = instances(any_db, Clock())
    await a.record_sent([("wamid.push", USER, "announcement")], USER, {"ab12": COURSES})
    assert await b.page(USER, "ab12") == COURSES
    async with any_db.read() as conn:
        sent = await conn.execute(select(func.count()).select_from(t.wa_sent))
        assert sent.scalar_one() == 1


async def test_a_record_keeps_its_pages_and_old_records_still_open(any_db: Database) -> None:
    a, _ = instances(any_db, Clock())
    messages = [{"type": "text", "text": {"body": "Bütün kurslar:"}}]
    assert a.open_messages(a.seal_messages(messages, {"ab12": COURSES})) == (
        messages,
        {"ab12": COURSES},
    )
    assert a.open_messages(a.seal_messages(messages)) == (messages, {})
    assert a.open_messages("") == ([], {})  # sent already
