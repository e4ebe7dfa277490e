"""What the assistant could not answer, in the panel: groups with counts, a group's wordings,
marking handled, keywords added by admins only (validated, audited, in the catalog)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage import tables as t
from storage.repos import SqlStore
from tests.panel.rig import Rig, form_token, sign_in

pytestmark = pytest.mark.asyncio


async def _note(rig: Rig, user: str, text: str, reason: str = "no_course") -> None:
    async with rig.db.write() as conn:
        await SqlStore(conn, rig.vault, rig.clock()).note_unanswered(user, text, reason)


async def test_groups_wordings_keywords_and_handled(any_rig: Rig) -> None:
    rig = any_rig
    await _note(rig, "telegram:1", "Dron pilotluğu kursu var mı?")
    await _note(rig, "telegram:2", "dron pilotlugu kursu var mi")
    await _note(rig, "telegram:3", "galatasaray 3 gol attı mı", "fallback")
    async with rig.db.read() as conn:
        branch = (await conn.execute(select(t.branches.c.id).limit(1))).scalar_one()
        groups = (await conn.execute(select(t.unanswered_groups.c.id))).scalars().all()
    dron, football = sorted(groups)
    await rig.add_staff("ayse@mf.test")
    await rig.add_staff("can@mf.test", role="centre", centres=((await rig.centres())[0],))
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        listed = (await c.get("/unanswered")).text
        assert f'<a href="/unanswered/{dron}">dron pilotlugu kursu var mi</a>' in listed
        assert "<td>2</td>" in listed
        assert "galatasaray # gol attı mı" in listed
        page = (await c.get(f"/unanswered/{dron}")).text
        assert "Dron pilotluğu kursu var mı?" in page
        assert "anahtar kelime ekle" not in page  # admins only
        token = await form_token(c, "/unanswered")
        refused = await c.post(
            f"/unanswered/{dron}/keywords",
            data={"csrf": token, "branch": branch, "keywords": "dron"},
        )
        assert refused.status_code == 403
        assert (await c.get("/unanswered/99999")).status_code == 404
        done = await c.post(f"/unanswered/{football}/handled", data={"csrf": token})
        assert done.status_code == 303
        assert "galatasaray" not in (await c.get("/unanswered")).text
        assert "galatasaray" in (await c.get("/unanswered?handled=1")).text
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/unanswered/{dron}")
        bad = await c.post(
            f"/unanswered/{dron}/keywords",
            data={"csrf": token, "branch": branch, "keywords": "dron 3000"},
        )
        assert bad.status_code == 400
        assert "rakam içermemeli" in bad.text
        missing = await c.post(
            f"/unanswered/{dron}/keywords",
            data={"csrf": token, "branch": "no-such", "keywords": "dron"},
        )
        assert missing.status_code == 400
        added = await c.post(
            f"/unanswered/{dron}/keywords",
            data={"csrf": token, "branch": branch, "keywords": "Dron pilotluğu, dron"},
        )
        assert added.status_code == 303
        assert "Yanıtlanamayan soru yok." in (await c.get(added.headers["location"])).text
    async with rig.db.read() as conn:
        keywords = (
            await conn.execute(select(t.branches.c.keywords).where(t.branches.c.id == branch))
        ).scalar_one()
    assert keywords.split(";")[-2:] == ["dron pilotluğu", "dron"]
    [row] = await rig.audit("catalog_keywords")
    assert row.detail["added"] == ["dron pilotluğu", "dron"]
    assert len(await rig.audit("unanswered_handled")) == 1


async def test_an_answer_added_to_the_faq_by_admins_only(any_rig: Rig) -> None:
    rig = any_rig
    await _note(rig, "telegram:1", "yemek kartı veriliyor mu", "fallback")
    async with rig.db.read() as conn:
        group = (await conn.execute(select(t.unanswered_groups.c.id))).scalar_one()
    await rig.add_staff("ayse@mf.test")
    await rig.add_staff("can@mf.test", role="centre", centres=((await rig.centres())[0],))
    answer = "Kursiyerlere yemek kartı verilmez."
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        assert "Sık sorulanlara cevap ekle" not in (await c.get(f"/unanswered/{group}")).text
        token = await form_token(c, "/unanswered")
        refused = await c.post(
            f"/unanswered/{group}/faq",
            data={"csrf": token, "keywords": "yemek kartı", "answer": answer},
        )
        assert refused.status_code == 403
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/unanswered/{group}")
        for keywords, text, why in (
            ("yemek kartı", "", "Türkçe cevap boş olamaz"),
            ("yemek kartı", "x" * 1001, "en çok 1000 karakter"),
            ("ücretli", answer, "zaten “Ücret” sorusu olarak anlaşılıyor"),  # the FAQ file's
            ("barista", answer, "kursunun anahtar kelimesi"),
        ):
            bad = await c.post(
                f"/unanswered/{group}/faq",
                data={"csrf": token, "keywords": keywords, "answer": text},
            )
            assert bad.status_code == 400, keywords
            assert why in bad.text, bad.text[bad.text.find("alert") :][:300]
            assert f'value="{keywords}"' in bad.text  # what was typed is kept
        async with rig.db.read() as conn:
            assert (await conn.execute(select(t.faq_topics))).first() is None
        added = await c.post(
            f"/unanswered/{group}/faq",
            data={
                "csrf": token,
                "keywords": "Yemek kartı",
                "answer": answer,
                "answer_ar": "لا تُمنح بطاقة طعام.",
            },
        )
        assert added.status_code == 303
        assert "Cevap sık sorulanlara eklendi" in (await c.get(added.headers["location"])).text
        again = await c.post(
            f"/unanswered/{group}/faq",
            data={"csrf": token, "keywords": "yemek kartı", "answer": "başka"},
        )
        assert again.status_code == 400
        assert "zaten “yemek-karti” sorusu olarak anlaşılıyor" in again.text
    async with rig.db.read() as conn:
        [row] = (await conn.execute(select(t.faq_topics))).mappings().all()
        [change] = (await conn.execute(select(t.catalog_changes))).all()
    assert dict(row) == {
        "id": "yemek-karti",
        "keywords": "yemek kartı",
        "answer": answer,
        "answer_en": "",
        "answer_ar": "لا تُمنح بطاقة طعام.",
    }
    assert (change.kind, change.target, change.actor) == ("faq", "yemek-karti", "ayse@mf.test")
    [audited] = await rig.audit("catalog_faq")
    assert audited.detail["keywords"] == ["yemek kartı"]
    assert audited.detail["group"] == group
    assert len(await rig.audit("unanswered_handled")) == 0  # handled with the answer, not apart
