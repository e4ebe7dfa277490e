"""Turns a claimed outbox row into the messages its user sees, from fresh database facts."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.actions import Action
from core.messages import Button, Location, Reply
from handlers.formatting import format_date, format_datetime
from locales import Translator
from storage import tables as t
from storage.db import Database
from storage.outbox_repo import OutboxRow

log = logging.getLogger(__name__)


class PushRenderer:
    """Renders reminders, notices, decisions and alerts in the user's language."""

    def __init__(self, db: Database, translator: Translator, tz: ZoneInfo, locale: str) -> None:
        self.db = db
        self.t = translator
        self.tz = tz
        self.locale = locale

    async def __call__(self, row: OutboxRow, now: datetime) -> list[Reply] | str:
        """The push's messages in the recipient's language (each `Reply.locale` says which,
        so a channel picks the template of that language), or why there is none."""
        locale, rendered = await self._render(row, now)
        if isinstance(rendered, str):
            return rendered
        return [replace(r, locale=locale) for r in rendered]

    async def _render(self, row: OutboxRow, now: datetime) -> tuple[str, list[Reply] | str]:
        locale = self.locale
        async with self.db.read() as conn:
            user = (
                await conn.execute(select(t.users).where(t.users.c.key == row.user_key))
            ).first()
            if user is None:
                return locale, "unknown_user"
            if user.unreachable:
                return locale, "unreachable"
            if user.pushes_off:
                return locale, "pushes_off"
            locale = user.locale or self.locale
            general = row.kind == "announcement" and "key" in row.payload  # not one course's
            if not general and row.kind in (
                "reminder",
                "welcome",
                "session_cancelled",
                "session_moved",
                "announcement",
            ):
                facts = await self._session_facts(conn, row)
                if facts is None:
                    return locale, "session_gone"
                return locale, self._session_push(row, facts, now, locale)
            if row.kind == "alert":
                return locale, await self._alert(conn, row, locale)
        key = str(row.payload.get("key", ""))
        if not key:
            return locale, "empty"
        values = row.payload.get("values") or {}
        return locale, [Reply(self.t(key, locale, **values))]

    async def _session_facts(self, conn: Any, row: OutboxRow) -> dict[str, Any] | None:
        session_id = row.session_id or row.payload.get("session")
        s, c, b, ce = t.sessions, t.courses, t.branches, t.centers
        query = (
            select(
                s.c.id, s.c.starts_at, s.c.status, c.c.id.label("course_id"),
                b.c.name.label("branch"), ce.c.name.label("center"), ce.c.address,
                ce.c.lat, ce.c.lon,
            )
            .join(c, c.c.id == s.c.course_id)
            .join(b, b.c.id == c.c.branch_id)
            .join(ce, ce.c.id == c.c.center_id)
        )  # fmt: skip
        if session_id:
            found = (await conn.execute(query.where(s.c.id == session_id))).first()
        else:  # a course-wide announcement: the course's next session gives place and name
            course = row.payload.get("course")
            found = (
                await conn.execute(query.where(c.c.id == course).order_by(s.c.starts_at))
            ).first()
        return dict(found._mapping) if found is not None else None

    def _session_push(
        self, row: OutboxRow, f: dict[str, Any], now: datetime, locale: str
    ) -> list[Reply] | str:
        when = format_datetime(f["starts_at"], self.tz, locale)
        values = {"course": f["branch"], "center": f["center"], "when": when}
        if row.kind == "reminder":
            if f["status"] != "scheduled":
                return "session_cancelled"
            if f["starts_at"] <= now:
                return "session_started"
            eve = str(row.payload.get("rkind", "")).startswith("eve")
            key = "push.reminder_eve" if eve else "push.reminder_soon"
            buttons = (
                Button.of(self.t("push.coming", locale), Action.ATTEND, f["id"], "y"),
                Button.of(self.t("push.not_coming", locale), Action.ATTEND, f["id"], "n"),
            )
            return [Reply(self.t(key, locale, **values), buttons=buttons)]
        if row.kind == "welcome":
            text = self.t("push.welcome", locale, address=f["address"], **values)
            pin = Location(f["lat"], f["lon"], f["center"], f["address"])
            return [Reply(text, location=pin)]
        if row.kind == "session_cancelled":
            reason = str(row.payload.get("reason", ""))
            return [Reply(self.t("push.session_cancelled", locale, reason=reason, **values))]
        if row.kind == "session_moved":
            old = format_datetime(datetime.fromisoformat(str(row.payload["old"])), self.tz, locale)
            return [Reply(self.t("push.session_moved", locale, old=old, new=when, **values))]
        text = str(row.payload.get("text", ""))
        return [Reply(self.t("push.announcement", locale, text=text, **values))]

    async def _alert(self, conn: Any, row: OutboxRow, locale: str) -> list[Reply] | str:
        c, b, ce = t.courses, t.branches, t.centers
        found = (
            await conn.execute(
                select(c.c.id, c.c.starts_on, c.c.branch_id, b.c.name, ce.c.name.label("center"))
                .join(b, b.c.id == c.c.branch_id)
                .join(ce, ce.c.id == c.c.center_id)
                .where(c.c.id == row.payload.get("course"))
            )
        ).first()
        if found is None:
            return "course_gone"
        text = self.t(
            "push.alert",
            locale,
            course=found.name,
            center=found.center,
            starts=format_date(found.starts_on, locale),
        )
        apply = Button.of(self.t("push.apply", locale), Action.APPLY, found.id)
        return [Reply(text, buttons=(apply,))]
