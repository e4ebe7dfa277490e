"""Repositories over one transaction's connection: what the engine and handlers remember."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.checks import search_key
from core.conversation import Conversation, Topic
from core.records import (
    ApplicationRecord,
    NewApplication,
)
from storage import tables as t
from storage.crypto import IdVault, mask_id
from storage.db import LazyWrite
from storage.inbox_store import InboxStore
from storage.people_store import PeopleStore
from storage.trainee_store import TraineeStore
from storage.unanswered import UnansweredStore
from storage.upsert import upsert

SEAT_HOLDING = ("pending", "accepted")
ACTIVE = ("pending", "waitlisted", "accepted")
FORM_TTL = timedelta(hours=48)

# Engine fields kept in the JSON data column beside the journey's own answers.
_OFFERED, _LEAVING, _TOPIC, _HANDOFF = "_offered", "_leaving", "_topic", "_handoff"
_EMPTY_CONVERSATION = {"state": None, "data": "{}", "token": "", "failures": 0}

# The three statements of every chat turn, compiled once (see storage.upsert).
RECORD_SEEN = upsert(
    t.processed_messages,
    ("user_key", "message_id", "processed_at"),
    conflict=("user_key", "message_id"),
)
# The same with what the turn answered (WhatsApp: sent again when the turn is redelivered).
RECORD_ANSWERED = upsert(
    t.processed_messages,
    ("user_key", "message_id", "processed_at", "replies"),
    conflict=("user_key", "message_id"),
)
TOUCH_USER = upsert(
    t.users,
    ("key", "channel", "created_at", "last_inbound_at"),
    conflict=("key",),
    update={"last_inbound_at": "last_inbound_at", "unreachable": "set_unreachable"},
    returning=tuple(t.users.c.keys()),
)
SAVE_CONVERSATION = upsert(
    t.conversations,
    ("user_key", "state", "data", "token", "failures", "updated_at"),
    conflict=("user_key",),
    update={c: c for c in ("state", "data", "token", "failures", "updated_at")},
)


# Seats no longer free per course: pending, waitlisted-promoted or accepted applications and
# desk enrolments, in one statement built once (its compiled form is cached).
_SEATS_TAKEN = union_all(
    select(t.applications.c.course_id, func.count())
    .where(
        t.applications.c.course_id.in_(bindparam("ids", expanding=True)),
        t.applications.c.status.in_(SEAT_HOLDING),
    )
    .group_by(t.applications.c.course_id),
    select(t.enrolments.c.course_id, func.count())
    .where(
        t.enrolments.c.course_id.in_(bindparam("ids", expanding=True)),
        t.enrolments.c.source == "desk",
    )
    .group_by(t.enrolments.c.course_id),
)


def _thread_id(raw: object) -> int | None:
    """The stored inbox thread of a handoff; None for anything malformed."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None


def touch_params(user: str, now: datetime) -> dict[str, Any]:
    """TOUCH_USER's parameters: the row created now, or its last message time set to now."""
    return {
        "key": user,
        "channel": user.partition(":")[0],
        "created_at": now,
        "last_inbound_at": now,
        "set_unreachable": False,
    }


def conversation_params(user: str, now: datetime, values: dict[str, Any]) -> dict[str, Any]:
    """SAVE_CONVERSATION's parameters for the columns `conversation_to_save` returned."""
    return {"user_key": user, "updated_at": now, **values}


def application_number(app_id: int, created: datetime) -> str:
    return f"MF-{created.year}-{app_id:06d}"


class SqlStore(PeopleStore, TraineeStore, InboxStore, UnansweredStore):
    """The handler-facing store (core.ports.Store) plus engine bookkeeping."""

    def __init__(self, conn: AsyncConnection | LazyWrite, vault: IdVault, now: datetime) -> None:
        self.conn = conn
        self.vault = vault
        self.now = now

    # Engine bookkeeping ----------------------------------------------------------------

    async def first_time(self, user: str, message_id: str, replies: str | None = None) -> bool:
        """Records a channel message id (with what the turn answered, when given); False when
        it was handled before (a redelivery)."""
        params = {"user_key": user, "message_id": message_id, "processed_at": self.now}
        if replies is None:
            return bool((await self.conn.execute(RECORD_SEEN, params)).rowcount)
        params["replies"] = replies
        return bool((await self.conn.execute(RECORD_ANSWERED, params)).rowcount)

    async def touch_user(self, user: str) -> dict[str, Any]:
        """Creates or refreshes the user's row in one statement; returns it."""
        row = (await self.conn.execute(TOUCH_USER, touch_params(user, self.now))).one()
        return dict(row._mapping)

    def conversation_from(self, row: Any) -> Conversation:
        """A conversation from its stored columns; a form older than 48 hours is forgotten."""
        data = json.loads(row["data"])
        conv = Conversation(
            state=row["state"],
            data=data,
            token=row["token"],
            failures=row["failures"],
            updated_at=row["updated_at"],
            offered=tuple(data.pop(_OFFERED, ())),
            leaving=bool(data.pop(_LEAVING, False)),
            topic=Topic.from_json(data.pop(_TOPIC, None)),
            handoff=_thread_id(data.pop(_HANDOFF, None)),
        )
        if conv.topic is not None and not conv.topic.fresh(self.now):
            conv.topic = None
        persisted = row.get("_persisted") if isinstance(row, dict) else None
        conv.loaded = persisted or {k: row[k] for k in ("state", "data", "token", "failures")}
        if row["updated_at"] < self.now - FORM_TTL:
            conv.clear()
            conv.offered = ()
        return conv

    def conversation_to_save(
        self, conv: Conversation, *, keep_offered: bool = True
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The conversation as a row for a cache, and the columns to store: None when the turn
        left it as it is stored (`write_conversation` stores them).

        With `keep_offered` false the options offered last stay out of the database (the
        engine keeps them in its cache): a turn that changed only those writes nothing.
        """
        extra: dict[str, Any] = {_LEAVING: True} if conv.leaving else {}
        if conv.topic is not None:
            extra[_TOPIC] = conv.topic.to_json()
        if conv.handoff is not None:
            extra[_HANDOFF] = conv.handoff
        offered = {_OFFERED: list(conv.offered)} if conv.offered else {}
        kept = {**conv.data, **extra, **(offered if keep_offered else {})}
        values: dict[str, Any] = {
            "state": conv.state,
            "data": json.dumps(kept, ensure_ascii=False, default=str),
            "token": conv.token,
            "failures": conv.failures,
        }
        full = json.dumps({**conv.data, **extra, **offered}, ensure_ascii=False, default=str)
        if conv.loaded is None and values == _EMPTY_CONVERSATION:  # nothing stored, nothing to
            return {**values, "data": full, "updated_at": self.now, "_persisted": values}, None
        if conv.loaded == values and conv.updated_at is not None:
            row = {**values, "data": full, "updated_at": conv.updated_at, "_persisted": values}
            return row, None
        return {**values, "data": full, "updated_at": self.now, "_persisted": values}, values

    async def write_conversation(self, user: str, values: dict[str, Any]) -> None:
        """Stores a conversation's columns (from `conversation_to_save`)."""
        await self.conn.execute(SAVE_CONVERSATION, conversation_params(user, self.now, values))

    # Handler port ----------------------------------------------------------------------

    def seal(self, secret: str) -> str:
        return self.vault.encrypt(secret)

    def unseal(self, sealed: str) -> str:
        return self.vault.decrypt(sealed)

    async def seats_taken(self, course_ids: Sequence[str]) -> dict[str, int]:
        """For display: in a chat turn that has not written yet, read without opening the
        write transaction. Decisions (`create_application`, `set_status`) count in theirs."""
        if isinstance(self.conn, LazyWrite):
            return await self._seats(course_ids, self.conn.read)
        return await self._seats(course_ids, self.conn.execute)

    async def _seats_held(self, course_ids: Sequence[str]) -> dict[str, int]:
        """Seats taken, counted inside the write transaction that acts on them."""
        return await self._seats(course_ids, self.conn.execute)

    async def _seats(self, course_ids: Sequence[str], execute: Any) -> dict[str, int]:
        if not course_ids:
            return {}
        ids = list(course_ids)
        taken = dict.fromkeys(ids, 0)
        for course, n in await execute(_SEATS_TAKEN, {"ids": ids}):
            taken[course] += n
        return taken

    async def create_application(self, app: NewApplication, capacity: int) -> ApplicationRecord:
        taken = (await self._seats_held([app.course]))[app.course]
        status = "pending" if taken < capacity else "waitlisted"
        result = await self.conn.execute(
            insert(t.applications)
            .values(
                user_key=app.user,
                channel=app.user.partition(":")[0],
                course_id=app.course,
                branch_id=app.branch,
                full_name=app.full_name,
                name_key=search_key(app.full_name),
                national_id_enc=self.vault.encrypt(app.national_id),
                national_id_hash=self.vault.hash(app.national_id),
                birth_date=app.birth_date,
                phone=app.phone,
                district=app.district,
                education=app.education,
                employment=app.employment,
                status=status,
                consent_at=app.consent_at or self.now,
                created_at=self.now,
                updated_at=self.now,
            )
            .returning(t.applications.c.id)
        )
        app_id = result.scalar_one()
        number = application_number(app_id, self.now)
        await self.conn.execute(
            update(t.applications).where(t.applications.c.id == app_id).values(number=number)
        )
        record = await self._record(t.applications.c.id == app_id)
        assert record is not None
        return record

    async def active_applications_for_id(self, national_id: str) -> list[ApplicationRecord]:
        return await self._records(
            and_(
                t.applications.c.national_id_hash == self.vault.hash(national_id),
                t.applications.c.status.in_(ACTIVE),
            )
        )

    async def applications_of(self, user: str) -> list[ApplicationRecord]:
        return await self._records(t.applications.c.user_key == user)

    async def application(self, number: str) -> ApplicationRecord | None:
        return await self._record(t.applications.c.number == number)

    async def cancel_application(self, user: str, number: str) -> ApplicationRecord | None:
        rec = await self._record(
            and_(t.applications.c.number == number, t.applications.c.user_key == user)
        )
        if rec is None or rec.status not in ACTIVE:
            return None
        await self.set_status(rec.number, "cancelled", by=user)
        return await self.application(rec.number)

    async def set_status(self, number: str, status: str, *, by: str) -> ApplicationRecord | None:
        """Changes an application's status; a seat freed in a full course goes to the first on
        the waiting list (in a course with seats to spare, nobody waits for one: whoever is
        on its waiting list was put there by staff, and stays)."""
        rec = await self.application(number)
        if rec is None:
            return None
        frees_seat = rec.status in SEAT_HOLDING and status not in SEAT_HOLDING
        was_full = frees_seat and await self._full(rec.course)
        await self.conn.execute(
            update(t.applications)
            .where(t.applications.c.number == number)
            .values(status=status, updated_at=self.now, decided_by=by)
        )
        if status == "accepted" and rec.status != "accepted":
            await self._enrol(number)
        if status not in SEAT_HOLDING:
            await self.conn.execute(
                delete(t.enrolments).where(
                    t.enrolments.c.application_id
                    == select(t.applications.c.id)
                    .where(t.applications.c.number == number)
                    .scalar_subquery()
                )
            )
            if was_full:  # its seat goes to the first one waiting (not itself)
                await self._promote_first_waiting(rec.course, but=number)
        return await self.application(number)

    async def _full(self, course: str) -> bool:
        capacity = (
            await self.conn.execute(select(t.courses.c.capacity).where(t.courses.c.id == course))
        ).scalar_one_or_none()
        taken = (await self._seats_held([course]))[course]
        return capacity is not None and taken >= capacity

    async def _enrol(self, number: str) -> None:
        row = (
            await self.conn.execute(select(t.applications).where(t.applications.c.number == number))
        ).one()
        await self.conn.execute(
            insert(t.enrolments).values(
                course_id=row.course_id,
                user_key=row.user_key,
                full_name=row.full_name,
                phone=row.phone,
                national_id_enc=row.national_id_enc,
                national_id_hash=row.national_id_hash,
                application_id=row.id,
                source="application",
                created_at=self.now,
            )
        )

    async def _promote_first_waiting(self, course: str, but: str = "") -> None:
        first = (
            await self.conn.execute(
                select(t.applications.c.number, t.applications.c.user_key)
                .where(
                    t.applications.c.course_id == course,
                    t.applications.c.status == "waitlisted",
                    t.applications.c.number != but,
                )
                .order_by(t.applications.c.created_at, t.applications.c.id)
                .limit(1)
            )
        ).first()
        if first is None:
            return
        await self.conn.execute(
            update(t.applications)
            .where(t.applications.c.number == first.number)
            .values(status="pending", updated_at=self.now)
        )
        if first.user_key:
            await self.queue(
                first.user_key,
                "waitlist",
                {"key": "apply.promoted", "values": {"number": first.number}},
                dedupe=f"promoted:{first.number}",
            )

    async def queue(
        self,
        user: str,
        kind: str,
        payload: dict[str, Any],
        *,
        dedupe: str,
        due: datetime | None = None,
    ) -> bool:
        """Queues a message for the outbox; False when one with the same key exists."""
        async with self.conn.begin_nested():
            try:
                await self.conn.execute(
                    insert(t.outbox).values(
                        user_key=user,
                        kind=kind,
                        payload=json.dumps(payload, ensure_ascii=False),
                        dedupe_key=dedupe,
                        due_at=due or self.now,
                        created_at=self.now,
                    )
                )
            except IntegrityError:
                return False
        return True

    # Reading applications ----------------------------------------------------------------

    async def _records(self, where: Any) -> list[ApplicationRecord]:
        rows = await self.conn.execute(
            select(t.applications).where(where).order_by(t.applications.c.id.desc())
        )
        return [await self._to_record(r._mapping) for r in rows]

    async def _record(self, where: Any) -> ApplicationRecord | None:
        found = await self._records(where)
        return found[0] if found else None

    async def _to_record(self, row: Any) -> ApplicationRecord:
        position = None
        if row["status"] == "waitlisted":
            position = 1 + int(
                (
                    await self.conn.execute(
                        select(func.count())
                        .select_from(t.applications)
                        .where(
                            t.applications.c.course_id == row["course_id"],
                            t.applications.c.status == "waitlisted",
                            t.applications.c.id < row["id"],
                        )
                    )
                ).scalar_one()
            )
        return ApplicationRecord(
            number=row["number"],
            status=row["status"],
            user=row["user_key"] or "",
            channel=row["channel"],
            branch=row["branch_id"],
            course=row["course_id"],
            full_name=row["full_name"],
            phone=row["phone"],
            national_id_masked=mask_id(self.vault.decrypt(row["national_id_enc"])),
            created_at=row["created_at"],
            waitlist_position=position,
        )
