"""The catalog file's entities and columns, with the Turkish and English names accepted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_FOLD = str.maketrans("çğıöşüâîû", "cgiosuaiu")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lowercases the Turkish way, drops accents and joins words with "_" ("Başlangıç saati")."""
    lowered = text.replace("İ", "i").replace("I", "ı").lower().translate(_FOLD)
    return re.sub(r"[^a-z0-9]+", "_", lowered).strip("_")


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the English name, as in CONTRACT.md and CSV headers
    tr: str  # the Turkish header written to workbooks
    kind: str  # how a cell is parsed, see storage.catalog_cells.PARSERS
    required: bool = False
    aliases: tuple[str, ...] = ()
    max_len: int | None = None
    read: bool = True  # False: written for people to read, ignored on import


@dataclass(frozen=True, slots=True)
class Entity:
    key: str  # "courses"
    tr: str  # "Kurslar"
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def lookup(self) -> dict[str, Column]:
        """Folded header → column, for every accepted spelling."""
        table: dict[str, Column] = {}
        for col in self.columns:
            for name in (col.key, col.tr, *col.aliases):
                table[fold(name)] = col
        return table


def _id(tr: str = "Kimlik", required: bool = True, max_len: int = 80) -> Column:
    return Column("id", tr, "slug", required, ("kod", "kimlik_no"), max_len)


# Optional translated names: shown to users who speak that language and understood in it.
_NAME_EN = Column("name_en", "İngilizce ad", "text", aliases=("english_name", "ad_en"), max_len=200)
_NAME_AR = Column("name_ar", "Arapça ad", "text", aliases=("arabic_name", "ad_ar"), max_len=200)


FIELDS = Entity(
    "fields",
    "Alanlar",
    (
        _id(),
        Column("name", "Ad", "text", True, ("adı", "alan_adı", "isim"), 200),
        _NAME_EN,
        _NAME_AR,
    ),
    ("alan", "meslek_alanlari"),
)

BRANCHES = Entity(
    "branches",
    "Branşlar",
    (
        _id(),
        Column("field", "Alan", "slug", True, ("field_id", "alan_kimliği")),
        Column("name", "Ad", "text", True, ("adı", "branş_adı", "kurs_adı", "isim"), 200),
        _NAME_EN,
        _NAME_AR,
        Column("hours", "Saat", "int", True, ("süre", "toplam_saat", "ders_saati")),
        Column("min_age", "Asgari yaş", "int", True, ("en_az_yaş", "alt_yaş", "yaş_sınırı")),
        Column("keywords", "Anahtar kelimeler", "keywords", aliases=("anahtar_sözcükler",)),
        Column("description", "Açıklama", "text", aliases=("tanım",)),
    ),
    ("branş", "dallar", "kurs_türleri"),
)

CENTERS = Entity(
    "centers",
    "Merkezler",
    (
        _id(),
        Column("name", "Ad", "text", True, ("adı", "merkez_adı", "isim"), 200),
        _NAME_EN,
        _NAME_AR,
        Column("district", "İlçe", "text", True, (), 60),
        Column("address", "Adres", "text"),
        Column("lat", "Enlem", "lat", True, ("latitude",)),
        Column("lon", "Boylam", "lon", True, ("lng", "longitude")),
        Column("phone", "Telefon", "text", aliases=("tel",), max_len=40),
        Column("hours", "Çalışma saatleri", "text", aliases=("açık_saatler",), max_len=200),
    ),
    ("centres", "merkez", "kurs_merkezleri"),
)

COURSES = Entity(
    "courses",
    "Kurslar",
    (
        _id(),
        Column("branch", "Branş", "slug", True, ("branch_id", "branş_kimliği")),
        Column("center", "Merkez", "slug", True, ("centre", "center_id", "merkez_kimliği")),
        Column("capacity", "Kontenjan", "int", True, ("kapasite",)),
        Column("starts_on", "Başlangıç", "date", True, ("başlangıç_tarihi", "start_date")),
        Column("ends_on", "Bitiş", "date", True, ("bitiş_tarihi", "end_date")),
        Column("weekdays", "Günler", "weekdays", True, ("gün", "days")),
        Column("start_time", "Başlangıç saati", "time", True, ("ders_başlangıç",)),
        Column("end_time", "Bitiş saati", "time", True, ("ders_bitiş",)),
        Column("application_opens", "Başvuru açılış", "date", aliases=("başvuru_başlangıç",)),
        Column("application_closes", "Başvuru kapanış", "date", aliases=("başvuru_bitiş",)),
        Column("status", "Durum", "course_status"),
        Column("notes", "Notlar", "text", aliases=("not", "açıklama")),
        Column("min_age", "Asgari yaş", "int", aliases=("en_az_yaş", "alt_yaş")),
        Column("max_age", "Azami yaş", "int", aliases=("en_fazla_yaş", "üst_yaş")),
        Column("women_only", "Kadınlara özel", "bool", aliases=("yalnız_kadınlar",)),
    ),
    ("kurs", "course"),
)

SESSIONS = Entity(
    "sessions",
    "Oturumlar",
    (
        _id(required=False, max_len=100),
        Column("course", "Kurs", "slug", True, ("course_id", "kurs_kimliği")),
        Column("starts_at", "Başlangıç", "datetime", True, ("başlangıç_zamanı",)),
        Column("ends_at", "Bitiş", "datetime", True, ("bitiş_zamanı",)),
        Column("status", "Durum", "session_status"),
        Column("reason", "Gerekçe", "text", aliases=("neden", "açıklama")),
        Column("holiday", "Tatil", "text", read=False),
    ),
    ("oturum", "dersler", "ders_günleri"),
)

# Answers added to the FAQ (from the panel's unanswered questions, or here): the words that ask
# for each and its text. Read after the FAQ file's topics, which keep their own names.
FAQ = Entity(
    "faq",
    "SSS",
    (
        _id(),
        Column("keywords", "Anahtar kelimeler", "keywords", True, ("anahtar_sözcükler",)),
        Column("answer", "Cevap", "text", True, ("yanıt",), 1000),
        Column("answer_en", "İngilizce cevap", "text", aliases=("cevap_en",), max_len=1000),
        Column("answer_ar", "Arapça cevap", "text", aliases=("cevap_ar",), max_len=1000),
    ),
    ("sık_sorulanlar", "sık_sorulan_sorular", "faq_topics"),
)

ENTITIES: tuple[Entity, ...] = (FIELDS, BRANCHES, CENTERS, COURSES, SESSIONS, FAQ)

# The cells staff type freely (names, addresses, notes, reasons, opening hours, keywords…). An
# xlsx or CSV export guards them against formula injection with storage.exports.safe_text (a `'`
# before a text that starts with =, +, -, @, a tab or a carriage return), a centre's phone with
# safe_phone (a phone number stays as it is); an xlsx or CSV import takes exactly that guard off
# again (storage.exports.unquote_text), so that export → import gives the same catalog. YAML is
# no spreadsheet: written and read as it is. Every other column (ids, numbers, among them the
# coordinates, which may be negative, dates, times, days, statuses, yes/no) is written unchanged.
FREE_TEXT: dict[str, frozenset[str]] = {
    "fields": frozenset({"name", "name_en", "name_ar"}),
    "branches": frozenset({"name", "name_en", "name_ar", "keywords", "description"}),
    "centers": frozenset({"name", "name_en", "name_ar", "district", "address", "hours"}),
    "courses": frozenset({"notes"}),
    "sessions": frozenset({"reason", "holiday"}),
    "faq": frozenset({"keywords", "answer", "answer_en", "answer_ar"}),
}
PHONES: dict[str, frozenset[str]] = {"centers": frozenset({"phone"})}


def entity_named(name: str) -> Entity | None:
    """The entity a sheet or file is named after ("Kurslar", "courses.csv" stem), or None."""
    key = fold(name)
    for entity in ENTITIES:
        if key in {fold(entity.key), fold(entity.tr), *(fold(a) for a in entity.aliases)}:
            return entity
    return None
