"""Typed corrections at the summary: "adımı yanlış yazdım, Fatma Demir olacak", "telefonum
0532 111 22 33 olsun", "doğum tarihim 12.05.1998". The field a message names is changed to the
value it gives (checked as its question checks it) and the summary shown again; a field named
without a usable value is asked again, as its "Düzelt" button does. Read before anything else
at the summary, so a surname that is also a course word ("Demir") changes no course.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.apply_steps import (
    Checked,
    Step,
    check_birth_date,
    check_district,
    check_name,
    check_national_id,
    check_phone,
    name_is_unsure,
)
from handlers.base import Context
from nlu.text import clean, fold

# Words naming a field (folded), what the user may correct by typing.
_FIELDS: dict[str, Step] = {
    **dict.fromkeys(
        ("ad", "adi", "adim", "adimi", "adimin", "isim", "ismim", "ismimi", "ismi", "soyad",
         "soyadim", "soyadimi", "soyadi", "adsoyad"),
        Step.ASK_NAME,
    ),
    **dict.fromkeys(("dogum", "dogumum", "dogumumu"), Step.ASK_BIRTH_DATE),
    **dict.fromkeys(
        ("tc", "tcm", "tcmi", "tckn", "kimlik", "kimligim", "kimligimi", "tcno"),
        Step.ASK_NATIONAL_ID,
    ),
    **dict.fromkeys(
        ("telefon", "telefonum", "telefonumu", "tel", "telim", "numaram", "numaramı", "numaramı",
         "numarami", "cep", "cebim"),
        Step.ASK_PHONE,
    ),
    **dict.fromkeys(("ilce", "ilcem", "ilcemi", "ilcesi"), Step.ASK_DISTRICT),
}  # fmt: skip
# Words around a correction that are no part of the value (folded).
_AROUND = frozenset(
    ("yanlis", "yanlislikla", "hatali", "eksik", "yazdim", "yazmisim", "girdim", "girmisim",
     "yazdik", "verdim", "olacak", "olcak", "olucak", "olacakti", "olmali", "olsun", "olmaliydi",
     "dogrusu", "dogru", "degil", "aslinda", "pardon", "benim", "duzelt", "duzeltin",
     "duzeltir", "misiniz", "musunuz", "lutfen", "yaz", "yazin", "yazar", "tarihi", "tarihim",
     "tarihimi", "gunu", "gunum", "no", "numarasi", "numarami", "numaram", "numara", "ve",
     "ile", "olarak", "diye", "bi", "bir", "sey", "sunu", "su", "bu", "o", "da", "de",
     "soyle", "boyle", "evet", "hayir", "ama", "tamam")
)  # fmt: skip
_CHECKS: dict[Step, Callable[[str], Checked]] = {
    Step.ASK_NAME: check_name,
    Step.ASK_BIRTH_DATE: check_birth_date,
    Step.ASK_NATIONAL_ID: check_national_id,
    Step.ASK_PHONE: check_phone,
    Step.ASK_DISTRICT: check_district,
}


def typed_fix(ctx: Context) -> tuple[Step, str | None] | None:
    """The field a message at the summary corrects and its new value (None: not given or not
    usable, so the field is asked again); None when the message names no field."""
    words = [(w, fold(clean(w))) for w in ctx.incoming.text.split()]  # "14.03.1999" kept whole
    named = [_FIELDS[key] for _, key in words if key in _FIELDS]
    if len(set(named)) != 1:
        return None  # no field, or several at once: the buttons say how
    step = named[0]
    rest = " ".join(w for w, key in words if key and key not in _FIELDS and key not in _AROUND)
    if not rest:
        return step, None
    checked = _CHECKS[step](rest)
    if checked.problem or checked.value is None:
        return step, None
    if step is Step.ASK_NAME and name_is_unsure(rest):
        return step, None
    return step, checked.value
