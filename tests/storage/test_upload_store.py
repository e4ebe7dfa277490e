"""Uploads kept between the panel's preview and confirmation: encrypted, scoped, undone together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage import upload_store
from storage.catalog_repo import ImportReport, catalog_stats, import_catalog
from storage.crypto import IdVault, KeyError_
from storage.db import Database
from storage.trainees import TraineeFileError, read_trainees_bytes
from tests.storage.test_catalog_repo import small

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SECRET = "test-data-key-0123456789"


def test_files_are_encrypted_with_their_own_key() -> None:
    vault = IdVault(SECRET)
    data = "Kurs;Ad Soyad\nc1;Ayşe Yılmaz\n".encode()
    token = vault.encrypt_bytes(data)
    assert "Ayşe".encode() not in token.encode()
    assert vault.decrypt_bytes(token) == data
    with pytest.raises(KeyError_):
        IdVault(SECRET + "-other").decrypt_bytes(token)
    with pytest.raises(KeyError_):  # the ids' key cannot read it either
        vault.decrypt(token)


async def test_an_upload_is_found_by_its_owner_only_and_taken_once(any_db: Database) -> None:
    vault = IdVault(SECRET)
    async with any_db.write() as conn:
        kept = await upload_store.keep_upload(
            conn, vault, staff_id=1, kind="trainees", filename="l.csv", data=b"x",
            options={"a": 1}, now=NOW,
        )  # fmt: skip
    async with any_db.read() as conn:
        assert await upload_store.find_upload(conn, kept, staff_id=2) is None
        assert await upload_store.find_upload(conn, kept, staff_id=1, kind="catalog") is None
        found = await upload_store.find_upload(conn, kept, staff_id=1, kind="trainees")
    assert found is not None
    assert (found.filename, found.options, found.data(vault)) == ("l.csv", {"a": 1}, b"x")
    assert not found.expired(NOW + timedelta(minutes=59))
    assert found.expired(NOW + timedelta(minutes=61))
    async with any_db.write() as conn:
        assert not await upload_store.take_upload(conn, kept, staff_id=2)
        assert await upload_store.take_upload(conn, kept, staff_id=1)
        assert not await upload_store.take_upload(conn, kept, staff_id=1)


async def test_old_uploads_are_dropped(any_db: Database) -> None:
    vault = IdVault(SECRET)
    async with any_db.write() as conn:
        for minutes in (0, 30, 90):
            await upload_store.keep_upload(
                conn, vault, staff_id=1, kind="catalog", filename="k.xlsx", data=b"x",
                options={}, now=NOW - timedelta(minutes=minutes),
            )  # fmt: skip
        assert await upload_store.drop_expired(conn, NOW) == 1
        left = await conn.execute(select(func.count()).select_from(t.panel_uploads))
        assert left.scalar_one() == 2


async def test_a_failure_after_the_import_undoes_it(db: Database) -> None:
    before = await catalog_stats(db)
    seen: list[int] = []

    async def then(conn: AsyncConnection, report: ImportReport) -> None:
        seen.append(report.fields.added)
        raise RuntimeError("taken meanwhile")

    with pytest.raises(RuntimeError):
        await import_catalog(db, small(), then=then)
    assert seen == [len(small().fields)]  # written, then undone
    assert await catalog_stats(db) == before


def test_another_centres_course_is_a_problem_of_its_row() -> None:
    data = "Kurs;Ad Soyad;Telefon\nbenim;Ayşe Yılmaz;05321234567\nonlarin;Can Demir;05331112233\n"
    with pytest.raises(TraineeFileError) as caught:
        read_trainees_bytes("l.csv", data.encode(), {"benim"}, foreign={"onlarin"})
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (3, "Kurs")
    assert "sizin merkezlerinizden birinin kursu değil" in problem.message
    assert len(read_trainees_bytes("l.csv", data.encode(), {"benim", "onlarin"})) == 2
