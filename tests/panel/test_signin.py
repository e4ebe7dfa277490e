"""Signing in: passwords, throttling, sessions that end, cookies, CSRF on the sign-in form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from storage import staff_store
from tests.panel.rig import PASSWORD, Rig, csrf_of, form_token, panel_rig, sign_in

pytestmark = pytest.mark.asyncio


async def test_sign_in_opens_the_panel_and_is_audited(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        assert (await c.get("/applications")).headers["location"].startswith("/signin?next=")
        done = await sign_in(c, "Ayse@MF.test ")
        assert done.status_code == 303
        assert done.headers["location"] == "/"
        cookie = done.headers["set-cookie"]
        assert "mf_panel=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain HTTP on the office network
        page = await c.get("/applications")
        assert page.status_code == 200
        assert "Başvurular" in page.text
    rows = await rig.audit("signin")
    assert [(r.actor, r.target, r.address) for r in rows] == [
        ("ayse@mf.test", "ayse@mf.test", "10.0.0.5")
    ]


async def test_wrong_password_and_unknown_account_get_the_same_answer(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        wrong = await sign_in(c, "ayse@mf.test", "yanlis-sifre-1")
        unknown = await sign_in(c, "kimse@mf.test", "yanlis-sifre-1")
        for answer in (wrong, unknown):
            assert answer.status_code == 401
            assert "E-posta adresi ya da şifre yanlış." in answer.text
            assert "mf_panel=" not in answer.headers.get("set-cookie", "")
        assert (await c.get("/applications")).status_code == 303
    assert len(await rig.audit(staff_store.SIGNIN_FAILED)) == 2


async def test_sign_in_without_the_form_token_is_refused(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        forged = await c.post("/signin", data={"email": "ayse@mf.test", "password": PASSWORD})
        assert forged.status_code == 403
        assert "mf_panel=" not in forged.headers.get("set-cookie", "")


async def test_an_account_is_throttled_after_five_failures(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        for _ in range(5):
            assert (await sign_in(c, "ayse@mf.test", "yanlis-sifre-1")).status_code == 401
        blocked = await sign_in(c, "ayse@mf.test")  # even the right password waits now
        assert blocked.status_code == 429
        assert "15 dakika sonra" in blocked.text
    rig.advance(timedelta(minutes=16))
    async with rig.client() as c:
        assert (await sign_in(c, "ayse@mf.test")).status_code == 303
    assert len(await rig.audit("signin_throttled")) == 1


async def test_an_address_is_throttled_across_accounts(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        for n in range(20):
            await sign_in(c, f"deneme{n}@mf.test", "yanlis-sifre-1")
        assert (await sign_in(c, "ayse@mf.test")).status_code == 429
    async with rig.client(client=("10.0.0.9", 4000)) as other:
        assert (await sign_in(other, "ayse@mf.test")).status_code == 303


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    tmp_path: Path, seeded_db: Path
) -> None:
    async with panel_rig(tmp_path, seeded_db, panel_trusted_proxies="127.0.0.1") as rig:
        await rig.add_staff("ayse@mf.test")
        async with rig.client(client=("127.0.0.1", 1)) as c:
            for n in range(20):
                headers = {"X-Forwarded-For": "203.0.113.7"}
                page = await c.get("/signin", headers=headers)
                await c.post(
                    "/signin",
                    headers=headers,
                    data={"email": f"x{n}@mf.test", "password": "x", "csrf": csrf_of(page.text)},
                )
            other = {"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"}
            page = await c.get("/signin", headers=other)
            assert "Secure" in page.headers["set-cookie"]
            # The client speaks plain HTTP to us (the proxy holds TLS): send the cookie by hand.
            signin_cookie = page.headers["set-cookie"].split(";")[0]
            good = await c.post(
                "/signin",
                headers={**other, "Cookie": signin_cookie},
                data={"email": "ayse@mf.test", "password": PASSWORD, "csrf": csrf_of(page.text)},
            )
            assert good.status_code == 303
            assert "Secure" in good.headers["set-cookie"]  # HTTPS per the trusted proxy
        addresses = {r.address for r in await rig.audit(staff_store.SIGNIN_FAILED)}
        assert addresses == {"203.0.113.7"}


async def test_an_untrusted_peer_cannot_claim_another_address_or_https(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        page = await c.get("/signin")
        done = await c.post(
            "/signin",
            headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"},
            data={"email": "ayse@mf.test", "password": PASSWORD, "csrf": csrf_of(page.text)},
        )
        assert "Secure" not in done.headers["set-cookie"]
    assert (await rig.audit("signin"))[0].address == "10.0.0.5"


async def test_https_requests_get_secure_cookies(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client(base_url="https://panel.test") as c:
        done = await sign_in(c, "ayse@mf.test")
        assert "Secure" in done.headers["set-cookie"]


async def test_idle_sessions_end(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        rig.advance(timedelta(minutes=29))
        assert (await c.get("/applications")).status_code == 200  # activity keeps it alive
        rig.advance(timedelta(minutes=29))
        assert (await c.get("/applications")).status_code == 200
        rig.advance(timedelta(minutes=31))
        gone = await c.get("/applications")
        assert gone.status_code == 303
        assert gone.headers["location"].startswith("/signin")
        csrf_less = await c.post("/applications/bulk", data={"action": "accept"})
        assert csrf_less.status_code == 403


async def test_sign_out_ends_the_session(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        cookie = c.cookies.get("mf_panel")
        token = await form_token(c)
        out = await c.post("/signout", data={"csrf": token})
        assert out.status_code == 303
        c.cookies.set("mf_panel", cookie or "")  # a stolen copy of the old cookie
        assert (await c.get("/applications")).status_code == 303
    assert [r.action for r in await rig.audit("signout")] == ["signout"]


async def test_a_temporary_password_must_be_changed_first(rig: Rig) -> None:
    await rig.add_staff("can@mf.test", must_change=True)
    async with rig.client() as c:
        done = await sign_in(c, "can@mf.test")
        assert done.headers["location"] == "/password"
        assert (await c.get("/applications")).headers["location"] == "/password"
        token = await form_token(c, "/password")
        short = await c.post(
            "/password", data={"csrf": token, "current": PASSWORD, "new": "kisa", "again": "kisa"}
        )
        assert short.status_code == 400
        assert "en az 10 karakter" in short.text
        new = "yepyeni-sifre-42"
        ok = await c.post(
            "/password", data={"csrf": token, "current": PASSWORD, "new": new, "again": new}
        )
        assert ok.status_code == 303
        assert (await c.get("/applications")).status_code == 200
    async with rig.client() as c:
        assert (await sign_in(c, "can@mf.test", new)).headers["location"] == "/"


async def test_a_disabled_account_cannot_sign_in_and_is_signed_out(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        async with rig.db.write() as conn:
            member = await staff_store.staff_by_email(conn, "ayse@mf.test")
            assert member is not None
            await staff_store.set_disabled(conn, member.id, True)
        assert (await c.get("/applications")).status_code == 303
        assert (await sign_in(c, "ayse@mf.test")).status_code == 401


async def test_sign_in_only_follows_local_next_addresses(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        evil = await sign_in(c, "ayse@mf.test", next="//evil.example/x")
        assert evil.headers["location"] == "/"
    async with rig.client() as c:
        good = await sign_in(c, "ayse@mf.test", next="/applications?status=pending")
        assert good.headers["location"] == "/applications?status=pending"


async def test_pages_carry_protective_headers(rig: Rig) -> None:
    async with rig.client() as c:
        page = await c.get("/signin")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert 'for="email"' in page.text
    assert 'name="password"' in page.text


async def test_staff_pages_are_not_cached_and_huge_bodies_are_refused(rig: Rig) -> None:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        page = await c.get("/applications")
        assert page.headers["cache-control"] == "no-store"
        token = await form_token(c)
        huge = await c.post(
            "/applications/bulk",
            content=b"csrf=" + token.encode() + b"&x=" + b"a" * (26 * 1024 * 1024),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert huge.status_code == 413

        boundary = b"sinir"

        async def chunks() -> AsyncIterator[bytes]:
            # A file sent without its length: cut off at the limit all the same.
            yield (
                b"--"
                + boundary
                + b'\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
                + token.encode()
                + b"\r\n--"
                + boundary
                + b'\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n'
                + b"Content-Type: application/octet-stream\r\n\r\n"
            )
            for _ in range(27):
                yield b"a" * (1024 * 1024)
            yield b"\r\n--" + boundary + b"--\r\n"

        chunked = await c.post(
            "/applications/bulk",
            content=chunks(),
            headers={"content-type": "multipart/form-data; boundary=sinir"},
        )
        assert chunked.status_code == 413
