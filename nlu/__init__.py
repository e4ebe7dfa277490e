"""Turkish natural-language understanding for Meslek Asistanı: pure functions, no I/O.

Build a :class:`CatalogIndex` once per catalog load, with the FAQ topics' trigger patterns
(topic name -> ``weight: slot slot`` lines, from the FAQ content file), then call
:func:`understand` per message::

    index = CatalogIndex.build(catalog, {"faq_cost": "0.9: ücret|ücretli|ücretsiz"})
    understand("buca'da barista kursu ne zaman başlıyor", index).as_contract()
    # {"intent": "course_schedule", "branch": "barista", "candidates": ["barista"],
    #  "field": "yiyecek-icecek-hizmetleri", "center": None, "district": "Buca", ...}

Forms reuse :func:`match_branch`, :func:`match_district`, :func:`is_outside_izmir`; every step
of a conversation can check :func:`is_global_word` ("iptal", "menü", "geri", "yardım").
"""

from core.intents import Intent
from nlu.districts import DISTRICTS, is_outside_izmir, match_district
from nlu.global_words import is_global_word
from nlu.index import CatalogIndex
from nlu.matching import BranchMatch, match_branch
from nlu.understand import ContractDict, Understanding, understand

__all__ = [
    "DISTRICTS",
    "BranchMatch",
    "CatalogIndex",
    "ContractDict",
    "Intent",
    "Understanding",
    "is_global_word",
    "is_outside_izmir",
    "match_branch",
    "match_district",
    "understand",
]
