"""What the assistant could not answer: recorded with digits masked, grouped by wording, gone
with the user's erasure; keywords added from a group are understood after the reload and
exported with the catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import tables as t
from storage import unanswered as u
from storage.catalog_io import write_catalog
from storage.catalog_repo import load_catalog
from tests.bot.conftest import Chat

NO_COURSE = "diye bir kursumuz yok"


async def _groups(chat: Chat) -> list[dict[str, object]]:
    async with chat.assistant.db.read() as conn:
        return await u.groups(conn)


async def test_similar_questions_are_grouped_and_digits_masked(chat: Chat) -> None:
    other = Chat(chat.assistant, user="console:other")
    await chat.say("dron pilotluğu kursu var mı")
    assert NO_COURSE in chat.texts()
    await other.say("Dron pilotluğu kursu var mı?")
    await chat.say("dron pilotlugu kursu varmi")
    await chat.say("galatasaray 3 gol attı mı, 0532 123 45 67 bilir")
    groups = await _groups(chat)
    counts = sorted(int(str(g["n"])) for g in groups)
    assert counts == [1, 3]
    texts = " ".join(str(g["text"]) for g in groups)
    assert "123" not in texts
    assert "galatasaray # gol attı mı, #### ### ## ## bilir" in texts
    await chat.say("verilerimi sil")
    await chat.press_label("Evet")
    [left] = await _groups(chat)  # only the other user's question stays
    assert left["n"] == 1
    assert left["text"] == "Dron pilotluğu kursu var mı?"


async def test_keywords_added_are_understood_after_the_reload(chat: Chat, tmp_path: Path) -> None:
    await chat.say("dron pilotluğu kursu var mı")
    assert NO_COURSE in chat.texts()
    [group] = await _groups(chat)
    async with chat.assistant.db.read() as conn:
        branch, name = (
            await conn.execute(select(t.branches.c.id, t.branches.c.name).limit(1))
        ).one()
    now = datetime.now(UTC)
    with pytest.raises(u.KeywordError):
        async with chat.assistant.db.write() as conn:
            await u.add_keywords(conn, branch, " , ", "admin@mf.test", now)
    async with chat.assistant.db.write() as conn:
        added = await u.add_keywords(conn, branch, "Dron pilotluğu, drone", "admin@mf.test", now)
        assert await u.mark_handled(conn, int(str(group["id"])), "admin@mf.test", now)
    assert added.added == ("dron pilotluğu", "drone")
    await chat.say("dron pilotluğu kursu var mı")
    assert NO_COURSE in chat.texts()  # not before the catalog is reloaded
    await chat.assistant.reload_catalog()
    await chat.say("teşekkürler")  # (the same text twice in a row would count as a repeat)
    await chat.say("dron pilotluğu kursu var mı")
    assert NO_COURSE not in chat.texts()
    assert name in chat.texts()
    [again] = await _groups(chat)  # the miss before the reload asks anew; the answer did not
    assert again["n"] == 1
    assert again["id"] != group["id"]
    out = tmp_path / "catalog.yaml"
    write_catalog(await load_catalog(chat.assistant.db), out, chat.assistant.settings.tz)
    assert "dron pilotluğu" in out.read_text(encoding="utf-8")
    async with chat.assistant.db.read() as conn:
        [change] = (await conn.execute(select(t.catalog_changes))).all()
    assert change.detail == "dron pilotluğu, drone"


async def test_a_question_asked_twice_in_a_row_is_recorded_once(chat: Chat) -> None:
    await chat.say("sertifika veriliyor mu")
    assert await _groups(chat) == []  # answered
    await chat.say("menü")
    await chat.say("menü")  # one word typed twice is not a question
    await chat.say("sertifika veriliyor mu")
    await chat.say("sertifika veriliyor mu")
    [group] = await _groups(chat)
    assert group["reasons"] == ["repeated"]
    assert group["n"] == 1


async def test_a_question_about_the_courses_we_cannot_answer_points_to_people(
    chat: Chat,
) -> None:
    await chat.say("derslerde çay molası veriliyor mu")
    reply = chat.last[0]
    assert "153" in reply.text
    assert "merkez" in reply.text
    assert "kurs başlıyor" not in reply.text  # no list of courses for it
    [group] = await _groups(chat)  # staff see it among the questions not answered
    assert group["text"] == "derslerde çay molası veriliyor mu"
    await chat.press_label("Yetkiliyle görüş")
    assert "yetkili" in chat.texts().lower()
