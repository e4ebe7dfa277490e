"""Staff commands: decisions on applications, exports, callback requests."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.decisions import DECISIONS
from bot.settings import Settings
from core.checks import clean_text


def add_parsers(sub: Any) -> None:
    """Adds `applications` and `requests` to the command line."""
    apps = sub.add_parser("applications", help="başvurular: liste, karar, dışa aktarma")
    apps_sub = apps.add_subparsers(dest="applications_command", metavar="ALT-KOMUT", required=True)
    lst = apps_sub.add_parser("list", help="başvuruları listele")
    lst.add_argument(
        "--status", choices=["pending", "waitlisted", "accepted", "rejected", "cancelled"]
    )
    for name, text in (("accept", "kabul et"), ("reject", "reddet"), ("waitlist", "yedeğe al")):
        p = apps_sub.add_parser(name, help=f"başvuruyu {text}; başvurana bildirilir")
        p.add_argument("number")
        p.add_argument("--reason", help="gerekçe (ret kararında başvurana da yazılır)")
    exp = apps_sub.add_parser("export", help="bütün başvuruları dışa aktar")
    exp.add_argument("--format", choices=["csv", "xlsx", "json"], required=True)
    exp.add_argument("--output", type=Path)
    exp.add_argument("--reveal-ids", action="store_true", help="kimlik numaralarını maskesiz yaz")

    req = sub.add_parser("requests", help="geri arama istekleri")
    req_sub = req.add_subparsers(dest="requests_command", metavar="ALT-KOMUT", required=True)
    rl = req_sub.add_parser("list", help="açık istekleri listele")
    rl.add_argument("--all", action="store_true", help="kapananlar da")
    rd = req_sub.add_parser("done", help="isteği kapat")
    rd.add_argument("id", type=int)


async def applications_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database, open_vault
    from storage.staff_repo import application_rows

    db, _ = await open_database(settings)
    try:
        async with db.read() as conn:
            rows = await application_rows(
                conn, open_vault(settings), settings.tz, status=args.status
            )
    finally:
        await db.dispose()
    if not rows:
        print("Başvuru yok.")
    for r in rows:
        name = clean_text(str(r["full_name"]), multiline=False)
        print(
            f"{r['number']}  {r['status']:<10} {r['course']:<28} {name:<24} "
            f"{r['national_id']}  {r['phone']}  {r['created_at'][:16]}"
        )
    return 0


async def applications_decide(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database, open_vault
    from bot.decisions import DecisionError, decide

    status = DECISIONS[args.applications_command]
    db, _ = await open_database(settings)
    try:
        async with db.write() as conn:
            done = await decide(
                conn,
                open_vault(settings),
                datetime.now(UTC),
                args.number,
                status,
                actor="cli",
                reason=args.reason or "",
            )
    except DecisionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(f"{args.number}: {done.before} → {status}")
    return 0


async def applications_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database, open_vault
    from storage.exports import applications_csv, applications_json, applications_xlsx
    from storage.files import write_private
    from storage.staff_repo import application_rows

    db, _ = await open_database(settings)
    try:
        async with db.read() as conn:
            rows = await application_rows(
                conn, open_vault(settings), settings.tz, reveal_ids=args.reveal_ids
            )
    finally:
        await db.dispose()
    if args.format == "xlsx":
        if args.output is None:
            print("xlsx için --output DOSYA gerekli.", file=sys.stderr)
            return 2
        write_private(args.output, applications_xlsx(rows))
        return 0
    if args.format == "json":
        text = applications_json(rows)
        if args.output:
            write_private(args.output, text.encode("utf-8"))
        else:
            sys.stdout.write(text)
        return 0
    if args.output:  # a file is for Excel: UTF-8 with a BOM, so Turkish letters show right
        write_private(args.output, applications_csv(rows))
    else:
        sys.stdout.write(applications_csv(rows, bom=False).decode("utf-8"))
    return 0


async def requests_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from storage.staff_repo import callback_rows

    db, _ = await open_database(settings)
    try:
        async with db.read() as conn:
            rows = await callback_rows(conn, include_done=args.all)
    finally:
        await db.dispose()
    if not rows:
        print("Açık istek yok.")
    for r in rows:
        state = "kapandı" if r["done_at"] else "açık"
        when = f"{r['created_at']:%Y-%m-%d %H:%M}"
        # Stored text may predate the check at the door (bot/engine.py): never print it raw.
        question, phone = (clean_text(str(r[k]), multiline=False) for k in ("question", "phone"))
        print(f"#{r['id']}  {state:<7} {phone}  {when}  {question}")
    return 0


async def requests_done(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from storage.staff_repo import close_callback

    db, _ = await open_database(settings)
    try:
        async with db.write() as conn:
            closed = await close_callback(conn, args.id, datetime.now(UTC))
    finally:
        await db.dispose()
    if not closed:
        print(f"#{args.id}: açık böyle bir istek yok.", file=sys.stderr)
        return 1
    print(f"#{args.id} kapatıldı.")
    return 0
