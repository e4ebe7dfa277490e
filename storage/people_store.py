"""The people side of the store: interests, callback requests, and the user's data rights
(what is stored about them, item by item, and erasure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.records import ApplicationRecord, EnrolmentRecord, StoredApplication, StoredData
from storage import tables as t


class PeopleStore:
    """Methods of SqlStore about people; needs `conn` (a transaction), `now` and `_to_record`."""

    conn: Any  # AsyncConnection or LazyWrite, set by SqlStore
    now: datetime

    async def _to_record(self, row: Any) -> ApplicationRecord:
        raise NotImplementedError  # SqlStore reads applications

    async def save_interest(self, user: str, branch: str, district: str | None) -> bool:
        async with self.conn.begin_nested():
            try:
                await self.conn.execute(
                    insert(t.interests).values(
                        user_key=user,
                        branch_id=branch,
                        district=district or "",
                        created_at=self.now,
                    )
                )
            except IntegrityError:
                return False
        return True

    async def interests_of(self, user: str) -> list[tuple[str, str]]:
        rows = await self.conn.execute(
            select(t.interests.c.branch_id, t.interests.c.district)
            .where(t.interests.c.user_key == user, t.interests.c.notified_at.is_(None))
            .order_by(t.interests.c.id)
        )
        return [(r.branch_id, r.district or "") for r in rows]

    async def remove_interest(self, user: str, branch: str) -> int:
        i = t.interests.c
        done = await self.conn.execute(
            delete(t.interests).where(i.user_key == user, i.branch_id == branch)
        )
        return int(done.rowcount)

    async def set_locale(self, user: str, locale: str) -> None:
        await self.conn.execute(update(t.users).where(t.users.c.key == user).values(locale=locale))

    async def save_callback_request(self, user: str, phone: str, question: str) -> int:
        result = await self.conn.execute(
            insert(t.callback_requests)
            .values(user_key=user, phone=phone, question=question[:1000], created_at=self.now)
            .returning(t.callback_requests.c.id)
        )
        return int(result.scalar_one())

    # Data rights -------------------------------------------------------------------------

    def _user_tables(self, user: str) -> list[tuple[str, Any, Any]]:
        hashes = select(t.applications.c.national_id_hash).where(t.applications.c.user_key == user)
        threads = select(t.inbox_threads.c.id).where(t.inbox_threads.c.user_key == user)
        return [
            ("conversation", t.conversations, t.conversations.c.user_key == user),
            ("processed_messages", t.processed_messages, t.processed_messages.c.user_key == user),
            ("interests", t.interests, t.interests.c.user_key == user),
            ("callback_requests", t.callback_requests, t.callback_requests.c.user_key == user),
            ("inbox_messages", t.inbox_messages, t.inbox_messages.c.thread_id.in_(threads)),
            ("inbox", t.inbox_threads, t.inbox_threads.c.user_key == user),
            ("unanswered", t.unanswered_texts, t.unanswered_texts.c.user_key == user),
            ("outbox", t.outbox, t.outbox.c.user_key == user),
            ("attendance", t.attendance, t.attendance.c.user_key == user),
            (
                "enrolments",
                t.enrolments,
                or_(t.enrolments.c.user_key == user, t.enrolments.c.national_id_hash.in_(hashes)),
            ),
            ("applications", t.applications, t.applications.c.user_key == user),
            ("profile", t.users, t.users.c.key == user),
        ]

    async def describe_user_data(self, user: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for name, table, where in self._user_tables(user):
            out[name] = int(
                (
                    await self.conn.execute(select(func.count()).select_from(table).where(where))
                ).scalar_one()
            )
        return out

    async def stored_data(self, user: str) -> StoredData:
        counts = await self.describe_user_data(user)
        users, apps, enrol = t.users.c, t.applications.c, t.enrolments.c
        phone = (await self.conn.execute(select(users.phone).where(users.key == user))).scalar()
        rows = (
            await self.conn.execute(
                select(t.applications).where(apps.user_key == user).order_by(apps.id.desc())
            )
        ).all()
        applications = [
            StoredApplication(await self._to_record(r._mapping), r.birth_date, r.district)
            for r in rows
        ]
        enrolled = (
            await self.conn.execute(
                select(enrol.id, enrol.course_id, enrol.full_name, enrol.national_id_enc)
                .where(enrol.user_key == user)
                .order_by(enrol.id)
            )
        ).all()
        interests = await self.conn.execute(
            select(t.interests.c.branch_id, t.interests.c.district)
            .where(t.interests.c.user_key == user)
            .order_by(t.interests.c.id)
        )
        questions = await self.conn.execute(
            select(t.callback_requests.c.question)
            .where(t.callback_requests.c.user_key == user)
            .order_by(t.callback_requests.c.id)
        )
        return StoredData(
            phone=phone,
            applications=tuple(applications),
            enrolments=tuple(EnrolmentRecord(e.id, e.course_id, e.full_name) for e in enrolled),
            interests=tuple((r.branch_id, r.district or "") for r in interests),
            callback_questions=tuple(q for (q,) in questions),
            counts=counts,
            id_stored=bool(rows) or any(e.national_id_enc for e in enrolled),
        )

    async def delete_user_data(self, user: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for name, table, where in self._user_tables(user):
            out[name] = (await self.conn.execute(delete(table).where(where))).rowcount
        return out
