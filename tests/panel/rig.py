"""A staff panel over a copy of the sample-catalog database, with a clock tests can move."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from bot.app import data_secret, open_database
from bot.panel.app import build_panel_app, panel_config
from bot.panel.passwords import hash_password
from bot.settings import Settings
from core.records import NewApplication
from storage import staff_store
from storage import tables as t
from storage.crypto import IdVault
from storage.db import Database
from storage.repos import SqlStore
from tests.bot.conftest import copy_seeded, make_settings
from tests.dbutil import fresh_postgres_url, postgres_base_url
from tests.idnumbers import make_national_id

PASSWORD = "doğru-şifre-123"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Rig:
    settings: Settings
    db: Database
    vault: IdVault
    app: Starlette
    now: list[datetime] = field(default_factory=lambda: [datetime.now(UTC)])
    serial: int = 0

    def clock(self) -> datetime:
        return self.now[0]

    def advance(self, delta: timedelta) -> None:
        self.now[0] += delta

    async def add_staff(
        self,
        email: str,
        *,
        role: str = "admin",
        centres: tuple[str, ...] = (),
        must_change: bool = False,
    ) -> None:
        async with self.db.write() as conn:
            await staff_store.add_staff(
                conn,
                email=email,
                name=email.split("@")[0].title(),
                role=role,
                centres=centres,
                password_hash=hash_password(PASSWORD),
                must_change=must_change,
                now=self.clock(),
            )

    async def course_at(self, centre: str, skip: int = 0) -> tuple[str, str]:
        """(course id, branch id) of an open course at `centre`."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(t.courses.c.id, t.courses.c.branch_id)
                    .where(t.courses.c.center_id == centre)
                    .order_by(t.courses.c.id)
                )
            ).all()
        return rows[skip][0], rows[skip][1]

    async def centres(self) -> list[str]:
        async with self.db.read() as conn:
            found = await conn.execute(
                select(t.courses.c.center_id).distinct().order_by(t.courses.c.center_id)
            )
            return [r[0] for r in found]

    async def apply(
        self,
        course: str,
        branch: str,
        *,
        name: str = "Zeynep Kaya",
        user: str | None = None,
        capacity: int = 1000,
    ) -> str:
        """A citizen's application (as the chat form stores it); its number."""
        self.serial += 1
        user = user or f"telegram:{700000 + self.serial}"
        async with self.db.write() as conn:
            store = SqlStore(conn, self.vault, self.clock())
            await store.touch_user(user)
            rec = await store.create_application(
                NewApplication(
                    user=user,
                    course=course,
                    branch=branch,
                    full_name=name,
                    national_id=make_national_id(f"{100000000 + self.serial * 7919:09d}"[:9]),
                    birth_date=date(2000, 1, 2),
                    phone=f"+90532{self.serial:07d}",
                    district="Buca",
                    consent_at=self.clock(),
                ),
                capacity=capacity,
            )
        return rec.number

    async def status(self, number: str) -> str:
        async with self.db.read() as conn:
            found = await conn.execute(
                select(t.applications.c.status).where(t.applications.c.number == number)
            )
            return str(found.scalar_one())

    async def outbox(self, user: str) -> list[dict[str, Any]]:
        async with self.db.read() as conn:
            rows = await conn.execute(select(t.outbox).where(t.outbox.c.user_key == user))
            return [dict(r) for r in rows.mappings()]

    async def audit(self, action: str | None = None) -> list[staff_store.AuditRow]:
        async with self.db.read() as conn:
            return await staff_store.audit_rows(conn, action=action)

    def client(self, **kw: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(
                app=self.app, client=kw.pop("client", ("10.0.0.5", 5555))
            ),
            base_url=kw.pop("base_url", "http://panel.test"),
            **kw,
        )


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    page = await client.get("/signin")
    return await client.post(
        "/signin",
        data={"email": email, "password": password, "csrf": csrf_of(page.text), **extra},
    )


async def form_token(client: httpx.AsyncClient, path: str = "/applications") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


@asynccontextmanager
async def panel_rig(
    tmp_path: Path, seeded_db: Path, *, kind: str = "sqlite", **env: str
) -> AsyncIterator[Rig]:
    """The panel over the sample catalog, on SQLite (a copy of the seeded file) or PostgreSQL."""
    if kind == "postgres":
        base = postgres_base_url()
        assert base is not None
        async with (
            fresh_postgres_url(base) as url,
            panel_rig(tmp_path, seeded_db, database_url=url, **env) as rig,
        ):
            yield rig
        return
    copy_seeded(seeded_db, tmp_path)
    settings = make_settings(tmp_path, **env)
    db, _ = await open_database(settings)
    secret = data_secret(settings)
    now = [datetime.now(UTC)]
    app = build_panel_app(
        db, IdVault(secret), settings, panel_config(settings, secret), clock=lambda: now[0]
    )
    try:
        yield Rig(settings=settings, db=db, vault=IdVault(secret), app=app, now=now)
    finally:
        await db.dispose()
