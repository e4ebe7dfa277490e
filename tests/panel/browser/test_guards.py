"""What a browser cannot do: decide from another site's page, open another centre's record."""

from __future__ import annotations

import html

import pytest
from playwright.async_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.panel.browser.conftest import Served
from tests.panel.browser.served import serve, sign_in


def _bait(target: str) -> Starlette:
    """Another site: a page whose button posts a decision to the panel (with a guessed token)."""

    async def page(_request: Request) -> HTMLResponse:
        return HTMLResponse(
            "<!doctype html><title>Ödül</title>"
            f'<form method="post" action="{html.escape(target)}">'
            '<input type="hidden" name="action" value="accept">'
            '<input type="hidden" name="csrf" value="tahmin">'
            "<button>Ödülünü al</button></form>"
        )

    return Starlette(routes=[Route("/", page)])


@pytest.mark.parametrize(
    ("bait_host", "refusal"),
    [
        # Another origin on the same site (only the port differs): the session cookie goes
        # along, and the missing CSRF token is what stops the post.
        ("127.0.0.1", "Form süresi dolmuş ya da geçersiz"),
        # Another site: SameSite=Lax keeps the cookie off a cross-site POST.
        ("localhost", "Oturumunuz kapanmış"),
    ],
    ids=["same-site", "cross-site"],
)
async def test_a_page_from_elsewhere_cannot_decide(
    page: Page, served: Served, bait_host: str, refusal: str
) -> None:
    rig = served.rig
    course, branch = await rig.course_at((await rig.centres())[0])
    number = await rig.apply(course, branch)
    await rig.add_staff("ayse@mf.test")
    await sign_in(page, "ayse@mf.test")  # the victim is signed in to the panel
    async with serve(_bait(f"{served.url}/applications/{number}/decide")) as bait:
        await page.goto(bait.replace("127.0.0.1", bait_host) + "/")
        async with page.expect_response(lambda r: r.url.endswith("/decide")) as reply:
            await page.get_by_role("button", name="Ödülünü al").click()
        assert (await reply.value).status == 403
        await expect(page.locator("main")).to_contain_text(refusal)
    assert await rig.status(number) == "pending"
    assert await rig.audit("decision") == []
    # the victim's own page still decides: the refusal was the guard, not a broken form
    await page.goto(f"/applications/{number}")
    await page.get_by_role("button", name="Kabul et").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Başvuru kabul edildi; başvurana bildirildi."
    )
    assert await rig.status(number) == "accepted"


async def test_centre_staff_get_not_found_for_another_centres_application(
    page: Page, served: Served
) -> None:
    rig = served.rig
    mine, theirs = (await rig.centres())[:2]
    own = await rig.apply(*await rig.course_at(mine), name="Elif Demir")
    other = await rig.apply(*await rig.course_at(theirs), name="Mehmet Şahin")
    await rig.add_staff("can@mf.test", role="centre", centres=(mine,))
    await sign_in(page, "can@mf.test")
    opened = await page.goto(f"/applications/{own}")
    assert opened is not None
    assert opened.status == 200
    await expect(page.get_by_text("Elif Demir")).to_be_visible()
    refused = await page.goto(f"/applications/{other}")
    assert refused is not None
    assert refused.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bulunamadı")
    await expect(page.locator("main")).to_contain_text(
        "Aradığınız kayıt bulunamadı ya da sizin merkezinize ait değil."
    )
    await expect(page.locator("main")).not_to_contain_text("Mehmet Şahin")
    await page.goto("/applications")
    await expect(page.locator("table")).to_contain_text(own)
    await expect(page.locator("table")).not_to_contain_text(other)
