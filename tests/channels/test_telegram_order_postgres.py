"""Three `meslek-bot run` processes on one PostgreSQL taking Telegram's webhook behind a
round-robin poster, against the Bot API double: fast typists (no wait for a reply before the
next message), crossed duplicate deliveries (the same update to two instances at once), an
instance killed with SIGKILL mid-burst and another started mid-backlog. Asserted: each chat's
texts, their order and counts — never latencies (the machine may have two busy cores).

The reference is the same script through one instance, each update posted once the previous one
was handled: a fast typist's chat, on one instance or three, must be shown exactly its texts, in
its order, and get one application. After a SIGKILL nothing may be lost (the reference is a
subsequence of what arrived) and only the updates the killed instance had in hand (`IN_FLIGHT`)
may be answered twice.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Select, func, select

from storage import tables as t
from storage.db import Database
from tests.channels.cluster import Instance, Processes
from tests.dbutil import fresh_postgres_url, postgres_base_url
from tests.doubles.telegram_api import DEFAULT_TOKEN, TelegramDouble, callback_update, text_update
from tests.idnumbers import make_national_id

SECRET = "order-webhook-secret-0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BOT_ID = int(DEFAULT_TOKEN.split(":")[0])
IN_FLIGHT = 16  # TelegramChannel(concurrency=16): the updates one instance handles at once
LEASE = 3  # seconds: how long a killed instance's users wait before another takes them over
PRESS = "ask|application_status"  # a button of the greeting's menu (no per-form token)
# What each fast typist sends, without waiting for a reply: a form begun, a question in between,
# answered to the end and sent, the menu button "my applications" pressed, a second form begun
# and cancelled, the menu. Any update handled out of order changes what comes back.
SCRIPT = (
    "merhaba",
    "barista kursuna başvurmak istiyorum",
    "{offering}",
    "evet",
    "Ayşe Yılmaz",
    "kurslar ücretli mi",
    "12.05.1998",
    "{nid}",
    "{phone}",
    "Bornova",
    "lise",
    "geç",
    "gönder",
    PRESS,
    "başvurmak istiyorum",
    "iptal",
    "menü",
)
APPLICATION_NO = re.compile(r"MF-\d{4}-\d+")  # numbered in the order forms are sent, any chat

pytestmark = pytest.mark.skipif(
    postgres_base_url() is None, reason="PostgreSQL skipped: MF_TEST_DATABASE_URL is not set"
)


def _updates(index: int, chat: int) -> list[dict[str, Any]]:
    """The script of the `index`-th typist as updates, each with a fixed update id (a duplicate
    delivery is equal to the first)."""
    nid = make_national_id(f"{123450000 + index:09d}")
    phone = f"0532 1{index:02d} 45 67"
    updates = []
    for step, line in enumerate(SCRIPT):
        if line == PRESS:
            greeting = {  # the chat's first message from the bot: the greeting with the menu
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private", "first_name": f"Kullanıcı {chat}"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Meslek"},
                "text": "Merhaba!",
            }
            update = callback_update(chat, PRESS, greeting)
            update["callback_query"]["id"] = f"cq-{chat}-{step}"  # the same in a duplicate
        else:
            # Typists spread over three offerings, ten at most on each (every offering has 12
            # seats or more): who gets a seat never depends on which chat was answered first.
            text = line.format(nid=nid, phone=phone, offering=1 + index % 3)
            update = text_update(chat, text)
            update["message"]["message_id"] = step + 1
        update["update_id"] = 1 + index * 100 + step
        updates.append(update)
    return updates


class Cluster(Processes):
    """`meslek-bot run` processes sharing one database and one Bot API double, in webhook mode."""

    def __init__(self, tmp: Path, database_url: str, tg: TelegramDouble) -> None:
        env = {
            "MF_DATABASE_URL": database_url,
            "MF_DATA_KEY": "test-data-key-0123456789",
            "MF_TELEGRAM_TOKEN": tg.token,
            "MF_TELEGRAM_API_URL": tg.api_url,
            "MF_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram",
            "MF_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "MF_TELEGRAM_MAX_RATE": "1000",
            "MF_LEASE_SECONDS": str(LEASE),
        }
        super().__init__(tmp, env)
        self.db = Database(database_url)  # the test's own look at what the instances stored

    async def _count(self, query: Select[Any]) -> int:
        return int((await self.db.read_now(query)).scalar_one())

    async def unhandled(self, within: float = 30) -> int:
        """Stored updates not marked handled, once none are left or after `within` s."""
        query = select(func.count()).select_from(t.tg_inbound)
        query = query.where(t.tg_inbound.c.processed_at.is_(None))
        for _ in range(int(within / 0.1)):
            if not (left := await self._count(query)):
                break
            await asyncio.sleep(0.1)
        return left

    async def handled(self, update_id: int, within: float = 60) -> None:
        """Waits until the update is stored and marked handled (after its replies were sent)."""
        query = select(func.count()).select_from(t.tg_inbound)
        query = query.where(t.tg_inbound.c.update_id == update_id)
        query = query.where(t.tg_inbound.c.processed_at.is_not(None))
        for _ in range(int(within / 0.05)):
            if await self._count(query):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"update {update_id} not handled in {within} s")

    async def handled_all(self, total: int, within: float = 300) -> None:
        """Waits until `total` updates are stored, each marked handled."""
        query = select(func.count()).select_from(t.tg_inbound)
        query = query.where(t.tg_inbound.c.processed_at.is_not(None))
        for _ in range(int(within / 0.1)):
            if await self._count(query) >= total:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"not all {total} updates handled in {within} s")

    async def holding(self, instance: Instance, within: float = 120) -> None:
        """Waits until `instance` holds users (it is handling their updates)."""
        query = select(func.count()).select_from(t.tg_claims)
        query = query.where(t.tg_claims.c.owner == instance.name)
        for _ in range(int(within / 0.02)):
            if await self._count(query):
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{instance.name} never held a user")

    async def applications(self) -> dict[str, int]:
        """Stored applications by user key."""
        key = t.applications.c.user_key
        rows = await self.db.read_now(select(key, func.count()).group_by(key))
        return {str(user): int(n) for user, n in rows.all()}

    async def post(self, client: httpx.AsyncClient, turn: int, update: dict[str, Any]) -> None:
        """Posts to the instances in turn; on to the next while one is down or does not answer
        200 (as Telegram delivers again what was not answered 200)."""
        headers = {SECRET_HEADER: SECRET}
        await self.deliver(client, turn, "/webhooks/telegram", 400, json=update, headers=headers)


@asynccontextmanager
async def cluster(tmp: Path, tg: TelegramDouble, size: int) -> AsyncIterator[Cluster]:
    base = postgres_base_url()
    assert base is not None
    async with fresh_postgres_url(base) as url:
        group = Cluster(tmp, url, tg)
        try:
            await group.start()  # the first migrates and loads the catalog alone
            await asyncio.gather(*(group.start() for _ in range(size - 1)))
            yield group
        finally:
            group.kill_all()
            await group.reap()
            await group.db.dispose()


def _texts(tg: TelegramDouble, chat: int) -> list[str]:
    """What the chat was shown, in the order the double received it: each delivered message
    and edit (an application's number, given in the order forms arrive from all chats, left
    out)."""
    return [
        f"{c.method}: {APPLICATION_NO.sub('MF-…', str(c.params.get('text', '')))}"
        for c in tg.calls
        if c.method in ("sendMessage", "editMessageText") and c.status == 200 and c.chat_id == chat
    ]


def _conversations(tg: TelegramDouble, chats: list[int]) -> dict[int, list[str]]:
    return {chat: _texts(tg, chat) for chat in chats}


async def _typists(group: Cluster, chats: list[int], *, duplicates: bool) -> None:
    """Every chat types the script, each update posted once the previous one was answered 200,
    without waiting for replies; updates go round-robin (with `duplicates`, each is also posted
    to the next instance at the same time)."""
    async with httpx.AsyncClient(timeout=30) as client:

        async def typist(index: int, chat: int) -> None:
            for step, update in enumerate(_updates(index, chat)):
                turn = index + step
                posts = [group.post(client, turn, update)]
                if duplicates:
                    posts.append(group.post(client, turn + 1, update))
                await asyncio.gather(*posts)

        await asyncio.gather(*(typist(i, chat) for i, chat in enumerate(chats)))


async def _wait(tg: TelegramDouble, done: Callable[[], bool], within: float) -> None:
    """Waits until `done()`, then until no Bot API call came for a second."""
    await tg.wait_for(done, within=within)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        before = len(tg.calls)
        await asyncio.sleep(1.0)
        if len(tg.calls) == before:
            return
    raise AssertionError(f"the Bot API calls did not stop within {within} s")


async def _finished(group: Cluster, tg: TelegramDouble, chats: list[int]) -> None:
    """Waits until every update of every chat is stored and handled, then for the replies to
    stop (an update handled out of order may be answered with fewer texts: no count to wait
    for)."""
    await group.handled_all(len(chats) * len(SCRIPT))
    await _wait(tg, lambda: True, within=60)


@dataclass
class Outcome:
    """What a run of the script left: each chat's texts, the applications by user."""

    texts: dict[int, list[str]]
    applications: dict[str, int]
    most: int = 0  # the reference's: the most texts one update was answered with


async def _reference(tmp: Path, chats: list[int]) -> Outcome:
    """The same script through one instance, each update posted once the previous one was
    handled (its replies sent): the replies cannot race each other, whatever the bot does with
    a fast typist's."""
    most = 0
    async with TelegramDouble() as tg, cluster(tmp / "one", tg, 1) as group:
        async with httpx.AsyncClient(timeout=30) as client:

            async def typist(index: int, chat: int) -> None:
                nonlocal most
                for update in _updates(index, chat):
                    before = len(_texts(tg, chat))
                    await group.post(client, 0, update)
                    await group.handled(update["update_id"])
                    most = max(most, len(_texts(tg, chat)) - before)

            await asyncio.gather(*(typist(i, chat) for i, chat in enumerate(chats)))
        await _wait(tg, lambda: True, within=60)
        assert await group.unhandled() == 0
        applications = await group.applications()
        await group.stop()
    return Outcome(_conversations(tg, chats), applications, most)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name in ("one", "many"):
        (tmp_path / name).mkdir()
    return tmp_path


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(item in rest for item in short)


async def _fast(tmp: Path, chats: list[int], size: int) -> tuple[Outcome, Outcome]:
    """The reference, and what fast typists get through `size` instances (crossed duplicates
    when more than one); every update handled."""
    expected = await _reference(tmp, chats)
    assert all(len(texts) >= len(SCRIPT) for texts in expected.texts.values())
    assert expected.applications == {f"telegram:{chat}": 1 for chat in chats}  # sent, once each
    async with TelegramDouble() as tg, cluster(tmp / "many", tg, size) as group:
        await _typists(group, chats, duplicates=size > 1)
        await _finished(group, tg, chats)
        assert await group.unhandled() == 0
        applications = await group.applications()
        await group.stop()
    return expected, Outcome(_conversations(tg, chats), applications)


def _same(got: dict[int, list[str]], expected: dict[int, list[str]]) -> str:
    """What differs (empty when every chat was shown what the reference's was)."""
    differ = [chat for chat in expected if got[chat] != expected[chat]]
    if not differ:
        return ""
    reordered = [chat for chat in differ if Counter(got[chat]) == Counter(expected[chat])]
    first = differ[0]
    return (
        f"{len(differ)} of {len(expected)} chats differ from the reference ({len(reordered)} "
        f"only in order); the first, {first}:\nexpected {expected[first]}\ngot      {got[first]}"
    )


async def test_one_instance_answers_fast_typists_as_patient_ones(workdir: Path) -> None:
    """A fast typist's replies must not race each other even on one instance."""
    expected, got = await _fast(workdir, [790_000 + n for n in range(12)], 1)
    assert not (problem := _same(got.texts, expected.texts)), problem
    assert got.applications == expected.applications  # each stored once


async def test_three_instances_answer_fast_typists_as_one_does(workdir: Path) -> None:
    expected, got = await _fast(workdir, [800_000 + n for n in range(12)], 3)
    assert not (problem := _same(got.texts, expected.texts)), problem
    assert got.applications == expected.applications  # each stored once, duplicates or not


async def test_a_killed_instance_loses_nothing_and_repeats_at_most_what_it_had_in_hand(
    workdir: Path,
) -> None:
    chats = [810_000 + n for n in range(30)]
    expected = await _reference(workdir, chats)
    async with TelegramDouble() as tg, cluster(workdir / "many", tg, 3) as group:
        typing = asyncio.create_task(_typists(group, chats, duplicates=True))
        await tg.wait_for(lambda: len(tg.calls_to("sendMessage")) >= 40, within=120)
        victim = group.live[0]
        await group.holding(victim)
        group.kill(victim)  # mid-burst, with updates in hand
        await tg.wait_for(lambda: len(tg.calls_to("sendMessage")) >= 120, within=120)
        await group.start()  # a late start, mid-backlog
        await typing
        await _finished(group, tg, chats)
        unhandled = await group.unhandled()
        applications = await group.applications()
        await group.stop()
    got = _conversations(tg, chats)
    missing = [c for c in chats if Counter(expected.texts[c]) - Counter(got[c])]
    disordered = [c for c in chats if not _is_subsequence(expected.texts[c], got[c])]
    extra = sum(len(got[chat]) - len(expected.texts[chat]) for chat in chats)
    bound = IN_FLIGHT * expected.most  # what the killed one had in hand, answered again
    first = (missing or disordered or chats)[0]
    summary = (
        f"of {len(chats)} chats {len(missing)} lack reference texts, {len(disordered)} are not in "
        f"the reference's order; {extra} texts extra (at most {bound}); the first, {first}:\n"
        f"expected {expected.texts[first]}\ngot      {got[first]}"
    )
    assert not missing, summary  # nothing lost
    assert not disordered, summary  # in order
    assert 0 <= extra <= bound, summary
    assert applications == expected.applications  # each stored once, the killed one's too
    assert unhandled == 0  # every stored update was handled, the killed one's too
