"""Signing in through the form, in a real browser."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.panel.browser.conftest import Served
from tests.panel.rig import PASSWORD


async def test_signing_in_lands_on_the_home_page(page: Page, served: Served) -> None:
    await served.rig.add_staff("ayse@mf.test")
    await page.goto("/applications")  # not signed in: sent to the form, and back afterwards
    await expect(page).to_have_url(f"{served.url}/signin?next=%2Fapplications")
    await page.goto("/signin")
    await page.get_by_label("E-posta", exact=True).fill("ayse@mf.test")
    await page.get_by_label("Şifre", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Giriş yap").click()
    await expect(page).to_have_url(f"{served.url}/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Merhaba Ayse")
    await expect(page.get_by_role("button", name="Çıkış (Ayse)")).to_be_visible()
    [cookie] = [c for c in await page.context.cookies() if c["name"] == "mf_panel"]
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Lax")


async def test_a_wrong_password_shows_the_error(page: Page, served: Served) -> None:
    await served.rig.add_staff("ayse@mf.test")
    await page.goto("/signin")
    await page.get_by_label("E-posta", exact=True).fill("ayse@mf.test")
    await page.get_by_label("Şifre", exact=True).fill(PASSWORD + "x")
    await page.get_by_role("button", name="Giriş yap").click()
    await expect(page.get_by_role("alert")).to_have_text("E-posta adresi ya da şifre yanlış.")
    await expect(page).to_have_url(f"{served.url}/signin")
    await expect(page.get_by_label("E-posta", exact=True)).to_have_value("ayse@mf.test")
    assert "mf_panel" not in {c["name"] for c in await page.context.cookies()}
    await page.goto("/applications")
    await expect(page).to_have_url(f"{served.url}/signin?next=%2Fapplications")
