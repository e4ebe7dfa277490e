"""The catalog in the database: import (merge, replace, archive), export round trips, time zones."""

# Runs on SQLite and, when MF_TEST_DATABASE_URL is set, on PostgreSQL too (fixture `any_db`).

from __future__ import annotations

import hashlib
import time as clock
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, make_url, update

from core.catalog import Branch, Catalog, Center, Course, CourseStatus, Field, SessionStatus
from storage import tables
from storage.catalog_io import CatalogError, read_catalog, write_catalog
from storage.catalog_repo import (
    CatalogConflict,
    catalog_stats,
    existing_ids,
    import_catalog,
    is_empty,
    load_catalog,
)
from storage.db import Database
from storage.sample.generate import build_sample_catalog
from storage.schedule import generate_sessions
from tests.dbutil import fresh_database

TZ = ZoneInfo("Europe/Istanbul")
TODAY = date(2026, 11, 25)


def _course(id_: str, **changes: object) -> Course:
    values: dict[str, object] = {
        "id": id_,
        "branch": "barista",
        "center": "buca",
        "capacity": 20,
        "starts_on": date(2026, 12, 1),
        "ends_on": date(2027, 1, 29),
        "weekdays": ("tue", "thu"),
        "start_time": time(18, 30),
        "end_time": time(21, 30),
    }
    values.update(changes)
    return Course(**values)  # type: ignore[arg-type]


def small(*courses: Course, tz: ZoneInfo = TZ) -> Catalog:
    """A tiny catalog with generated sessions."""
    catalog = Catalog(
        fields=[Field("yiyecek", "Yiyecek İçecek"), Field("bilisim", "Bilişim")],
        branches=[
            Branch("barista", "yiyecek", "Barista", 120, 16, ("kahve", "espresso")),
            Branch("excel", "bilisim", "İleri Excel", 60, 16),
        ],
        centers=[
            Center("buca", "Buca Kurs Merkezi", "Buca", "Buca merkez", 38.388, 27.175),
            Center("cigli", "Çiğli Kurs Merkezi", "Çiğli", "Çiğli merkez", 38.495, 27.07),
        ],
        courses=list(courses) or [_course("barista-buca-2612a"), _course("excel-cigli-2612a",
                                  branch="excel", center="cigli", weekdays=("sat",))],
    )  # fmt: skip
    for course in catalog.courses:
        catalog.sessions.extend(generate_sessions(course, tz))
    return catalog


async def _export(db: Database, path: Path) -> None:
    write_catalog(await load_catalog(db), path, TZ)


async def test_first_run_imports_the_sample_quickly(any_db: Database) -> None:
    assert await is_empty(any_db)
    sample = build_sample_catalog(TODAY, TZ)
    started = clock.perf_counter()
    report = await import_catalog(any_db, sample)
    elapsed = clock.perf_counter() - started
    stats = await catalog_stats(any_db)
    assert stats == {
        "centers": 29,
        "fields": 35,
        "branches": 215,
        "courses": len(sample.courses),
        "sessions": len(sample.sessions),
    }
    assert report.courses.added == len(sample.courses)
    assert not await is_empty(any_db)
    assert elapsed < 10  # about one second on an idle machine; generous for busy CI


@pytest.mark.parametrize("name", ["catalog.yaml", "catalog.zip", "catalog.xlsx"])
async def test_export_import_export_gives_identical_files(
    any_db: Database, tmp_path: Path, name: str
) -> None:
    full = build_sample_catalog(TODAY, TZ)
    ids = {c.id for c in full.courses[:40]}
    sample = replace(
        full,
        courses=full.courses[:40],
        sessions=[s for s in full.sessions if s.course in ids],
    )
    await import_catalog(any_db, sample)
    first, second = tmp_path / f"1-{name}", tmp_path / f"2-{name}"
    await _export(any_db, first)
    kind = "sqlite" if any_db.is_sqlite else "postgres"
    (tmp_path / "fresh").mkdir()
    async with fresh_database(kind, tmp_path / "fresh") as fresh:
        report = await import_catalog(fresh, read_catalog(first, TZ), replace=True)
        assert report.sessions.added == len(sample.sessions)
        await _export(fresh, second)
    assert first.read_bytes() == second.read_bytes()


async def test_merge_reports_added_changed_and_unchanged(any_db: Database) -> None:
    await import_catalog(any_db, small())
    changed = small(
        _course("barista-buca-2612a", capacity=25),
        _course("excel-cigli-2612a", branch="excel", center="cigli", weekdays=("sat",)),
        _course("barista-cigli-2701a", center="cigli", starts_on=date(2027, 1, 5)),
    )
    report = await import_catalog(any_db, changed)
    assert (report.courses.added, report.courses.changed, report.courses.unchanged) == (1, 1, 1)
    assert report.fields.unchanged == 2
    assert report.sessions.added == len(generate_sessions(changed.courses[2], TZ))
    assert report.sessions.changed == 0
    partial = Catalog(courses=[_course("barista-cigli-2702a", center="cigli")])
    report = await import_catalog(any_db, partial)  # refers to rows already in the database
    assert report.courses.added == 1
    assert (await catalog_stats(any_db))["courses"] == 4


async def test_replace_removes_what_the_file_lacks(any_db: Database) -> None:
    await import_catalog(any_db, small())
    only_barista = small(_course("barista-buca-2612a"))
    only_barista.branches = only_barista.branches[:1]
    only_barista.fields = only_barista.fields[:1]
    removed_sessions = len(generate_sessions(small().courses[1], TZ))
    report = await import_catalog(any_db, only_barista, replace=True)
    assert report.courses.removed == 1
    assert report.sessions.removed == removed_sessions
    assert (report.branches.removed, report.fields.removed) == (1, 1)
    assert report.centers.removed == 0  # still listed in the file
    assert await catalog_stats(any_db) == {
        "centers": 2,
        "fields": 1,
        "branches": 1,
        "courses": 1,
        "sessions": len(only_barista.sessions),
    }


async def _apply_for(db: Database, course: str) -> None:
    now = datetime.now(UTC)
    async with db.write() as conn:
        await conn.execute(
            insert(tables.applications).values(
                number="MF-1", user_key="console:test", channel="console", course_id=course,
                branch_id="barista", full_name="Ayşe Yılmaz", national_id_enc="x",
                national_id_hash="h", birth_date=date(2000, 1, 1), phone="+905321234567",
                district="Buca", status="pending", consent_at=now, created_at=now, updated_at=now,
            )
        )  # fmt: skip


async def test_replace_archives_courses_with_applications_only_with_force(
    any_db: Database,
) -> None:
    await import_catalog(any_db, small())
    await _apply_for(any_db, "barista-buca-2612a")
    without = small(_course("excel-cigli-2612a", branch="excel", center="cigli", weekdays=("sat",)))
    with pytest.raises(CatalogConflict, match="--force") as caught:
        await import_catalog(any_db, without, replace=True)
    assert "barista-buca-2612a" in str(caught.value)
    assert (await catalog_stats(any_db))["courses"] == 2
    report = await import_catalog(any_db, without, replace=True, force=True)
    assert report.courses.archived == 1
    kept = (await load_catalog(any_db)).course_by_id()["barista-buca-2612a"]
    assert kept.status == CourseStatus.ARCHIVED
    again = await import_catalog(any_db, without, replace=True)  # already archived: no refusal
    assert again.courses.archived == 0


def _digest(path: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (path, path.with_name(path.name + "-wal"))
        if p.exists()
    }


async def _checkpoint(db: Database) -> None:
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def test_refused_imports_leave_the_database_file_byte_for_byte(
    db: Database, tmp_path: Path
) -> None:
    await import_catalog(db, small())
    await _apply_for(db, "barista-buca-2612a")
    await _checkpoint(db)
    db_file = Path(str(make_url(db.url).database))
    before = _digest(db_file)
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "courses:\n  - {id: c1, branch: pilot, center: buca, capacity: 5, starts_on: 2026-02-30,"
        " ends_on: 2026-12-30, weekdays: [mon], start_time: '18:30', end_time: '21:30'}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as caught:
        read_catalog(broken, TZ, existing=await existing_ids(db))
    assert {p.column for p in caught.value.problems} == {"branch", "starts_on"}
    with pytest.raises(CatalogError, match="pilot"):
        await import_catalog(db, Catalog(courses=[_course("c1", branch="pilot")]))
    duplicate = small()
    duplicate.courses.append(duplicate.courses[0])
    with pytest.raises(CatalogError, match="yinelenmiş"):
        await import_catalog(db, duplicate)
    with pytest.raises(CatalogError, match="--force"):
        await import_catalog(db, small(_course("other")), replace=True)
    assert _digest(db_file) == before
    await _checkpoint(db)
    assert _digest(db_file) == before


@pytest.mark.parametrize("zone", ["Europe/Istanbul", "Europe/Berlin"])
async def test_local_times_survive_a_database_round_trip(
    any_db: Database, tmp_path: Path, zone: str
) -> None:
    tz = ZoneInfo(zone)  # Berlin changes clocks on 28 March 2027; Istanbul does not
    course = _course("barista-buca-2703a", starts_on=date(2027, 3, 16), ends_on=date(2027, 4, 8))
    await import_catalog(any_db, small(course, tz=tz))
    loaded = await load_catalog(any_db)
    local = {s.starts_at.astimezone(tz).time() for s in loaded.sessions}
    assert local == {time(18, 30)}
    write_catalog(loaded, tmp_path / "out.yaml", tz)
    text = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    assert "starts_at: 2027-03-30T18:30" in text
    assert "start_time: '18:30'" in text


async def test_staff_changes_survive_reimporting_the_same_courses(
    any_db: Database, tmp_path: Path
) -> None:
    catalog = small()
    await import_catalog(any_db, catalog)
    cancelled = catalog.sessions[2].id
    async with any_db.write() as conn:
        await conn.execute(
            update(tables.sessions)
            .where(tables.sessions.c.id == cancelled)
            .values(status="cancelled", reason="Eğitmen izinli")
        )
    courses_only = tmp_path / "courses.yaml"
    write_catalog(Catalog(courses=catalog.courses), courses_only, TZ)
    again = read_catalog(courses_only, TZ, existing=await existing_ids(any_db))
    report = await import_catalog(any_db, again)
    assert report.sessions.unchanged == len(catalog.sessions)
    assert (report.sessions.changed, report.sessions.removed) == (0, 0)
    sessions = {s.id: s for s in (await load_catalog(any_db)).sessions}
    assert sessions[cancelled].status == SessionStatus.CANCELLED


async def test_a_new_schedule_regenerates_the_sessions(any_db: Database) -> None:
    await import_catalog(any_db, small())
    shorter = small(
        _course("barista-buca-2612a", ends_on=date(2026, 12, 17)),
        _course("excel-cigli-2612a", branch="excel", center="cigli", weekdays=("sat",)),
    )
    before = len([s for s in small().sessions if s.course == "barista-buca-2612a"])
    report = await import_catalog(any_db, shorter)
    assert report.courses.changed == 1
    assert report.sessions.removed == before - 6  # left: 1, 3, 8, 10, 15 and 17 December
    loaded = await load_catalog(any_db)
    assert len([s for s in loaded.sessions if s.course == "barista-buca-2612a"]) == 6


async def test_progress_and_holiday_warnings(any_db: Database) -> None:
    catalog = small()
    new_year = datetime(2027, 1, 1, 18, 30, tzinfo=TZ)
    listed = replace(catalog.sessions[0], id="extra-1", starts_at=new_year,
                     ends_at=new_year.replace(hour=21), holiday="Yılbaşı")  # fmt: skip
    catalog.sessions.append(listed)
    seen: list[tuple[int, int]] = []
    report = await import_catalog(
        any_db, catalog, progress=lambda done, total: seen.append((done, total))
    )
    assert seen
    assert seen[-1][0] == seen[-1][1]
    assert any("Yılbaşı" in w and "extra-1" in w for w in report.warnings)
    assert "Uyarı" in report.summary()
    assert report.as_dict()["sessions"]["added"] == len(catalog.sessions)
