"""A small catalog around a frozen clock, a fake store and a Context factory for handlers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.catalog import Catalog, Course, CourseStatus, Session
from core.conversation import Conversation
from core.intents import Intent
from core.messages import Incoming, Kind, Payload, Reply
from handlers.base import Context
from handlers.catalog_view import CatalogView
from locales import load_translator
from locales.faq import topic_patterns
from nlu.understand import Understanding
from storage.sample import load_base_catalog
from tests.handlers.fakes import FakeStore

TZ = ZoneInfo("Europe/Istanbul")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # a Wednesday
USER = "telegram:42"

# Karşıyaka gets 11 short courses on top of its barista course: 12 items, two pages.
KSK_BRANCHES = (
    "bilgisayar-isletmenligi",
    "web-tasarimi",
    "python-ile-programlama",
    "on-muhasebe",
    "bilgisayarli-muhasebe",
    "pastacilik",
    "almanca",
    "gazalti-kaynakciligi",
    "elektrik-ark-kaynakciligi",
    "argon-tig-kaynakciligi",
    "mulakat-teknikleri",
)


def _course(ident: str, branch: str, center: str, start: date, end: date, **kw: Any) -> Course:
    values: dict[str, Any] = {
        "capacity": 16,
        "weekdays": ("mon", "wed"),
        "start_time": time(18, 30),
        "end_time": time(21, 30),
        "application_opens": date(2026, 11, 1),
    }
    values.update(kw)
    return Course(id=ident, branch=branch, center=center, starts_on=start, ends_on=end, **values)


def build_courses(branch_ids: set[str]) -> list[Course]:
    """The fixed offerings the handler tests talk about."""
    d = date
    courses = [
        _course(
            "brs-buca",
            "barista",
            "buca",
            d(2026, 12, 2),
            d(2027, 2, 24),
            application_closes=d(2026, 11, 30),
        ),
        _course(
            "brs-halk",
            "barista",
            "halkapinar",
            d(2026, 12, 5),
            d(2027, 1, 30),
            weekdays=("sat", "sun"),
            start_time=time(10, 0),
            end_time=time(15, 0),
            capacity=12,
            status=CourseStatus.FULL,
        ),
        _course(
            "brs-ksk",
            "barista",
            "karsiyaka",
            d(2027, 1, 11),
            d(2027, 3, 30),
            weekdays=("tue", "thu"),
            start_time=time(9, 30),
            end_time=time(12, 30),
            application_opens=d(2026, 12, 5),
        ),
        _course(
            "brs-ozd",
            "barista",
            "ozdere",
            d(2026, 11, 10),
            d(2027, 1, 20),
            status=CourseStatus.CLOSED,
        ),
        _course(
            "pst-buca",
            "pastacilik",
            "buca",
            d(2026, 12, 7),
            d(2027, 4, 30),
            weekdays=("mon", "tue", "wed", "thu", "fri"),
            start_time=time(9, 0),
            end_time=time(14, 0),
            women_only=True,
            notes="Kadınlara özel",
        ),
        _course(
            "xls-bay",
            "ileri-excel",
            "bayrakli",
            d(2026, 12, 1),
            d(2027, 1, 15),
            weekdays=("tue", "thu"),
            min_age=15,
            max_age=29,
        ),
        _course(
            "py-cigli",
            "python-ile-programlama",
            "cigli",
            d(2026, 12, 3),
            d(2027, 2, 1),
            status=CourseStatus.CANCELLED,
        ),
        _course(
            "gaz-evka",
            "gazalti-kaynakciligi",
            "evka-4",
            d(2026, 12, 14),
            d(2027, 3, 1),
            weekdays=("sat",),
            start_time=time(10, 0),
            end_time=time(16, 0),
        ),
    ]
    assert set(KSK_BRANCHES) <= branch_ids
    for i, branch in enumerate(KSK_BRANCHES):
        start = d(2026, 12, 1) + timedelta(days=i)
        courses.append(
            _course(f"ksk-{i:02d}", branch, "karsiyaka", start, start + timedelta(days=60))
        )
    return courses


def build_sessions() -> list[Session]:
    out = []
    for n, day in enumerate((date(2026, 12, 2), date(2026, 12, 7), date(2026, 12, 9)), 1):
        start = datetime.combine(day, time(18, 30), TZ)
        out.append(Session(f"brs-buca-{n}", "brs-buca", start, start + timedelta(hours=3)))
    return out


@pytest.fixture(scope="session")
def catalog() -> CatalogView:
    base = load_base_catalog()
    courses = build_courses({b.id for b in base.branches})
    return CatalogView.build(
        Catalog(
            fields=base.fields,
            branches=base.branches,
            centers=base.centers,
            courses=courses,
            sessions=build_sessions(),
        ),
        topic_patterns(),
    )


@pytest.fixture
def store() -> FakeStore:
    return FakeStore({"brs-buca": 4})


MakeCtx = Callable[..., Context]


@pytest.fixture
def make_ctx(catalog: CatalogView, store: FakeStore) -> MakeCtx:
    def make(
        text: str = "",
        *,
        kind: Kind = Kind.TEXT,
        lat: float | None = None,
        lon: float | None = None,
        conv: Conversation | None = None,
    ) -> Context:
        incoming = Incoming(user=USER, kind=kind, text=text, lat=lat, lon=lon, received_at=NOW)
        return Context(
            incoming=incoming,
            locale="tr",
            now=NOW,
            tz=TZ,
            catalog=catalog,
            conv=conv or Conversation(),
            store=store,
            translator=load_translator(),
        )

    return make


def und(intent: str, **values: Any) -> Understanding:
    """An Understanding with every field not given left empty."""
    defaults: dict[str, Any] = {}
    for f in dataclasses.fields(Understanding):
        if f.name == "intent":
            continue
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory()
        elif f.name == "confidence":
            defaults[f.name] = 0.9
        elif f.name in ("candidates", "weekdays"):
            defaults[f.name] = ()
        else:
            defaults[f.name] = None
    defaults.update(values)
    if intent not in frozenset(Intent):  # a FAQ topic, by the name `understand` prints
        return Understanding(intent=Intent.FAQ, **{**defaults, "topic": intent})
    return Understanding(intent=Intent(intent), **defaults)


def press(data: str) -> Payload:
    payload = Payload.decode(data)
    assert payload is not None, data
    return payload


def all_buttons(replies: list[Reply]) -> list[tuple[str, str]]:
    return [(b.label, b.data) for r in replies for b in r.buttons]


def text_of(replies: list[Reply]) -> str:
    return "\n\n".join(r.text for r in replies)
