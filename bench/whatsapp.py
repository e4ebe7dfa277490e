"""Benchmark: WhatsApp webhooks under load, end to end through the real engine.

Run from the repository root (about three minutes):

    PYTHONPATH=. python bench/whatsapp.py [--burst 100 300] [--rounds 6] [--messages 3000]
                                          [--users 500] [--max-rate 50] [--graph-rate 80]
                                          [--stub-engine] [--long-lists] [--database URL]
                                          [--compare URL [--runs 3]]

Three processes share the machine: the Graph API double (`python -m tests.doubles.graph_api`,
answering error 130429 beyond `graph-rate` messages a second per phone number, the Cloud API's
default throughput), the assistant (`bot.run.run` with the WhatsApp channel on a fresh SQLite
file holding the sample catalog, MF_WHATSAPP_MAX_RATE=`max-rate`) and this process, which posts
signed deliveries in Meta's shape over plain keep-alive HTTP/1.1 (hand-written, so that it
takes little CPU from the others).

1. Acknowledgement, for each burst size: `rounds` bursts of `burst` deliveries posted at once
   (one text message each, from different users) on open keep-alive connections (at most 100);
   the time from writing each request to reading its whole 200 answer, measured here. Even
   rounds find the assistant idle; odd rounds arrive 0.3 s after the previous burst, while it
   is still being answered. Then what the double saw of the replies: messages accepted, users
   answered of those who wrote, 130429 refusals, the busiest second.
2. Throughput: `messages` deliveries (one message each, from `users` users, a mix of typed
   questions and button taps) posted with 64 in flight; the time from the first post until
   the assistant's /metrics counts them all handled — stored, through the engine, every reply
   accepted by the Graph double, the row marked handled. Messages/s = messages / that time;
   the assistant's CPU time (Linux /proc) is printed beside it. The replies share the phone
   number's budget, so this is bounded by `max-rate` (messages/s) over the messages per reply;
   `--max-rate 1000 --graph-rate 0` measures the assistant alone.

`--database postgresql+asyncpg://…/mf_x` runs the assistant on that PostgreSQL database instead
(emptied first: every table dropped, so give it a database of its own); the default is a fresh
SQLite file. `--compare postgresql+asyncpg://…/mf_x [--runs 3]` runs on SQLite, then on that
database, `runs` times, and ends with the pairs' throughput figures and PostgreSQL's ratio to
SQLite: same code, same run.

`--stub-engine` replaces the conversation engine by an instant six-option menu, to measure the
channel alone. `--long-lists` makes one throughput message in six a course list longer than
WhatsApp's 10 rows: its pages are written with the message (`storage.wa_pages`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bot.channels.whatsapp_inbound import sign

SECRET = "bench-app-secret"
TOKEN = "bench-graph-token"
PHONE_ID = "100000000000001"
TEXTS = (
    "merhaba",
    "bilgisayar kursu var mı",
    "kurslar ücretli mi",
    "aşçılık kursu ne zaman başlıyor",
    "sertifika veriliyor mu",
    "buca'da hangi kurslar var",
)
CONNECTIONS = 100  # keep-alive connections to the assistant, at most
BUTTONS = ("ask|list_courses", "ask|faq_cost", "ask|nearest_center", "__menu__")
# With --long-lists, one message in six: a course list of 11 choices, which WhatsApp shows as 9
# rows and "more" (its buttons written to wa_pages with the message).
LONG_LIST = "konak merkezleri"
_ids = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def delivery(wa_id: str, i: int, long_lists: bool = False) -> bytes:
    """One webhook body with one message: typed text, or a tap on a menu button."""
    n = next(_ids)
    message: dict[str, object] = {
        "from": wa_id,
        "id": f"wamid.BENCH{n:09d}",
        "timestamp": str(int(time.time())),
    }
    if i % 3 == 2:
        data = BUTTONS[i % len(BUTTONS)]
        message |= {
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": data, "title": "x"}},
        }
    else:
        text = LONG_LIST if long_lists and i % 6 == 0 else TEXTS[i % len(TEXTS)]
        message |= {"type": "text", "text": {"body": text}}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "902320000000", "phone_number_id": PHONE_ID},
        "contacts": [{"profile": {"name": "Bench"}, "wa_id": wa_id}],
        "messages": [message],
    }
    doc = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(doc).encode()


class Poster:
    """Keep-alive HTTP/1.1 connections that post prepared webhook requests.

    Hand-written on asyncio streams so that the load generator spends little CPU: on a
    2-core machine an HTTP client library would take as much CPU as the server it measures.
    """

    def __init__(self, host: str, port: int, connections: int) -> None:
        self.host, self.port = host, port
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self._count = connections
        self._all: list[asyncio.StreamWriter] = []

    async def open(self) -> None:
        for _ in range(self._count):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self._all.append(writer)
            self._idle.put_nowait((reader, writer))

    async def close(self) -> None:
        for writer in self._all:
            writer.close()
        await asyncio.gather(*(w.wait_closed() for w in self._all), return_exceptions=True)
        self._all = []

    async def refresh(self) -> None:
        """Fresh connections (uvicorn closes keep-alives idle for 5 s), in use before timing."""
        await self.close()
        await asyncio.sleep(0.5)  # the server lets the old ones go before the new ones count
        self._idle = asyncio.Queue()
        await self.open()
        empty = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
        await asyncio.gather(*(self.post(self.request(empty)) for _ in range(self._count)))

    def request(self, body: bytes) -> bytes:
        head = (
            f"POST /webhooks/whatsapp HTTP/1.1\r\nhost: {self.host}\r\n"
            "content-type: application/json\r\n"
            f"x-hub-signature-256: {sign(SECRET.encode(), body)}\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def post(self, raw: bytes) -> float:
        """Sends one prepared request; returns seconds until the whole answer was read."""
        reader, writer = await self._idle.get()
        try:
            if reader.at_eof() or writer.is_closing():  # uvicorn closes idle keep-alives
                reader, writer = await self._reopen(writer)
            started = time.perf_counter()
            writer.write(raw)
            status = await reader.readline()
            if not status:  # closed while idle: once more on a fresh connection
                reader, writer = await self._reopen(writer)
                started = time.perf_counter()
                writer.write(raw)
                status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            elapsed = time.perf_counter() - started
        finally:
            self._idle.put_nowait((reader, writer))
        if b" 200 " not in status:
            raise RuntimeError(f"webhook answered {status!r}")
        return elapsed

    async def _reopen(
        self, old: asyncio.StreamWriter
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        old.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._all.append(writer)
        return reader, writer


async def handled(client: httpx.AsyncClient) -> int:
    text = (await client.get("/metrics")).text
    m = re.search(r'^handling_seconds_count\{channel="whatsapp"\} (\d+)', text, re.M)
    return int(m.group(1)) if m else 0


async def wait_handled(client: httpx.AsyncClient, count: int, limit: float = 600.0) -> float:
    """When `count` messages are handled. Every look at /metrics runs the dashboard's queries
    (bot/institution_metrics.py: ten round trips on PostgreSQL), so it looks again after half
    the time the rest should take at the rate seen (0.02-0.25 s), not at a fixed 20 a second."""
    deadline = time.perf_counter() + limit
    pause, before, at = 0.02, await handled(client), time.perf_counter()
    while before < count:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {before} of {count} messages handled")
        await asyncio.sleep(pause)
        done, now = await handled(client), time.perf_counter()
        rate = (done - before) / (now - at)
        pause = min(0.25, max(0.02, (count - done) / rate / 2)) if rate > 0 else 0.05
        before, at = done, now
    return time.perf_counter()


async def wait_ready(client: httpx.AsyncClient) -> None:
    """Waits until the channel has started (the webhook answers 503 before)."""
    empty = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    headers = {"x-hub-signature-256": sign(SECRET.encode(), empty)}
    for _ in range(600):
        with contextlib.suppress(httpx.HTTPError):
            response = await client.post("/webhooks/whatsapp", content=empty, headers=headers)
            if response.status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise TimeoutError("the assistant did not start")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (Linux /proc), or 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(
    host: str, port: int, args: argparse.Namespace, pid: int | None = None
) -> dict[str, float]:
    # At most 100 connections: a request's task on the server can outlive its answer, and a
    # connection used again at once then counts twice against uvicorn's limit_concurrency
    # (257 here); 300 posts on 200 busy connections were answered 503.
    poster = Poster(host, port, min(max(max(args.burst), 64), CONNECTIONS))
    async with (
        httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=30) as client,
        httpx.AsyncClient(base_url=args.graph, timeout=30) as graph,
    ):
        for _ in range(300):  # the double, started first, is listening
            with contextlib.suppress(httpx.HTTPError):
                await graph_stats(graph)
                break
            await asyncio.sleep(0.1)
        await wait_ready(client)
        await poster.open()
        try:
            return await run_rounds(poster, client, graph, args, pid)
        finally:
            await poster.close()


async def graph_stats(graph: httpx.AsyncClient, since: int = 0) -> dict[str, Any]:
    """What the Graph double accepted and refused from its `since`-th arrival on."""
    return dict((await graph.get("/_double/stats", params={"since": since})).json())


async def send_errors(client: httpx.AsyncClient) -> int:
    text = (await client.get("/metrics")).text
    m = re.search(r'^errors_total\{channel="whatsapp",kind="send"\} ([0-9.]+)', text, re.M)
    return int(float(m.group(1))) if m else 0


async def bursts(
    poster: Poster,
    client: httpx.AsyncClient,
    graph: httpx.AsyncClient,
    args: argparse.Namespace,
    size: int,
    total: int,
) -> tuple[int, bool]:
    """`rounds` bursts of `size` deliveries; prints the figures; the handled count after, and
    whether the targets were met."""
    mark = int((await graph_stats(graph))["arrivals"])
    errors = await send_errors(client)
    idle: list[float] = []
    busy: list[float] = []
    for r in range(args.rounds):
        burst = [poster.request(delivery(f"9054{size:04d}{r:02d}{i:05d}", i)) for i in range(size)]
        if r % 2 == 0:
            await poster.refresh()
        acks = await asyncio.gather(*(poster.post(raw) for raw in burst))
        total += size
        if r % 2 == 0:  # this burst found nothing to do; the next comes while it is answered
            idle += acks
            await asyncio.sleep(0.3)
        else:  # this burst came while the previous one was being answered
            busy += acks
            await wait_handled(client, total)
    await wait_handled(client, total)
    seen = await graph_stats(graph, mark)
    errors = await send_errors(client) - errors
    print(f"acknowledgement, {args.rounds} x {size} deliveries posted at once:")
    for name, acks in (("idle assistant", idle), ("still answering", busy)):
        if acks:
            print(
                f"  {name:16} p50 {pct(acks, 0.5) * 1000:6.1f} ms   "
                f"p99 {pct(acks, 0.99) * 1000:6.1f} ms   max {max(acks) * 1000:6.1f} ms"
            )
    both = idle + busy
    p99 = pct(both, 0.99) * 1000
    print(f"  all bursts       p99 {p99:6.1f} ms   (target p99 <= 100 ms)")
    wrote = args.rounds * size
    throttled = int(seen["refused"].get("130429", 0))
    print(
        f"  replies: {seen['sent']} messages accepted by the double, {seen['recipients']} of "
        f"{wrote} users answered; 130429 refusals {throttled}, other refusals "
        f"{sum(seen['refused'].values()) - throttled}, send errors {errors}; busiest second "
        f"{seen['busiest_second']} messages (MF_WHATSAPP_MAX_RATE {args.max_rate:g}, "
        f"double {args.graph_rate:g}/s per number)"
    )
    ok = p99 <= 100 and throttled == 0 and seen["recipients"] == wrote and errors == 0
    return total, ok


async def run_rounds(
    poster: Poster,
    client: httpx.AsyncClient,
    graph: httpx.AsyncClient,
    args: argparse.Namespace,
    pid: int | None,
) -> dict[str, float]:
    """Runs the bursts and the throughput phase; returns the throughput phase's figures."""
    # Warm up: the engine has seen each kind of message once.
    warm = [poster.request(delivery(f"9053000{i:05d}", i)) for i in range(20)]
    await asyncio.gather(*(poster.post(r) for r in warm))
    total = len(warm)
    await wait_handled(client, total)

    results: list[bool] = []
    for size in args.burst:
        total, ok = await bursts(poster, client, graph, args, size, total)
        results.append(ok)
    print("bursts:", "targets met" if all(results) else "TARGETS MISSED")
    if not args.messages:
        return {}

    raws = [
        poster.request(delivery(f"9055{i % args.users:07d}", i, args.long_lists))
        for i in range(args.messages)
    ]
    slots = asyncio.Semaphore(64)

    async def one(raw: bytes) -> float:
        async with slots:
            return await poster.post(raw)

    mark = int((await graph_stats(graph))["arrivals"])
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    ack2 = await asyncio.gather(*(one(raw) for raw in raws))
    posted = time.perf_counter()
    finished = await wait_handled(client, total + args.messages)
    elapsed = finished - started
    cpu = cpu_seconds(pid) - cpu
    print(f"throughput, {args.messages} messages from {args.users} users, 64 in flight:")
    print(
        f"  posted in {posted - started:.2f} s (ack p50 {pct(ack2, 0.5) * 1000:.1f} ms, "
        f"p99 {pct(ack2, 0.99) * 1000:.1f} ms); all handled after {elapsed:.2f} s"
    )
    print(
        f"  = {args.messages / elapsed:.0f} messages/s end to end   (target >= 300/s with "
        f"--max-rate 1000 --graph-rate 0; the number's budget caps it otherwise)"
    )
    seen = await graph_stats(graph, mark)
    print(
        f"  replies: {seen['sent']} messages ({seen['sent'] / elapsed:.0f}/s), 130429 refusals "
        f"{seen['refused'].get('130429', 0)}, busiest second {seen['busiest_second']}"
    )
    if cpu:
        print(
            f"  assistant process: {cpu:.1f} CPU s, {cpu / args.messages * 1000:.2f} ms CPU per "
            f"message ({cpu / elapsed * 100:.0f}% of one core)"
        )
    return {
        "rate": args.messages / elapsed,
        "ack_p99": pct(ack2, 0.99) * 1000,
        "cpu_ms": cpu / args.messages * 1000,
    }


def serve(args: argparse.Namespace) -> None:
    """The assistant with the WhatsApp channel, as `meslek-bot run` would start it."""
    from bot.loop import run as run_loop
    from bot.run import run
    from bot.services import Service
    from bot.settings import load_settings

    def whatsapp(settings, assistant, metrics):  # type: ignore[no-untyped-def]  # bench only
        from bot.channels.whatsapp import WhatsAppChannel
        from storage.whatsapp_store import WhatsAppStore

        if args.stub_engine:
            from core.messages import Button, Reply

            menu = Reply(
                "Ne yapmak istersiniz?", tuple(Button(f"Seçenek {i}", f"i|o{i}") for i in range(6))
            )

            from bot.engine import Answer

            async def instant(_msg: object, _record: object = None) -> Answer:
                return Answer([menu])

            assistant.engine.answer = instant  # a stub: measures the channel alone
        store = WhatsAppStore(
            assistant.db,
            assistant.users,
            assistant.engine.clock,
            assistant.engine.vault,
            owner=assistant.instance,
        )
        channel = WhatsAppChannel(settings, assistant.engine, store, assistant.users, metrics)
        return Service("whatsapp", channel.start, channel.stop, channel.routes())

    settings = load_settings(
        database_url=args.database or f"sqlite+aiosqlite:///{args.db}",
        data_key="bench-data-key-0123456789",
        whatsapp_token=TOKEN,
        whatsapp_phone_number_id=PHONE_ID,
        whatsapp_app_secret=SECRET,
        whatsapp_verify_token="bench-verify",
        whatsapp_api_url=args.graph,
        whatsapp_max_rate=str(args.max_rate),
        http_port=args.port,
        panel_port=args.panel_port,
    )
    sys.exit(run_loop(run(settings, services=[whatsapp])))


async def empty_database(url: str) -> None:
    """Drops every table of the bench's PostgreSQL database, so each run starts empty."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--burst", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument(
        "--max-rate", type=float, default=50.0, help="MF_WHATSAPP_MAX_RATE of the assistant"
    )
    parser.add_argument(
        "--graph-rate",
        type=float,
        default=80.0,
        help="the double's throughput per phone number before 130429 (0: none)",
    )
    parser.add_argument("--stub-engine", action="store_true", help="measure the channel alone")
    parser.add_argument(
        "--long-lists", action="store_true", help="one message in six shows a paged list"
    )
    parser.add_argument(
        "--database", default="", help="a PostgreSQL URL to run on (emptied first); default SQLite"
    )
    parser.add_argument(
        "--compare",
        default="",
        metavar="URL",
        help="run on SQLite, then on this PostgreSQL database (emptied first), and compare",
    )
    parser.add_argument("--runs", type=int, default=1, help="with --compare: how many pairs")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--panel-port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--graph", default="", help=argparse.SUPPRESS)
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    if not args.compare:
        run_one(args, args.database)
        return
    # SQLite and PostgreSQL from the same code, one after the other, `runs` times.
    pairs = [(run_one(args, ""), run_one(args, args.compare)) for _ in range(args.runs)]
    print("SQLite and PostgreSQL, throughput phase, one after the other:")
    for lite, pg in pairs:
        print(
            f"  SQLite {lite['rate']:4.0f} msg/s (ack p99 {lite['ack_p99']:5.1f} ms, "
            f"{lite['cpu_ms']:.2f} ms CPU/msg)   PostgreSQL {pg['rate']:4.0f} msg/s (ack p99 "
            f"{pg['ack_p99']:5.1f} ms, {pg['cpu_ms']:.2f} ms CPU/msg)   "
            f"PG/SQLite {pg['rate'] / lite['rate']:.2f}   (targets >= 0.8, PG ack p99 <= 100 ms)"
        )


def run_one(args: argparse.Namespace, database: str) -> dict[str, float]:
    """One run of the assistant on `database` (a PostgreSQL URL, emptied first; "": a fresh
    SQLite file); returns the throughput phase's figures."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MF_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path.cwd()), env.get("PYTHONPATH")]))
    if database:
        asyncio.run(empty_database(database))
    graph_port, bot_port = free_port(), free_port()
    graph_url = f"http://127.0.0.1:{graph_port}"
    with tempfile.TemporaryDirectory() as tmp:
        graph = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.doubles.graph_api",
                "--port",
                str(graph_port),
                "--token",
                TOKEN,
                *(["--rate", str(args.graph_rate)] if args.graph_rate else []),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        bot = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                "--port",
                str(bot_port),
                "--panel-port",
                str(free_port()),
                "--graph",
                graph_url,
                "--max-rate",
                str(args.max_rate),
                "--db",
                str(Path(tmp) / "bench.db"),
                *(["--stub-engine"] if args.stub_engine else []),
                *(["--database", database] if database else []),
            ],
            env=env,
            cwd=tmp,
        )
        try:
            engine = "engine STUBBED (channel alone)" if args.stub_engine else "real engine"
            where = "PostgreSQL" if database else "SQLite"
            print(f"cpus: {os.cpu_count()}; python {sys.version.split()[0]}; {where}; {engine}")
            args.graph = graph_url
            return asyncio.run(measure("127.0.0.1", bot_port, args, bot.pid))
        finally:
            for proc in (bot, graph):
                proc.terminate()
            for proc in (bot, graph):
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
