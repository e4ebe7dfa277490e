"""Courses in the panel: the list with counts, one course's sessions and answers, sessions
cancelled or moved (trainees told once, audited), scope and form tokens."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from core.catalog import Branch, Catalog, Center, Field
from storage import outbox_repo, panel_courses
from storage import tables as t
from storage.catalog_columns import fold
from storage.catalog_repo import import_catalog
from storage.db import Database
from storage.repos import SqlStore
from storage.session_changes import cancel_session
from tests.course_setup import course_at, enrol, sessions_at
from tests.panel.rig import Rig, form_token, sign_in

pytestmark = pytest.mark.asyncio


async def _course_with_sessions(rig: Rig, centre: str, skip: int = 0) -> tuple[str, str, str]:
    """(course id, branch id, its next session's id) of a course at `centre` that has at least
    two scheduled sessions still to come."""
    s, c = t.sessions, t.courses
    async with rig.db.read() as conn:
        rows = (
            await conn.execute(
                select(c.c.id, c.c.branch_id, func.min(s.c.starts_at).label("first"))
                .join(s, s.c.course_id == c.c.id)
                .where(
                    c.c.center_id == centre, s.c.status == "scheduled", s.c.starts_at > rig.clock()
                )
                .group_by(c.c.id, c.c.branch_id)
                .having(func.count() >= 2)
                .order_by(c.c.id)
            )
        ).all()
        course, branch, first = rows[skip]
        session = (
            await conn.execute(
                select(s.c.id).where(s.c.course_id == course, s.c.starts_at == first)
            )
        ).scalar_one()
    return course, branch, session


async def _session(rig: Rig, session_id: str) -> dict[str, Any]:
    async with rig.db.read() as conn:
        row = (await conn.execute(select(t.sessions).where(t.sessions.c.id == session_id))).one()
    return dict(row._mapping)


async def _trainees(rig: Rig, course: str, people: list[tuple[str | None, str]]) -> list[int]:
    """Desk enrolments (user key or None, full name); their ids."""
    now = rig.clock()
    ids = []
    async with rig.db.write() as conn:
        for n, (user, name) in enumerate(people):
            if user is not None:
                await conn.execute(
                    insert(t.users).values(key=user, channel=user.partition(":")[0], created_at=now)
                )
            done = await conn.execute(
                insert(t.enrolments)
                .values(
                    course_id=course,
                    user_key=user,
                    full_name=name,
                    phone=f"+9053300000{n:02d}",
                    national_id_enc=rig.vault.encrypt("10000000146"),
                    national_id_hash=rig.vault.hash("10000000146"),
                    source="desk",
                    created_at=now,
                )
                .returning(t.enrolments.c.id)
            )
            ids.append(int(done.scalar_one()))
    return ids


async def _answer(rig: Rig, session: str, enrolment: int, user: str, answer: str) -> None:
    async with rig.db.write() as conn:
        await conn.execute(
            insert(t.attendance).values(
                session_id=session,
                enrolment_id=enrolment,
                user_key=user,
                answer=answer,
                answered_at=rig.clock(),
            )
        )


def _row(html: str, text: str) -> str:
    """The table row holding `text`."""
    [row] = [r for r in html.split("<tr")[1:] if text in r]
    return row.split("</tr>")[0]


def _cells(row: str) -> list[str]:
    """The row's cells as plain text."""
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


async def _outbox_kinds(rig: Rig, users: list[str]) -> list[tuple[str, str]]:
    return sorted([(m["user_key"], m["kind"]) for u in users for m in await rig.outbox(u)])


def _local(value: datetime, rig: Rig) -> str:
    return value.astimezone(rig.settings.tz).strftime("%Y-%m-%dT%H:%M")


# --- The list -------------------------------------------------------------------------------


async def test_the_list_is_scoped_filtered_and_paged(rig: Rig) -> None:
    first, second = (await rig.centres())[:2]
    async with rig.db.read() as conn:
        ordered = [
            r[0]
            for r in await conn.execute(
                select(t.courses.c.id).order_by(t.courses.c.starts_on, t.courses.c.id)
            )
        ]
        at_first = [
            r[0]
            for r in await conn.execute(
                select(t.courses.c.id)
                .where(t.courses.c.center_id == first)
                .order_by(t.courses.c.starts_on, t.courses.c.id)
            )
        ]
        at_second = [
            r[0]
            for r in await conn.execute(
                select(t.courses.c.id).where(t.courses.c.center_id == second)
            )
        ]
    await rig.add_staff("ayse@mf.test")
    await rig.add_staff("can@mf.test", role="centre", centres=(first,))
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        one = (await c.get("/courses")).text
        two = (await c.get("/courses", params={"page": 2})).text
        pages = -(-len(ordered) // 50)
        assert f"1–50 / {len(ordered)} kurs" in one
        assert f"Sayfa 1 / {pages}" in one
        assert f'href="/courses/{ordered[0]}"' in one
        assert f'href="/courses/{ordered[49]}"' in one
        assert f'href="/courses/{ordered[50]}"' not in one
        assert f'href="/courses/{ordered[50]}"' in two
        assert f"51–100 / {len(ordered)} kurs" in two
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        mine = (await c.get("/courses")).text
        assert f"{len(at_first)} kurs" in mine
        assert all(f'href="/courses/{i}"' in mine for i in at_first)
        assert not any(f'href="/courses/{i}"' in mine for i in at_second)
        assert f'<option value="{second}"' not in mine  # centre select: only the reader's
        other = (await c.get("/courses", params={"centre": second})).text
        assert "Bu süzgece uyan kurs yok." in other
        assert not any(f'href="/courses/{i}"' in other for i in at_second)


async def test_filters_by_text_status_centre_and_start(rig: Rig) -> None:
    first, second = (await rig.centres())[:2]
    async with rig.db.read() as conn:
        courses = [
            dict(r)
            for r in (
                await conn.execute(
                    select(t.courses, t.branches.c.name.label("branch_name")).join(
                        t.branches, t.branches.c.id == t.courses.c.branch_id
                    )
                )
            ).mappings()
        ]
    await rig.add_staff("ayse@mf.test")
    turkish = next(r for r in courses if set(r["branch_name"]) & set("İıŞşĞğÇçÖöÜü"))
    plain = (
        turkish["branch_name"].replace("İ", "I").upper().translate(str.maketrans("ŞĞÇÖÜ", "SGCOU"))
    )  # "BILGISAYAR ISLETMENLIGI": what a keyboard without Turkish letters types
    wanted = fold(plain)
    named = {r["id"] for r in courses if wanted in fold(r["branch_name"])}
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        by_name = (await c.get("/courses", params={"q": plain})).text
        assert f"{len(named)} kurs" in by_name
        assert all(f'href="/courses/{i}"' in by_name for i in named)
        some = courses[7]["id"]
        by_id = (await c.get("/courses", params={"q": some.upper()})).text
        assert f'href="/courses/{some}"' in by_id
        cancelled = {r["id"] for r in courses if r["status"] == "cancelled"}
        by_status = (await c.get("/courses", params={"status": "cancelled"})).text
        assert f"{len(cancelled)} kurs" in by_status
        assert all(f'href="/courses/{i}"' in by_status for i in cancelled)
        by_centre = (await c.get("/courses", params={"centre": second})).text
        assert f"{sum(r['center_id'] == second for r in courses)} kurs" in by_centre
        day = sorted(r["starts_on"] for r in courses)[len(courses) // 2]
        later = (await c.get("/courses", params={"since": day.isoformat()})).text
        expected = sum(r["starts_on"] >= day for r in courses)
        assert f"/ {expected} kurs" in later
        ignored = (await c.get("/courses", params={"status": "bogus", "since": "dün"})).text
        assert f"/ {len(courses)} kurs" in ignored


async def test_counts_follow_the_chat_seat_rule(rig: Rig) -> None:
    first = (await rig.centres())[0]
    course, branch, _ = await _course_with_sessions(rig, first)
    numbers = [await rig.apply(course, branch, name=f"Başvuran {n}") for n in range(5)]
    async with rig.db.write() as conn:
        for number, status in zip(
            numbers[1:4], ("accepted", "waitlisted", "rejected"), strict=True
        ):
            await conn.execute(
                update(t.applications)
                .where(t.applications.c.number == number)
                .values(status=status)
            )
    await enrol(rig.db, course, ["telegram:81001"], rig.clock())  # a desk enrolment
    async with rig.db.write() as conn:  # the accepted applicant, enrolled: no second seat
        accepted_id = (
            await conn.execute(
                select(t.applications.c.id).where(t.applications.c.number == numbers[1])
            )
        ).scalar_one()
        await conn.execute(
            insert(t.enrolments).values(
                course_id=course, full_name="Başvuran 1", phone="+905320000001",
                application_id=accepted_id, source="application", created_at=rig.clock(),
            )
        )  # fmt: skip
        chat = (await SqlStore(conn, rig.vault, rig.clock()).seats_taken([course]))[course]
        counts = (await panel_courses.course_counts(conn, [course]))[course]
    # pending ×2 (numbers 0 and 4) + accepted + the desk enrolment
    assert chat == counts["seats_taken"] == 4
    assert counts == {
        "seats_taken": 4, "pending": 2, "waitlisted": 1, "accepted": 1, "trainees": 2, "linked": 1,
    }  # fmt: skip
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        listed = (await c.get("/courses", params={"q": course})).text
        page = (await c.get(f"/courses/{course}")).text
    cells = _cells(_row(listed, f'href="/courses/{course}"'))
    capacity = cells[5]
    assert cells[6:] == ["4", "2 bekleyen 1 yedekte", "2"]
    assert "4 yer dolu" in page
    assert f"{capacity} kişi" in page
    assert "2 bekleyen · 1 yedekte · 1 kabul edildi" in page
    assert f'href="/applications?course={course}"' in page


# --- One course -----------------------------------------------------------------------------


async def test_the_course_page_shows_sessions_and_answers(rig: Rig) -> None:
    first = (await rig.centres())[0]
    course, _, session = await _course_with_sessions(rig, first)
    ids = await _trainees(
        rig,
        course,
        [("telegram:5001", "Ayşe Yılmaz"), ("telegram:5002", "Burak Çelik"), (None, "Cem Öztürk")],
    )
    await _answer(rig, session, ids[0], "telegram:5001", "yes")
    await _answer(rig, session, ids[1], "telegram:5002", "no")
    async with rig.db.read() as conn:
        sessions = await panel_courses.course_sessions(conn, course)
    later = sessions[-1]["id"]
    await _answer(rig, later, ids[1], "telegram:5002", "yes")
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        page = await c.get(f"/courses/{course}", params={"session": session})
        other = (await c.get(f"/courses/{course}", params={"session": later})).text
        default = (await c.get(f"/courses/{course}")).text
    assert page.status_code == 200
    html = page.text
    assert f'Dersler <small class="muted">({len(sessions)})</small>' in html
    first_row = _cells(_row(html, f"session={session}#secili"))
    assert first_row[-3:] == ["1", "1", "1"]  # geleceğim, gelemeyeceğim, yanıt yok
    assert _cells(_row(html, f"session={later}#secili"))[-3:] == ["1", "0", "2"]
    assert "Geleceğim: 1" in html
    assert "Gelemeyeceğim: 1" in html
    assert "Yanıt yok: 1" in html
    ayse = _cells(_row(html, "Ayşe Yılmaz"))
    assert ayse[:2] == ["Ayşe Yılmaz", "+905330000000"]
    assert ayse[2].startswith("Geleceğim")
    assert ayse[3] == "Bağlı"
    assert _cells(_row(html, "Burak Çelik"))[2].startswith("Gelemeyeceğim")
    assert _cells(_row(html, "Cem Öztürk"))[2:] == ["Yanıt yok", "Yok"]
    assert _cells(_row(other, "Burak Çelik"))[2].startswith("Geleceğim")
    assert _cells(_row(other, "Ayşe Yılmaz"))[2] == "Yanıt yok"
    assert "10000000146" not in html  # never a national id
    assert 'id="secili"' in default  # the next session is chosen by default
    assert _cells(_row(default, "Ayşe Yılmaz"))[2].startswith("Geleceğim")
    months = ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
              "Eylül", "Ekim", "Kasım", "Aralık")  # fmt: skip
    assert any(m in html for m in months)


async def test_a_course_or_session_of_another_centre_is_not_found(rig: Rig) -> None:
    first, second = (await rig.centres())[:2]
    mine, _, my_session = await _course_with_sessions(rig, first)
    theirs, _, their_session = await _course_with_sessions(rig, second)
    await _trainees(rig, theirs, [("telegram:6001", "Deniz Ak")])
    await rig.add_staff("can@mf.test", role="centre", centres=(first,))
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        assert (await c.get(f"/courses/{mine}")).status_code == 200
        assert (await c.get(f"/courses/{theirs}")).status_code == 404
        assert (
            await c.get(f"/courses/{theirs}", params={"session": their_session})
        ).status_code == 404
        assert (await c.get("/courses/no-such-course")).status_code == 404
        token = await form_token(c, f"/courses/{mine}")
        for path in (
            f"/courses/{theirs}/sessions/{their_session}",
            f"/courses/{mine}/sessions/{their_session}",  # own course, another's session
            f"/courses/{theirs}/sessions/{my_session}",
        ):
            cancel = await c.post(f"{path}/cancel", data={"csrf": token, "reason": "Tadilat"})
            moved = await c.post(
                f"{path}/move", data={"csrf": token, "to": "2099-01-05T10:00", "reason": ""}
            )
            assert (cancel.status_code, moved.status_code) == (404, 404)
    for s in (their_session, my_session):
        assert (await _session(rig, s))["status"] == "scheduled"
    assert await rig.outbox("telegram:6001") == []
    assert await rig.audit("session_cancelled") == []
    assert await rig.audit("session_moved") == []


# --- Cancel and move ------------------------------------------------------------------------


async def test_cancelling_tells_linked_trainees_once_and_is_audited(rig: Rig) -> None:
    first = (await rig.centres())[0]
    course, _, session = await _course_with_sessions(rig, first)
    users = ["telegram:7001", "telegram:7002"]
    ids = await _trainees(
        rig, course, [(users[0], "Ayşe Yılmaz"), (users[1], "Burak Çelik"), (None, "Cem Öztürk")]
    )
    async with rig.db.write() as conn:  # a planned reminder, to be dropped
        await conn.execute(
            insert(t.outbox).values(
                user_key=users[0], kind="reminder", payload="{}",
                dedupe_key=f"rem:{session}:{ids[0]}:eve", due_at=rig.clock() + timedelta(days=1),
                created_at=rig.clock(), session_id=session, enrolment_id=ids[0],
            )
        )  # fmt: skip
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/courses/{course}?session={session}")
        empty = await c.post(
            f"/courses/{course}/sessions/{session}/cancel", data={"csrf": token, "reason": " "}
        )
        assert empty.status_code == 400
        assert "gerekçesini yazın" in empty.text
        assert (await _session(rig, session))["status"] == "scheduled"
        form = {"csrf": token, "reason": "Eğitmen raporlu"}
        done = await c.post(f"/courses/{course}/sessions/{session}/cancel", data=form)
        assert done.status_code == 303
        assert "done=cancelled" in done.headers["location"]
        assert "n=2" in done.headers["location"]
        page = (await c.get(done.headers["location"])).text
        assert "Ders iptal edildi; 2 kursiyere bildirildi." in page
        assert "Eğitmen raporlu" in page
        again = await c.post(f"/courses/{course}/sessions/{session}/cancel", data=form)
        assert again.status_code == 400
        assert "Değişiklik yapılmadı: bu oturum zaten iptal edilmiş." in again.text
    stored = await _session(rig, session)
    assert (stored["status"], stored["reason"]) == ("cancelled", "Eğitmen raporlu")
    assert await _outbox_kinds(rig, users) == [
        (users[0], "session_cancelled"),
        (users[1], "session_cancelled"),
    ]
    message = (await rig.outbox(users[1]))[0]
    assert json.loads(message["payload"]) == {"session": session, "reason": "Eğitmen raporlu"}
    [row] = await rig.audit("session_cancelled")
    assert (row.actor, row.target) == ("ayse@mf.test", session)
    assert row.detail["course"] == course
    assert row.detail["reason"] == "Eğitmen raporlu"
    assert row.detail["told"] == 2
    assert row.detail["from"] == stored["starts_at"].astimezone(rig.settings.tz).isoformat(
        timespec="minutes"
    )


async def test_moving_tells_linked_trainees_once_and_is_audited(rig: Rig) -> None:
    first = (await rig.centres())[0]
    course, _, session = await _course_with_sessions(rig, first)
    users = ["telegram:7101", "telegram:7102"]
    await _trainees(rig, course, [(users[0], "Ayşe Yılmaz"), (users[1], "Burak Çelik")])
    before = await _session(rig, session)
    length = before["ends_at"] - before["starts_at"]
    tz = rig.settings.tz
    target = (before["starts_at"].astimezone(tz) + timedelta(days=1)).replace(hour=10, minute=0)
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        path = f"/courses/{course}/sessions/{session}/move"
        token = await form_token(c, f"/courses/{course}?session={session}")
        bad = await c.post(path, data={"csrf": token, "to": "2026-13-45T99:00"})
        assert bad.status_code == 400
        assert "yeni tarihi ve saati seçin" in bad.text
        far = await c.post(path, data={"csrf": token, "to": "9999-12-31T23:30"})
        assert far.status_code == 400
        past = await c.post(
            path, data={"csrf": token, "to": _local(rig.clock() - timedelta(hours=2), rig)}
        )
        assert past.status_code == 400
        assert "yeni zaman geçmişte olamaz" in past.text
        assert await _session(rig, session) == before
        form = {"csrf": token, "to": target.strftime("%Y-%m-%dT%H:%M"), "reason": "Salon boyanıyor"}
        done = await c.post(path, data=form)
        assert done.status_code == 303
        assert "done=moved" in done.headers["location"]
        assert "n=2" in done.headers["location"]
        page = (await c.get(done.headers["location"])).text
        assert "Ders taşındı; 2 kursiyere bildirildi." in page
        again = await c.post(path, data=form)
        assert again.status_code == 400
        assert "ders zaten bu zamanda" in again.text
    after = await _session(rig, session)
    assert after["starts_at"] == target
    assert after["ends_at"] - after["starts_at"] == length
    assert after["reason"] == "Salon boyanıyor"
    assert after["status"] == "scheduled"
    assert await _outbox_kinds(rig, users) == [
        (users[0], "session_moved"),
        (users[1], "session_moved"),
    ]
    [message, _] = [m for u in users for m in await rig.outbox(u)]
    assert f">{target.isoformat()}:" in message["dedupe_key"]
    [row] = await rig.audit("session_moved")
    assert (row.actor, row.target, row.detail["told"]) == ("ayse@mf.test", session, 2)
    assert row.detail["from"] == before["starts_at"].astimezone(tz).isoformat(timespec="minutes")
    assert row.detail["to"] == target.isoformat(timespec="minutes")
    assert row.detail["reason"] == "Salon boyanıyor"
    assert row.detail["course"] == course


async def test_a_change_without_the_form_token_changes_nothing(rig: Rig) -> None:
    first = (await rig.centres())[0]
    course, _, session = await _course_with_sessions(rig, first)
    await _trainees(rig, course, [("telegram:7201", "Ayşe Yılmaz")])
    before = await _session(rig, session)
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        base = f"/courses/{course}/sessions/{session}"
        forged = await c.post(f"{base}/cancel", data={"reason": "Tadilat"})
        wrong = await c.post(f"{base}/cancel", data={"reason": "Tadilat", "csrf": "x" * 43})
        moved = await c.post(f"{base}/move", data={"to": "2099-01-05T10:00"})
    assert (forged.status_code, wrong.status_code, moved.status_code) == (403, 403, 403)
    assert await _session(rig, session) == before
    assert await rig.outbox("telegram:7201") == []
    assert await rig.audit("session_cancelled") == []
    assert await rig.audit("session_moved") == []


async def test_a_past_session_cannot_be_cancelled(rig: Rig) -> None:
    first = (await rig.centres())[0]
    course, _, session = await _course_with_sessions(rig, first)
    await _trainees(rig, course, [("telegram:7301", "Ayşe Yılmaz")])
    before = await _session(rig, session)
    rig.advance(before["starts_at"] - rig.clock() + timedelta(minutes=5))
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/courses/{course}")
        page = (await c.get(f"/courses/{course}", params={"session": session})).text
        assert f"/sessions/{session}/cancel" not in page  # no cancel form for a past session
        refused = await c.post(
            f"/courses/{course}/sessions/{session}/cancel",
            data={"csrf": token, "reason": "Geç kaldık"},
        )
    assert refused.status_code == 400
    assert "geçmiş bir oturum iptal edilemez" in refused.text
    assert await _session(rig, session) == before
    assert await rig.outbox("telegram:7301") == []
    assert await rig.audit("session_cancelled") == []


# --- The queries on every database (PostgreSQL too when MF_TEST_DATABASE_URL is set) ---------


async def test_the_queries_keep_scope_and_count_on_every_database(any_db: Database) -> None:
    now = datetime.now(UTC)
    starts = [now + timedelta(days=d) for d in (2, 4, 6)]
    buca = course_at("barista-buca-test", starts)
    cigli = replace(course_at("asci-cigli-test", starts), branch="asci", center="cigli")
    await import_catalog(
        any_db,
        Catalog(
            fields=[Field("yiyecek", "Yiyecek İçecek")],
            branches=[
                Branch("barista", "yiyecek", "Barista", 120, 16),
                Branch("asci", "yiyecek", "Aşçı Yardımcılığı", 200, 16),
            ],
            centers=[
                Center("buca", "Buca Kurs Merkezi", "Buca", "Buca merkez", 38.388, 27.175),
                Center("cigli", "Çiğli Kurs Merkezi", "Çiğli", "Çiğli merkez", 38.495, 27.07),
            ],
            courses=[buca, cigli],
            sessions=sessions_at(buca.id, starts) + sessions_at(cigli.id, starts),
        ),
    )
    await enrol(any_db, buca.id, ["telegram:1", "telegram:2"], now)
    await enrol(any_db, cigli.id, ["telegram:3"], now)
    first = f"{buca.id}-1"
    async with any_db.write() as conn:
        [(e1, _), _] = sorted(await outbox_repo.linked_trainees(conn, buca.id))
        await conn.execute(
            insert(t.attendance).values(
                session_id=first, enrolment_id=e1, user_key="telegram:1", answer="no",
                answered_at=now,
            )
        )  # fmt: skip
    async with any_db.read() as conn:
        mine, total = await panel_courses.list_courses(
            conn, frozenset({"buca"}), panel_courses.CourseFilter()
        )
        found, _ = await panel_courses.list_courses(
            conn, None, panel_courses.CourseFilter(q="ASCI yardim")
        )
        outside = await panel_courses.course_detail(conn, frozenset({"buca"}), cigli.id)
        sessions = await panel_courses.course_sessions(conn, buca.id)
        trainees = await panel_courses.session_trainees(conn, buca.id, first)
    assert (total, [r["id"] for r in mine]) == (1, [buca.id])
    assert (mine[0]["seats_taken"], mine[0]["trainees"], mine[0]["linked"]) == (2, 2, 2)
    assert [r["id"] for r in found] == [cigli.id]
    assert outside is None
    assert [(s["yes"], s["no"], s["none"]) for s in sessions] == [(0, 1, 1), (0, 0, 2), (0, 0, 2)]
    assert sorted(str(r["answer"]) for r in trainees) == ["None", "no"]
    async with any_db.write() as conn:
        theirs = await panel_courses.session_in_scope(
            conn, frozenset({"cigli"}), buca.id, first, lock=True
        )
        row = await panel_courses.session_in_scope(
            conn, frozenset({"buca"}), buca.id, first, lock=True
        )
        assert theirs is None
        assert row is not None
        change = await cancel_session(conn, first, "Tadilat", now)
    assert change.told == 2


async def test_moving_back_to_an_earlier_time_is_news_again(rig: Rig) -> None:
    """A → B → A: trainees hear of both moves; the same move twice is refused."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from storage import tables as t
    from storage.session_changes import SessionChangeError, move_session
    from tests.course_setup import enrol

    async with rig.db.read() as conn:
        row = (
            await conn.execute(
                select(t.sessions.c.id, t.sessions.c.course_id, t.sessions.c.starts_at)
                .where(t.sessions.c.starts_at > rig.clock() + timedelta(days=2))
                .order_by(t.sessions.c.starts_at)
                .limit(1)
            )
        ).one()
    await enrol(rig.db, row.course_id, ["telegram:31337"])
    a, b = row.starts_at, row.starts_at + timedelta(hours=1)
    for target in (b, a):
        async with rig.db.write() as conn:
            await move_session(conn, row.id, target, rig.clock())
    with pytest.raises(SessionChangeError, match="zaten bu zamanda"):
        async with rig.db.write() as conn:
            await move_session(conn, row.id, a, rig.clock())
    async with rig.db.read() as conn:
        told = (
            await conn.execute(
                select(func.count())
                .select_from(t.outbox)
                .where(t.outbox.c.user_key == "telegram:31337", t.outbox.c.kind == "session_moved")
            )
        ).scalar_one()
    assert told == 2
