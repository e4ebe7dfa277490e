"""Crash safety of chat turns: `meslek-bot run` killed with SIGKILL after a burst of turns was
committed but before any reply got out, started again and handed the same updates again (as
Telegram redelivers what it did not see answered), runs none of them twice and loses none: each
is answered once, with what its turn recorded."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from storage import tables as t
from storage.db import Database
from tests.bot.conftest import copy_seeded, make_settings
from tests.channels.instances import Instance
from tests.doubles.telegram_api import TelegramDouble, text_update
from tests.processes import child_env, free_port

SECRET = "crash-webhook-secret-0123456789"
FIRST_USER = 700_000
USERS = 12
APPLY = "barista kursuna başvurmak istiyorum"  # changes the conversation: one awaited commit
HELLO = "merhaba"  # changes nothing but the new user's row: its id is written shortly after


async def _start(workdir: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def _update(n: int, text: str) -> dict[str, Any]:
    """The n-th update, always with the same update and message ids (a redelivery is equal)."""
    body = {**text_update(FIRST_USER + n, text), "update_id": 5_000 + n}
    body["message"]["message_id"] = 1
    return body


async def _deliver(port: int, updates: list[dict[str, Any]]) -> None:
    """Posts the updates as Telegram does: again while the bot is not up yet (no answer, 503)."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def post(client: httpx.AsyncClient, update: dict[str, Any]) -> int:
        for _ in range(300):
            try:
                answer = await client.post("/webhooks/telegram", json=update, headers=headers)
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.status_code != 503:
                return answer.status_code
            await asyncio.sleep(0.1)
        raise AssertionError("the bot never took the update")

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        answers = await asyncio.gather(*(post(client, u) for u in updates))
    assert answers == [200] * len(updates)


def _texts(tg: TelegramDouble, chat: int) -> list[str]:
    """What the chat received, in order."""
    return [
        str(c.params["text"])
        for c in tg.calls
        if c.method == "sendMessage" and c.status == 200 and c.chat_id == chat
    ]


def _sends(tg: TelegramDouble, status: int) -> set[int]:
    return {
        c.chat_id
        for c in tg.calls
        if c.method == "sendMessage" and c.status == status and c.chat_id is not None
    }


async def test_kill_between_commit_and_reply_answers_each_turn_once(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    updates = [_update(n, APPLY if n % 2 else HELLO) for n in range(USERS)]
    chats = {FIRST_USER + n for n in range(USERS)}
    async with TelegramDouble() as tg:
        settings = make_settings(tmp_path)
        env = child_env()
        env.update(
            MF_DATABASE_URL=settings.database_url,
            MF_DATA_KEY="test-data-key-0123456789",
            MF_TELEGRAM_TOKEN=tg.token,
            MF_TELEGRAM_API_URL=tg.api_url,
            MF_TELEGRAM_WEBHOOK_URL="https://bot.example.org/webhooks/telegram",
            MF_TELEGRAM_WEBHOOK_SECRET=SECRET,
            MF_PANEL_PORT=str(free_port()),
        )
        # Every reply is refused: a turn's reply leaves only after its turn is committed, so a
        # refused reply marks a committed turn whose answer never got out. (A 429 pauses the
        # bot's whole budget: a short pause, so every chat's reply is tried within the wait.)
        tg.failures.fail_next = 1_000_000
        tg.failures.retry_after = 1
        env["MF_HTTP_PORT"] = str(port := free_port())
        first = await _start(tmp_path, env)
        try:
            await _deliver(port, updates)
            await tg.wait_for(lambda: _sends(tg, 429) >= chats, within=60)
            await asyncio.sleep(0.3)  # ids of turns that changed nothing: written within 20 ms
        finally:
            first.send_signal(signal.SIGKILL)  # no clean shutdown: a crash
            await first.wait()
        assert not _sends(tg, 200), "a reply got out: the crash came too late"

        tg.failures.fail_next = 0
        env["MF_HTTP_PORT"] = str(port := free_port())
        second = await _start(tmp_path, env)
        # New users' messages, one of each kind: what a turn of the burst should have answered.
        controls = [_update(USERS, HELLO), _update(USERS + 1, APPLY)]
        answered = chats | {FIRST_USER + USERS, FIRST_USER + USERS + 1}
        try:
            await _deliver(port, [*updates, *controls])  # Telegram delivers the burst again
            await tg.wait_for(lambda: _sends(tg, 200) >= answered, within=30)
            await tg.settle(0.5)
        finally:
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 30) == 0

        # Nothing lost, nothing repeated: each turn of the burst is answered once, with the
        # answer it recorded before the crash (what a new user's same message gets).
        assert _sends(tg, 200) == answered
        hello, apply = _texts(tg, FIRST_USER + USERS), _texts(tg, FIRST_USER + USERS + 1)
        assert hello
        assert apply
        for n in range(USERS):
            assert _texts(tg, FIRST_USER + n) == (apply if n % 2 else hello), n
    # Every turn of the burst is recorded once, with what it changed (it did not run again).
    db = Database(settings.database_url)
    try:
        async with db.read() as conn:
            ids = (await conn.execute(select(t.processed_messages))).all()
            rows = await conn.execute(select(t.conversations.c.user_key, t.conversations.c.state))
            states: dict[str, str | None] = {r.user_key: r.state for r in rows}
            users = set((await conn.execute(select(t.users.c.key))).scalars())
    finally:
        await db.dispose()
    burst = {f"telegram:{FIRST_USER + n}" for n in range(USERS)}
    assert burst <= users
    recorded = sorted((r.user_key, r.message_id) for r in ids if r.user_key in burst)
    assert recorded == sorted(
        (f"telegram:{FIRST_USER + n}", f"tg:{5_000 + n}") for n in range(USERS)
    )
    for n in range(USERS):
        state = states.get(f"telegram:{FIRST_USER + n}")
        assert state == ("apply:choose_course" if n % 2 else None), (n, state)


BURST = 48
IN_FLIGHT = 16  # TelegramChannel(concurrency=16): the updates one instance handles at once


async def test_kill_mid_burst_answers_every_update_and_repeats_at_most_those_in_flight(
    tmp_path: Path, seeded_db: Path
) -> None:
    """Polling: the burst is fetched and confirmed (the next getUpdates) long before it is all
    handled; `kill -9` half-way, a restart answers every update, and the only answers sent
    twice are those of updates in hand at the kill."""
    copy_seeded(seeded_db, tmp_path)
    burst = [FIRST_USER + n for n in range(BURST)]
    async with TelegramDouble() as tg:
        settings = make_settings(tmp_path)
        env = {
            "MF_DATABASE_URL": settings.database_url,
            "MF_DATA_KEY": "test-data-key-0123456789",
            "MF_TELEGRAM_TOKEN": tg.token,
            "MF_TELEGRAM_API_URL": tg.api_url,
        }
        last = max(
            tg.push(text_update(chat, APPLY if n % 2 else HELLO)) for n, chat in enumerate(burst)
        )
        # Replies paced at 8 calls a second: the burst takes several seconds to answer.
        first = Instance("first", tmp_path, {**env, "MF_TELEGRAM_MAX_RATE": "8"})
        first.start()
        try:
            await tg.wait_for(lambda: len(_sends(tg, 200)) >= 8, within=60)
        finally:
            first.kill()
        answered_before = _sends(tg, 200)
        assert len(answered_before) < BURST, "the kill came after the burst was answered"
        confirmed = [
            c
            for c in tg.calls
            if c.method == "getUpdates" and int(c.params.get("offset") or 0) > last
        ]
        assert confirmed, "the burst was not confirmed to Telegram before the kill"

        second = Instance("second", tmp_path, env)
        second.start()
        try:
            await tg.wait_for(lambda: _sends(tg, 200) >= set(burst), within=90)
            tg.push(text_update(FIRST_USER + BURST, HELLO))  # new users: the answers to expect
            tg.push(text_update(FIRST_USER + BURST + 1, APPLY))
            controls = {FIRST_USER + BURST, FIRST_USER + BURST + 1}
            await tg.wait_for(lambda: _sends(tg, 200) >= controls, within=30)
            await tg.settle(0.5)
        finally:
            assert second.stop() == 0, second.log()
    twice = _answered_whole(tg, burst, {FIRST_USER + BURST, FIRST_USER + BURST + 1})
    assert set(twice) <= answered_before
    assert len(twice) <= IN_FLIGHT, twice


def _answered_whole(tg: TelegramDouble, burst: list[int], controls: set[int]) -> list[int]:
    """Checks that every chat of the burst (HELLO, APPLY, HELLO…) got the answer a new user's
    same message got (`controls`: the HELLO's chat, then the APPLY's), at most twice over; returns
    the chats that got it twice."""
    hello, apply = (_texts(tg, chat) for chat in sorted(controls))
    assert hello
    assert apply
    twice = []
    for n, chat in enumerate(burst):
        texts = _texts(tg, chat)
        once = list(dict.fromkeys(texts))
        assert once == (apply if n % 2 else hello), (n, texts)
        if texts != once:
            assert texts == once * 2, (n, texts)  # a whole answer again, nothing else
            twice.append(chat)
    return twice
