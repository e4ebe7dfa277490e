"""The bundled sample catalog: fields, branches and centres (ids as in shared/catalog)."""

from __future__ import annotations

import csv
from importlib import resources

from core.catalog import Branch, Catalog, Center, Field

_DEFAULT_PHONE = "153"


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _translated(row: dict[str, str]) -> dict[str, str]:
    """The optional English and Arabic names of a row."""
    return {"name_en": row.get("name_en") or "", "name_ar": row.get("name_ar") or ""}


def load_base_catalog() -> Catalog:
    """Reads the shipped fields, branches and centres (no courses, no sessions)."""
    fields = [Field(id=r["id"], name=r["name"], **_translated(r)) for r in _rows("fields.csv")]
    branches = [
        Branch(
            id=r["id"],
            field=r["field"],
            name=r["name"],
            hours=int(r["hours"]),
            min_age=int(r["min_age"]),
            keywords=tuple(k.strip() for k in r["keywords"].split(";") if k.strip()),
            **_translated(r),
        )
        for r in _rows("branches.csv")
    ]
    centers = [
        Center(
            id=r["id"],
            name=r["name"],
            district=r["district"],
            address=r["address"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            phone=r.get("phone") or _DEFAULT_PHONE,
            hours=r.get("hours") or "Hafta içi 09.00–21.00, Cumartesi 09.00–17.00",
            **_translated(r),
        )
        for r in _rows("centers.csv")
    ]
    return Catalog(fields=fields, branches=branches, centers=centers)
