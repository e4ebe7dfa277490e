"""Applications in the panel: the list, one application, decisions, scope, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.panel.rig import Rig, form_token, sign_in

pytestmark = pytest.mark.asyncio


async def _two_centres(rig: Rig) -> tuple[str, str, tuple[str, str], tuple[str, str]]:
    first, second = (await rig.centres())[:2]
    return first, second, await rig.course_at(first), await rig.course_at(second)


async def test_list_shows_numbers_and_filters(any_rig: Rig) -> None:
    rig = any_rig
    first, second, (c1, b1), (c2, b2) = await _two_centres(rig)
    mine = [await rig.apply(c1, b1, name=f"Elif Demir {n}") for n in range(3)]
    await rig.apply(c1, b1, name="İsmail Işık")
    other = await rig.apply(c2, b2, name="Mehmet Şahin")
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        page = (await c.get("/applications")).text
        assert all(n in page for n in [*mine, other])
        assert "5 başvuru" in page
        for typed in ("ismail isik", "İSMAİL IŞIK", "ışık"):
            assert "İsmail Işık" in (await c.get("/applications", params={"q": typed})).text
        by_centre = (await c.get("/applications", params={"centre": second})).text
        assert other in by_centre
        assert mine[0] not in by_centre
        for typed in ("mehmet ŞAHİN", "sahin", "ŞAHİN", "Mehmet Şahin"):
            found = (await c.get("/applications", params={"q": typed})).text
            assert other in found, typed
            assert mine[0] not in found
        by_number = (await c.get("/applications", params={"q": mine[1].lower()})).text
        assert mine[1] in by_number
        assert mine[0] not in by_number
        none = (await c.get("/applications", params={"status": "accepted"})).text
        assert "Bu süzgece uyan başvuru yok." in none


async def test_list_pages_through_many(rig: Rig) -> None:
    _, _, (c1, b1), _ = await _two_centres(rig)
    numbers = [await rig.apply(c1, b1) for _ in range(55)]
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        one = (await c.get("/applications")).text
        two = (await c.get("/applications", params={"page": 2})).text
    assert numbers[-1] in one  # newest first
    assert numbers[0] not in one
    assert numbers[0] in two
    assert "Sayfa 2 / 2" in two


async def test_accepting_tells_the_applicant_and_is_audited(any_rig: Rig) -> None:
    rig = any_rig
    _, _, (c1, b1), _ = await _two_centres(rig)
    number = await rig.apply(c1, b1, user="telegram:4242")
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/applications/{number}")
        done = await c.post(
            f"/applications/{number}/decide", data={"csrf": token, "action": "accept"}
        )
        assert done.status_code == 303
        page = (await c.get(done.headers["location"])).text
        assert "Başvuru kabul edildi; başvurana bildirildi." in page
        assert "Kabul edildi" in page
    assert await rig.status(number) == "accepted"
    sent = await rig.outbox("telegram:4242")
    assert [json.loads(m["payload"])["key"] for m in sent] == ["decision.accepted"]
    [row] = await rig.audit("decision")
    assert (row.actor, row.target, row.detail["from"], row.detail["to"]) == (
        "ayse@mf.test",
        number,
        "pending",
        "accepted",
    )


async def test_rejecting_with_a_reason_passes_it_on(rig: Rig) -> None:
    _, _, (c1, b1), _ = await _two_centres(rig)
    number = await rig.apply(c1, b1, user="telegram:4243")
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/applications/{number}")
        await c.post(
            f"/applications/{number}/decide",
            data={"csrf": token, "action": "reject", "reason": "Yaş sınırının altında."},
        )
    [message] = await rig.outbox("telegram:4243")
    payload = json.loads(message["payload"])
    assert payload["key"] == "decision.rejected_reason"
    assert payload["values"]["reason"] == "Yaş sınırının altında"


async def test_a_decision_without_the_form_token_changes_nothing(rig: Rig) -> None:
    _, _, (c1, b1), _ = await _two_centres(rig)
    number = await rig.apply(c1, b1)
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        forged = await c.post(f"/applications/{number}/decide", data={"action": "accept"})
        wrong = await c.post(
            f"/applications/{number}/decide", data={"action": "accept", "csrf": "x" * 43}
        )
    assert forged.status_code == 403
    assert wrong.status_code == 403
    assert await rig.status(number) == "pending"
    assert await rig.audit("decision") == []


async def test_centre_staff_see_and_act_only_on_their_centres(any_rig: Rig) -> None:
    rig = any_rig
    first, second, (c1, b1), (c2, b2) = await _two_centres(rig)
    mine = await rig.apply(c1, b1)
    theirs = await rig.apply(c2, b2, name="Başka Merkez")
    await rig.add_staff("can@mf.test", role="centre", centres=(first,))
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        listed = (await c.get("/applications")).text
        assert mine in listed
        assert theirs not in listed
        assert theirs not in (await c.get("/applications", params={"centre": second})).text
        assert (await c.get(f"/applications/{theirs}")).status_code == 404
        token = await form_token(c)
        refused = await c.post(
            f"/applications/{theirs}/decide", data={"csrf": token, "action": "accept"}
        )
        assert refused.status_code == 404
        bulk = await c.post(
            "/applications/bulk",
            data={"csrf": token, "action": "reject", "numbers": [mine, theirs]},
        )
        assert bulk.status_code == 303
        assert "n=1" in bulk.headers["location"]
        assert "skipped=1" in bulk.headers["location"]
        assert (await c.get(f"/applications/{theirs}/reveal")).status_code == 405
        exported = (await c.get("/applications/export.csv")).text
        assert mine in exported
        assert theirs not in exported
    assert await rig.status(theirs) == "pending"
    assert await rig.status(mine) == "rejected"


async def test_bulk_decisions_each_tell_and_audit(rig: Rig) -> None:
    _, _, (c1, b1), _ = await _two_centres(rig)
    numbers = [await rig.apply(c1, b1, user=f"telegram:{900 + n}") for n in range(4)]
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c)
        done = await c.post(
            "/applications/bulk",
            data={"csrf": token, "action": "waitlist", "numbers": numbers[:3], "status": "pending"},
        )
        assert "status=pending" in done.headers["location"]
        page = (await c.get(done.headers["location"])).text
        assert "3 başvuru “Yedekte” olarak işaretlendi" in page
    assert [await rig.status(n) for n in numbers] == ["waitlisted"] * 3 + ["pending"]
    assert len(await rig.audit("decision")) == 3
    for n in range(3):
        [m] = await rig.outbox(f"telegram:{900 + n}")
        assert json.loads(m["payload"])["key"] == "decision.waitlisted"


async def test_a_cancelled_application_cannot_be_decided(rig: Rig) -> None:
    _, _, (c1, b1), _ = await _two_centres(rig)
    number = await rig.apply(c1, b1, user="telegram:5555")
    async with rig.db.write() as conn:
        from storage.repos import SqlStore

        await SqlStore(conn, rig.vault, rig.clock()).cancel_application("telegram:5555", number)
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        page = (await c.get(f"/applications/{number}")).text
        assert "Başvuran bu başvuruyu iptal etmiş" in page
        token = await form_token(c, f"/applications/{number}")
        refused = await c.post(
            f"/applications/{number}/decide", data={"csrf": token, "action": "accept"}
        )
        assert refused.status_code == 400
        assert "karar verilemez" in refused.text
    assert await rig.status(number) == "cancelled"


async def test_only_admins_reveal_ids_and_each_reveal_is_audited(rig: Rig) -> None:
    first, _, (c1, b1), _ = await _two_centres(rig)
    number = await rig.apply(c1, b1)
    await rig.add_staff("ayse@mf.test")
    await rig.add_staff("can@mf.test", role="centre", centres=(first,))
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        page = (await c.get(f"/applications/{number}")).text
        assert "*******" in page
        assert "Göster" not in page
        token = await form_token(c)
        assert (
            await c.post(f"/applications/{number}/reveal", data={"csrf": token})
        ).status_code == 403
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/applications/{number}")
        shown = await c.post(f"/applications/{number}/reveal", data={"csrf": token})
        assert shown.status_code == 200
        assert shown.headers["cache-control"] == "no-store"
    async with rig.db.read() as conn:
        from storage import panel_queries

        full = await panel_queries.application_detail(conn, None, number, rig.vault, reveal=True)
    assert full is not None
    assert full["national_id"] in shown.text
    [row] = await rig.audit("id_revealed")
    assert (row.actor, row.target) == ("ayse@mf.test", number)


async def test_a_hostile_name_is_text_in_the_page_and_in_exports(any_rig: Rig) -> None:
    rig = any_rig
    _, _, (c1, b1), _ = await _two_centres(rig)
    script = "<script>alert('x')</script>"
    formula = '=HYPERLINK("http://evil.example","tıkla")'
    n1 = await rig.apply(c1, b1, name=script)
    await rig.apply(c1, b1, name=formula)
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        page = (await c.get("/applications")).text
        detail = (await c.get(f"/applications/{n1}")).text
        as_csv = (await c.get("/applications/export.csv")).content
        as_xlsx = (await c.get("/applications/export.xlsx")).content
    for html in (page, detail):
        assert script not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    rows = list(csv.DictReader(io.StringIO(as_csv.decode("utf-8-sig"))))
    assert {r["full_name"] for r in rows} == {script, "'" + formula}
    assert all(r["phone"].startswith("+90") for r in rows)
    sheet = load_workbook(io.BytesIO(as_xlsx)).active
    assert sheet is not None
    names = {cell.value for cell in sheet["G"][1:]}
    assert names == {script, "'" + formula}
    assert all(cell.data_type == "s" for cell in sheet["G"])
    assert [r.detail["format"] for r in await rig.audit("export")] == ["xlsx", "csv"]


async def test_a_seat_freed_in_a_full_course_goes_to_the_first_waiting(rig: Rig) -> None:
    from sqlalchemy import update

    from storage import tables as t

    _, _, (c1, b1), _ = await _two_centres(rig)
    async with rig.db.write() as conn:
        await conn.execute(update(t.courses).where(t.courses.c.id == c1).values(capacity=1))
    seated = await rig.apply(c1, b1, user="telegram:11", capacity=1)
    waiting = await rig.apply(c1, b1, user="telegram:12", capacity=1)
    assert await rig.status(waiting) == "waitlisted"
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/applications/{seated}")
        await c.post(f"/applications/{seated}/decide", data={"csrf": token, "action": "reject"})
    assert await rig.status(seated) == "rejected"
    assert await rig.status(waiting) == "pending"
    [told] = await rig.outbox("telegram:12")
    assert json.loads(told["payload"])["key"] == "apply.promoted"


async def test_the_audit_page_reads_in_turkish_for_admins_only(rig: Rig) -> None:
    first, _, (c1, b1), _ = await _two_centres(rig)
    number = await rig.apply(c1, b1, user="telegram:77")
    await rig.add_staff("ayse@mf.test")
    await rig.add_staff("can@mf.test", role="centre", centres=(first,))
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, f"/applications/{number}")
        await c.post(
            f"/applications/{number}/decide",
            data={"csrf": token, "action": "reject", "reason": "Belgeler eksik"},
        )
        page = (await c.get("/audit")).text
        assert "Bekliyor → Reddedildi; gerekçe: Belgeler eksik; başvurana bildirildi" in page
        assert "Başvuru kararı" in page
        only = (await c.get("/audit", params={"action": "signin"})).text
        assert "Başvuru kararı" not in only.split("<tbody>")[1]
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        assert (await c.get("/audit")).status_code == 403
