"""Builds the staff panel's Starlette application."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartParser
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.panel import (
    views_announcements,
    views_applications,
    views_audit,
    views_auth,
    views_courses,
    views_dashboard,
    views_inbox,
    views_unanswered,
    views_uploads,
)
from bot.panel.base import HERE, Panel, make_templates, render
from bot.panel.security import PanelConfig
from bot.settings import Settings
from storage.crypto import IdVault
from storage.db import Database

log = logging.getLogger(__name__)

# Every asset is served from here; nothing from elsewhere may run or load.
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
MAX_FORM_BYTES = 25 * 1024 * 1024  # uploads included
# An uploaded file is kept in memory, never spooled to a temporary file on disk (trainee lists
# hold names, phones and national ids); the body limit above bounds that memory.
MultiPartParser.spool_max_size = MAX_FORM_BYTES + 1024 * 1024


class SecurityHeaders:
    """Adds the headers above to every response, and refuses oversized request bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_FORM_BYTES:
            response = Response("İstek çok büyük.", status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def counted(  # a body sent without its length is cut off at the same limit
        ) -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_FORM_BYTES:
                    raise HTTPException(413, "Dosya çok büyük (en fazla 25 MB).")
            return message

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].extend(HEADERS)
            await send(message)

        await self.app(scope, counted, with_headers)


def panel_config(settings: Settings, vault_secret: str) -> PanelConfig:
    if settings.panel_secret is not None:
        secret = settings.panel_secret.get_secret_value().encode("utf-8")
    else:
        root = hashlib.sha256(vault_secret.encode("utf-8")).digest()
        secret = hmac.new(root, b"meslek-panel-cookies", hashlib.sha256).digest()
    return PanelConfig(
        secret=secret,
        idle=timedelta(minutes=settings.panel_idle_minutes),
        trusted_proxies=settings.trusted_proxies,
    )


async def _error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Beklenmeyen bir hata oluştu."
    if status == 405:
        detail = "Bu adres bu şekilde kullanılamaz."
    if status == 404 and detail in ("Not Found", ""):
        detail = "Aradığınız sayfa bulunamadı."
    return render(request, "error.html", status_code=status, status=status, detail=detail)


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("panel error on %s %s", request.method, request.url.path, exc_info=exc)
    return render(
        request, "error.html", status_code=500, status=500, detail="Beklenmeyen bir hata oluştu."
    )


def build_panel_app(
    db: Database,
    vault: IdVault,
    settings: Settings,
    config: PanelConfig,
    *,
    clock: Callable[[], datetime] | None = None,
    extra: list[BaseRoute] | None = None,
) -> Starlette:
    panel = Panel(
        db=db,
        vault=vault,
        config=config,
        tz=settings.tz,
        templates=make_templates(settings.tz),
        clock=clock or (lambda: datetime.now(UTC)),
        templates_config=settings.templates,
    )
    routes: list[BaseRoute] = [
        *views_auth.ROUTES,
        *views_applications.ROUTES,
        *views_audit.ROUTES,
        *views_courses.ROUTES,
        *views_inbox.ROUTES,
        *views_dashboard.ROUTES,
        *views_announcements.ROUTES,
        *views_unanswered.ROUTES,
        *views_uploads.ROUTES,
        *(extra or []),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: _error, Exception: _crash},
    )
    app.state.panel = panel
    return app
