"""The one Starlette app: channel webhooks, health and metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot import institution_metrics
from bot.metrics import Registry
from storage.db import Database

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Pingable(Protocol):
    async def ping(self) -> bool: ...


def build_web_app(db: Pingable, metrics: Registry, routes: Sequence[BaseRoute]) -> Starlette:
    """Serves GET /healthz, GET /metrics and the routes the channels bring."""

    async def healthz(_request: Request) -> Response:
        if await db.ping():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    async def render_metrics(_request: Request) -> Response:
        text = metrics.render()
        if isinstance(db, Database):  # the dashboard's counts, from the shared database
            text += await institution_metrics.render(db)
        return PlainTextResponse(text, media_type=PROMETHEUS_CONTENT_TYPE)

    own: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", render_metrics, methods=["GET"]),
    ]
    return Starlette(routes=[*own, *routes])
