"""The questions of the application form, one function per answer kind; pure checks only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from core.checks import clean_name, national_id_problem, normalise_phone, parse_birth_date
from nlu.districts import DISTRICTS, is_outside_izmir, match_district
from nlu.foreign import static_turkish
from nlu.text import normalize, tokens


class Step(StrEnum):
    """The form's states, readable in the database."""

    ASK_BRANCH = "apply:ask_branch"
    CHOOSE_COURSE = "apply:choose_course"
    WOMEN_ONLY = "apply:women_only"  # asked only for a course open to women alone
    CONSENT = "apply:consent"
    ASK_NAME = "apply:ask_name"
    ASK_BIRTH_DATE = "apply:ask_birth_date"
    ASK_NATIONAL_ID = "apply:ask_national_id"
    ASK_PHONE = "apply:ask_phone"
    ASK_DISTRICT = "apply:ask_district"
    ASK_EDUCATION = "apply:ask_education"
    ASK_EMPLOYMENT = "apply:ask_employment"
    CONFIRM = "apply:confirm"


# Eligibility comes before the national id: the audience and the age limits are checked first.
ORDER = [
    Step.ASK_BRANCH,
    Step.CHOOSE_COURSE,
    Step.WOMEN_ONLY,
    Step.CONSENT,
    Step.ASK_NAME,
    Step.ASK_BIRTH_DATE,
    Step.ASK_NATIONAL_ID,
    Step.ASK_PHONE,
    Step.ASK_DISTRICT,
    Step.ASK_EDUCATION,
    Step.ASK_EMPLOYMENT,
    Step.CONFIRM,
]
# The answer each question stores, in the order they are asked.
ANSWER_OF = {
    Step.WOMEN_ONLY: "women_ok",
    Step.CONSENT: "consent",
    Step.ASK_NAME: "name",
    Step.ASK_BIRTH_DATE: "birth",
    Step.ASK_NATIONAL_ID: "nid",
    Step.ASK_PHONE: "phone",
    Step.ASK_DISTRICT: "district",
    Step.ASK_EDUCATION: "education",
    Step.ASK_EMPLOYMENT: "employment",
}
# Fields the summary lets the user correct, with the step that asks for each.
EDITABLE = {
    "name": Step.ASK_NAME,
    "nid": Step.ASK_NATIONAL_ID,
    "birth": Step.ASK_BIRTH_DATE,
    "phone": Step.ASK_PHONE,
    "district": Step.ASK_DISTRICT,
    "education": Step.ASK_EDUCATION,
    "employment": Step.ASK_EMPLOYMENT,
    "course": Step.CHOOSE_COURSE,
}
OUTSIDE_IZMIR = "İzmir dışı"
EDUCATION = ("ilkokul", "ortaokul", "lise", "onlisans", "lisans", "yuksek_lisans")
EMPLOYMENT = ("calisiyor", "issiz", "ogrenci", "emekli", "ev")
SKIP_WORDS = {"gec", "atla", "bos", "yok", "belirtmek istemiyorum", "soylemek istemiyorum", "pas"}
# Other words people use for the education and employment options, by folded stem.
ANSWER_WORDS = {
    "universite": "lisans", "fakulte": "lisans", "yuksekokul": "onlisans", "myo": "onlisans",
    "master": "yuksek_lisans", "doktora": "yuksek_lisans", "ilkogretim": "ortaokul",
    "issiz": "issiz", "isarayan": "issiz", "ogrenci": "ogrenci", "okuyorum": "ogrenci",
    "emekli": "emekli", "evhanimi": "ev", "calisan": "calisiyor",
}  # fmt: skip
# Folded words that mark a question or a course topic; a person's name has none of them.
QUESTION_WORDS = frozenset({
    "mi", "mu", "ne", "neden", "nasil", "nerede", "nerde", "nereye", "kac", "hangi", "kim",
    "zaman", "varmi", "yokmu", "kurs", "kursu", "kurslar", "kursa", "egitim", "basvuru",
    "basvurum", "sertifika", "ucret", "ucretli", "ucretsiz", "belge", "adres", "merkez", "ders",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Checked:
    """The result of checking one answer: a value, or the key of the sentence that refuses it."""

    value: str | None = None
    problem: str | None = None
    extra: dict[str, object] | None = None


def check_name(text: str) -> Checked:
    name = clean_name(text.strip())
    return Checked(value=name) if name else Checked(problem="apply.bad_name")


# Words and verb endings a person's name never has ("istiyorum", "bırakmak", "yapacağım").
_NOT_NAME_WORDS = frozenset({
    "ben", "benim", "bu", "su", "bir", "var", "yok", "evet", "hayir", "tamam", "lutfen",
    "merhaba", "selam", "kurs", "kursu", "kursa", "adim", "ismim", "soyadim", "bilgi", "tesekkur",
})  # fmt: skip
_VERB_ENDINGS = ("yorum", "iyom", "uyom", "yorsun", "yoruz", "acagim", "ecegim", "abilir",
                 "ebilir", "miyim", "misin", "yordum", "acaktim", "ecektim")  # fmt: skip


def name_is_unsure(text: str) -> bool:
    """Whether a well-formed name has words no name has, so it is confirmed before it is kept."""
    return any(
        w in _NOT_NAME_WORDS
        or w.endswith(_VERB_ENDINGS)
        or (len(w) >= 6 and w.endswith(("mak", "mek")))
        for w in tokens(text)
    )


def check_national_id(text: str) -> Checked:
    problem = national_id_problem(text.strip())
    if problem is None:
        return Checked(value="".join(c for c in text if c.isdigit()))
    digits = sum(c.isdigit() for c in text)
    return Checked(problem=f"apply.bad_nid_{problem}", extra={"count": digits})


def check_birth_date(text: str) -> Checked:
    born = parse_birth_date(text)
    if born is None:
        return Checked(problem="apply.bad_birth_date")
    return Checked(value=born.isoformat())


def check_phone(text: str) -> Checked:
    phone = normalise_phone(text)
    return Checked(value=phone) if phone else Checked(problem="apply.bad_phone")


def check_district(text: str) -> Checked:
    """A district of İzmir, or outside İzmir; written in Turkish, or in English or Arabic
    words ("بوجا", "outside izmir") that nlu/foreign.py knows."""
    for said in dict.fromkeys((text, static_turkish(text))):
        if is_outside_izmir(said):
            return Checked(value=OUTSIDE_IZMIR)
        district = match_district(said)
        if district in DISTRICTS:
            return Checked(value=district)
    return Checked(problem="apply.bad_district")


def check_choice(text: str, options: tuple[str, ...], labels: dict[str, str]) -> Checked:
    """One of the offered options by number, code or label; skip words give an empty value."""
    folded = normalize(text)
    if folded in SKIP_WORDS:
        return Checked(value="")
    if folded.isdigit() and 1 <= int(folded) <= len(options):
        return Checked(value=options[int(folded) - 1])
    for code in options:
        if folded in (code.replace("_", " "), normalize(labels.get(code, code))):
            return Checked(value=code)
    for word in folded.split():
        said = next((c for stem, c in ANSWER_WORDS.items() if word.startswith(stem)), None)
        if said in options:
            return Checked(value=said)
    return Checked(problem="apply.bad_choice")


def audience_answer(text: str) -> bool | None:
    """ "kadınım" answers "is this women-only course right for you?" with yes, "erkeğim" with
    no; the user says it, nothing is guessed from a name."""
    words = tokens(text)
    if any(w.startswith(("erkek", "erkeg")) for w in words):  # "erkeğim" folds to "erkegim"
        return False
    if any(w.startswith(("kadin", "bayan", "hanim")) for w in words):
        return True
    return None


def has_question_cue(text: str) -> bool:
    """A question mark, a question word or a course word: never part of a person's name."""
    return "?" in text or any(tok in QUESTION_WORDS for tok in tokens(text))


def next_step(data: Mapping[str, object], women_only: bool) -> Step:
    """The first question still unanswered, in the order of the form; the summary when none is
    (so a form saved in an older order, or corrected from the summary, goes on correctly)."""
    for step, answer in ANSWER_OF.items():
        if step is Step.WOMEN_ONLY and not women_only:
            continue
        if answer not in data:
            return step
    return Step.CONFIRM


def previous_step(step: Step, women_only: bool) -> Step:
    """The question before `step` ("geri"), skipping the audience question where it is not asked."""
    earlier = ORDER[: ORDER.index(step)] or [Step.ASK_BRANCH]
    if not women_only and earlier[-1] is Step.WOMEN_ONLY:
        earlier.pop()
    return earlier[-1]
