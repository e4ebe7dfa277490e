"""Three `meslek-bot run` processes on one PostgreSQL behind a round-robin poster of signed
WhatsApp deliveries, against the Graph double: fast typists (no wait for a reply before the
next message), crossed duplicate deliveries, an instance killed with SIGKILL mid-burst and
another started mid-backlog. Asserted: each conversation's replies, their order and counts —
never latencies (the machine may have two busy cores).

The reference is the same script through one instance: a conversation handled by three must
get exactly its replies, in its order. After a SIGKILL nothing may be lost (the reference is a
subsequence of what arrived) and at most `WORKERS` messages — what one instance handles at
once — may be answered twice.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.whatsapp_inbound import sign
from storage import tables as t
from storage.db import Database
from tests.channels.cluster import Instance, Processes
from tests.dbutil import fresh_postgres_url, postgres_base_url
from tests.doubles.graph_api import GraphDouble, Sent

SECRET = "instances-app-secret"
TOKEN = "instances-graph-token"
PHONE_ID = "106540352242977"
WORKERS = 64  # WhatsAppChannel's default: messages one instance handles at once
LEASE = 3  # seconds: how long a killed instance's users wait before another takes them over
# What each fast typist sends, without waiting for a reply: a form begun and answered, a
# question in between, DUR and BAŞLA, the menu. Any message handled out of order changes what
# comes back.
SCRIPT = (
    "merhaba",
    "barista kursuna başvurmak istiyorum",
    "evet",
    "Ayşe Yılmaz",
    "kurslar ücretli mi",
    "12.05.1998",
    "DUR",
    "iptal",
    "BAŞLA",
    "menü",
)
_ids = itertools.count(1)

pytestmark = pytest.mark.skipif(
    postgres_base_url() is None, reason="PostgreSQL skipped: MF_TEST_DATABASE_URL is not set"
)


def _body(wa_id: str, text: str, wamid: str, row: tuple[str, str] | None = None) -> bytes:
    """A delivery of one typed message, or (`row`: id and title) of a tap on a list row."""
    message: dict[str, object] = {"from": wa_id, "id": wamid, "timestamp": "1765000000"}
    if row is None:
        message |= {"type": "text", "text": {"body": text}}
    else:
        tap = {"type": "list_reply", "list_reply": {"id": row[0], "title": row[1]}}
        message |= {"type": "interactive", "interactive": tap}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "902324550000", "phone_number_id": PHONE_ID},
        "contacts": [{"profile": {"name": "Ayşe"}, "wa_id": wa_id}],
        "messages": [message],
    }
    doc = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(doc).encode()


class Cluster(Processes):
    """`meslek-bot run` processes sharing one database and one Graph double."""

    def __init__(self, tmp: Path, database_url: str, graph: GraphDouble) -> None:
        env = {
            "MF_DATABASE_URL": database_url,
            "MF_DATA_KEY": "test-data-key-0123456789",
            "MF_WHATSAPP_TOKEN": TOKEN,
            "MF_WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
            "MF_WHATSAPP_APP_SECRET": SECRET,
            "MF_WHATSAPP_VERIFY_TOKEN": "verify",
            "MF_WHATSAPP_API_URL": graph.url,
            "MF_WHATSAPP_MAX_RATE": "1000",
            "MF_LEASE_SECONDS": str(LEASE),
        }
        super().__init__(tmp, env)
        self.database_url = database_url
        self.graph = graph

    async def unhandled(self, within: float = 30) -> int:
        """Stored WhatsApp messages not marked handled, once none are left or `within` s."""
        db = Database(self.database_url)
        query = select(func.count()).select_from(t.wa_inbound)
        query = query.where(t.wa_inbound.c.processed_at.is_(None))
        try:
            for _ in range(int(within / 0.1)):
                if not (left := int((await db.read_now(query)).scalar_one())):
                    break
                await asyncio.sleep(0.1)
            return left
        finally:
            await db.dispose()

    async def holding(self, instance: Instance, within: float = 120) -> None:
        """Waits until `instance` holds users (it is handling their messages)."""
        db = Database(self.database_url)
        query = (
            select(func.count())
            .select_from(t.wa_claims)
            .where(t.wa_claims.c.owner == instance.name)
        )
        try:
            for _ in range(int(within / 0.02)):
                if (await db.read_now(query)).scalar():
                    return
                await asyncio.sleep(0.02)
        finally:
            await db.dispose()
        raise AssertionError(f"{instance.name} never held a user")

    async def post(self, client: httpx.AsyncClient, turn: int, body: bytes) -> None:
        """Posts to the instances in turn; on to the next while one is down (as Meta retries
        what was not answered 200)."""
        headers = {
            "content-type": "application/json",
            "x-hub-signature-256": sign(SECRET.encode(), body),
        }
        await self.deliver(client, turn, "/webhooks/whatsapp", 200, content=body, headers=headers)


@asynccontextmanager
async def cluster(tmp: Path, graph: GraphDouble, size: int) -> AsyncIterator[Cluster]:
    base = postgres_base_url()
    assert base is not None
    async with fresh_postgres_url(base) as url:
        group = Cluster(tmp, url, graph)
        try:
            await group.start()  # the first migrates and loads the catalog alone
            await asyncio.gather(*(group.start() for _ in range(size - 1)))
            yield group
        finally:
            group.kill_all()
            await group.reap()


def _seen(sent: Sent) -> str:
    """A reply as the citizen sees it: its text and the titles it offers (a page's random
    token in a "more" row's id is not part of it)."""
    return " | ".join([sent.type, sent.text, *(title for _, title in sent.choices)])


def _conversations(graph: GraphDouble, people: list[str]) -> dict[str, list[str]]:
    return {p: [_seen(s) for s in graph.to(p)] for p in people}


async def _typists(group: Cluster, people: list[str], *, duplicates: bool) -> None:
    """Every person types the script without waiting for replies; deliveries go round-robin
    (with `duplicates`, each is also delivered to the next instance at the same time)."""
    async with httpx.AsyncClient(timeout=30) as client:

        async def typist(index: int, person: str) -> None:
            for step, text in enumerate(SCRIPT):
                body = _body(person, text, f"wamid.{person}.{step}.{next(_ids)}")
                turn = index + step
                posts = [group.post(client, turn, body)]
                if duplicates:
                    posts.append(group.post(client, turn + 1, body))
                await asyncio.gather(*posts)

        await asyncio.gather(*(typist(i, p) for i, p in enumerate(people)))


async def _reference(tmp: Path, people: list[str]) -> dict[str, list[str]]:
    """The same script through one instance."""
    async with GraphDouble(token=TOKEN) as graph, cluster(tmp / "one", graph, 1) as group:
        await _typists(group, people, duplicates=False)
        await _answered(graph, people, {p: len(SCRIPT) for p in people}, within=180)
        return _conversations(graph, people)


async def _answered(
    graph: GraphDouble, people: list[str], at_least: dict[str, int], within: float
) -> None:
    await graph.wait_for(lambda g: all(len(g.to(p)) >= at_least[p] for p in people), within=within)
    await graph.settle(quiet=1.0, within=within)


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(item in rest for item in short)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name in ("one", "three"):
        (tmp_path / name).mkdir()
    return tmp_path


async def test_three_instances_answer_fast_typists_as_one_does(workdir: Path) -> None:
    people = [f"90555{n:07d}" for n in range(12)]
    expected = await _reference(workdir, people)
    assert all(len(replies) >= len(SCRIPT) for replies in expected.values())
    async with GraphDouble(token=TOKEN) as graph, cluster(workdir / "three", graph, 3) as group:
        await _typists(group, people, duplicates=True)
        counts = {p: len(expected[p]) for p in people}
        await _answered(graph, people, counts, within=180)
        await group.stop()
    got = _conversations(graph, people)
    for person in people:
        assert got[person] == expected[person], person


async def test_a_killed_instance_loses_nothing_and_repeats_at_most_what_it_had_in_hand(
    workdir: Path,
) -> None:
    people = [f"90556{n:07d}" for n in range(30)]
    expected = await _reference(workdir, people)
    async with GraphDouble(token=TOKEN) as graph, cluster(workdir / "three", graph, 3) as group:
        typing = asyncio.create_task(_typists(group, people, duplicates=True))
        await graph.wait_for(lambda g: len(g.sent) >= 40, within=120)
        victim = group.live[0]
        await group.holding(victim)
        group.kill(victim)  # mid-burst, with users in hand
        await graph.wait_for(lambda g: len(g.sent) >= 120, within=120)
        await group.start()  # a late start, mid-backlog: it takes only the dead one's users
        await typing
        counts = {p: len(expected[p]) for p in people}
        await _answered(graph, people, counts, within=180)
        unhandled = await group.unhandled()
        await group.stop()
    got = _conversations(graph, people)
    extra = 0
    for person in people:
        assert _is_subsequence(expected[person], got[person]), person  # nothing lost, in order
        extra += len(got[person]) - len(expected[person])
    assert 0 <= extra <= WORKERS
    assert unhandled == 0  # every stored message was handled, the killed one's too


async def test_more_is_answered_by_an_instance_that_did_not_show_the_list(workdir: Path) -> None:
    """A list longer than WhatsApp's 10 rows shown by one instance; its "more" row tapped once
    the user was let go, delivered to the other instance: the next page, from the database —
    also once the first instance was killed."""
    person = "905570000001"
    async with GraphDouble(token=TOKEN) as graph, cluster(workdir / "three", graph, 2) as group:
        first, second = group.live
        async with httpx.AsyncClient(timeout=30) as client:

            async def deliver(to: Instance, text: str, row: tuple[str, str] | None = None) -> Sent:
                """Posts to `to`; the last message of its answer (a first one greets first)."""
                before = len(graph.to(person))
                body = _body(person, text, f"wamid.more.{next(_ids)}", row)
                await group.post(client, group.live.index(to), body)
                await graph.wait_for(lambda g: len(g.to(person)) > before, within=60)
                assert await group.unhandled() == 0  # handled, the user let go with it
                return graph.to(person)[-1]

            listed = await deliver(first, "konak merkezleri")  # a course list of 11 choices
            assert len(listed.choices) == 10
            more = listed.choices[-1]
            assert more[0].startswith("wamore|")
            page = await deliver(second, "", more)
            shown = [*listed.choices[:9], *page.choices]
            assert len(shown) == 11  # every choice once, in order
            assert len(set(shown)) == 11
            assert all(not ident.startswith("wamore|") for ident, _ in page.choices)
            group.kill(first)  # whatever it kept in memory is gone: the page is the database's
            again = await deliver(second, "", more)
            assert again.choices == page.choices
            gone = (more[0].replace("wamore|", "wamore|x"), more[1])  # a list nobody kept
            stale = await deliver(second, "", gone)
            assert "geçerli değil" in stale.text
        await group.stop()
