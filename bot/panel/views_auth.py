"""Signing in and out, and changing one's password."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.panel.base import back, panel_of, render, secure_cookie, staff_page, who
from bot.panel.passwords import hash_password, password_problem, verify_password
from bot.panel.security import (
    COOKIE,
    SIGNIN_COOKIE,
    client_address,
    new_token,
    same,
    session_id,
    sign,
    unsign,
)
from storage import staff_store

THROTTLED = (
    "Çok fazla hatalı deneme yapıldı. Güvenliğiniz için girişi bir süre durdurduk; "
    "{minutes} dakika sonra yeniden deneyin."
)
WRONG = "E-posta adresi ya da şifre yanlış."


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme) is followed after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _signin_page(
    request: Request, *, error: str = "", email: str = "", status: int = 200
) -> Response:
    panel = panel_of(request)
    token = unsign(panel.config.secret, request.cookies.get(SIGNIN_COOKIE)) or new_token()
    response = render(
        request,
        "signin.html",
        status_code=status,
        error=error,
        email=email,
        next=_safe_next(request.query_params.get("next")),
        signin_csrf=token,
    )
    response.set_cookie(
        SIGNIN_COOKIE,
        sign(panel.config.secret, token),
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path="/signin",
    )
    return response


async def signin_form(request: Request) -> Response:
    return _signin_page(request)


async def signin(request: Request) -> Response:
    panel = panel_of(request)
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")[:256]
    expected = unsign(panel.config.secret, request.cookies.get(SIGNIN_COOKIE))
    if not same(str(form.get("csrf") or ""), expected):
        return _signin_page(
            request, error="Form süresi dolmuş; lütfen yeniden deneyin.", email=email, status=403
        )
    address = client_address(request, panel.config.trusted_proxies)
    now = panel.now()
    window = panel.config.failure_window
    async with panel.db.read() as conn:
        by_account, by_address = await staff_store.recent_failures(
            conn, email=email, address=address, since=now - window
        )
        member = await staff_store.staff_by_email(conn, email) if email else None
    minutes = int(window.total_seconds() // 60)
    if by_account >= panel.config.account_failures or by_address >= panel.config.address_failures:
        async with panel.db.write() as conn:
            await staff_store.audit(
                conn,
                actor=staff_store.normal_email(email) or "-",
                action="signin_throttled",
                now=now,
                target=staff_store.normal_email(email),
                address=address,
            )
        return _signin_page(
            request, error=THROTTLED.format(minutes=minutes), email=email, status=429
        )
    ok = await asyncio.to_thread(
        verify_password, member.password_hash if member else None, password
    )
    if not ok or member is None or member.disabled:
        async with panel.db.write() as conn:
            await staff_store.audit(
                conn,
                actor=staff_store.normal_email(email) or "-",
                action=staff_store.SIGNIN_FAILED,
                now=now,
                target=staff_store.normal_email(email),
                detail={"disabled": True} if (ok and member and member.disabled) else {},
                address=address,
            )
        return _signin_page(request, error=WRONG, email=email, status=401)
    token = new_token()
    async with panel.db.write() as conn:
        await staff_store.open_session(
            conn, session_id(token), member.id, new_token(), address, now
        )
        await staff_store.signed_in(conn, member.id, now)
        await staff_store.drop_idle_sessions(conn, now - panel.config.idle)
        await staff_store.audit(
            conn,
            actor=member.email,
            action=staff_store.SIGNED_IN,
            now=now,
            target=member.email,
            address=address,
        )
    target = "/password" if member.must_change else _safe_next(str(form.get("next") or ""))
    response = back(target)
    response.set_cookie(
        COOKIE,
        sign(panel.config.secret, token),
        httponly=True,
        samesite="lax",
        secure=secure_cookie(request),
        path="/",
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


@staff_page(password_change=True)
async def signout(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    async with panel.db.write() as conn:
        await staff_store.close_session(conn, me.session)
        await staff_store.audit(
            conn, actor=me.actor, action="signout", now=panel.now(), address=me.address
        )
    response = back("/signin", done="signed_out")
    response.delete_cookie(COOKIE, path="/")
    return response


@staff_page(password_change=True)
async def password_form(request: Request) -> Response:
    return render(request, "password.html", error="")


@staff_page(password_change=True)
async def change_password(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    form = await request.form()
    current = str(form.get("current") or "")[:256]
    new = str(form.get("new") or "")[:256]
    again = str(form.get("again") or "")[:256]
    ok = await asyncio.to_thread(verify_password, me.member.password_hash, current)
    error = ""
    if not ok:
        error = "Şu anki şifreniz yanlış."
    elif new != again:
        error = "Yeni şifre ile tekrarı aynı değil."
    else:
        error = password_problem(new, email=me.member.email, current=current) or ""
    if error:
        return render(request, "password.html", status_code=400, error=error)
    hashed = await asyncio.to_thread(hash_password, new)
    async with panel.db.write() as conn:
        await staff_store.set_password(conn, me.member.id, hashed, must_change=False)
        await staff_store.end_sessions(conn, me.member.id, keep=me.session)
        await staff_store.audit(
            conn,
            actor=me.actor,
            action="password_changed",
            now=panel.now(),
            target=me.member.email,
            address=me.address,
        )
    return back("/", done="password")


ROUTES = [
    Route("/signin", signin_form, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/password", password_form, methods=["GET"]),
    Route("/password", change_password, methods=["POST"]),
]
