"""An answer added to the FAQ from an unanswered question: refused when its keywords belong to
another answer or a course or when it is empty or too long (nothing stored); once stored, the
same question gets it after the catalog reload, in the user's language, and the catalog export
carries it in every format, so that importing the export keeps it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from storage import tables as t
from storage import unanswered as u
from storage.catalog_io import read_catalog, write_catalog
from storage.catalog_repo import import_catalog, load_catalog
from storage.faq_added import MAX_ANSWER, add_faq
from tests.bot.conftest import Chat

ASKED = "yemek kartı veriliyor mu"
ANSWER = "Kursiyerlere yemek kartı verilmez; merkezlerin kantini uygun fiyatlıdır."
ACTOR = "admin@mf.test"


async def _stored(chat: Chat) -> tuple[int, int]:
    async with chat.assistant.db.read() as conn:
        topics = (await conn.execute(select(func.count()).select_from(t.faq_topics))).scalar()
        changes = (await conn.execute(select(func.count()).select_from(t.catalog_changes))).scalar()
    return int(topics or 0), int(changes or 0)


@pytest.mark.parametrize(
    ("keywords", "answer", "why"),
    [
        ("yemek kartı", "", "Türkçe cevap boş olamaz"),
        ("yemek kartı", "x" * (MAX_ANSWER + 1), f"en çok {MAX_ANSWER} karakter"),
        (" , ", ANSWER, "En az bir anahtar kelime"),
        ("yemek-kartı", ANSWER, "yalnızca harflerden"),
    ],
)
async def test_bad_answers_are_refused_and_nothing_is_stored(
    chat: Chat, keywords: str, answer: str, why: str
) -> None:
    with pytest.raises(u.KeywordError, match=why):
        async with chat.assistant.db.write() as conn:
            await add_faq(
                conn, keywords=keywords, answer=answer, actor=ACTOR, now=datetime.now(UTC)
            )
    assert await _stored(chat) == (0, 0)


async def test_keywords_of_a_course_or_another_answer_are_refused(chat: Chat) -> None:
    async with chat.assistant.db.read() as conn:
        name = (await conn.execute(select(t.branches.c.name).limit(1))).scalar_one()
    now = datetime.now(UTC)
    with pytest.raises(u.KeywordError, match="kursunun anahtar kelimesi"):
        async with chat.assistant.db.write() as conn:
            await add_faq(conn, keywords=name, answer=ANSWER, actor=ACTOR, now=now)
    async with chat.assistant.db.write() as conn:
        await add_faq(conn, keywords="Yemek Kartı", answer=ANSWER, actor=ACTOR, now=now)
    with pytest.raises(u.KeywordError, match="“yemek-karti” cevabının"):
        async with chat.assistant.db.write() as conn:
            await add_faq(conn, keywords="kantin, yemek karti", answer="?", actor=ACTOR, now=now)
    assert await _stored(chat) == (1, 1)


async def test_the_question_gets_the_added_answer_after_the_reload(
    chat: Chat, tmp_path: Path
) -> None:
    await chat.say(ASKED)
    assert ANSWER not in chat.texts()
    async with chat.assistant.db.write() as conn:
        added = await add_faq(
            conn,
            keywords="yemek kartı, öğle yemeği",
            answer=ANSWER,
            answer_en="Trainees get no meal card; the centres' canteens are cheap.",
            actor=ACTOR,
            now=datetime.now(UTC),
        )
    assert added.topic.id == "yemek-karti"
    async with chat.assistant.db.read() as conn:
        [change] = (await conn.execute(select(t.catalog_changes))).all()
    assert (change.kind, change.target, change.actor) == ("faq", "yemek-karti", ACTOR)
    assert change.version == added.version
    await chat.say("teşekkürler")
    await chat.say(ASKED)
    assert ANSWER not in chat.texts()  # not before the catalog is reloaded
    await chat.assistant.reload_catalog()
    await chat.say("merhaba")
    await chat.say(ASKED)
    assert ANSWER in chat.texts()
    await chat.say("öğle yemeği var mı")
    assert ANSWER in chat.texts()
    english = Chat(chat.assistant, user="console:english")
    await english.say("English")
    await english.say("is there a yemek kartı")
    assert "Trainees get no meal card" in english.texts()

    catalog = await load_catalog(chat.assistant.db)
    tz = chat.assistant.settings.tz
    for name in ("catalog.xlsx", "catalog.yaml", "catalog.zip"):
        out = tmp_path / name
        write_catalog(catalog, out, tz)
        assert read_catalog(out, tz).faq == catalog.faq == [added.topic], name
    async with chat.assistant.db.write() as conn:
        await conn.execute(delete(t.faq_topics))
    report = await import_catalog(
        chat.assistant.db, read_catalog(tmp_path / "catalog.xlsx", tz), replace=True
    )
    assert report.faq.added == 1
    assert (await load_catalog(chat.assistant.db)).faq == [added.topic]
