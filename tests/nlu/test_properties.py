"""``understand`` never raises and always returns a contract-valid answer, whatever the text."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from locales.faq import topic_patterns
from nlu import DISTRICTS, CatalogIndex, Intent, understand
from storage.sample import load_base_catalog
from tests.nlu.catalogs import ankara_catalog

TOPICS = topic_patterns()
INDEXES = tuple(CatalogIndex.build(c, TOPICS) for c in (load_base_catalog(), ankara_catalog()))
INTENTS = {i.value for i in Intent} | set(TOPICS)
KEYS = {"intent", "branch", "candidates", "field", "center", "district", "confidence"}
WORDS = st.sampled_from(
    ["kurs", "barista", "İ", "ı", "Buca'da", "başvuru", "😀", "\u200b", "\x00", "'", "--", "4"]
)


def _check(text: str) -> None:
    """Understands a text with every index and checks the answer against the contract."""
    for index in INDEXES:
        result = understand(text, index)
        got = result.as_contract()
        assert set(got) == KEYS
        assert got["intent"] in INTENTS
        assert 0.0 <= got["confidence"] <= 1.0
        branches = {b.id for b in index.branches}
        assert set(got["candidates"]) <= branches
        assert got["branch"] == (got["candidates"][0] if got["candidates"] else None)
        assert got["field"] is None or got["field"] in {f.id for f in index.fields}
        assert got["center"] is None or got["center"] in {c.id for c in index.centres}
        districts = set(DISTRICTS) | {c.district for c in index.centres}
        assert got["district"] is None or got["district"] in districts


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
@example("")
@example("x" * 10_000)
@example("😀" * 2_000)
@example("مرحبا، أريد التسجيل في دورة")
@example("\u200b\u200c\u200d\ufeff" * 100)
@example("\x00\x01\x1b[31m\x7f")
@example("'; DROP TABLE applications; --")
@example("SELECT * FROM users WHERE 1=1")
@example("İIıi" * 500)
@example("\ud800\udfff")
def test_understand_never_raises(text: str) -> None:
    _check(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_understand_on_word_salad(text: str) -> None:
    _check(text)
