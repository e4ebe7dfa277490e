"""The 30 districts of İzmir and typo-tolerant district matching for free text."""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu.morph import is_noun_chain, soften
from nlu.text import fold, tokens, tr_lower

DISTRICTS: tuple[str, ...] = (
    "Aliağa",
    "Balçova",
    "Bayındır",
    "Bayraklı",
    "Bergama",
    "Beydağ",
    "Bornova",
    "Buca",
    "Çeşme",
    "Çiğli",
    "Dikili",
    "Foça",
    "Gaziemir",
    "Güzelbahçe",
    "Karabağlar",
    "Karaburun",
    "Karşıyaka",
    "Kemalpaşa",
    "Kınık",
    "Kiraz",
    "Konak",
    "Menderes",
    "Menemen",
    "Narlıdere",
    "Ödemiş",
    "Seferihisar",
    "Selçuk",
    "Tire",
    "Torbalı",
    "Urla",
)

# Other provinces of Türkiye: naming one means the person lives outside İzmir.
_PROVINCE_TEXT = """
adana adiyaman afyon afyonkarahisar agri amasya ankara antalya artvin aydin balikesir bilecik
bingol bitlis bolu burdur bursa canakkale cankiri corum denizli diyarbakir edirne elazig
erzincan erzurum eskisehir gaziantep antep giresun gumushane hakkari hatay isparta mersin
istanbul kars kastamonu kayseri kirklareli kirsehir kocaeli izmit konya kutahya malatya manisa
kahramanmaras maras mardin mugla mus nevsehir nigde rize sakarya samsun siirt sinop sivas
tekirdag tokat trabzon tunceli sanliurfa urfa usak van yozgat zonguldak aksaray bayburt karaman
kirikkale batman sirnak bartin ardahan igdir yalova karabuk kilis osmaniye duzce
"""

_BY_KEY: dict[str, str] = {fold(tr_lower(name)): name for name in DISTRICTS}
_KEYS = sorted(_BY_KEY)
_STEMS: dict[str, str] = {soften(k) or k: v for k, v in _BY_KEY.items()} | _BY_KEY
PROVINCES: frozenset[str] = frozenset(_PROVINCE_TEXT.split())
_OUTSIDE_WORDS = frozenset({"disi", "disinda", "disindan", "disindayim"})


def district_key(name: str) -> str:
    """Returns the folded lowercase key of a district name ("Karşıyaka" -> "karsiyaka")."""
    return fold(tr_lower(name))


def official_name(name: str) -> str | None:
    """Returns the official spelling of an İzmir district given any spelling of it."""
    return _BY_KEY.get(district_key(name))


def _exact(token: str) -> str | None:
    """Matches a token that is a district name, maybe with a case suffix ("bucada")."""
    if token in _BY_KEY:
        return _BY_KEY[token]
    for size in range(len(token) - 1, 2, -1):
        name = _STEMS.get(token[:size])
        if name is not None and is_noun_chain(token[size:], token[size - 1]):
            return name
    return None


def _fuzzy(token: str) -> str | None:
    """Matches a mistyped district name ("bornva", "karsiyka")."""
    if len(token) < 5 or not token.isalpha():
        return None
    budget = 1 if len(token) < 9 else 2
    found = process.extractOne(token, _KEYS, scorer=OSA.distance, score_cutoff=budget)
    if found is not None:
        return _BY_KEY[found[0]]
    for size in range(len(token) - 1, 4, -1):
        if is_noun_chain(token[size:], token[size - 1]):
            found = process.extractOne(token[:size], _KEYS, scorer=OSA.distance, score_cutoff=1)
            if found is not None:
                return _BY_KEY[found[0]]
    return None


def match_district(text: str) -> str | None:
    """Returns the İzmir district named in the text (official spelling), tolerating typos."""
    words = tokens(text)
    for token in words:
        found = _exact(token)
        if found:
            return found
    for token in words:
        if token not in PROVINCES:
            found = _fuzzy(token)
            if found:
                return found
    return None


def is_outside_izmir(text: str) -> bool:
    """Tells whether the text says the person is outside İzmir ("İzmir dışı", "Manisa")."""
    words = tokens(text)
    for index, token in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if token.startswith("izmir") and following in _OUTSIDE_WORDS:
            return True
        if token in ("baska", "farkli") and following.startswith(("il", "sehir")):
            return True
    if any(_exact(token) for token in words):
        return False
    return any(_is_province(token) for token in words)


def _is_province(token: str) -> bool:
    """Tells whether a token names another province, maybe with a case suffix ("ankarada")."""
    if token in PROVINCES:
        return True
    return any(
        token[:size] in PROVINCES and is_noun_chain(token[size:], token[size - 1])
        for size in range(len(token) - 1, 3, -1)
    )
