"""Telegram channel benchmark: real python-telegram-bot, the real engine, a local Bot API double.

Run by hand from the repository root:

    PYTHONPATH=. python bench/telegram.py [--users 50] [--rounds 10] [--updates 2000]
                                         [--stub-engine] [--burst-only]

The double runs in its own process (``python -m tests.doubles.telegram_api``) with its rate
limits raised, and so is the bot's budget (MF_TELEGRAM_MAX_RATE, ``--max-rate``, 1000 by
default: at Telegram's 30/s the replies, not the channel, would be measured); the bot polls it
with getUpdates exactly as it polls Telegram. Latency is
measured by the double's own clock: from the moment an update is queued in the double to the
moment the first sendMessage for that chat reaches the double. Three figures: latency with 50
users each writing every ~2 s out of step; latency when 50 updates arrive in the same instant;
throughput over 2,000 updates queued at once (new users, then the same users again).
``--stub-engine`` replaces the conversation engine with an instant answer: the channel alone.

Beside the assistant, a bare python-telegram-bot echo bot (one handler: send the text back)
polls a second instance of the same double with the same intake settings (polling, as many
updates at once, the same connection pools). Bursts of `--users` *new* users writing in the
same instant go to the assistant and to the echo bot in turns, round after round, and the run
prints both bots' reply p50/p95/p99 and the ratio: what the assistant's own work adds to what
PTB and the event loop cost anyway. The rate budget (MF_TELEGRAM_MAX_RATE) is set to 1000/s
and the double allows it, so pacing is not what is measured. ``--burst-only`` prints just that
comparison.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the `telegram` package: run as a script, its folder would come
# first on sys.path and shadow python-telegram-bot.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import asyncio
import importlib.util
import logging
import os
import platform
import random
import tempfile
import time
from typing import Any

import telegram
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.bot_api_process import DoubleProcess
from bot.app import Assistant, build_assistant, settle_heap
from bot.channels.telegram import TelegramChannel
from bot.engine import Answer
from bot.loop import run as run_loop
from bot.metrics import Metrics
from bot.settings import load_settings
from core.messages import Button, Incoming, Reply
from tests.doubles.telegram_api import DEFAULT_TOKEN, text_update

MESSAGES = (
    "merhaba",
    "barista kursu var mı",
    "kurslar ücretli mi",
    "/kurslar",
    "karşıyakada aşçılık kursu",
    "sertifika veriliyor mu",
)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Double(DoubleProcess):
    """The Bot API double in its own process, with the calls this bench needs."""

    async def push(self, updates: list[dict[str, Any]]) -> list[int]:
        response = await self.client.post("/_double/push", json=updates)
        return list(response.json()["update_ids"])

    async def replies(self, since: int) -> dict[str, Any]:
        return dict((await self.client.get(f"/_double/replies?since={since}")).json())

    async def pushed_at(self, since: int) -> dict[int, float]:
        raw = (await self.client.get(f"/_double/pushes?since={since}")).json()
        return {int(k): float(v) for k, v in raw.items()}


async def _round(double: Double, chats: list[int], texts: list[str], within: float) -> Any:
    """Queues one update per chat; waits for every chat's first reply; returns the figures."""
    since = int((await double.replies(10**9))["calls"])
    ids = await double.push([text_update(c, t) for c, t in zip(chats, texts, strict=True)])
    deadline = time.monotonic() + within
    while True:
        await asyncio.sleep(0.1)
        seen = await double.replies(since)
        first = {int(k): v for k, v in seen["first"].items()}
        if all(c in first for c in chats):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{sum(c not in first for c in chats)} chats got no reply")
    pushed = await double.pushed_at(ids[0] - 1)
    latencies = [first[c] - pushed[i] for c, i in zip(chats, ids, strict=True)]
    span = max(first[c] for c in chats) - min(pushed[i] for i in ids)
    return latencies, span, int(seen["failed"])


async def latency(double: Double, users: int, rounds: int) -> tuple[list[float], int]:
    """Seconds from update queued to first reply, with `users` users writing at once."""
    out: list[float] = []
    failed = 0
    chats = [10_000 + i for i in range(users)]
    for n in range(rounds):
        texts = [MESSAGES[(n + i) % len(MESSAGES)] for i in range(users)]
        latencies, _span, bad = await _round(double, chats, texts, 60)
        out += latencies
        failed += bad
        await asyncio.sleep(1.1)  # the same people write again a little later
    return out, failed


async def steady(double: Double, users: int, seconds: float, every: float = 2.0) -> list[float]:
    """Latencies when `users` people each write about every `every` seconds, out of step."""
    rng = random.Random(7)
    since = int((await double.replies(10**9))["calls"])
    plan = sorted(
        (k * every + rng.uniform(0, every * 0.8), 20_000 + u)
        for u in range(users)
        for k in range(int(seconds / every))
    )
    pushed: list[tuple[int, int]] = []
    start = time.monotonic()
    for n, (at, chat) in enumerate(plan):
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        (update_id,) = await double.push([text_update(chat, MESSAGES[n % len(MESSAGES)])])
        pushed.append((chat, update_id))
    await asyncio.sleep(2 * every)  # the last replies
    times = await double.pushed_at(pushed[0][1] - 1)
    sends: dict[int, list[float]] = {}
    for chat, at in (await double.client.get(f"/_double/sends?since={since}")).json():
        sends.setdefault(int(chat), []).append(float(at))
    out: list[float] = []
    for chat, update_id in pushed:
        queued = times[update_id]
        out.append(min(at for at in sends[chat] if at >= queued) - queued)
    return out


async def throughput(double: Double, updates: int) -> tuple[float, int]:
    """Updates per second over `updates` updates from as many users queued at once."""
    chats = [1_000_000 + i for i in range(updates)]
    texts = [MESSAGES[i % len(MESSAGES)] for i in range(updates)]
    _latencies, span, failed = await _round(double, chats, texts, 600)
    return updates / span, failed


async def echo_bot(api_url: str, concurrency: int) -> Application[Any, Any, Any, Any, Any, Any]:
    """A bare PTB echo bot, polling: the same intake settings as the assistant's channel."""

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is not None and message.text is not None:
            await message.reply_text(message.text)

    app = (
        ApplicationBuilder()
        .token(DEFAULT_TOKEN)
        .base_url(api_url)
        .concurrent_updates(concurrency)
        .connection_pool_size(2 * concurrency + 4)
        .pool_timeout(5.0)
        .get_updates_connection_pool_size(2)
        .job_queue(None)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=10, allowed_updates=["message", "callback_query"])
    return app


async def stop_bot(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


def _figures(values: list[float]) -> str:
    p50, p95, p99 = (_percentile(values, q) * 1000 for q in (0.50, 0.95, 0.99))
    return (
        f"p50 {p50:6.1f} ms, p95 {p95:6.1f} ms, p99 {p99:6.1f} ms, max {max(values) * 1000:6.1f} ms"
    )


async def new_users_burst(
    assistant: Double,
    echo: Double,
    users: int,
    rounds: int,
    first_chat: int,
    rounds_seen: list[tuple[float, float]],
) -> tuple[list[float], list[float], int]:
    """Bursts of `users` new users in the same instant, to the assistant and the echo bot in
    turns; the latencies of each and the failed calls (each round's slowest reply of either
    bot, in ms, added to `rounds_seen`)."""
    ours: list[float] = []
    theirs: list[float] = []
    failed = 0
    for n in range(rounds):
        chats = [first_chat + n * users + i for i in range(users)]
        texts = [MESSAGES[(n + i) % len(MESSAGES)] for i in range(users)]
        slowest = []
        for double, out in ((assistant, ours), (echo, theirs)):
            latencies, _span, bad = await _round(double, chats, texts, 60)
            out += latencies
            failed += bad
            slowest.append(max(latencies) * 1000)
            await asyncio.sleep(1.1)  # both bots idle again before the next burst
        rounds_seen.append((slowest[0], slowest[1]))
    return ours, theirs, failed


async def engine_alone(assistant: Assistant, turns: int = 300) -> float:
    """Turns per second of the engine by itself, one after another (no Telegram)."""
    started = time.perf_counter()
    for i in range(turns):
        msg = Incoming(f"telegram:{500_000 + i}", text=MESSAGES[i % len(MESSAGES)])
        await assistant.engine.handle(msg)
    return turns / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bot.app").setLevel(logging.ERROR)  # the sample-catalog notice
    double = Double()
    echo_double = Double()
    assistant: Assistant | None = None
    channel: TelegramChannel | None = None
    echo: Application[Any, Any, Any, Any, Any, Any] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for each in (double, echo_double):
                await each.ready()
                await each.config(rate_overall=100_000, rate_per_chat=1_000)
            settings = load_settings(
                database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
                data_key="bench-data-key-0123456789",
                telegram_token=DEFAULT_TOKEN,
                telegram_api_url=double.api_url,
                telegram_max_rate=str(args.max_rate),  # above any burst: pacing not measured
            )
            assistant = await build_assistant(settings)
            engine_rate = await engine_alone(assistant)
            if args.stub_engine:

                async def instant(_msg: Incoming, _record: object = None) -> Answer:
                    return Answer(
                        [Reply("Tamam", buttons=(Button("Evet", "y"), Button("Hayır", "n")))]
                    )

                assistant.engine.answer = instant  # type: ignore[method-assign,assignment]  # a stub
            metrics = Metrics()
            channel = TelegramChannel(
                settings, assistant.engine, assistant.users, metrics, concurrency=args.concurrency
            )
            await channel.start()
            echo = await echo_bot(echo_double.api_url, args.concurrency)
            settle_heap()  # as `meslek-bot run` does once everything is built
            engine = "engine STUBBED (channel alone)" if args.stub_engine else "real engine"
            print(
                f"Telegram channel: python-telegram-bot {telegram.__version__}, polling "
                f"(getUpdates long-poll) against the local Bot API double in its own process; "
                f"{engine} on SQLite; {args.concurrency} updates at once; "
                f"MF_TELEGRAM_MAX_RATE {args.max_rate:g}; "
                f"{type(asyncio.get_running_loop()).__module__.split('.')[0]} event loop; "
                f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            print(f"engine alone, one turn after another: {engine_rate:.0f} turns/s")
            if importlib.util.find_spec("sniffio") is None:
                print(
                    "note: sniffio is not installed, so httpcore retries importing it on every "
                    "request (about 1-2 ms of CPU per update here); installing it removes that"
                )
            # warm-up: connections, caches, first users
            await new_users_burst(double, echo_double, args.users, 1, 5_000_000, [])
            per_round: list[tuple[float, float]] = []
            ours, theirs, failed_burst = await new_users_burst(
                double, echo_double, args.users, args.rounds, 6_000_000, per_round
            )
            ratio = _percentile(ours, 0.99) / _percentile(theirs, 0.99)
            print(
                f"burst of {args.users} new users in the same instant x {args.rounds} rounds, "
                f"the two bots in turns ({len(ours)} updates each):\n"
                f"  assistant {_figures(ours)}\n"
                f"  echo bot  {_figures(theirs)}\n"
                f"  p99 ratio {ratio:.2f} (target: <= 1.5); p50 ratio "
                f"{_percentile(ours, 0.5) / _percentile(theirs, 0.5):.2f}; "
                f"failed API calls {failed_burst}\n"
                f"  slowest reply per round, assistant/echo (ms): "
                + " ".join(f"{x:.0f}/{y:.0f}" for x, y in per_round)
            )
            if args.burst_only:
                return 0 if ratio <= 1.5 and failed_burst == 0 else 1
            calm = await steady(double, args.users, args.seconds)
            p50, p99 = _percentile(calm, 0.50) * 1000, _percentile(calm, 0.99) * 1000
            print(
                f"latency, {args.users} users each writing every ~2 s out of step "
                f"({len(calm)} updates, ~{args.users / 2:.0f}/s): p50 {p50:.1f} ms, "
                f"p99 {p99:.1f} ms, max {max(calm) * 1000:.1f} ms "
                f"(targets: p50 <= 30 ms, p99 <= 150 ms)"
            )
            lat, failed_lat = await latency(double, args.users, args.rounds)
            b50, b99 = _percentile(lat, 0.50) * 1000, _percentile(lat, 0.99) * 1000
            print(
                f"latency, {args.users} updates queued in the same instant x {args.rounds} "
                f"rounds ({len(lat)} updates): p50 {b50:.1f} ms, p99 {b99:.1f} ms, "
                f"max {max(lat) * 1000:.1f} ms (the last of a burst waits for the others)"
            )
            rates: list[float] = []
            for who in ("new", "returning"):  # the second pass: the same users write again
                cpu_before = time.process_time()
                rate, failed = await throughput(double, args.updates)
                cpu_ms = (time.process_time() - cpu_before) * 1000 / args.updates
                failed_lat += failed
                rates.append(rate)
                print(
                    f"throughput, {args.updates} updates from {args.updates} {who} users queued "
                    f"at once: {rate:.0f} updates/s; bot process CPU {cpu_ms:.2f} ms per update "
                    f"(target: >= 200 updates/s)"
                )
            errors = sum(
                float(line.rsplit(" ", 1)[1])
                for line in metrics.render().splitlines()
                if line.startswith("errors_total{")
            )
            failed = failed_lat + failed_burst
            print(f"failed API calls {failed}, channel errors {errors:.0f} (target: none)")
            rate = min(rates)
            ok = p50 <= 30 and p99 <= 150 and rate >= 200 and failed == 0 and errors == 0
            ok = ok and ratio <= 1.5
            print("result:", "targets met" if ok else "TARGETS MISSED")
            return 0 if ok else 1
        finally:
            if echo is not None:
                await stop_bot(echo)
            if channel is not None:
                await channel.stop()
            if assistant is not None:
                await assistant.close()
            await double.close()
            await echo_double.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Telegram channel benchmark")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the steady run")
    parser.add_argument("--concurrency", type=int, default=16, help="updates handled at once")
    parser.add_argument("--stub-engine", action="store_true", help="measure the channel alone")
    parser.add_argument(
        "--max-rate", type=float, default=1000.0, help="the bot's MF_TELEGRAM_MAX_RATE"
    )
    parser.add_argument(
        "--burst-only", action="store_true", help="only the new users' burst against the echo bot"
    )
    sys.exit(run_loop(main(parser.parse_args())))  # the loop `meslek-bot run` uses
