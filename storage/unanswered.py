"""What the assistant could not answer: texts that ended in the fallback, "no such course", a
repeat or a handoff, every digit masked (no ids, no phones), grouped by similar wording as
they arrive, so staff read one line per question with how often and when it was last asked.

From a group an admin adds keywords to a branch: the branch row changes, the catalog version
is bumped (every running instance reloads within seconds) and the change is kept in
`catalog_changes` with that version; a catalog export carries the keywords like any other."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.catalog import turkish_lower
from core.checks import clean_text
from storage import tables as t
from storage.catalog_columns import fold
from storage.session_changes import bump_catalog_version, catalog_version

TEXT_LIMIT = 300
SIMILAR = 80  # token_sort_ratio from which two texts are one question
COMPARED = 500  # the most recent open texts a new one is compared with
MAX_KEYWORDS = 10
_DIGIT = re.compile(r"\d")


def masked(text: str) -> str:
    """The text as kept: every digit a "#", cut to size."""
    return _DIGIT.sub("#", " ".join(text.split()))[:TEXT_LIMIT]


def folded(text: str) -> str:
    return fold(text).replace("_", " ")


class UnansweredStore:
    """SqlStore's `note_unanswered` (core.ports.Unanswered); needs `conn` and `now`."""

    conn: Any
    now: datetime

    async def note_unanswered(self, user: str, text: str, reason: str) -> None:
        kept = masked(text)
        key = folded(kept)
        if len(key) < 3:
            return
        u, g = t.unanswered_texts.c, t.unanswered_groups.c
        recent = (
            await self.conn.execute(
                select(u.group_id, u.folded)
                .join(t.unanswered_groups, g.id == u.group_id)
                .where(g.handled_at.is_(None))
                .order_by(u.id.desc())
                .limit(COMPARED)
            )
        ).all()
        best = process.extractOne(
            key, [r.folded for r in recent], scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR
        )
        if best is not None:
            group = int(recent[best[2]].group_id)
            await self.conn.execute(
                update(t.unanswered_groups).where(g.id == group).values(last_seen=self.now)
            )
        else:
            created = await self.conn.execute(
                insert(t.unanswered_groups)
                .values(first_seen=self.now, last_seen=self.now)
                .returning(g.id)
            )
            group = int(created.scalar_one())
        await self.conn.execute(
            insert(t.unanswered_texts).values(
                group_id=group, user_key=user, at=self.now, reason=reason, text=kept, folded=key
            )
        )


# The panel's side ----------------------------------------------------------------------


async def groups(
    conn: AsyncConnection, *, handled: bool = False, limit: int = 50
) -> list[dict[str, Any]]:
    """Groups with how many texts, when last seen, the latest text and the reasons; the most
    asked first."""
    u, g = t.unanswered_texts.c, t.unanswered_groups.c
    n = func.count(u.id).label("n")
    rows = (
        await conn.execute(
            select(g.id, g.first_seen, g.last_seen, g.handled_at, g.handled_by, n,
                   func.max(u.id).label("latest"))
            .join(t.unanswered_texts, u.group_id == g.id)
            .where(g.handled_at.is_not(None) if handled else g.handled_at.is_(None))
            .group_by(g.id, g.first_seen, g.last_seen, g.handled_at, g.handled_by)
            .order_by(n.desc(), g.last_seen.desc())
            .limit(limit)
        )
    ).mappings().all()  # fmt: skip
    latest = {r["latest"] for r in rows}
    texts = {
        r.id: (r.text, r.reason)
        for r in await conn.execute(select(u.id, u.text, u.reason).where(u.id.in_(latest)))
    }
    reasons = {
        (r.group_id, r.reason)
        for r in await conn.execute(
            select(u.group_id, u.reason).where(u.group_id.in_([r["id"] for r in rows])).distinct()
        )
    }
    return [
        {
            **dict(r),
            "text": texts[r["latest"]][0],
            "reasons": sorted(reason for gid, reason in reasons if gid == r["id"]),
        }
        for r in rows
    ]


async def group(conn: AsyncConnection, group_id: int) -> dict[str, Any] | None:
    """One group with its count, first and last seen and reasons; None when it has no texts."""
    u, g = t.unanswered_texts.c, t.unanswered_groups.c
    found = (
        await conn.execute(
            select(g.id, g.first_seen, g.last_seen, g.handled_at, g.handled_by,
                   func.count(u.id).label("n"))
            .join(t.unanswered_texts, u.group_id == g.id)
            .where(g.id == group_id)
            .group_by(g.id, g.first_seen, g.last_seen, g.handled_at, g.handled_by)
        )
    ).mappings().first()  # fmt: skip
    if found is None:
        return None
    reasons = await conn.execute(select(u.reason).where(u.group_id == group_id).distinct())
    return {**dict(found), "reasons": sorted(r for (r,) in reasons)}


async def group_texts(conn: AsyncConnection, group: int, limit: int = 20) -> list[str]:
    """The distinct wordings of one group, the most recent first."""
    u = t.unanswered_texts.c
    rows = await conn.execute(
        select(u.text, func.max(u.id).label("last"))
        .where(u.group_id == group)
        .group_by(u.text)
        .order_by(func.max(u.id).desc())
        .limit(limit)
    )
    return [r.text for r in rows]


async def mark_handled(conn: AsyncConnection, group: int, actor: str, now: datetime) -> bool:
    g = t.unanswered_groups.c
    done = await conn.execute(
        update(t.unanswered_groups)
        .where(g.id == group, g.handled_at.is_(None))
        .values(handled_at=now, handled_by=actor[:254])
    )
    return bool(done.rowcount)


class KeywordError(Exception):
    """The keywords cannot be added; the message says why, in Turkish."""


@dataclass(frozen=True, slots=True)
class KeywordsAdded:
    branch: str
    added: tuple[str, ...]
    version: str


def read_keywords(text: str) -> list[str]:
    """Keywords typed by staff, comma-separated: cleaned, lowercased the Turkish way."""
    words: list[str] = []
    for part in clean_text(text).split(","):
        word = " ".join(part.replace(";", " ").split())
        word = turkish_lower(word)
        if word and word not in words:
            words.append(word)
    if not words:
        raise KeywordError("En az bir anahtar kelime yazın (virgülle ayırarak).")
    if len(words) > MAX_KEYWORDS:
        raise KeywordError(f"Bir seferde en çok {MAX_KEYWORDS} anahtar kelime eklenebilir.")
    for word in words:
        if not 2 <= len(word) <= 60 or _DIGIT.search(word):
            raise KeywordError(f"“{word}”: 2–60 harf olmalı, rakam içermemeli.")
    return words


async def add_keywords(
    conn: AsyncConnection, branch: str, text: str, actor: str, now: datetime
) -> KeywordsAdded:
    """Adds keywords to a branch, bumps the catalog version and records the change."""
    words = read_keywords(text)
    b = t.branches.c
    current = (await conn.execute(select(b.keywords).where(b.id == branch))).scalar()
    if current is None:
        raise KeywordError(f"{branch}: böyle bir kurs dalı yok.")
    kept = [k for k in current.split(";") if k]
    added = tuple(w for w in words if w not in kept)
    if added:
        await conn.execute(
            update(t.branches).where(b.id == branch).values(keywords=";".join([*kept, *added]))
        )
        await bump_catalog_version(conn)
    version = await record_change(conn, now, actor, "keywords", branch, added)
    return KeywordsAdded(branch, added, version)


async def record_change(
    conn: AsyncConnection,
    now: datetime,
    actor: str,
    kind: str,
    target: str,
    words: tuple[str, ...] | list[str],
) -> str:
    """Records a change staff made to the catalog from the panel (`catalog_changes`: who,
    when, what, at which catalog version); returns that version."""
    version = await catalog_version(conn)
    await conn.execute(
        insert(t.catalog_changes).values(
            at=now,
            actor=actor[:254],
            kind=kind,
            target=target,
            detail=", ".join(words),
            version=version,
        )
    )
    return version
