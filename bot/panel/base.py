"""What every page shares: the panel's parts, the signed-in person, rendering, guards."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot.panel.security import (
    COOKIE,
    PanelConfig,
    client_address,
    is_https,
    same,
    session_id,
    unsign,
)
from storage import staff_store
from storage.crypto import IdVault
from storage.db import Database
from storage.staff_store import StaffMember

HERE = Path(__file__).parent
Handler = Callable[[Request], Awaitable[Response]]

STATUS_LABELS = {
    "pending": "Bekliyor",
    "waitlisted": "Yedekte",
    "accepted": "Kabul edildi",
    "rejected": "Reddedildi",
    "cancelled": "İptal edildi",
}
ROLE_LABELS = {"admin": "Yönetici", "centre": "Merkez personeli"}


def _clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Panel:
    """The panel's long-lived parts, kept on `app.state.panel`."""

    db: Database
    vault: IdVault
    config: PanelConfig
    tz: ZoneInfo
    templates: Jinja2Templates
    clock: Callable[[], datetime] = _clock
    # MF_WHATSAPP_TEMPLATES (kind → name, language): what an announcement preview may promise.
    templates_config: dict[str, tuple[str, str]] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()


@dataclass(frozen=True, slots=True)
class Who:
    """The signed-in person on this request."""

    member: StaffMember
    session: str  # the session's id (hash of the cookie token)
    csrf: str
    address: str

    @property
    def scope(self) -> frozenset[str] | None:
        return self.member.scope

    @property
    def actor(self) -> str:
        return self.member.email


def panel_of(request: Request) -> Panel:
    panel: Panel = request.app.state.panel
    return panel


def who(request: Request) -> Who:
    found: Who = request.state.who
    return found


def make_templates(tz: ZoneInfo) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env

    def when(value: datetime | None, fmt: str = "d MMMM y HH:mm") -> str:
        if value is None:
            return "—"
        return format_datetime(value.astimezone(tz), fmt, locale="tr")

    def day(value: Any, fmt: str = "d MMMM y") -> str:
        return "—" if value is None else format_date(value, fmt, locale="tr")

    env.filters["when"] = when
    env.filters["day"] = day
    env.filters["status"] = lambda s: STATUS_LABELS.get(s, s)
    env.globals["STATUS_LABELS"] = STATUS_LABELS
    env.globals["ROLE_LABELS"] = ROLE_LABELS
    env.globals["urlencode"] = urlencode
    return templates


def param_text(params: QueryParams | FormData, name: str, limit: int = 100) -> str:
    """A text parameter of a query or form, trimmed and cut to `limit` ("" when missing)."""
    value = params.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def param_day(text: str | None) -> date | None:
    """An ISO date typed in a date field; None when empty or impossible."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def page_number(params: QueryParams) -> int:
    """The `page` parameter of a paged list (1 when missing or nonsense)."""
    try:
        return max(1, min(int(params.get("page", "1")), 100_000))
    except ValueError:
        return 1


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    panel = panel_of(request)
    found: Who | None = getattr(request.state, "who", None)
    context.setdefault("who", found)
    context.setdefault("csrf", found.csrf if found else "")
    context.setdefault("done", request.query_params.get("done", ""))
    return panel.templates.TemplateResponse(request, name, context, status_code=status_code)


def back(url: str, **params: str | int) -> RedirectResponse:
    """A redirect after a POST (303: the browser then GETs), with a note for the next page."""
    query = urlencode({k: v for k, v in params.items() if v != ""})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


async def current(request: Request) -> Who | None:
    """The signed-in person, or None; sessions idle too long (or too old) are closed."""
    panel = panel_of(request)
    token = unsign(panel.config.secret, request.cookies.get(COOKIE))
    if token is None:
        return None
    sid = session_id(token)
    now = panel.now()
    async with panel.db.read() as conn:
        session = await staff_store.find_session(conn, sid)
        member = await staff_store.staff_by_id(conn, session.staff_id) if session else None
    if session is None or member is None:
        return None
    idle = now - session.last_seen_at > panel.config.idle
    old = now - session.created_at > panel.config.lifetime
    if idle or old or member.disabled:
        async with panel.db.write() as conn:
            await staff_store.close_session(conn, sid)
        return None
    if (now - session.last_seen_at).total_seconds() > 30:  # one write a minute at most
        async with panel.db.write() as conn:
            await staff_store.touch_session(conn, sid, now)
    address = client_address(request, panel.config.trusted_proxies)
    return Who(member=member, session=sid, csrf=session.csrf, address=address)


def staff_page(
    *, admin: bool = False, password_change: bool = False
) -> Callable[[Handler], Handler]:
    """Guards a page: signed in (else to sign-in), admin when asked, CSRF on every POST."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: Request) -> Response:
            found = await current(request)
            if found is None:
                if request.method != "GET":
                    raise HTTPException(403, "Oturumunuz kapanmış; yeniden giriş yapın.")
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                return back("/signin", next=target)
            request.state.who = found
            if found.member.must_change and not password_change:
                return back("/password")
            if admin and not found.member.is_admin:
                raise HTTPException(403, "Bu sayfa yalnızca yöneticiler içindir.")
            try:
                if request.method == "POST":
                    form = await request.form()
                    sent = form.get("csrf")
                    if not isinstance(sent, str) or not same(sent, found.csrf):
                        raise HTTPException(
                            403, "Form süresi dolmuş ya da geçersiz; sayfayı yenileyin."
                        )
                response = await handler(request)
            finally:
                await request.close()  # the form's uploaded files, if any
            # Pages with citizens' data stay out of the browser's cache (shared office PCs).
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return guarded

    return wrap


def secure_cookie(request: Request) -> bool:
    return is_https(request, panel_of(request).config.trusted_proxies)


def not_found() -> HTTPException:
    return HTTPException(404, "Aradığınız kayıt bulunamadı ya da sizin merkezinize ait değil.")
