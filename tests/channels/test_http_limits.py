"""Bounded HTTP: what a slow, large or numerous client can hold of `meslek-bot run`'s listeners.

Real servers over real sockets: `run()` in this process (with short deadlines) for the
deadlines and sizes, and `meslek-bot run` as a child process where its own memory or its
open-file limit is what is measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import http_limits
from bot.http_limits import HttpLimits, connection_caps, raise_open_files
from bot.run import _listen, _uvicorn, run
from tests.bot.conftest import make_settings
from tests.doubles.telegram_api import TelegramDouble, text_update
from tests.processes import child_env, free_port

SECRET = "webhook-secret-0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
USER = 616161
SHORT = HttpLimits(head_timeout=1.0, body_timeout=1.0, body_min_rate=1024 * 1024)
SLACK = 1.5  # how much later than its deadline a connection may be closed (a loaded CI box)
MiB = 1024 * 1024


def _update(update_id: int, text: str = "merhaba") -> dict[str, Any]:
    body = {**text_update(USER, text), "update_id": update_id}
    body["message"]["message_id"] = update_id
    return body


# Raw connections -----------------------------------------------------------------------------


@dataclass
class Raw:
    """One client connection written by hand, and the bytes the server sent back."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    trickling: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, port: int) -> Raw:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    def trickle(self, data: bytes, every: float) -> None:
        """Sends `data` one byte at a time, `every` seconds apart, in the background."""

        async def go() -> None:
            with contextlib.suppress(ConnectionError):
                for byte in data:
                    if self.writer.is_closing() or self.reader.at_eof():
                        return
                    self.writer.write(bytes([byte]))
                    await self.writer.drain()
                    await asyncio.sleep(every)

        self.trickling = asyncio.create_task(go())

    async def answer(self, within: float) -> bytes:
        """Everything the server sends until it closes the connection."""
        data = b""
        with contextlib.suppress(ConnectionResetError):
            async with asyncio.timeout(within):
                while chunk := await self.reader.read(65536):
                    data += chunk
        return data

    async def close(self) -> None:
        if self.trickling is not None:
            self.trickling.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await self.trickling
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


@contextlib.asynccontextmanager
async def raw_connections() -> AsyncIterator[list[Raw]]:
    opened: list[Raw] = []
    try:
        yield opened
    finally:
        await asyncio.gather(*(c.close() for c in opened))


def _head(path: str = "/healthz", method: str = "GET", **headers: str) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _post_head(length: int | None) -> bytes:
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    if length is None:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(length)
    return _head("/webhooks/telegram", "POST", **headers)


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:80]
    return int(answer[9:12])


# run() in this process, with short deadlines -------------------------------------------------


@dataclass
class Served:
    port: int
    panel_port: int
    tg: TelegramDouble

    def client(self) -> httpx.AsyncClient:
        """A client that opens a new connection for every request (as a health probe does)."""
        limits = httpx.Limits(max_keepalive_connections=0)
        return httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", limits=limits)


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, tg: TelegramDouble) -> AsyncIterator[Served]:
    port = free_port()
    settings = make_settings(
        tmp_path,
        telegram_token=tg.token,
        telegram_api_url=tg.api_url,
        telegram_webhook_url="https://bot.example.org/webhooks/telegram",
        telegram_webhook_secret=SECRET,
        http_port=str(port),
    )
    stop = asyncio.Event()
    running = asyncio.create_task(run(settings, stop=stop))
    try:
        await tg.wait_for(lambda: tg.calls_to("setWebhook") or running.done())
        assert not running.done(), running.result()
        yield Served(port, settings.panel_port, tg)
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 20) == 0


@pytest.fixture
async def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Served]:
    monkeypatch.setattr(http_limits, "LIMITS", SHORT)
    async with TelegramDouble() as tg, serving(tmp_path, tg) as running:
        yield running


async def _slow_head_is_cut(port: int) -> None:
    loop = asyncio.get_running_loop()
    async with raw_connections() as conns:
        slow, silent = await Raw.open(port), await Raw.open(port)
        conns += [slow, silent]
        started = loop.time()
        slow.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.trickle(b"X-Slow: " + b"a" * 100, every=0.05)  # never ends within the deadline
        answers = await asyncio.gather(slow.answer(10), silent.answer(10))
        took = loop.time() - started
    assert [_status(a) for a in answers] == [408, 408]
    assert SHORT.head_timeout - 0.1 <= took < SHORT.head_timeout + SLACK, took


async def test_a_head_sent_too_slowly_is_answered_408_and_closed(served: Served) -> None:
    await _slow_head_is_cut(served.port)
    async with served.client() as client:  # a quick request is not held to anything
        assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_the_staff_panels_listener_cuts_a_slow_head_too(served: Served) -> None:
    await _slow_head_is_cut(served.panel_port)
    async with httpx.AsyncClient() as client:
        signin = await client.get(f"http://127.0.0.1:{served.panel_port}/signin")
    assert signin.status_code == 200


async def test_a_body_sent_too_slowly_is_answered_408_and_nothing_is_handled(
    served: Served,
) -> None:
    body = json.dumps(_update(1)).encode()
    loop = asyncio.get_running_loop()
    async with raw_connections() as conns:
        conn = await Raw.open(served.port)
        conns.append(conn)
        started = loop.time()
        conn.send(_post_head(len(body)))
        conn.trickle(body, every=0.05)
        answer = await conn.answer(10)
        took = loop.time() - started
    assert _status(answer) == 408
    assert b"connection: close" in answer.lower()
    assert SHORT.body_timeout - 0.1 <= took < SHORT.body_timeout + SLACK, took
    await served.tg.settle(0.3)
    assert not served.tg.calls_to("sendMessage")


async def test_oversized_heads_are_refused(served: Served) -> None:
    async with raw_connections() as conns:
        line, url, many = [await Raw.open(served.port) for _ in range(3)]
        conns += [line, url, many]
        line.send(_head(**{"X-Long": "a" * 20_000}))  # one line over 16 KiB
        url.send(_head("/healthz?q=" + "a" * 20_000))
        many.send(_head(**{f"X-H{i}": "a" * 1000 for i in range(70)}))  # 70 KB of short lines
        answers = await asyncio.gather(line.answer(5), url.answer(5), many.answer(5))
    assert [_status(a) for a in answers] == [431, 414, 431]

    # a 10 MiB header line: refused once 64 KiB came; the rest is never read
    async with raw_connections() as conns:
        huge = await Raw.open(served.port)
        conns.append(huge)
        reading = asyncio.create_task(huge.answer(10))
        huge.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ")
        sent = 0
        with contextlib.suppress(ConnectionError):
            while sent < 10 * MiB and not reading.done():
                huge.send(b"a" * 65536)
                await huge.writer.drain()
                sent += 65536
        answer = await reading
    assert answer == b"" or _status(answer) == 431  # 431, unless the reset overtook it
    assert sent < 10 * MiB, "the server read the whole 10 MiB header"
    async with served.client() as client:
        assert (await client.get("/healthz")).status_code == 200


async def test_health_and_deliveries_are_answered_during_200_slow_connections(
    served: Served,
) -> None:
    body = json.dumps(_update(7)).encode()
    async with raw_connections() as conns:
        for i in range(200):
            conn = await Raw.open(served.port)
            conns.append(conn)
            if i % 2:  # a slow head
                conn.send(b"GET /healthz HTTP/1.1\r\n")
                conn.trickle(b"X-Slow: " + b"a" * 100, every=0.2)
            else:  # a slow body
                conn.send(_post_head(len(body)))
                conn.trickle(body, every=0.2)
        async with served.client() as client:
            for _ in range(3):
                assert (await client.get("/healthz")).json() == {"status": "ok"}
            delivery = await client.post(
                "/webhooks/telegram",
                content=json.dumps(_update(8)),
                headers={SECRET_HEADER: SECRET},
            )
            assert delivery.status_code == 200
        assert not any(c.reader.at_eof() for c in conns), "the slow ones were still there"
        answers = await asyncio.gather(*(c.answer(SHORT.head_timeout + 5) for c in conns))
    assert {_status(a) for a in answers} == {408}  # every one of them cut at its deadline
    await served.tg.wait_for(lambda: served.tg.calls_to("sendMessage", USER))


async def test_at_the_connection_cap_the_slowest_go_first_and_busy_ones_stay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http_limits, "LIMITS", HttpLimits(head_timeout=30, body_timeout=30))
    gate = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/busy":
            await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sock = _listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = _uvicorn(app, 4)
    serving_task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving_task.done():
                serving_task.result()
            await asyncio.sleep(0.01)
        async with raw_connections() as conns:
            slow = []
            for _ in range(6):  # heads that never end, long before any deadline
                conn = await Raw.open(port)
                conn.send(b"GET /ok HTTP/1.1\r\n")
                slow.append(conn)
                await asyncio.sleep(0.05)
            conns += slow
            cut = await asyncio.gather(*(c.answer(2) for c in slow[:2]))
            assert cut == [b"", b""]  # the two oldest were closed to make room
            assert not any(c.reader.at_eof() for c in slow[2:])

            busy = []
            for _ in range(4):  # each takes the place of a slow one, and is then answered
                conn = await Raw.open(port)
                conn.send(_head("/busy"))
                busy.append(conn)
                await asyncio.sleep(0.05)
            conns += busy
            for conn in slow[2:]:
                assert await conn.answer(2) == b""

            refused = await Raw.open(port)  # four requests in progress: no room at all
            conns.append(refused)
            assert _status(await refused.answer(2)) == 503

            gate.set()
            for conn in busy:
                assert (await conn.reader.readuntil(b"ok")).startswith(b"HTTP/1.1 200")
    finally:
        gate.set()
        server.should_exit = True
        await serving_task
        sock.close()


def test_the_open_file_limit_is_raised_to_the_hard_limit_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.http_limits")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, http_limits.OPEN_FILES_CEILING)
    if wanted <= 512:
        pytest.skip(f"the hard open-file limit ({hard}) leaves nothing to raise")
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))
        assert raise_open_files() == wanted
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (wanted, hard)
        assert f"open-file limit raised from 512 to {wanted}" in caplog.text
        assert raise_open_files() == wanted  # already there: said once more, nothing changed
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_connection_caps_fit_the_open_file_limit(caplog: pytest.LogCaptureFixture) -> None:
    assert connection_caps(65_536) == (http_limits.WEB_CONNECTIONS, http_limits.PANEL_CONNECTIONS)
    assert "open-file limit" not in caplog.text
    web, panel = connection_caps(256)
    assert web + panel <= 256 - http_limits.RESERVED_FILES
    assert web > panel > 0
    assert "open-file limit 256: at most" in caplog.text
    assert connection_caps(256, web=False)[1] == http_limits.PANEL_CONNECTIONS


# `meslek-bot run` as a child process ----------------------------------------------------------


@dataclass
class Child:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    def rss_kib(self) -> int:
        return _proc_status(self.process.pid, "VmRSS")

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def open_files_limit(self) -> tuple[int, int]:
        for line in Path(f"/proc/{self.process.pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return int(soft), int(hard)
        raise AssertionError("no open-file limit in /proc")


def _proc_status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


@contextlib.asynccontextmanager
async def child(
    tmp_path: Path, tg: TelegramDouble, files: tuple[int, int], limits: dict[str, float]
) -> AsyncIterator[Child]:
    settings = make_settings(tmp_path)
    port = free_port()
    env = child_env()
    env.update(
        MF_DATABASE_URL=settings.database_url,
        MF_DATA_KEY="test-data-key-0123456789",
        MF_TELEGRAM_TOKEN=tg.token,
        MF_TELEGRAM_API_URL=tg.api_url,
        MF_TELEGRAM_WEBHOOK_URL="https://bot.example.org/webhooks/telegram",
        MF_TELEGRAM_WEBHOOK_SECRET=SECRET,
        MF_HTTP_PORT=str(port),
        MF_PANEL_PORT=str(free_port()),
        MF_TEST_HTTP_LIMITS=json.dumps(limits),
    )
    log = tmp_path / "server.log"

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, files)

    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.channels.limited_run",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=sink,
            preexec_fn=limit_files,
        )  # fmt: skip
    try:
        await tg.wait_for(lambda: tg.calls_to("setWebhook") or process.returncode, within=60)
        assert process.returncode is None, log.read_text()
        yield Child(process, port, log)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0, log.read_text()


@pytest.fixture
async def tg() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as double:
        yield double


linux = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")


@linux
async def test_with_256_open_files_a_flood_of_slow_connections_leaves_health_answered(
    tmp_path: Path, tg: TelegramDouble
) -> None:
    """The probe's case: a hard limit of 256 files, which the server cannot raise. 300 slow
    connections (heads and bodies a byte every 0.2 s, deadlines far away) take more places
    than there are; quick requests take theirs from the slowest."""
    limits = {"head_timeout": 30.0, "body_timeout": 30.0}
    async with child(tmp_path, tg, (256, 256), limits) as server:
        assert server.open_files_limit() == (256, 256)
        body = json.dumps(_update(3)).encode()
        async with raw_connections() as conns:
            for i in range(300):
                conn = await Raw.open(server.port)
                conns.append(conn)
                if i % 2:
                    conn.send(b"GET /healthz HTTP/1.1\r\n")
                    conn.trickle(b"X-Slow: " + b"a" * 200, every=0.2)
                else:
                    conn.send(_post_head(len(body)))
                    conn.trickle(body, every=0.2)
            await asyncio.sleep(0.5)
            limits_ = httpx.Limits(max_keepalive_connections=0)
            base = f"http://127.0.0.1:{server.port}"
            async with httpx.AsyncClient(base_url=base, limits=limits_, timeout=5) as client:
                for _ in range(5):
                    assert (await client.get("/healthz")).json() == {"status": "ok"}
                delivery = await client.post(
                    "/webhooks/telegram",
                    content=json.dumps(_update(4)),
                    headers={SECRET_HEADER: SECRET},
                )
                assert delivery.status_code == 200
            await tg.wait_for(lambda: tg.calls_to("sendMessage", USER), within=20)
            evicted = sum(c.reader.at_eof() for c in conns)
            assert evicted >= 300 - http_limits.WEB_CONNECTIONS, evicted
            assert server.open_files() < 256
    text = server.log.read_text()
    assert "open-file limit 256" in text
    assert "at most" in text  # the caps were lowered to fit, and it said so


@linux
async def test_a_100_mib_telegram_body_is_refused_at_the_limit_without_being_read(
    tmp_path: Path, tg: TelegramDouble
) -> None:
    limits = {"head_timeout": 10.0, "body_timeout": 30.0}
    async with child(tmp_path, tg, (256, 4096), limits) as server:
        assert server.open_files_limit() == (4096, 4096)  # raised at start
        assert "open-file limit raised from 256 to 4096" in server.log.read_text()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            for i in range(3):  # warm up: the code paths of a real delivery are loaded
                delivery = await client.post(
                    "/webhooks/telegram",
                    content=json.dumps(_update(10 + i)),
                    headers={SECRET_HEADER: SECRET},
                )
                assert delivery.status_code == 200
        await tg.wait_for(lambda: len(tg.calls_to("sendMessage", USER)) >= 3, within=20)
        await asyncio.sleep(0.5)
        before = server.rss_kib()

        async with raw_connections() as conns:  # its length said: refused before any of it
            declared = await Raw.open(server.port)
            conns.append(declared)
            declared.send(_post_head(100 * MiB))
            assert _status(await declared.answer(5)) == 413

        async with raw_connections() as conns:  # no length: refused once 1 MB came
            chunked = await Raw.open(server.port)
            conns.append(chunked)
            reading = asyncio.create_task(chunked.answer(30))
            chunked.send(_post_head(None))
            piece = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"  # 64 KiB chunks
            sent = 0
            with contextlib.suppress(ConnectionError):
                while sent < 100 * MiB and not reading.done():
                    chunked.send(piece)
                    await chunked.writer.drain()
                    sent += 0x10000
            answer = await reading
        assert answer == b"" or _status(answer) == 413
        assert sent < 20 * MiB, f"{sent} bytes were taken"
        await asyncio.sleep(0.3)
        grew = server.rss_kib() - before
        logging.getLogger(__name__).warning(
            "100 MiB body: refused after %d bytes sent; server RSS grew %d KiB", sent, grew
        )
        assert grew < 5 * 1024, f"the server grew by {grew} KiB"
