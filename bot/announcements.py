"""Announcements, the same from the command line (`announce`) and the panel: an audience, a
plan (how many accounts per channel, how many WhatsApp users are outside the 24-hour window
and whether an `announcement` template covers them, the text as each channel shows it), then
the outbox rows, sent at the platform's rate by the running bot, and an audit row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.checks import clean_text
from locales import Translator
from storage import announcements as a
from storage import tables as t
from storage.staff_store import audit

TEXT_LIMIT = 1000
LABELS = {
    "course": "Bir kursun kursiyerleri",
    "centre": "Bir merkezin kursiyerleri",
    "branch": "Bir dala başvuranlar",
    "all": "Tüm kursiyerler",
}


class AnnouncementError(Exception):
    """The announcement cannot go out so; the message says why, in Turkish."""


@dataclass(frozen=True)
class Plan:
    audience: a.Audience
    text: str
    title: str  # what the audience is, in words
    users: list[str]
    channels: dict[str, int]
    outside_window: int  # WhatsApp users a free-form message cannot reach now
    template: str  # the WhatsApp template used outside the window ("" when none)
    rendered: dict[str, str] = field(default_factory=dict)  # channel → the message

    @property
    def payload(self) -> dict[str, Any]:
        if self.audience.kind == "course":  # the course's name comes from fresh facts
            return {"course": self.audience.target, "text": self.text}
        return {"key": "push.announcement_general", "values": {"text": self.text}}


async def plan(
    conn: AsyncConnection,
    translator: Translator,
    locale: str,
    now: datetime,
    audience: a.Audience,
    text: str,
    templates: dict[str, tuple[str, str]],
) -> Plan:
    """Who would receive `text` and how it would read; nothing is queued."""
    text = " ".join(clean_text(text).split(" ")).strip()[:TEXT_LIMIT]
    if not text:
        raise AnnouncementError("Duyuru metni boş olamaz.")
    if audience.kind not in a.KINDS:
        raise AnnouncementError("Bir alıcı grubu seçin.")
    title = await _title(conn, audience)
    users = await a.recipients(conn, audience)
    if audience.kind == "course":
        message = translator("push.announcement", locale, course=title, text=text)
    else:
        message = translator("push.announcement_general", locale, text=text)
    template = templates.get("announcement")
    return Plan(
        audience=audience,
        text=text,
        title=title,
        users=users,
        channels=a.per_channel(users),
        outside_window=await a.outside_window(conn, users, now),
        template=f"{template[0]} ({template[1]})" if template else "",
        rendered={channel: message for channel in ("telegram", "whatsapp", "console")},
    )


async def _title(conn: AsyncConnection, audience: a.Audience) -> str:
    """The course's branch name, the centre's or the branch's name; the check it exists."""
    if audience.kind == "all":
        return LABELS["all"]
    if audience.kind == "course":
        query = (
            select(t.branches.c.name)
            .join(t.courses, t.courses.c.branch_id == t.branches.c.id)
            .where(t.courses.c.id == audience.target)
        )
    elif audience.kind == "centre":
        query = select(t.centers.c.name).where(t.centers.c.id == audience.target)
    else:
        query = select(t.branches.c.name).where(t.branches.c.id == audience.target)
    name = (await conn.execute(query)).scalar()
    if name is None:
        raise AnnouncementError(f"{audience.target or '—'}: böyle bir kayıt yok.")
    return str(name)


async def send(
    conn: AsyncConnection, now: datetime, chosen: Plan, *, actor: str, address: str = ""
) -> tuple[str, int]:
    """Queues the plan's messages; returns the rows' key prefix and how many were queued."""
    prefix = f"ann:{chosen.audience.key}:{now.strftime('%Y%m%dT%H%M%S%f')}"
    queued = await a.queue(conn, now, chosen.users, chosen.payload, prefix)
    await audit(
        conn,
        actor=actor,
        action="announcement",
        now=now,
        target=prefix,
        detail={
            "audience": chosen.audience.kind,
            "target": chosen.audience.target,
            "title": chosen.title,
            "queued": queued,
            "channels": chosen.channels,
        },
        address=address,
    )
    return prefix, queued
