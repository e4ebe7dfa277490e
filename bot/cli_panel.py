"""The panel's commands: `staff add|list|disable|reset-password`, `audit export`, `panel`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AUDIT_COLUMNS = ["id", "at", "actor", "action", "target", "detail", "address"]


def add_parsers(sub: Any) -> None:
    st = sub.add_parser("staff", help="personel panelinin hesapları")
    st_sub = st.add_subparsers(dest="staff_command", metavar="ALT-KOMUT", required=True)
    add = st_sub.add_parser("add", help="personel hesabı aç (geçici şifre bir kez gösterilir)")
    add.add_argument("email")
    add.add_argument("--name", required=True, help="ad soyad")
    add.add_argument("--role", required=True, choices=["admin", "centre"])
    add.add_argument(
        "--centre", "--center", dest="centres", action="append", default=[], metavar="CENTER_ID",
        help="merkez kimliği (centre rolünde en az bir; birden çok verilebilir)",
    )  # fmt: skip
    add.add_argument(
        "--password-stdin", action="store_true", help="şifreyi standart girdiden oku (tek satır)"
    )
    st_sub.add_parser("list", help="hesapları listele")
    dis = st_sub.add_parser("disable", help="hesabı kapat (açık oturumları da kapanır)")
    dis.add_argument("email")
    rst = st_sub.add_parser("reset-password", help="yeni geçici şifre ver (bir kez gösterilir)")
    rst.add_argument("email")

    au = sub.add_parser("audit", help="personel işlemlerinin denetim kaydı")
    au_sub = au.add_subparsers(dest="audit_command", metavar="ALT-KOMUT", required=True)
    ex = au_sub.add_parser("export", help="denetim kaydını dışa aktar")
    ex.add_argument("--format", choices=["csv", "json"], default="csv")
    ex.add_argument("--output", type=Path)

    sub.add_parser("panel", help="yalnızca personel panelini çalıştır")


async def staff_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from bot.panel.passwords import hash_password, one_time_password, password_problem
    from storage import staff_store
    from storage.panel_queries import centre_ids

    email = staff_store.normal_email(args.email)
    if not _EMAIL.match(email):
        print(f"{args.email}: geçerli bir e-posta adresi değil.", file=sys.stderr)
        return 2
    centres = tuple(dict.fromkeys(c.strip() for c in args.centres if c.strip()))
    if args.role == "centre" and not centres:
        print("centre rolü için en az bir --centre MERKEZ gerekli.", file=sys.stderr)
        return 2
    if args.role == "admin" and centres:
        print("admin bütün merkezleri görür; --centre verilmez.", file=sys.stderr)
        return 2
    shown = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        problem = password_problem(password, email=email)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    else:
        password = shown = one_time_password()
    db, _ = await open_database(settings)
    try:
        async with db.write() as conn:
            unknown = sorted(set(centres) - await centre_ids(conn))
            if unknown:
                print(f"Böyle merkez yok: {', '.join(unknown)}", file=sys.stderr)
                return 2
            if await staff_store.staff_by_email(conn, email):
                print(f"{email}: bu adresle bir hesap zaten var.", file=sys.stderr)
                return 1
            now = datetime.now(UTC)
            await staff_store.add_staff(
                conn,
                email=email,
                name=args.name,
                role=args.role,
                centres=centres,
                password_hash=hash_password(password),
                must_change=shown is not None,
                now=now,
            )
            await staff_store.audit(
                conn,
                actor="cli",
                action="staff_added",
                now=now,
                target=email,
                detail={"role": args.role, "centres": list(centres)},
            )
    finally:
        await db.dispose()
    print(f"{email}: hesap açıldı ({args.role}).")
    if shown:
        print(f"Geçici şifre (bir kez gösterilir, ilk girişte değiştirilecek): {shown}")
    return 0


async def staff_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from storage import staff_store

    db, _ = await open_database(settings)
    try:
        async with db.read() as conn:
            members = await staff_store.all_staff(conn)
    finally:
        await db.dispose()
    if not members:
        print(
            "Personel hesabı yok. Açmak için: meslek-bot staff add E-POSTA --name AD --role admin"
        )
    for m in members:
        state = "kapalı" if m.disabled else ("geçici şifre" if m.must_change else "açık")
        where = ",".join(m.centres) or "tüm merkezler"
        last = f"{m.last_sign_in_at:%Y-%m-%d %H:%M}" if m.last_sign_in_at else "-"
        print(f"{m.email:<32} {m.role:<7} {state:<13} {where:<30} son giriş: {last}  {m.name}")
    return 0


async def _member_change(args: argparse.Namespace, settings: Settings, *, reset: bool) -> int:
    from bot.app import open_database
    from bot.panel.passwords import hash_password, one_time_password
    from storage import staff_store

    db, _ = await open_database(settings)
    shown = one_time_password() if reset else None
    try:
        async with db.write() as conn:
            member = await staff_store.staff_by_email(conn, args.email)
            if member is None:
                print(f"{args.email}: böyle bir hesap yok.", file=sys.stderr)
                return 1
            now = datetime.now(UTC)
            if shown is not None:
                await staff_store.set_password(
                    conn, member.id, hash_password(shown), must_change=True
                )
                await staff_store.set_disabled(conn, member.id, False)
                await staff_store.end_sessions(conn, member.id)
            else:
                await staff_store.set_disabled(conn, member.id, True)
            await staff_store.audit(
                conn,
                actor="cli",
                action="password_reset" if reset else "staff_disabled",
                now=now,
                target=member.email,
            )
    finally:
        await db.dispose()
    if shown:
        print(f"{member.email}: yeni geçici şifre (bir kez gösterilir): {shown}")
    else:
        print(f"{member.email}: hesap kapatıldı; açık oturumları sonlandırıldı.")
    return 0


async def staff_disable(args: argparse.Namespace, settings: Settings) -> int:
    return await _member_change(args, settings, reset=False)


async def staff_reset(args: argparse.Namespace, settings: Settings) -> int:
    return await _member_change(args, settings, reset=True)


async def audit_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from storage import staff_store
    from storage.exports import safe_text
    from storage.files import write_private

    db, _ = await open_database(settings)
    try:
        async with db.read() as conn:
            rows = await staff_store.audit_rows(conn)
    finally:
        await db.dispose()
    rows.reverse()  # oldest first
    records = [
        {
            "id": r.id,
            "at": r.at.astimezone(settings.tz).isoformat(timespec="seconds"),
            "actor": r.actor,
            "action": r.action,
            "target": r.target,
            "detail": r.detail,
            "address": r.address,
        }
        for r in rows
    ]
    if args.format == "json":
        text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=AUDIT_COLUMNS)
        writer.writeheader()
        for rec in records:
            detail = json.dumps(rec["detail"], ensure_ascii=False, sort_keys=True)
            writer.writerow(
                {**rec, "actor": safe_text(str(rec["actor"])),
                 "target": safe_text(str(rec["target"])), "detail": safe_text(detail)}
            )  # fmt: skip
        text = buf.getvalue()
    if args.output:
        write_private(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


async def panel(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run import serve_panel_only

    return await serve_panel_only(settings)


COMMANDS = {
    ("staff", "add"): staff_add,
    ("staff", "list"): staff_list,
    ("staff", "disable"): staff_disable,
    ("staff", "reset-password"): staff_reset,
    ("audit", "export"): audit_export,
    ("panel",): panel,
}
