"""Soak: an hour (or `--minutes N`) of mixed load through the real channels, minute by minute.

Run by hand from the repository root:

    PYTHONPATH=. python bench/soak.py [--minutes 60] [--seed 1] [--pool N]

The program is `meslek-bot run` as a child process (`bot.run.run` with the default services,
started by this file with `--serve`, which adds one thing: a task that measures the event
loop's lag from inside, every 50 ms, and writes the samples to a file this process reads).
Telegram is configured to the Bot API double (tests/doubles/telegram_api.py) and WhatsApp to
the Graph API double (tests/doubles/graph_api.py), both served by this process on 127.0.0.1;
the program keeps a fresh SQLite file holding the sample catalog, one extra course whose
sessions start every 5 minutes during the run (40 Telegram trainees, MF_REMINDERS=1m, so a
reminder round goes out every 5 minutes) and no quiet hours.

Load, all the time: Telegram and WhatsApp users asking about courses and the FAQ (typed
questions and menu taps; a new user every few turns), one Telegram and one WhatsApp applicant
filling the whole application form with valid T.C. numbers, WhatsApp status callbacks for
what was sent, trainees answering "Geleceğim" to half of the reminders; every minute the
staff accept the applications received (`bot.decisions.decide`, as the panel does); every
5 minutes an announcement to the course's trainees (`meslek-bot announce`, its own process).
WhatsApp messages arrive as signed webhook deliveries over HTTP. The askers are new users every
few turns (about 2,000 an hour); what the program keeps per user in memory is kept while the
user writes (core/recent.py: CACHE_IDLE), so it fills for that long, then stays
level; with `--pool N` they come back from N users, and only the applicants are new.

Each minute prints one row: the program's RSS and open files (/proc/<pid>/status, /fd), its
event-loop lag (p99/max of the in-process sampler over the minute), the p99 response time of
GET /healthz probed from here once a second, the program's CPU (% of one core), the outbox
(rows queued / of those due now) and WhatsApp deliveries stored but not yet handled, messages in
(updates and webhook messages) and out (successful sends at the doubles) in that minute, the
doubles' 429 answers (Telegram's limit, enforced by the double at 30/s overall; the program
waits them out and sends again), other errors (other non-2xx answers of the doubles, non-200
answers of the webhook), ERROR lines and tracebacks on the program's stderr, and the turns so
far that got no reply within 30 s. At the end: totals, the "nothing lost" checks (the doubles'
received messages against the database), and a verdict on RSS and open files after warm-up:
from 5 minutes after the per-user memory's idle time (minute 20 with 15 minutes; least-squares
slope; flat = under 5 MB and 2 files per hour). Exit code 0 when all hold.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import random
import re
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path and its telegram.py would shadow
# python-telegram-bot.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import httpx  # noqa: E402

from bot.engine import CACHE_IDLE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SELF = str(Path(__file__).resolve())
SECRET = "soak-app-secret"
GRAPH_TOKEN = "soak-graph-token"
PHONE_ID = "100000000000077"
DATA_KEY = "soak-data-key-0123456789"
COURSE = "soak-course"
TRAINEES = 40
SESSION_EVERY = 5  # minutes
ANNOUNCE_EVERY = 5  # minutes
REPLY_WITHIN = 30.0  # seconds: a turn without any answer by then is counted lost
LAG_TICK = 0.05
REMINDER_MARK = "Dersiniz yaklaşıyor"

QUESTIONS = (
    "merhaba",
    "barista kursu var mı",
    "kurslar ücretli mi",
    "sertifika veriliyor mu",
    "karşıyakada aşçılık kursu",
    "bilgisayar kursu ne zaman başlıyor",
    "buca'da hangi kurslar var",
    "kursa kimler katılabilir",
    "devam zorunluluğu var mı",
    "/kurslar",
    "en yakın merkez nerede",
    "teşekkürler",
)
WA_TAPS = ("ask|list_courses", "ask|faq_cost", "ask|nearest_center", "__menu__")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    if len(points) < 2:
        return 0.0
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


# The program, as a child process --------------------------------------------------------------


def serve() -> int:
    """`meslek-bot run` (settings from MF_* as always) plus an event-loop lag sampler."""
    from bot.logs import setup as setup_logging
    from bot.loop import run as run_loop
    from bot.run import run
    from bot.settings import load_settings

    os.umask(0o077)
    setup_logging(False)
    settings = load_settings()
    out = Path(os.environ["SOAK_LAG_FILE"]).open("a", encoding="utf-8")  # noqa: SIM115

    async def sample() -> None:
        # Sleeps LAG_TICK again and again; whatever it oversleeps is the loop's lag. A line of
        # samples every 5 s (a small write to a local file: negligible beside the lag itself).
        loop = asyncio.get_running_loop()
        batch: list[float] = []
        flushed = loop.time()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_TICK)
            now = loop.time()
            batch.append(round(max(0.0, now - before - LAG_TICK) * 1000, 2))
            if now - flushed >= 5:
                out.write(json.dumps({"at": time.time(), "lag_ms": batch}) + "\n")
                out.flush()
                batch, flushed = [], now

    async def main() -> int:
        sampler = asyncio.create_task(sample())
        try:
            return await run(settings)
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler

    try:
        return run_loop(main())
    finally:
        out.close()


# Counters -------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What happened, for the per-minute rows and the end."""

    turns: int = 0
    answered: int = 0
    lost: list[str] = field(default_factory=list)
    inbound: int = 0  # messages that reached the program (updates, webhook messages)
    statuses: int = 0  # WhatsApp status callbacks posted
    webhook_errors: int = 0  # non-200 answers of the program's webhook
    applications: list[tuple[str, str]] = field(default_factory=list)  # (user key, number)
    form_failures: list[str] = field(default_factory=list)
    decided: dict[str, str] = field(default_factory=dict)  # number -> user key
    announcements: list[str] = field(default_factory=list)  # their marks
    announce_failures: list[str] = field(default_factory=list)
    attendance_taps: int = 0


class Soak:
    """The doubles, the users and the measurements."""

    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        from tests.doubles.graph_api import GraphDouble
        from tests.doubles.telegram_api import TelegramDouble

        self.args = args
        self.folder = folder
        self.rng = random.Random(args.seed)
        self.tg = TelegramDouble()
        self.graph = GraphDouble(token=GRAPH_TOKEN, phone_number_id=PHONE_ID)
        self.tally = Tally()
        self.http_port = free_port()
        self.db_path = folder / "data" / "meslek.db"
        self.lag_file = folder / "lag.jsonl"
        self.err_file = folder / "stderr.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.http_port}", timeout=30)
        self.stopping = asyncio.Event()
        self.ids = itertools.count(1)
        self.trainees = [7_000_000 + i for i in range(TRAINEES)]
        self.health_ms: list[float] = []
        self.health_failures = 0
        self.started_at = 0.0

    # Setup ------------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MF_")}
        env.update(
            PYTHONPATH=str(ROOT),
            MF_DATABASE_URL=f"sqlite+aiosqlite:///{self.db_path}",
            MF_DATA_KEY=DATA_KEY,
            MF_TELEGRAM_TOKEN=self.tg.token,
            MF_TELEGRAM_API_URL=self.tg.api_url,
            MF_WHATSAPP_TOKEN=GRAPH_TOKEN,
            MF_WHATSAPP_PHONE_NUMBER_ID=PHONE_ID,
            MF_WHATSAPP_APP_SECRET=SECRET,
            MF_WHATSAPP_VERIFY_TOKEN="soak-verify",
            MF_WHATSAPP_API_URL=self.graph.url,
            MF_HTTP_PORT=str(self.http_port),
            MF_PANEL_PORT=str(free_port()),
            MF_REMINDERS="1m",
            MF_QUIET_HOURS="",
            SOAK_LAG_FILE=str(self.lag_file),
        )
        return env

    def settings(self) -> Any:
        from bot.settings import load_settings

        return load_settings(
            database_url=f"sqlite+aiosqlite:///{self.db_path}",
            data_key=DATA_KEY,
            _env_file=None,
        )

    async def prepare(self) -> None:
        """A fresh database with the sample catalog, the soak course and its trainees."""
        from bot.app import build_assistant
        from core.catalog import Catalog
        from storage.catalog_repo import import_catalog
        from storage.db import Database
        from tests.course_setup import course_at, enrol, sessions_at

        await self.tg.start()
        self.tg.failures.rate_overall = 30  # Telegram's documented overall limit
        await self.graph.start()
        settings = self.settings()
        assistant = await build_assistant(settings)  # creates the file, seeds the catalog
        await assistant.close()
        now = datetime.now(UTC).replace(microsecond=0)
        # The program is up within ~10 s; sessions at +2 min, +7 min, ... : with MF_REMINDERS=1m
        # a round of reminders is due at +1, +6, +11 ... minutes. The first session, a day ago,
        # has started, so the trainees (enrolled before it) get no welcome, only reminders.
        rounds = self.args.minutes // SESSION_EVERY + 2
        starts = [now - timedelta(days=1)] + [
            now + timedelta(minutes=2 + SESSION_EVERY * k) for k in range(rounds)
        ]
        course = course_at(COURSE, starts)
        db = Database(settings.database_url)
        try:
            catalog = Catalog(courses=[course], sessions=sessions_at(COURSE, starts))
            await import_catalog(db, catalog)
            await enrol(
                db,
                COURSE,
                [f"telegram:{c}" for c in self.trainees],
                created_at=starts[0] - timedelta(days=1),
            )
        finally:
            await db.dispose()

    async def start_program(self) -> None:
        err = self.err_file.open("ab")  # noqa: ASYNC230 - once, before the run
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, SELF, "--serve",
            cwd=self.folder, env=self.env(), stdout=err, stderr=err,
        )  # fmt: skip
        err.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.returncode is not None:
                raise RuntimeError(f"the program exited: {self.err_file.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if (await self.client.get("/healthz")).status_code == 200 and self.tg.calls_to(
                    "getUpdates"
                ):
                    return
            await asyncio.sleep(0.1)
        raise RuntimeError("the program did not start")

    async def stop_program(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 60)

    # Telegram users ---------------------------------------------------------------------------

    async def tg_turn(self, chat: int, push: Callable[[], object], what: str) -> list[Any]:
        """Pushes an update; returns the chat's send calls once they stop coming."""
        from tests.doubles.telegram_api import SEND_METHODS

        since = len(self.tg.calls)
        push()
        self.tally.turns += 1
        self.tally.inbound += 1
        deadline = time.monotonic() + REPLY_WITHIN
        mine: list[Any] = []
        scanned = since
        quiet_since = time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            calls = self.tg.calls
            for call in calls[scanned:]:
                if call.method in SEND_METHODS and call.chat_id == chat:
                    mine.append(call)
                    quiet_since = time.monotonic()
            scanned = len(calls)
            now = time.monotonic()
            if mine and now - quiet_since > 0.4:
                self.tally.answered += 1
                return mine
            if now > deadline:
                if not mine:
                    self.tally.lost.append(f"telegram:{chat} {what!r}")
                else:
                    self.tally.answered += 1
                return mine

    async def tg_say(self, chat: int, text: str) -> list[Any]:
        return await self.tg_turn(chat, lambda: self.tg.send_text(chat, text), text)

    async def tg_press(self, chat: int, prefix: str) -> list[Any]:
        """Presses the newest button whose data starts with `prefix` (or whose label has it)."""
        for message in reversed(list(self.tg.messages.get(chat, {}).values())):
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = str(button.get("callback_data", ""))
                    label = str(button.get("text", ""))
                    if data.startswith(prefix) or prefix.casefold() in label.casefold():
                        push = functools.partial(
                            self.tg.press, chat, data, int(message["message_id"])
                        )
                        return await self.tg_turn(chat, push, data)
        raise LookupError(f"no button {prefix!r} in chat {chat}")

    async def tg_chatter(self) -> None:
        chat = 0
        for n in itertools.count():
            if n % 8 == 0:
                chat = 1_000_000 + self.next_user()  # someone new, or back from the pool
            if self.stopping.is_set():
                return
            calls = await self.tg_say(chat, self.rng.choice(QUESTIONS))
            if calls and self.rng.random() < 0.3:
                with contextlib.suppress(LookupError):  # a tap on one of the offered buttons
                    await self.tg_press(chat, self.rng.choice(("ask|", "course|", "__menu__")))
            await self.pause(2, 6)

    def next_user(self) -> int:
        """A new user, or with `--pool N` one of N users who keep coming back."""
        if self.args.pool:
            return self.rng.randrange(self.args.pool)
        return next(self.ids)

    async def tg_applicant(self) -> None:
        while not self.stopping.is_set():
            chat = 2_000_000 + next(self.ids)
            try:
                await self.tg_say(chat, "barista kursuna başvurmak istiyorum")
                await self.tg_press(chat, "apply_course")
                await self.tg_press(chat, "consent")
                calls: list[Any] = []
                for answer in (
                    "Ayşe Yılmaz", "12.05.1998", self.national_id(),
                    "0532 123 45 67", "Karşıyaka", "lise", "geç",
                ):  # fmt: skip
                    await self.pause(0.5, 1.5)
                    calls = await self.tg_say(chat, answer)
                calls = await self.tg_press(chat, "Gönder")
                texts = [str(c.params.get("text", "")) for c in calls]
                self.record_number(f"telegram:{chat}", texts)
            except LookupError as exc:
                self.tally.form_failures.append(f"telegram:{chat}: {exc}")
            await self.pause(1, 3)

    async def trainee_taps(self) -> None:
        """Half of the reminders get a "Geleceğim" tap from their trainee."""
        seen = 0
        while not self.stopping.is_set():
            await asyncio.sleep(2)
            calls = self.tg.calls
            fresh = [
                c for c in calls[seen:]
                if c.method == "sendMessage" and c.status == 200
                and REMINDER_MARK in str(c.params.get("text", ""))
            ]  # fmt: skip
            seen = len(calls)
            for call in fresh:
                if self.rng.random() < 0.5:
                    chat = int(call.chat_id or 0)
                    with contextlib.suppress(LookupError):
                        self.tally.attendance_taps += 1
                        await self.tg_press(chat, "Geleceğim")

    # WhatsApp users ---------------------------------------------------------------------------

    def wa_message(self, wa_id: str, kind: str, **content: Any) -> dict[str, Any]:
        return {
            "from": wa_id,
            "id": f"wamid.SOAK{next(self.ids):010d}",
            "timestamp": str(int(time.time())),
            "type": kind,
            **content,
        }

    def wa_delivery(self, value: dict[str, Any]) -> bytes:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "902320000000", "phone_number_id": PHONE_ID},
            **value,
        }
        doc = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
        return json.dumps(doc).encode()

    async def wa_post(self, body: bytes) -> None:
        from bot.channels.whatsapp_inbound import sign

        headers = {
            "content-type": "application/json",
            "x-hub-signature-256": sign(SECRET.encode(), body),
        }
        try:
            response = await self.client.post("/webhooks/whatsapp", content=body, headers=headers)
            if response.status_code != 200:
                self.tally.webhook_errors += 1
        except httpx.HTTPError:
            self.tally.webhook_errors += 1

    async def wa_turn(self, wa_id: str, message: dict[str, Any], what: str) -> list[Any]:
        before = len(self.graph.sent)
        contacts = [{"profile": {"name": "Soak"}, "wa_id": wa_id}]
        self.tally.turns += 1
        self.tally.inbound += 1
        await self.wa_post(self.wa_delivery({"contacts": contacts, "messages": [message]}))
        deadline = time.monotonic() + REPLY_WITHIN
        mine: list[Any] = []
        scanned = before
        quiet_since = time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            sent = self.graph.sent
            for s in sent[scanned:]:
                if s.to == wa_id:
                    mine.append(s)
                    quiet_since = time.monotonic()
            scanned = len(sent)
            now = time.monotonic()
            if (mine and now - quiet_since > 0.4) or now > deadline:
                break
        if mine:
            self.tally.answered += 1
            if self.rng.random() < 0.5:  # Meta reports what it delivered
                stamp = str(int(time.time()))
                statuses = [
                    {"id": s.wamid, "status": "delivered", "timestamp": stamp}
                    | {"recipient_id": wa_id}
                    for s in mine
                ]
                self.tally.statuses += len(statuses)
                await self.wa_post(self.wa_delivery({"statuses": statuses}))
        else:
            self.tally.lost.append(f"whatsapp:{wa_id} {what!r}")
        return mine

    async def wa_say(self, wa_id: str, text: str) -> list[Any]:
        return await self.wa_turn(wa_id, self.wa_message(wa_id, "text", text={"body": text}), text)

    async def wa_press(self, wa_id: str, last: list[Any], prefix: str) -> list[Any]:
        for sent in reversed(last):
            for ident, title in sent.choices:
                if ident.startswith(prefix) or prefix.casefold() in title.casefold():
                    kind = "button_reply" if sent.interactive_type == "button" else "list_reply"
                    content = {"type": kind, kind: {"id": ident, "title": title}}
                    message = self.wa_message(wa_id, "interactive", interactive=content)
                    return await self.wa_turn(wa_id, message, ident)
        raise LookupError(f"no choice {prefix!r} for {wa_id}")

    async def wa_chatter(self) -> None:
        wa_id = ""
        for n in itertools.count():
            if n % 8 == 0:
                wa_id = f"90533{self.next_user():07d}"
            if self.stopping.is_set():
                return
            if n % 3 == 2:
                data = self.rng.choice(WA_TAPS)
                content = {"type": "list_reply", "list_reply": {"id": data, "title": "x"}}
                await self.wa_turn(
                    wa_id, self.wa_message(wa_id, "interactive", interactive=content), data
                )
            else:
                await self.wa_say(wa_id, self.rng.choice(QUESTIONS))
            await self.pause(2, 6)

    async def wa_applicant(self) -> None:
        while not self.stopping.is_set():
            wa_id = f"90532{next(self.ids):07d}"
            try:
                last = await self.wa_say(wa_id, "barista kursuna başvurmak istiyorum")
                last = await self.wa_press(wa_id, last, "apply_course")
                last = await self.wa_press(wa_id, last, "consent")
                for answer in ("Mehmet Kaya", "03.09.1995", self.national_id()):
                    await self.pause(0.5, 1.5)
                    last = await self.wa_say(wa_id, answer)
                last = await self.wa_press(wa_id, last, "Bu numarayı kullan")
                for answer in ("Buca", "lise", "geç"):
                    await self.pause(0.5, 1.5)
                    last = await self.wa_say(wa_id, answer)
                last = await self.wa_press(wa_id, last, "Gönder")
                self.record_number(f"whatsapp:{wa_id}", [s.text for s in last])
            except LookupError as exc:
                self.tally.form_failures.append(f"whatsapp:{wa_id}: {exc}")
            await self.pause(1, 3)

    # Staff --------------------------------------------------------------------------------------

    def national_id(self) -> str:
        from tests.idnumbers import make_national_id

        return make_national_id(f"{self.rng.randint(100_000_000, 899_999_999)}")

    def record_number(self, user: str, texts: list[str]) -> None:
        found = re.search(r"MF-\d{4}-\d{6}", " ".join(texts))
        if found is None:
            self.tally.form_failures.append(f"{user}: no application number in {texts[-1:]!r}")
        else:
            self.tally.applications.append((user, found.group(0)))

    async def decisions(self, db: Any, vault: Any) -> int:
        """Accepts every application not yet decided, as the panel would."""
        from bot.decisions import DecisionError, decide

        todo = [(u, n) for u, n in self.tally.applications if n not in self.tally.decided]
        for user, number in todo:
            try:
                async with db.write() as conn:
                    await decide(conn, vault, datetime.now(UTC), number, "accepted", actor="soak")
            except DecisionError as exc:
                self.tally.form_failures.append(f"{number}: decision refused: {exc}")
                continue
            self.tally.decided[number] = user
        return len(todo)

    async def announce(self, n: int) -> None:
        mark = f"Soak duyurusu {n}"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "announce", "--course", COURSE,
            f"{mark}: yarınki ders 10 dakika geç başlayacak.", "--wait", "0",
            cwd=self.folder, env=self.env(),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await proc.communicate()
        if proc.returncode == 0:
            self.tally.announcements.append(mark)
        else:
            self.tally.announce_failures.append(out.decode(errors="replace")[-300:])

    async def pause(self, low: float, high: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), self.rng.uniform(low, high))

    async def probe_health(self) -> None:
        while not self.stopping.is_set():
            started = time.perf_counter()
            try:
                ok = (await self.client.get("/healthz")).status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                self.health_ms.append((time.perf_counter() - started) * 1000)
            else:
                self.health_failures += 1
            await self.pause(1, 1)

    # Measuring ----------------------------------------------------------------------------------

    def proc_figures(self) -> tuple[float, int]:
        assert self.proc is not None
        pid = self.proc.pid
        rss = 0.0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
        return rss, len(os.listdir(f"/proc/{pid}/fd"))

    def cpu_seconds(self) -> float:
        """User + system CPU time of the program so far (Linux /proc)."""
        assert self.proc is not None
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")

    async def queues(self, db: Any) -> tuple[int, int, int]:
        from sqlalchemy import func, select

        from storage import tables as t

        now = datetime.now(UTC)
        o = t.outbox
        async with db.read() as conn:
            queued = (
                await conn.execute(select(func.count()).where(o.c.status == "queued"))
            ).scalar_one()
            due = (
                await conn.execute(
                    select(func.count()).where(o.c.status == "queued", o.c.due_at <= now)
                )
            ).scalar_one()
            unprocessed = (
                await conn.execute(
                    select(func.count()).where(t.wa_inbound.c.processed_at.is_(None))
                )
            ).scalar_one()
        return int(queued), int(due), int(unprocessed)

    async def users_in(self, db: Any) -> int:
        from sqlalchemy import func, select

        from storage import tables as t

        async with db.read() as conn:
            return int((await conn.execute(select(func.count()).select_from(t.users))).scalar_one())

    def program_errors(self) -> tuple[int, int, list[str]]:
        text = self.err_file.read_text(errors="replace") if self.err_file.exists() else ""
        lines = text.splitlines()
        errors = [x for x in lines if " ERROR " in x or " CRITICAL " in x]
        tracebacks = sum(1 for x in lines if x.startswith("Traceback"))
        return len(errors), tracebacks, errors[-5:]

    def double_errors(self) -> tuple[int, int]:
        """Non-2xx answers of the doubles: (429 "too many requests", all others)."""
        throttled = sum(1 for c in self.tg.calls if c.status == 429)
        throttled += sum(1 for code, _ in self.graph.rejected if code in (130429, 131056))
        other = sum(1 for c in self.tg.calls if c.status not in (200, 429))
        other += sum(1 for code, _ in self.graph.rejected if code not in (130429, 131056))
        return throttled, other + self.tally.webhook_errors

    def sent_count(self) -> int:
        from tests.doubles.telegram_api import SEND_METHODS

        ok = sum(1 for c in self.tg.calls if c.method in SEND_METHODS and c.status == 200)
        return ok + len(self.graph.sent)

    # The run --------------------------------------------------------------------------------------

    async def run(self) -> int:
        from bot.app import open_vault
        from storage.db import Database

        await self.prepare()
        await self.start_program()
        assert self.proc is not None
        self.started_at = time.monotonic()
        settings = self.settings()
        db = Database(settings.database_url)
        vault = open_vault(settings)
        load = os.getloadavg()
        print(
            f"soak: {self.args.minutes} min; program pid {self.proc.pid} (bot.run.run as a child "
            f"process, SQLite {self.db_path.name}); Telegram and WhatsApp doubles in this process; "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load[0]:.2f}",
            flush=True,
        )
        print(
            "lag = the program's event loop, sampled inside it every 50 ms (p99/max of the "
            "minute); health = GET /healthz from here (p99 ms)",
            flush=True,
        )
        header = (
            f"{'min':>3} {'RSS MB':>7} {'fds':>4} {'lag p99':>7} {'lag max':>7} "
            f"{'health':>6} {'CPU%':>4} {'outbox q/due':>12} {'wa_in':>5} {'in/min':>6} "
            f"{'out/min':>7} {'429':>3} {'err':>3} {'ERROR':>5} {'lost':>4}"
        )
        print(header, flush=True)
        workers = [
            *(self.tg_chatter() for _ in range(self.args.tg_users)),
            *(self.wa_chatter() for _ in range(self.args.wa_users)),
            self.tg_applicant(),
            self.wa_applicant(),
            self.trainee_taps(),
            self.probe_health(),
        ]
        tasks = [asyncio.create_task(w) for w in workers]
        rows: list[tuple[int, float, int]] = []
        lag_seen = 0
        last_in = last_out = last_throttled = last_other = last_errors = 0
        last_cpu = self.cpu_seconds()
        try:
            for minute in range(1, self.args.minutes + 1):
                end = self.started_at + 60 * minute
                await self.pause_until(end, db, vault, minute)
                for task in tasks:
                    if task.done() and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
                rss, fds = self.proc_figures()
                lags, lag_seen = self.read_lag(lag_seen)
                health = self.health_ms[-60:]
                queued, due, unprocessed = await self.queues(db)
                inbound, sent = self.tally.inbound, self.sent_count()
                errors, tracebacks, _ = self.program_errors()
                throttled, other = self.double_errors()
                cpu = self.cpu_seconds()
                print(
                    f"{minute:>3} {rss:>7.1f} {fds:>4} {pct(lags, 0.99):>7.1f} "
                    f"{max(lags, default=0):>7.1f} {pct(health, 0.99):>6.1f} "
                    f"{(cpu - last_cpu) / 60 * 100:>4.0f} "
                    f"{f'{queued}/{due}':>12} {unprocessed:>5} {inbound - last_in:>6} "
                    f"{sent - last_out:>7} {throttled - last_throttled:>3} "
                    f"{other - last_other:>3} {errors + tracebacks - last_errors:>5} "
                    f"{len(self.tally.lost):>4}",
                    flush=True,
                )
                rows.append((minute, rss, fds))
                last_in, last_out, last_cpu = inbound, sent, cpu
                last_throttled, last_other = throttled, other
                last_errors = errors + tracebacks
        finally:
            self.stopping.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        # Let what is due go out, then the last decisions, then compare.
        await self.decisions(db, vault)
        await self.drain(db)
        status = await self.report(db, rows)
        code = await self.stop_program()
        print(f"program exit code after SIGTERM: {code}")
        await db.dispose()
        return status or (1 if code != 0 else 0)

    async def pause_until(self, end: float, db: Any, vault: Any, minute: int) -> None:
        """Sleeps until `end`; staff work (decisions, announcements) happens on the way."""
        if minute > 1 and (minute - 1) % ANNOUNCE_EVERY == 2:
            await self.announce(len(self.tally.announcements) + 1)
        await self.decisions(db, vault)
        await asyncio.sleep(max(0.0, end - time.monotonic()))

    def read_lag(self, seen: int) -> tuple[list[float], int]:
        if not self.lag_file.exists():
            return [], seen
        lines = self.lag_file.read_text().splitlines()
        out: list[float] = []
        for line in lines[seen:]:
            with contextlib.suppress(ValueError):
                out += json.loads(line)["lag_ms"]
        return out, len(lines)

    async def drain(self, db: Any, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            _queued, due, unprocessed = await self.queues(db)
            if due == 0 and unprocessed == 0:
                break
            await asyncio.sleep(1)
        await asyncio.sleep(3)  # the last sends reach the doubles

    # The end ----------------------------------------------------------------------------------

    async def report(self, db: Any, rows: list[tuple[int, float, int]]) -> int:
        from sqlalchemy import select

        from storage import tables as t

        tally = self.tally
        now = datetime.now(UTC)
        errors, tracebacks, last_errors = self.program_errors()
        tg_refused = Counter(f"{c.method} {c.status}" for c in self.tg.calls if c.status != 200)
        graph_refused = Counter(code for code, _ in self.graph.rejected)
        print()
        print(
            f"totals: {tally.turns} user turns ({tally.answered} answered, {len(tally.lost)} "
            f"without a reply in {REPLY_WITHIN:.0f} s); {tally.inbound} messages in, "
            f"{self.sent_count()} sent ({len(self.tg.calls)} Bot API calls, "
            f"{len(self.graph.sent)} Graph messages); {tally.statuses} WhatsApp status callbacks; "
            f"{len(tally.applications)} applications, {len(tally.decided)} accepted; "
            f"{len(tally.announcements)} announcements; {tally.attendance_taps} attendance taps"
        )
        print(
            f"errors: Bot API double non-200 {dict(tg_refused) or 0}, Graph double rejected "
            f"{dict(graph_refused) or 0}, webhook non-200 {tally.webhook_errors}, program "
            f"ERROR lines {errors}, tracebacks {tracebacks}, health probe failures "
            f"{self.health_failures}; form problems {len(tally.form_failures)}; announce "
            f"failures {len(tally.announce_failures)}"
        )
        for line in [*last_errors, *tally.form_failures[:5], *tally.announce_failures[:3]]:
            print(f"  {line}")
        for line in tally.lost[:5]:
            print(f"  no reply: {line}")

        checks: list[tuple[str, bool, str]] = []
        checks.append(
            ("every user message got its reply", not tally.lost, f"{len(tally.lost)} without")
        )
        async with db.read() as conn:
            rem = (
                await conn.execute(
                    select(t.outbox.c.user_key, t.outbox.c.status, t.outbox.c.due_at).where(
                        t.outbox.c.kind == "reminder"
                    )
                )
            ).all()
            unprocessed = (
                await conn.execute(
                    select(t.wa_inbound.c.wamid).where(t.wa_inbound.c.processed_at.is_(None))
                )
            ).all()
            decisions = (
                await conn.execute(
                    select(t.outbox.c.user_key, t.outbox.c.status).where(
                        t.outbox.c.kind == "decision"
                    )
                )
            ).all()
            waiting = (
                await conn.execute(
                    select(t.outbox.c.kind, t.outbox.c.due_at, t.outbox.c.last_error).where(
                        t.outbox.c.status == "queued"
                    )
                )
            ).all()
        overdue = Counter(f"{r.kind} {r.last_error[:60]!r}" for r in waiting if r.due_at <= now)
        later = Counter(r.kind for r in waiting if r.due_at > now)
        print(f"outbox at the end: due and still queued {dict(overdue) or 0}; later {dict(later)}")
        checks.append(
            ("every WhatsApp delivery processed", not unprocessed, f"{len(unprocessed)} not")
        )
        due_rows = [r for r in rem if r.due_at <= now - timedelta(seconds=30)]
        db_sent = Counter(r.user_key for r in rem if r.status == "sent")
        not_sent = Counter(r.status for r in due_rows if r.status != "sent")
        got: Counter[tuple[int, str]] = Counter()
        per_chat: Counter[str] = Counter()
        for c in self.tg.calls:
            text = str(c.params.get("text", ""))
            if c.method == "sendMessage" and c.status == 200 and REMINDER_MARK in text:
                got[(int(c.chat_id or 0), text)] += 1
                per_chat[f"telegram:{c.chat_id}"] += 1
        duplicates = sum(n - 1 for n in got.values())
        mismatch = sum(1 for k in set(db_sent) | set(per_chat) if db_sent[k] != per_chat[k])
        checks.append(
            (
                "every due reminder sent exactly once",
                not not_sent and duplicates == 0 and mismatch == 0 and len(due_rows) > 0,
                f"{len(due_rows)} due, {sum(db_sent.values())} sent per the database, "
                f"{sum(got.values())} reached the double, duplicates {duplicates}, chats whose "
                f"count differs {mismatch}, due but not sent {dict(not_sent) or 0}",
            )
        )
        told: Counter[str] = Counter()
        for number, user in tally.decided.items():
            channel, _, ident = user.partition(":")
            phrase = f"{number} numaralı başvurunuz kabul edildi"
            if channel == "telegram":
                texts = self.tg.sent_texts(int(ident))
            else:
                texts = [s.text for s in self.graph.to(ident)]
            told[number] = sum(phrase in x for x in texts)
        wrong = {n: k for n, k in told.items() if k != 1}
        checks.append(
            (
                "every decision told once",
                not wrong and len(decisions) == len(tally.decided),
                f"{len(tally.decided)} decisions, {len(decisions)} outbox rows "
                f"({dict(Counter(r.status for r in decisions))}), told other than once: "
                f"{len(wrong)}",
            )
        )
        ann_got = Counter(
            (c.chat_id, mark)
            for c in self.tg.calls
            if c.method == "sendMessage" and c.status == 200
            for mark in tally.announcements
            if mark + ":" in str(c.params.get("text", ""))
        )
        want = {(chat, mark) for chat in self.trainees for mark in tally.announcements}
        ann_bad = sum(1 for k in want if ann_got[k] != 1) + sum(1 for k in ann_got if k not in want)
        checks.append(
            (
                "every announcement reached each trainee once",
                ann_bad == 0 and not tally.announce_failures,
                f"{len(tally.announcements)} announcements x {TRAINEES} trainees, "
                f"{sum(ann_got.values())} delivered, wrong {ann_bad}",
            )
        )
        print()
        for name, ok, detail in checks:
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")

        warm_up = round(CACHE_IDLE / 60) + 5
        warm = [r for r in rows if r[0] >= warm_up]
        rss_slope = slope([(m, rss) for m, rss, _ in warm]) * 60
        fd_slope = slope([(m, float(fds)) for m, _, fds in warm]) * 60
        if len(warm) >= 5:
            first, last = warm[0], warm[-1]
            flat = abs(rss_slope) <= 5 and abs(fd_slope) <= 2
            print(
                f"{'ok  ' if flat else 'FAIL'} flat after warm-up (minutes {first[0]}-{last[0]}): "
                f"RSS {first[1]:.1f} -> {last[1]:.1f} MB, slope {rss_slope:+.2f} MB/hour "
                f"(limit 5); open files {first[2]} -> {last[2]}, slope {fd_slope:+.2f}/hour "
                f"(limit 2)"
            )
            users = await self.users_in(db)
            per_hour = users / (self.args.minutes / 60)
            if per_hour:
                print(
                    f"     {users} users wrote ({per_hour:.0f} an hour; the engine keeps a user's "
                    f"conversation {CACHE_IDLE / 60:.0f} minutes after their last message, "
                    f"bot/engine.py): RSS slope per user {rss_slope * 1024 / per_hour:.1f} KB "
                    "(--pool N: returning users only)"
                )
        else:
            flat = True
            print(
                "(too short to judge RSS and open files after warm-up: needs minutes "
                f"{warm_up}-{warm_up + 4})"
            )
        throttled, other = self.double_errors()
        clean = errors + tracebacks == 0 and other == 0
        print(
            f"{'ok  ' if clean else 'FAIL'} no errors: program ERROR lines and tracebacks "
            f"{errors + tracebacks}, other non-2xx answers {other}; 429 answers {throttled} "
            "(waited out and sent once: see the checks above)"
        )
        good = all(ok for _, ok, _ in checks) and flat and clean
        print("verdict:", "PASS" if good else "FAIL")
        return 0 if good else 1


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        soak = Soak(args, Path(tmp))
        try:
            return await soak.run()
        finally:
            if soak.proc is not None and soak.proc.returncode is None:
                soak.proc.kill()
                await soak.proc.wait()
            await soak.client.aclose()
            await soak.graph.stop()
            await soak.tg.stop()
            if args.keep_log:
                err = soak.err_file.read_text(errors="replace") if soak.err_file.exists() else ""
                args.keep_log.write_text(err)


if __name__ == "__main__":
    if "--serve" in sys.argv:
        sys.exit(serve())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--tg-users", type=int, default=8, help="Telegram users asking at once")
    parser.add_argument("--wa-users", type=int, default=6, help="WhatsApp users asking at once")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pool", type=int, default=0, help="askers come back from N users (0: a new one often)"
    )
    parser.add_argument("--keep-log", type=Path, help="copy the program's stderr here")
    sys.exit(asyncio.run(main(parser.parse_args())))
