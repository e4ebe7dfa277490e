"""Answers an admin adds to the FAQ from a group of unanswered questions, without editing files.

The answer becomes a catalog row (`faq_topics`, the "SSS" sheet of an export) and the catalog
version is bumped, so every running instance takes it at its next reload and answers the
question with it; the change is kept in `catalog_changes` with that version (who, when, what)
beside the keywords added to branches. Keywords another answer or a course already owns are
refused here: one question, one answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.catalog import FaqTopic, is_faq_keyword
from core.checks import clean_text
from storage import tables as t
from storage.catalog_columns import FAQ, fold
from storage.catalog_dbrows import ROW_OF, to_branch, to_faq
from storage.session_changes import bump_catalog_version
from storage.unanswered import KeywordError, read_keywords, record_change

MAX_ANSWER = FAQ.column("answer").max_len or 1000
MAX_ID = 40


@dataclass(frozen=True, slots=True)
class FaqAdded:
    topic: FaqTopic
    version: str


def read_answer(text: str, *, required: bool, language: str = "Türkçe") -> str:
    """An answer as typed by staff: cleaned; refused when empty (if required) or too long."""
    answer = clean_text(text).strip()
    if required and not answer:
        raise KeywordError(f"{language} cevap boş olamaz.")
    if len(answer) > MAX_ANSWER:
        raise KeywordError(
            f"{language} cevap en çok {MAX_ANSWER} karakter olabilir ({len(answer)} yazılmış)."
        )
    return answer


def _key(keyword: str) -> str:
    """A keyword as compared: folded, words joined by one space."""
    return fold(keyword).replace("_", " ")


async def owners(conn: AsyncConnection) -> dict[str, str]:
    """Each folded keyword (and branch name) of the catalog → what owns it, in Turkish."""
    found: dict[str, str] = {}
    for row in (await conn.execute(select(t.faq_topics))).mappings():
        topic = to_faq(dict(row))
        for keyword in topic.keywords:
            found[_key(keyword)] = f"“{topic.id}” cevabının"
    for row in (await conn.execute(select(t.branches))).mappings():
        branch = to_branch(dict(row))
        for word in (branch.name, *branch.keywords):
            found[_key(word)] = f"“{branch.name}” kursunun"
    return found


async def _free_id(conn: AsyncConnection, first: str) -> str:
    """A catalog id made from the first keyword ("yemek kartı" → "yemek-karti"), numbered
    when taken."""
    base = fold(first).replace("_", "-")[:MAX_ID].strip("-") or "cevap"
    taken = set((await conn.execute(select(t.faq_topics.c.id))).scalars())
    number, candidate = 1, base
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


async def add_faq(
    conn: AsyncConnection,
    *,
    keywords: str,
    answer: str,
    answer_en: str = "",
    answer_ar: str = "",
    actor: str,
    now: datetime,
) -> FaqAdded:
    """Adds an answer to the FAQ, bumps the catalog version and records the change; raises
    KeywordError (nothing written) for bad or already owned keywords and bad answers."""
    words = read_keywords(keywords)
    bad = [w for w in words if not is_faq_keyword(w)]
    if bad:
        raise KeywordError(f"“{bad[0]}”: yalnızca harflerden oluşan sözcükler yazın.")
    topic_text = read_answer(answer, required=True)
    english = read_answer(answer_en, required=False, language="İngilizce")
    arabic = read_answer(answer_ar, required=False, language="Arapça")
    owned = await owners(conn)
    for word in words:
        owner = owned.get(_key(word))
        if owner is not None:
            raise KeywordError(f"“{word}” zaten {owner} anahtar kelimesi; başka bir söz seçin.")
    topic = FaqTopic(
        id=await _free_id(conn, words[0]),
        keywords=tuple(words),
        answer=topic_text,
        answer_en=english,
        answer_ar=arabic,
    )
    await conn.execute(insert(t.faq_topics).values(ROW_OF["faq"](topic)))
    await bump_catalog_version(conn)
    version = await record_change(conn, now, actor, "faq", topic.id, words)
    return FaqAdded(topic, version)
