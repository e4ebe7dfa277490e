"""Trainees enrolled at the desk: read from YAML, CSV or Excel, checked, then stored."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.checks import clean_national_id, national_id_problem, normalise_phone
from core.records import Trainee
from storage import tables as t
from storage.crypto import IdVault

COLUMNS = {
    "course": ("course", "kurs"),
    "full_name": ("full_name", "ad soyad", "ad_soyad", "adsoyad"),
    "phone": ("phone", "telefon"),
    "national_id": ("national_id", "tc", "tc kimlik no", "kimlik no", "tckn"),
}


class TraineeFileError(Exception):
    """The file has problems; nothing was stored. Lists each with its row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _read_rows(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rows = data.get("trainees") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise TraineeFileError([f"{path.name}: 'trainees:' listesi bulunamadı"])
        return [r if isinstance(r, dict) else {} for r in rows]
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = wb.worksheets[0]
            values = list(sheet.iter_rows(values_only=True))
        finally:
            wb.close()
        if not values:
            return []
        header = [str(h or "").strip() for h in values[0]]
        return [dict(zip(header, row, strict=False)) for row in values[1:]]
    raise TraineeFileError([f"{path.name}: .yaml, .csv ya da .xlsx olmalı"])


def _column(row: dict[str, Any], name: str) -> str:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    for alias in COLUMNS[name]:
        value = lowered.get(alias)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def read_trainees(path: Path, courses: set[str]) -> list[Trainee]:
    """Reads and checks every row; raises TraineeFileError listing all problems."""
    rows = _read_rows(path)
    problems: list[str] = []
    out: list[Trainee] = []
    first_row = 1 if path.suffix.lower() in (".yaml", ".yml") else 2
    for n, row in enumerate(rows, start=first_row):
        where = f"{path.name}, satır {n}"
        course, name = _column(row, "course"), _column(row, "full_name")
        phone_raw, nid = _column(row, "phone"), _column(row, "national_id")
        if course not in courses:
            problems.append(f"{where}, course: '{course}' diye bir kurs yok")
        if len(name.split()) < 2:
            problems.append(f"{where}, full_name: ad ve soyad gerekli")
        phone = normalise_phone(phone_raw)
        if phone is None:
            problems.append(f"{where}, phone: '{phone_raw}' geçerli bir Türkiye numarası değil")
        if nid and national_id_problem(nid) is not None:
            problems.append(f"{where}, national_id: geçerli bir T.C. kimlik numarası değil")
        if phone is not None:
            out.append(Trainee(course, name, phone, clean_national_id(nid) if nid else None))
    if not rows:
        problems.append(f"{path.name}: hiç kursiyer satırı yok")
    if problems:
        raise TraineeFileError(problems)
    return out


async def store_trainees(
    conn: AsyncConnection, trainees: list[Trainee], vault: IdVault, now: datetime
) -> tuple[int, int, int]:
    """Adds desk enrolments (skipping ones already there); returns (added, skipped, linked)."""
    e = t.enrolments
    existing = {
        (r.course_id, r.phone)
        for r in await conn.execute(select(e.c.course_id, e.c.phone).where(e.c.source == "desk"))
    }
    users_by_phone = {
        r.phone: r.key
        for r in await conn.execute(select(t.users.c.key, t.users.c.phone))
        if r.phone
    }
    added = skipped = linked = 0
    for tr in trainees:
        if (tr.course, tr.phone) in existing:
            skipped += 1
            continue
        existing.add((tr.course, tr.phone))
        # A WhatsApp user writes from their own number; a Telegram user shared theirs.
        user = users_by_phone.get(tr.phone) or await _whatsapp_user(conn, tr.phone)
        linked += user is not None
        await conn.execute(
            insert(e).values(
                course_id=tr.course,
                user_key=user,
                full_name=tr.full_name,
                phone=tr.phone,
                national_id_enc=vault.encrypt(tr.national_id) if tr.national_id else None,
                national_id_hash=vault.hash(tr.national_id) if tr.national_id else None,
                source="desk",
                created_at=now,
            )
        )
        added += 1
    return added, skipped, linked


async def _whatsapp_user(conn: AsyncConnection, phone: str) -> str | None:
    key = "whatsapp:" + phone.lstrip("+")
    found = await conn.execute(select(t.users.c.key).where(t.users.c.key == key))
    return found.scalar_one_or_none()
