"""The audit trail, for admins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.panel.base import STATUS_LABELS, panel_of, render, staff_page
from storage import staff_store

PER_PAGE = 100
ACTION_LABELS = {
    "signin": "Giriş",
    "signin_failed": "Hatalı giriş",
    "signin_throttled": "Giriş durduruldu",
    "signout": "Çıkış",
    "password_changed": "Şifre değişti",
    "decision": "Başvuru kararı",
    "id_revealed": "Kimlik no gösterildi",
    "session_cancelled": "Ders iptal",
    "session_moved": "Ders taşındı",
    "catalog_uploaded": "Katalog yüklendi",
    "trainees_uploaded": "Kursiyer listesi yüklendi",
    "export": "Dışa aktarma",
    "staff_added": "Personel eklendi",
    "staff_disabled": "Personel kapatıldı",
    "password_reset": "Şifre sıfırlandı",
}


DETAIL_LABELS = {
    "reason": "gerekçe",
    "told": "bildirildi",
    "role": "rol",
    "centres": "merkezler",
    "format": "biçim",
    "rows": "satır",
    "course": "kurs",
    "from": "önce",
    "to": "sonra",
    "disabled": "hesap kapalı",
    "centre": "merkez",
    "status": "durum",
    "since": "başlangıç",
    "until": "bitiş",
    "q": "arama",
}


def describe(action: str, detail: dict[str, Any]) -> str:
    """An audit row's details as a short Turkish line."""
    if action == "decision":
        parts = [f"{STATUS_LABELS.get(detail.get('from', ''), detail.get('from', ''))} → "
                 f"{STATUS_LABELS.get(detail.get('to', ''), detail.get('to', ''))}"]  # fmt: skip
        if detail.get("reason"):
            parts.append(f"gerekçe: {detail['reason']}")
        parts.append("başvurana bildirildi" if detail.get("told") else "bildirim yok")
        return "; ".join(parts)
    out = []
    for key, value in detail.items():
        if value in ("", None, [], {}):
            continue
        if isinstance(value, bool):
            value = "evet" if value else "hayır"
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        out.append(f"{DETAIL_LABELS.get(key, key)}: {value}")
    return "; ".join(out)


@staff_page(admin=True)
async def audit_page(request: Request) -> Response:
    panel = panel_of(request)
    params = request.query_params
    try:
        before = int(params["before"]) if params.get("before") else None
    except ValueError:
        before = None
    actor = params.get("actor", "").strip()[:254] or None
    action = params.get("action", "").strip()[:40] or None
    async with panel.db.read() as conn:
        rows = await staff_store.audit_rows(
            conn, actor=actor, action=action, before_id=before, limit=PER_PAGE + 1
        )
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    return render(
        request,
        "audit.html",
        rows=rows,
        more=more,
        next_before=rows[-1].id if rows else None,
        actor=actor or "",
        action=action or "",
        labels=ACTION_LABELS,
        describe=describe,
    )


ROUTES = [Route("/audit", audit_page, methods=["GET"])]
