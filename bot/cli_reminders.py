"""Staff commands around classes: trainees import, session changes, announcements."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings


def add_parsers(sub: Any) -> None:
    """Adds `trainees`, `sessions` and `announce` to the command line."""
    tr = sub.add_parser("trainees", help="masada kaydolan kursiyerler")
    tr_sub = tr.add_subparsers(dest="trainees_command", metavar="ALT-KOMUT", required=True)
    imp = tr_sub.add_parser("import", help="kursiyerleri .yaml, .csv ya da .xlsx'ten yükle")
    imp.add_argument("file", type=Path)

    se = sub.add_parser("sessions", help="ders oturumu değişiklikleri; kursiyerlere bildirilir")
    se_sub = se.add_subparsers(dest="sessions_command", metavar="ALT-KOMUT", required=True)
    cancel = se_sub.add_parser("cancel", help="oturumu iptal et")
    cancel.add_argument("session_id")
    cancel.add_argument("--reason", required=True)
    answers = se_sub.add_parser("list", help="bir kursun oturumları ve gelme yanıtları")
    answers.add_argument("--course", required=True)
    move = se_sub.add_parser("move", help="oturumu başka zamana taşı")
    move.add_argument("session_id")
    move.add_argument("--to", required=True, help="yerel saat, ör. 2026-12-09T18:30")

    an = sub.add_parser("announce", help="bir kursun kursiyerlerine duyuru gönder")
    an.add_argument("--course", required=True)
    an.add_argument("text")
    an.add_argument("--wait", type=float, default=120.0, help="gönderimi en çok kaç sn izle")


async def trainees_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database, open_vault
    from storage import tables as t
    from storage.trainees import TraineeFileError, read_trainees, store_trainees

    db, _ = await open_database(settings)
    try:
        async with db.read() as conn:
            courses = {
                r[0]
                for r in await conn.execute(t.courses.select().with_only_columns(t.courses.c.id))
            }
        try:
            trainees = read_trainees(args.file, courses)
        except TraineeFileError as exc:
            print(
                f"Kursiyerler yüklenmedi; hiçbir şey değişmedi. {len(exc.problems)} sorun:",
                file=sys.stderr,
            )
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
            return 1
        async with db.write() as conn:
            added, skipped, linked = await store_trainees(
                conn, trainees, open_vault(settings), datetime.now(UTC)
            )
    finally:
        await db.dispose()
    print(
        f"{added} kursiyer eklendi, {skipped} zaten kayıtlıydı; {linked} kişinin sohbet hesabı "
        "bağlandı. Diğerleri numaralarını asistanla paylaşınca hatırlatma almaya başlar."
    )
    return 0


def _parse_local(text: str, settings: Settings) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=settings.tz) if value.tzinfo is None else value


async def sessions_change(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from storage.session_changes import SessionChangeError, cancel_session, move_session

    now = datetime.now(UTC)
    db, _ = await open_database(settings)
    try:
        async with db.write() as conn:
            if args.sessions_command == "cancel":
                change = await cancel_session(conn, args.session_id, args.reason, now)
            else:
                new_start = _parse_local(args.to, settings)
                if new_start is None:
                    print(f"--to anlaşılmadı: {args.to!r} (ör. 2026-12-09T18:30)", file=sys.stderr)
                    return 2
                change = await move_session(conn, args.session_id, new_start, now)
    except SessionChangeError as exc:
        print(f"Değişiklik yapılmadı: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    verb = "iptal edildi" if args.sessions_command == "cancel" else "taşındı"
    print(f"{change.session} {verb}; {change.told} kursiyere bildirim kuyruğa alındı.")
    if change.holiday:
        print(f"Uyarı: yeni tarih resmî tatil ({change.holiday}).", file=sys.stderr)
    return 0


async def sessions_list(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import func, select

    from bot.app import open_database
    from storage import tables as t

    db, _ = await open_database(settings)
    try:
        async with db.read() as conn:
            sessions = (
                await conn.execute(
                    select(t.sessions)
                    .where(t.sessions.c.course_id == args.course)
                    .order_by(t.sessions.c.starts_at)
                )
            ).all()
            counts = {
                (r.session_id, r.answer): r.n
                for r in await conn.execute(
                    select(
                        t.attendance.c.session_id, t.attendance.c.answer, func.count().label("n")
                    )
                    .where(t.attendance.c.session_id.in_([s.id for s in sessions]))
                    .group_by(t.attendance.c.session_id, t.attendance.c.answer)
                )
            }
    finally:
        await db.dispose()
    if not sessions:
        print(f"{args.course}: oturum yok (kurs kimliğini kontrol edin).", file=sys.stderr)
        return 1
    for s in sessions:
        when = s.starts_at.astimezone(settings.tz).strftime("%Y-%m-%d %H.%M")
        yes, no = counts.get((s.id, "yes"), 0), counts.get((s.id, "no"), 0)
        flags = " ".join(
            x
            for x in (
                s.status if s.status != "scheduled" else "",
                s.holiday and f"tatil: {s.holiday}",
            )
            if x
        )
        print(f"{s.id:<32} {when}  geleceğim {yes:>3}  gelemeyeceğim {no:>3}  {flags}".rstrip())
    return 0


async def announce(args: argparse.Namespace, settings: Settings) -> int:
    from bot import announcements
    from bot.app import open_database
    from bot.progress import Progress
    from locales import load_translator
    from storage.announcements import Audience

    now = datetime.now(UTC)
    db, _ = await open_database(settings)
    try:
        async with db.write() as conn:
            try:
                chosen = await announcements.plan(
                    conn,
                    load_translator(settings.default_locale),
                    settings.default_locale,
                    now,
                    Audience("course", args.course),
                    args.text,
                    settings.templates,
                )
            except announcements.AnnouncementError as exc:
                print(f"Duyuru gönderilmedi: {exc}", file=sys.stderr)
                return 1
            prefix, total = await announcements.send(conn, now, chosen, actor="cli")
        if total == 0:
            print("Bu kursta sohbet hesabı bağlı kursiyer yok; duyuru gönderilmedi.")
            return 0
        counts = await _follow(db, prefix, total, args.wait, Progress("Duyuru gönderiliyor"))
    finally:
        await db.dispose()
    waiting = counts.get("queued", 0) + counts.get("sending", 0)
    print(
        f"Duyuru: {total} kişi; gönderilen {counts.get('sent', 0)}, atlanan "
        f"{counts.get('skipped', 0)}, başarısız {counts.get('failed', 0)}, bekleyen {waiting}."
    )
    if waiting:
        print("Bekleyenleri çalışan bot gönderecek (meslek-bot run).", file=sys.stderr)
    return 0


async def _follow(db: Any, prefix: str, total: int, wait: float, bar: Any) -> dict[str, int]:
    """Shows the outbox sending the announcement until done, idle too long, or `wait` passes."""
    from storage import outbox_repo

    deadline = time.monotonic() + wait
    last_done, last_change = -1, time.monotonic()
    with bar:
        while True:
            async with db.read() as conn:
                counts = await outbox_repo.status_counts(conn, prefix)
            done = total - counts.get("queued", 0) - counts.get("sending", 0)
            bar.update(done, total)
            if done != last_done:
                last_done, last_change = done, time.monotonic()
            idle = time.monotonic() - last_change > 15
            if done >= total or time.monotonic() > deadline or idle:
                return dict(counts)
            await asyncio.sleep(0.5)
