"""Catalog facts the expectations are checked against, read from a catalog export.

The export is the folder of CSV files `meslek-bot catalog export DIR` writes (the contract's
catalog columns), so nothing here depends on how the project stores or names things.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests.dialogue.text import fold


@dataclass(frozen=True, slots=True)
class Branch:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Centre:
    id: str
    name: str
    district: str
    address: str
    lat: float
    lon: float

    def forms(self) -> tuple[str, ...]:
        """Folded ways a reply may name the centre: name, name without "Kurs Merkezi", address."""
        name = fold(self.name)
        short = name.removesuffix(" kurs merkezi").strip()
        return tuple(dict.fromkeys(f for f in (name, short, fold(self.address)) if f))


@dataclass(frozen=True, slots=True)
class Offering:
    id: str
    branch: str
    centre: str
    starts_on: date
    status: str


@dataclass(frozen=True, slots=True)
class Facts:
    branches: dict[str, Branch]
    centres: dict[str, Centre]
    offerings: tuple[Offering, ...]
    today: date
    fields: tuple[str, ...] = ()  # field names, which may hold a branch's ("İç Mekân Tasarımı")

    @classmethod
    def from_export(cls, folder: Path, today: date) -> Facts:
        """Reads the fields, branches, centres and courses of an exported catalog folder."""
        branches = {r["id"]: Branch(r["id"], r["name"]) for r in _rows(folder / "branches.csv")}
        centres = {
            r["id"]: Centre(
                r["id"], r["name"], r["district"], r["address"], float(r["lat"]), float(r["lon"])
            )
            for r in _rows(folder / "centers.csv")
        }
        offerings = tuple(
            Offering(
                r["id"], r["branch"], r["center"], date.fromisoformat(r["starts_on"]), r["status"]
            )
            for r in _rows(folder / "courses.csv")
        )
        fields = tuple(r["name"] for r in _rows(folder / "fields.csv"))
        return cls(branches, centres, offerings, today, fields)

    def branch(self, ref: str) -> Branch:
        """A branch by id or by display name (case and diacritics ignored)."""
        if ref in self.branches:
            return self.branches[ref]
        for branch in self.branches.values():
            if fold(branch.name) == fold(ref):
                return branch
        raise KeyError(f"no branch {ref!r} in the catalog")

    def live(self, branch: str) -> list[Offering]:
        """The branch's offerings that are not cancelled."""
        return [o for o in self.offerings if o.branch == branch and o.status != "cancelled"]

    def upcoming(self, branch: str) -> list[Offering]:
        """The branch's offerings, not cancelled, that start after today."""
        return [o for o in self.live(branch) if o.starts_on > self.today]

    def district_point(self, district: str) -> tuple[float, float]:
        """The mean position of the catalog's centres in a district (any spelling of it)."""
        inside = [c for c in self.centres.values() if fold(c.district) == fold(district)]
        if not inside:
            raise KeyError(f"no centre in the district {district!r}, so no point to measure from")
        return (
            sum(c.lat for c in inside) / len(inside),
            sum(c.lon for c in inside) / len(inside),
        )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Straight-line distance on the Earth's surface between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))
