"""The catalog in the database: load, count, and import (merge or replace) in one transaction."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.catalog import Catalog, Course, CourseStatus, Session, SessionStatus
from storage import tables
from storage.catalog_dbrows import (
    MODEL_OF,
    ROW_OF,
    TABLES,
    Row,
    delete_rows,
    fetch_rows,
    insert_rows,
    update_rows,
)
from storage.catalog_validate import CatalogError, ExistingIds, Problem, check_catalog, paused_gc
from storage.db import Database, reading
from storage.schedule import generate_sessions

log = logging.getLogger(__name__)

KEYS = ("fields", "branches", "centers", "courses", "sessions", "faq")
_TR_NAMES = dict(
    zip(KEYS, ("Alanlar", "Branşlar", "Merkezler", "Kurslar", "Oturumlar", "SSS"), strict=True)
)
_SCHEDULE = ("starts_on", "ends_on", "weekdays", "start_time", "end_time")
_MAX_HOLIDAY_WARNINGS = 50


class CatalogConflict(CatalogError):
    """The catalog does not fit the database (unknown ids, courses with applications)."""

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(slots=True)
class EntityCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    archived: int = 0


@dataclass(slots=True)
class ImportReport:
    """What an import did, per entity, plus warnings (holiday sessions, rows kept)."""

    fields: EntityCounts = field(default_factory=EntityCounts)
    branches: EntityCounts = field(default_factory=EntityCounts)
    centers: EntityCounts = field(default_factory=EntityCounts)
    courses: EntityCounts = field(default_factory=EntityCounts)
    sessions: EntityCounts = field(default_factory=EntityCounts)
    faq: EntityCounts = field(default_factory=EntityCounts)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, EntityCounts]:
        return {key: getattr(self, key) for key in KEYS}

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: {"courses": {"added": 1, ...}, ..., "warnings": [...]}."""
        data: dict[str, Any] = {k: asdict(c) for k, c in self.counts().items()}
        data["warnings"] = list(self.warnings)
        return data

    def summary(self) -> str:
        """A few Turkish lines for the operator."""
        lines = [
            f"{_TR_NAMES[k]}: {c.added} eklendi, {c.changed} değişti, {c.unchanged} aynı, "
            f"{c.removed} silindi" + (f", {c.archived} arşivlendi" if c.archived else "")
            for k, c in self.counts().items()
        ]
        return "\n".join(lines + [f"Uyarı: {w}" for w in self.warnings])


@dataclass(frozen=True, slots=True)
class _InUse:
    """Courses and sessions that other tables (applications, enrolments…) point at."""

    courses: frozenset[str] = frozenset()
    sessions: frozenset[str] = frozenset()


async def _referenced(conn: AsyncConnection, target: Table, present: set[str]) -> set[str]:
    ids: set[str] = set()
    for table in tables.metadata.sorted_tables:
        if table.name in TABLES or table.name not in present:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is target and fk.column.name == "id":
                query = select(fk.parent).where(fk.parent.is_not(None)).distinct()
                ids.update((await conn.execute(query)).scalars())
    return ids


async def _in_use(conn: AsyncConnection) -> _InUse:
    present = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    courses = await _referenced(conn, tables.courses, present)
    sessions = await _referenced(conn, tables.sessions, present)
    if sessions:
        query = select(tables.sessions.c.course_id).where(tables.sessions.c.id.in_(sessions))
        courses.update((await conn.execute(query)).scalars())
    return _InUse(frozenset(courses), frozenset(sessions))


async def _ids(conn: AsyncConnection, table: Table) -> frozenset[str]:
    return frozenset((await conn.execute(select(table.c.id))).scalars())


async def _existing(conn: AsyncConnection) -> ExistingIds:
    return ExistingIds(
        fields=await _ids(conn, tables.fields),
        branches=await _ids(conn, tables.branches),
        centers=await _ids(conn, tables.centers),
        courses=await _ids(conn, tables.courses),
    )


async def existing_ids(db_or_conn: Database | AsyncConnection) -> ExistingIds:
    """The ids in the database that a partial catalog file may refer to."""
    async with reading(db_or_conn) as conn:
        return await _existing(conn)


async def load_catalog(db: Database) -> Catalog:
    """The whole catalog, sorted by id (sessions by course, start, id); datetimes in UTC."""
    async with db.read() as conn:
        lists = {k: [MODEL_OF[k](r) for r in (await fetch_rows(conn, k)).values()] for k in KEYS}
    for key in (*KEYS[:4], "faq"):
        lists[key].sort(key=lambda m: m.id)
    lists["sessions"].sort(key=lambda s: (s.course, s.starts_at, s.id))
    return Catalog(**lists)


async def catalog_stats(db: Database) -> dict[str, int]:
    """Row counts: {"centers", "fields", "branches", "courses", "sessions"}."""
    async with db.read() as conn:
        return {
            key: (await conn.execute(select(func.count()).select_from(TABLES[key]))).scalar_one()
            for key in ("centers", "fields", "branches", "courses", "sessions")
        }


async def is_empty(db: Database) -> bool:
    """True when the database holds no catalog at all (first start)."""
    async with db.read() as conn:
        for key in ("fields", "branches", "centers", "courses"):
            table = TABLES[key]
            if (await conn.execute(select(table.c.id).limit(1))).first() is not None:
                return False
    return True


def _archiving_conflict(
    statuses: dict[str, str], in_use: _InUse, keep: set[str]
) -> CatalogConflict | None:
    """The refusal due when a replace would archive courses that have applications."""
    ids = sorted(
        id_
        for id_, status in statuses.items()
        if id_ in in_use.courses and id_ not in keep and status != CourseStatus.ARCHIVED
    )
    if not ids:
        return None
    shown = ", ".join(ids[:20]) + (f" … (+{len(ids) - 20})" if len(ids) > 20 else "")
    message = (
        f"dosyada olmayan {len(ids)} kursun başvuruları ya da kayıtlı kursiyerleri var "
        f"({shown}); bu kurslar silinemez. "
        "Arşivlemek için --force ile yeniden deneyin (durumları “archived” olur)."
    )
    return CatalogConflict([Problem("veritabanı", message, "courses")])


def _refuse_archiving(statuses: dict[str, str], in_use: _InUse, keep: set[str]) -> None:
    """Raises CatalogConflict when a replace would archive courses that have applications."""
    conflict = _archiving_conflict(statuses, in_use, keep)
    if conflict is not None:
        raise conflict


@dataclass(slots=True)
class _Plan:
    report: ImportReport = field(default_factory=ImportReport)
    inserts: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    updates: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    deletes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    archive: list[str] = field(default_factory=list)

    def merge(self, key: str, rows: dict[str, Row], current: dict[str, Row]) -> None:
        counts: EntityCounts = getattr(self.report, key)
        for id_, row in rows.items():
            old = current.get(id_)
            if old is None:
                self.inserts[key].append(row)
                counts.added += 1
            elif old != row:
                self.updates[key].append(row)
                counts.changed += 1
            else:
                counts.unchanged += 1

    def remove(self, key: str, id_: str) -> None:
        self.deletes[key].append(id_)
        getattr(self.report, key).removed += 1

    def total(self) -> int:
        rows = sum(len(r) for r in self.inserts.values()) + len(self.archive)
        rows += sum(len(r) for r in self.updates.values())
        return rows + sum(len(r) for r in self.deletes.values())


def _is_default(course: Course, listed: list[Session]) -> bool:
    """True when `listed` is just the generated schedule (the file named no sessions)."""
    if not listed:
        return True
    tz = listed[0].starts_at.tzinfo
    return isinstance(tz, ZoneInfo) and listed == generate_sessions(course, tz)


def _plan(
    catalog: Catalog, current: dict[str, dict[str, Row]], in_use: _InUse, replace: bool
) -> _Plan:
    plan = _Plan()
    models: dict[str, list[Any]] = {
        "fields": catalog.fields,
        "branches": catalog.branches,
        "centers": catalog.centers,
        "courses": catalog.courses,
        # Added FAQ answers are merged even by a replace: a workbook kept by hand without
        # the "SSS" sheet must not take away what was added from the panel.
        "faq": catalog.faq,
    }
    incoming = {key: {m.id: ROW_OF[key](m) for m in items} for key, items in models.items()}
    for key, rows in incoming.items():
        plan.merge(key, rows, current[key])
    archived: set[str] = set()
    if replace:
        archived = _plan_removals(plan, incoming, current, in_use.courses)
    _plan_sessions(plan, catalog, current, archived, in_use.sessions)
    return plan


def _plan_removals(
    plan: _Plan,
    incoming: dict[str, dict[str, Row]],
    current: dict[str, dict[str, Row]],
    in_use: frozenset[str],
) -> set[str]:
    """Removes what the file lacks; courses with applications are archived with what they use."""
    report = plan.report
    archived: dict[str, Row] = {}
    for id_, old in current["courses"].items():
        if id_ in incoming["courses"]:
            continue
        if id_ not in in_use:
            plan.remove("courses", id_)
            continue
        archived[id_] = old
        if old["status"] == CourseStatus.ARCHIVED:
            report.courses.unchanged += 1
        else:
            plan.archive.append(id_)
            report.courses.archived += 1
    needed = {
        "branches": {r["branch_id"] for r in archived.values()},
        "centers": {r["center_id"] for r in archived.values()},
        "fields": {r["field_id"] for r in incoming["branches"].values()},
    }
    for key in ("branches", "centers", "fields"):
        for id_, old in current[key].items():
            if id_ in incoming[key]:
                continue
            if id_ not in needed[key]:
                plan.remove(key, id_)
                continue
            getattr(report, key).unchanged += 1
            if key == "branches":
                needed["fields"].add(old["field_id"])
            report.warnings.append(
                f"{id_} dosyada yok; arşivlenen kurslarda kullanıldığı için kaldı"
            )
    return set(archived)


def _plan_sessions(
    plan: _Plan,
    catalog: Catalog,
    current: dict[str, dict[str, Row]],
    archived: set[str],
    in_use: frozenset[str],
) -> None:
    counts = plan.report.sessions
    by_course: dict[str, list[Session]] = defaultdict(list)
    for s in catalog.sessions:
        by_course[s.course].append(s)
    in_db: dict[str, int] = defaultdict(int)
    for row in current["sessions"].values():
        in_db[row["course_id"]] += 1
    # A course in the file owns its sessions: those the file gives (listed or generated) replace
    # the ones in the database. But when its schedule is unchanged and the file listed none (the
    # sessions are just the generated ones), the database keeps its own, so that staff changes
    # (a cancelled or moved class) survive re-importing the same spreadsheet.
    keep = set()
    for course in catalog.courses:
        old = current["courses"].get(course.id)
        if old is None or not in_db[course.id]:
            continue
        new = ROW_OF["courses"](course)
        if all(old[k] == new[k] for k in _SCHEDULE) and _is_default(course, by_course[course.id]):
            keep.add(course.id)
    rows = {s.id: ROW_OF["sessions"](s) for s in catalog.sessions if s.course not in keep}
    plan.merge("sessions", rows, current["sessions"])
    file_courses = {c.id for c in catalog.courses}
    removed_courses = set(plan.deletes["courses"])
    for id_, old in current["sessions"].items():
        course = old["course_id"]
        if id_ in rows:
            continue
        if course in keep:
            counts.unchanged += 1
        elif (course in file_courses and course not in archived) or course in removed_courses:
            if id_ in in_use:
                counts.unchanged += 1
                plan.report.warnings.append(f"{id_} oturumu başka kayıtlarda geçtiği için kaldı")
            else:
                plan.remove("sessions", id_)
    holidays = [s for s in catalog.sessions if s.holiday and s.status == SessionStatus.SCHEDULED]
    for s in holidays[:_MAX_HOLIDAY_WARNINGS]:
        when = s.starts_at.strftime("%d.%m.%Y %H:%M")
        plan.report.warnings.append(
            f"{s.id} oturumu ({when}) resmî tatile denk geliyor: {s.holiday}"
        )
    if len(holidays) > _MAX_HOLIDAY_WARNINGS:
        rest = len(holidays) - _MAX_HOLIDAY_WARNINGS
        plan.report.warnings.append(f"… ve tatile denk gelen {rest} oturum daha")


async def _apply(conn: AsyncConnection, plan: _Plan, step: Callable[[int], None]) -> None:
    for key in (*KEYS[:4], "faq"):
        await insert_rows(conn, TABLES[key], plan.inserts[key], step)
        await update_rows(conn, TABLES[key], plan.updates[key], step)
    sessions = TABLES["sessions"]
    await delete_rows(conn, sessions, plan.deletes["sessions"], step)
    await insert_rows(conn, sessions, plan.inserts["sessions"], step)
    await update_rows(conn, sessions, plan.updates["sessions"], step)
    courses = tables.courses
    for id_ in plan.archive:
        stmt = update(courses).where(courses.c.id == id_).values(status=CourseStatus.ARCHIVED)
        await conn.execute(stmt)
        step(1)
    for key in ("courses", "centers", "branches", "fields"):
        await delete_rows(conn, TABLES[key], plan.deletes[key], step)


async def _plan_in(
    conn: AsyncConnection, catalog: Catalog, replace: bool
) -> tuple[_Plan, CatalogConflict | None]:
    """What importing `catalog` would write, as `conn` sees the database, and the refusal due
    without --force (None when nothing with applications would be archived)."""
    in_use = await _in_use(conn)
    current = {key: await fetch_rows(conn, key) for key in KEYS}
    conflict = None
    if replace:
        statuses = {id_: row["status"] for id_, row in current["courses"].items()}
        conflict = _archiving_conflict(statuses, in_use, {c.id for c in catalog.courses})
    return _plan(catalog, current, in_use, replace), conflict


async def import_catalog(
    db: Database,
    catalog: Catalog,
    *,
    replace: bool = False,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    then: Callable[[AsyncConnection, ImportReport], Awaitable[None]] | None = None,
) -> ImportReport:
    """Merges `catalog` by id (with `replace`: makes it the whole catalog) in one transaction.

    `then` runs inside that transaction once the catalog is written (say, to record who
    imported it); an exception it raises undoes the whole import."""
    # Raises CatalogConflict, changing nothing, for unknown references or duplicate ids, and when
    # a replace would remove courses that have applications or enrolments and `force` is not
    # given (with it they are archived). Checks run before the write transaction opens; the plan
    # (the same one preview_catalog shows) is made and applied inside it.
    file_courses = {c.id for c in catalog.courses}
    async with db.read() as conn:
        existing = await _existing(conn)
        in_use = await _in_use(conn)
        query = select(tables.courses.c.id, tables.courses.c.status)
        statuses = {id_: status for id_, status in (await conn.execute(query)).tuples()}
    problems = check_catalog(catalog, None if replace else existing)
    if problems:
        raise CatalogConflict(problems)
    if replace and not force:
        _refuse_archiving(statuses, in_use, file_courses)
    with paused_gc():
        async with db.write() as conn:
            plan, conflict = await _plan_in(conn, catalog, replace)
            if conflict is not None and not force:  # applications may have come in meanwhile
                raise conflict
            total, done = plan.total(), 0

            def step(n: int) -> None:
                nonlocal done
                done += n
                if progress is not None:
                    progress(done, total)

            await _apply(conn, plan, step)
            if then is not None:
                await then(conn, plan.report)
    counts = {key: asdict(c) for key, c in plan.report.counts().items()}
    log.info("catalog imported (%s): %s", "replace" if replace else "merge", counts)
    return plan.report


@dataclass(frozen=True, slots=True)
class EntityChanges:
    """The ids an import would add, change and remove in one table; `archived`: courses only."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    archived: tuple[str, ...] = ()
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "archived": list(self.archived),
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True, slots=True)
class CatalogPreview:
    """What import_catalog would do with the same arguments, computed without writing.

    `report` holds the counts and warnings the import would return. `conflict` is the
    CatalogConflict the import would raise (replace without force, courses with applications
    missing from the file); the changes then show what the import would do with `force`.
    """

    replace: bool
    force: bool
    fields: EntityChanges
    branches: EntityChanges
    centers: EntityChanges
    courses: EntityChanges
    sessions: EntityChanges
    faq: EntityChanges
    report: ImportReport
    conflict: CatalogConflict | None = None

    @property
    def can_import(self) -> bool:
        """False when the import, as asked, would be refused (see `conflict`)."""
        return self.conflict is None

    def changes(self) -> dict[str, EntityChanges]:
        """Entity key ("fields" … "sessions") → its changes, in import order."""
        return {key: getattr(self, key) for key in KEYS}

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: ids per entity, the report's counts and warnings, the conflict."""
        data: dict[str, Any] = {k: c.as_dict() for k, c in self.changes().items()}
        data["report"] = self.report.as_dict()
        data["conflict"] = (
            None if self.conflict is None else [p.as_dict() for p in self.conflict.problems]
        )
        return data


def _changes(plan: _Plan, key: str) -> EntityChanges:
    return EntityChanges(
        added=tuple(sorted(r["id"] for r in plan.inserts[key])),
        changed=tuple(sorted(r["id"] for r in plan.updates[key])),
        removed=tuple(sorted(plan.deletes[key])),
        archived=tuple(sorted(plan.archive)) if key == "courses" else (),
        unchanged=getattr(plan.report, key).unchanged,
    )


async def preview_catalog(
    db_or_conn: Database | AsyncConnection,
    catalog: Catalog,
    *,
    replace: bool = False,
    force: bool = False,
) -> CatalogPreview:
    """What `import_catalog(db, catalog, replace=…, force=…)` would do, writing nothing.

    Raises CatalogConflict, as the import would, for duplicate ids and unknown references.
    Reads one snapshot: a Database's own, or the open connection given.
    """
    with paused_gc():
        async with reading(db_or_conn) as conn:
            existing = None if replace else await _existing(conn)
            problems = check_catalog(catalog, existing)
            if problems:
                raise CatalogConflict(problems)
            plan, conflict = await _plan_in(conn, catalog, replace)
    return CatalogPreview(
        replace=replace,
        force=force,
        fields=_changes(plan, "fields"),
        branches=_changes(plan, "branches"),
        centers=_changes(plan, "centers"),
        courses=_changes(plan, "courses"),
        sessions=_changes(plan, "sessions"),
        faq=_changes(plan, "faq"),
        report=plan.report,
        conflict=None if force else conflict,
    )
