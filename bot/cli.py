"""The `meslek-bot` command line: the operator's and staff's door into the assistant."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot import cli_panel, cli_reminders, cli_staff
from bot.logs import setup as setup_logging
from bot.loop import run as run_loop
from bot.settings import ConfigError, Settings, load_settings

log = logging.getLogger("meslek")

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="meslek-bot",
        description="Meslek Asistanı — İzmir Büyükşehir Belediyesi Meslek Fabrikası asistanı.",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="ayrıntılı günlük")
    sub = p.add_subparsers(dest="command", metavar="KOMUT", required=True)

    sub.add_parser("run", help="kanalları, webhook sunucusunu ve hatırlatmaları çalıştır")

    chat = sub.add_parser(
        "chat", help="konsolda sohbet (Telegram ve WhatsApp'taki sohbetin aynısı)"
    )
    chat.add_argument("--user", help="konsol kullanıcı anahtarı (varsayılan console:local)")
    chat.add_argument("--json", action="store_true", help="satır başına bir JSON yanıt")

    und = sub.add_parser("understand", help="bir mesajdan ne anlaşıldığını yaz")
    und.add_argument("text", nargs="?", help="mesaj; verilmezse her girdi satırı bir mesaj")
    und.add_argument("--json", action="store_true", help="JSON çıktı")

    cat = sub.add_parser("catalog", help="kurs kataloğu: içe/dışa aktarma, sayımlar")
    cat_sub = cat.add_subparsers(dest="catalog_command", metavar="ALT-KOMUT", required=True)
    imp = cat_sub.add_parser(
        "import", help="kataloğu .xlsx, .csv (klasör/zip) ya da .yaml'dan yükle"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--replace", action="store_true", help="dosya kataloğun tamamı olur")
    imp.add_argument("--force", action="store_true", help="başvurusu olan kursları arşivle")
    exp = cat_sub.add_parser("export", help="kataloğu .xlsx, .csv, .zip ya da .yaml olarak yaz")
    exp.add_argument("file", type=Path)
    stats = cat_sub.add_parser("stats", help="katalog sayımları")
    stats.add_argument("--json", action="store_true")

    db = sub.add_parser("db", help="veritabanı")
    db_sub = db.add_subparsers(dest="db_command", metavar="ALT-KOMUT", required=True)
    db_sub.add_parser("upgrade", help="şema göçlerini uygula")

    cli_staff.add_parsers(sub)
    cli_reminders.add_parsers(sub)
    cli_panel.add_parsers(sub)

    bk = sub.add_parser("backup", help="çalışırken tutarlı veritabanı yedeği al")
    bk.add_argument("file", type=Path)
    return p


async def _catalog_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from bot.progress import Progress
    from storage.catalog_io import CatalogError, read_catalog
    from storage.catalog_repo import existing_ids, import_catalog
    from storage.session_changes import bump_catalog_version

    refused = "Katalog yüklenmedi; hiçbir şey değişmedi."
    db, _ = await open_database(settings, seed_sample=False)
    try:
        # A partial file (say, only courses) may refer to rows already in the database.
        known = None if args.replace else await existing_ids(db)
        catalog = read_catalog(args.file, settings.tz, existing=known)
        with Progress("Katalog yazılıyor") as bar:
            report = await import_catalog(
                db, catalog, replace=args.replace, force=args.force, progress=bar.update
            )
        async with db.write() as conn:
            await bump_catalog_version(conn)
    except CatalogError as exc:
        print(f"{refused} {len(exc.problems)} sorun:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"{refused} Dosya okunamadı: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(report.summary())
    return 0


async def _catalog_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from storage.catalog_io import write_catalog
    from storage.catalog_repo import load_catalog

    db, _ = await open_database(settings)
    try:
        catalog = await load_catalog(db)
    finally:
        await db.dispose()
    write_catalog(catalog, args.file, settings.tz)
    print(f"{args.file}: {len(catalog.courses)} kurs, {len(catalog.sessions)} oturum yazıldı.")
    return 0


async def _catalog_stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import SAMPLE_NOTICE, open_database
    from storage.catalog_repo import catalog_stats

    db, seeded = await open_database(settings)
    try:
        stats = await catalog_stats(db)
    finally:
        await db.dispose()
    if seeded:
        print(SAMPLE_NOTICE, file=sys.stderr)
    if args.json:
        print(json.dumps(stats))
    else:
        labels = {
            "centers": "merkez",
            "fields": "alan",
            "branches": "branş",
            "courses": "kurs",
            "sessions": "oturum",
        }
        for key, label in labels.items():
            print(f"{stats[key]:>8} {label}")
    return 0


async def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(settings.database_url)
    try:
        before, after = await upgrade(db)
    finally:
        await db.dispose()
    print(f"Şema: {before or 'boş'} → {after}" if before != after else f"Şema güncel: {after}")
    return 0


async def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.backup import BackupError, backup_database

    try:
        lines = await backup_database(settings, args.file)
    except BackupError as exc:
        print(f"Yedek alınamadı: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run import run

    return await run(settings)


async def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import SAMPLE_NOTICE, build_assistant
    from bot.channels.console import run_console, user_key

    assistant = await build_assistant(settings)
    try:
        if assistant.seeded:
            print(SAMPLE_NOTICE, file=sys.stderr)
        return await run_console(
            assistant.engine.handle,
            user_key(args.user),
            as_json=args.json,
            stdin=sys.stdin,
            stdout=sys.stdout,
        )
    finally:
        await assistant.close()


async def _understand(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from handlers.catalog_view import CatalogView
    from locales.faq import topic_patterns
    from nlu.understand import understand
    from storage.catalog_repo import load_catalog

    db, _ = await open_database(settings)
    try:  # (the view: the answers added to the FAQ are topics too)
        index = CatalogView.build(await load_catalog(db), topic_patterns()).index
    finally:
        await db.dispose()

    def show(text: str) -> str:
        found = understand(text, index).as_contract()
        if args.json or args.text is None:
            return json.dumps(found, ensure_ascii=False)
        return "\n".join(f"{k}: {v}" for k, v in found.items())

    if args.text is not None:
        print(show(args.text))
        return 0
    for line in sys.stdin:
        print(show(line.rstrip("\r\n")), flush=True)
    return 0


COMMANDS: dict[tuple[str, ...], Command] = {
    ("run",): _run,
    ("chat",): _chat,
    ("understand",): _understand,
    ("catalog", "import"): _catalog_import,
    ("catalog", "export"): _catalog_export,
    ("catalog", "stats"): _catalog_stats,
    ("db", "upgrade"): _db_upgrade,
    ("backup",): _backup,
    ("applications", "list"): cli_staff.applications_list,
    ("applications", "accept"): cli_staff.applications_decide,
    ("applications", "reject"): cli_staff.applications_decide,
    ("applications", "waitlist"): cli_staff.applications_decide,
    ("applications", "export"): cli_staff.applications_export,
    ("requests", "list"): cli_staff.requests_list,
    ("requests", "done"): cli_staff.requests_done,
    ("trainees", "import"): cli_reminders.trainees_import,
    ("sessions", "cancel"): cli_reminders.sessions_change,
    ("sessions", "move"): cli_reminders.sessions_change,
    ("sessions", "list"): cli_reminders.sessions_list,
    ("announce",): cli_reminders.announce,
    **cli_panel.COMMANDS,
}


def _command_key(args: argparse.Namespace) -> tuple[str, ...]:
    sub = getattr(args, f"{args.command}_command", None)
    return (args.command, sub) if sub else (args.command,)


def main(argv: Sequence[str] | None = None) -> int:
    """Parses the command line, loads settings and runs one command."""
    args = _build_parser().parse_args(argv)
    # Whatever a command writes (database, backups, exports, key files) is for its owner alone.
    os.umask(0o077)
    setup_logging(args.verbose)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Ayarlar kullanılamıyor: {exc}", file=sys.stderr)
        return 2
    handler = COMMANDS[_command_key(args)]
    try:
        return run_loop(handler(args, settings))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader (e.g. `| head`) went away: nothing left to say
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
