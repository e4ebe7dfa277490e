"""The pages of long WhatsApp lists, shared by every instance.

A list holds at most 10 rows; a longer option set is shown 9 at a time with a "more" row that
carries the list's token. Its buttons are kept here, by user and token, so whichever instance
handles the "more" (the one holding the user's claim then) shows the next page. They are
written with the message whose answer showed the list, in the transaction that marks it
handled (before the user can be let go to another instance), kept `IDLE` after a page of the
list was last shown and deleted by the hourly clean-up. Sealed: a button may show the user's
own choices.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.messages import Button
from storage.tables import wa_pages
from storage.upsert import upsert

IDLE = timedelta(minutes=15)

_SAVE = upsert(
    wa_pages,
    ("user_key", "token", "buttons", "shown_at"),
    conflict=("user_key", "token"),
    update={"buttons": "buttons", "shown_at": "shown_at"},
)
_READ = select(wa_pages.c.buttons).where(
    wa_pages.c.user_key == bindparam("user_key"),
    wa_pages.c.token == bindparam("token"),
    wa_pages.c.shown_at >= bindparam("since"),
)


Pages = dict[str, tuple[Button, ...]]  # a user's long lists: token → buttons


def rows(buttons: Iterable[Button]) -> list[list[str]]:
    """Buttons as JSON-ready rows: label and payload (a page needs nothing else)."""
    return [[b.label, b.data] for b in buttons]


def buttons(rows: Iterable[list[str]]) -> tuple[Button, ...]:
    return tuple(Button(label, data) for label, data in rows)


async def save(conn: AsyncConnection, pages: Iterable[tuple[str, str, str]], now: datetime) -> None:
    """Keeps (user_key, token, sealed buttons) as shown now; a list shown again is refreshed."""
    params = [
        {"user_key": u, "token": token, "buttons": sealed, "shown_at": now}
        for u, token, sealed in sorted(set(pages))
    ]
    if params:
        await conn.execute(_SAVE, params)


async def read(conn: AsyncConnection, user_key: str, token: str, now: datetime) -> str | None:
    """The sealed buttons of the user's list `token`, unless a page was last shown over
    `IDLE` ago (or never)."""
    params = {"user_key": user_key, "token": token, "since": now - IDLE}
    found: str | None = (await conn.execute(_READ, params)).scalar()
    return found


async def prune(conn: AsyncConnection, now: datetime) -> int:
    """Deletes the lists whose pages nobody asked for within `IDLE`."""
    gone = await conn.execute(delete(wa_pages).where(wa_pages.c.shown_at < now - IDLE))
    return int(gone.rowcount)


async def forget(conn: AsyncConnection, user_keys: list[str]) -> None:
    """Deletes the lists of users who erased their data."""
    await conn.execute(delete(wa_pages).where(wa_pages.c.user_key.in_(user_keys)))
