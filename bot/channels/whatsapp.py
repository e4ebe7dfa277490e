"""The WhatsApp Cloud API channel: signed webhooks in, the engine's replies out.

A delivery is verified (X-Hub-Signature-256 over the raw body), its messages are stored in
`wa_inbound` (deduplicated by wamid, batched with concurrent deliveries into one commit) and
only then answered 200. Per-user queues hand the stored messages to the engine; replies are
rendered within WhatsApp's limits, recorded with the message id in the turn's transaction, and
sent; the row is then marked handled. A row handled again after a crash sends what was
recorded (if it was not sent yet), never runs its turn twice. One SQLite instance picks up
every unhandled row at start; instances sharing PostgreSQL handle a user only while they hold
the user's claim, and take over only claims whose lease ran out (`storage.wa_claims`).

Pushes (reminders, decisions…) come from the outbox through `push_paced()`, which applies the
24-hour rule: free-form inside the window, the configured template outside it, else skip.

Every request to the Cloud API — each message of a reply or a push, each try again — takes a
slot of the phone number's budget (`bot/budget.py`, MF_WHATSAPP_MAX_RATE), replies first; a
130429 pauses the budget for everybody.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.budget import AccountBudget, LocalBudget, Priority, account_of
from bot.channels.capabilities import WHATSAPP as CAPABILITIES
from bot.channels.held_users import HeldUsers
from bot.channels.held_users import Stored as Held
from bot.channels.whatsapp_api import (
    THROUGHPUT,
    GraphClient,
    Throttled,
    Unreachable,
    WhatsAppError,
    WindowClosed,
)
from bot.channels.whatsapp_inbound import (
    SIGNATURE_HEADER,
    opt_keyword,
    parse_delivery,
    signature_ok,
    to_incoming,
)
from bot.channels.whatsapp_queue import UserQueues
from bot.channels.whatsapp_render import (
    Message,
    Renderer,
    more_request,
    template_message,
    text_messages,
)
from bot.engine import Engine, Record
from bot.metrics import Metrics
from bot.retry import WHATSAPP, RetryPolicy
from bot.settings import Settings
from bot.webhook_body import MAX_WEBHOOK_BODY, Malformed, fingerprint, load_json, read_limited
from core.checks import mask_user
from core.delivery import Parts
from core.messages import Incoming, Kind, Reply
from core.ports import UserDirectory
from locales import load_translator
from storage.wa_pages import Pages
from storage.whatsapp_repo import Delivery, Finished, InboundRow, Rejected
from storage.whatsapp_store import Stored, WhatsAppStore

log = logging.getLogger(__name__)

PATH = "/webhooks/whatsapp"
MAX_BODY = MAX_WEBHOOK_BODY
WINDOW = timedelta(hours=24) - timedelta(minutes=10)  # a margin for clocks and queues
SWEEP_EVERY = 60.0
SWEEP_AGE = timedelta(minutes=2)
PRUNE_EVERY = 6 * 3600.0
KEEP_INBOUND = timedelta(days=8)  # Meta retries a delivery for up to 7 days
KEEP_SENT = timedelta(days=30)
CHANNEL = "whatsapp"


TURNS_AT_ONCE = 8  # engine turns in progress at once on PostgreSQL (see `_turns`)


class WhatsAppChannel:
    """Webhook routes, background workers and the sender for one WhatsApp phone number."""

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        store: WhatsAppStore,
        users: UserDirectory,
        metrics: Metrics,
        *,
        retry: RetryPolicy = WHATSAPP,
        workers: int = 64,
        connections: int = 8,
        clock: Callable[[], datetime] | None = None,
        budget: AccountBudget | None = None,
    ) -> None:
        token, secret = settings.whatsapp_token, settings.whatsapp_app_secret
        phone_id, verify = settings.whatsapp_phone_number_id, settings.whatsapp_verify_token
        if token is None or secret is None or not phone_id or verify is None:
            raise ValueError(
                "WhatsApp needs MF_WHATSAPP_TOKEN, _PHONE_NUMBER_ID, _APP_SECRET, _VERIFY_TOKEN"
            )
        self.settings = settings
        self.engine = engine
        self.store = store
        self.users = users
        self.metrics = metrics
        self.clock = clock or engine.clock
        self.phone_number_id = phone_id
        # The phone number's outgoing budget, shared with the outbox's pushes; one of its own
        # when none is given.
        self.budget: AccountBudget = budget or LocalBudget.from_settings(settings).account(
            account_of(settings, CHANNEL)
        )
        self._secret = secret.get_secret_value().encode()
        self._verify_token = verify.get_secret_value().encode()
        self.translator = load_translator(settings.default_locale)
        self.locale = settings.default_locale
        self.renderer = Renderer(self.say)
        self.api = GraphClient(
            settings.whatsapp_api_url,
            settings.whatsapp_api_version,
            phone_id,
            token.get_secret_value(),
            retry=retry,
            max_connections=connections,
        )
        # With several instances (PostgreSQL) a user's messages are handled by the instance
        # that holds the user's claim (`storage.wa_claims`, `bot/channels/held_users.py`).
        self.held: HeldUsers[InboundRow] = HeldUsers(store.held, store.release, self._noted)
        self.claims = store.owner is not None
        self.queue: UserQueues[InboundRow] = UserQueues(
            self._process,
            lambda r: r.user_key,
            workers,
            reload=self.held.reload if self.claims else None,
            drained=self.held.drained if self.claims else None,
        )
        self._queued: dict[str, float] = {}  # wamid → when it was queued (perf_counter)
        # SQLite runs one write transaction (one engine turn) at a time, so more turns waiting
        # for it only delay the webhook's own short write; replies still overlap the turns.
        # PostgreSQL: a turn is ~5 ms of CPU and ~1 ms of round trips, so 8 at once keep the
        # core busy; more only queue on the event loop ahead of the webhooks' acks (measured,
        # bench/whatsapp.py --database, one instance: 64 → 163–170 msg/s at ack p99 139–151
        # ms; 8 → 171–193 msg/s at 98–116 ms; 4 → 102–129 msg/s, the core no longer busy).
        self._turns = asyncio.Semaphore(2 if store.is_sqlite else TURNS_AT_ONCE)
        self._accepting = False
        self._maintenance: asyncio.Task[None] | None = None
        self._ack = metrics.histogram(
            "whatsapp_webhook_seconds", "Time to store a WhatsApp delivery and answer 200."
        )
        self._statuses = metrics.counter(
            "whatsapp_statuses_total", "WhatsApp status callbacks.", labels=("channel", "status")
        )

    def say(self, key: str, /, **values: object) -> str:
        """A sentence of locales/<lang>/whatsapp.po in the default language."""
        return self.translator(key, self.locale, **values)

    def routes(self) -> list[Route]:
        """GET (verification handshake) and POST (deliveries) on /webhooks/whatsapp."""
        return [
            Route(PATH, self.verify, methods=["GET"]),
            Route(PATH, self.receive, methods=["POST"]),
        ]

    async def start(self) -> None:
        """Starts the workers and hands them what an earlier run left unhandled."""
        self.queue.start()
        self._accepting = True
        if self.claims:  # only users nobody live holds: a crashed instance's, or nobody's
            taken = await self._take_over()
            if taken:
                log.warning("took over %d WhatsApp users whose holder's lease ran out", taken)
        else:  # one instance per SQLite file: whatever is unhandled is its own
            recovered = await self._sweep(older_than=None)
            if recovered:
                log.warning(
                    "re-queued %d WhatsApp messages left unhandled by an earlier stop", recovered
                )
        self._maintenance = asyncio.create_task(self._maintain())

    async def stop(self, grace: float = 20.0) -> None:
        """Refuses new deliveries (503: Meta retries), finishes in-flight work, closes HTTP."""
        self._accepting = False
        if self._maintenance is not None:
            self._maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintenance
        await self.queue.stop(grace)
        await self.store.drain()
        await self.api.aclose()

    # Webhook -----------------------------------------------------------------------------

    async def verify(self, request: Request) -> Response:
        """The subscription handshake: echo hub.challenge when the verify token matches."""
        params = request.query_params
        token = params.get("hub.verify_token", "").encode()
        if params.get("hub.mode") == "subscribe" and hmac.compare_digest(token, self._verify_token):
            return PlainTextResponse(params.get("hub.challenge", "")[:200])
        return PlainTextResponse("forbidden", status_code=403)

    async def receive(self, request: Request) -> Response:
        """Verifies, stores and acknowledges one delivery; handling happens afterwards."""
        started = time.perf_counter()
        if not self._accepting:
            return PlainTextResponse("starting or stopping", status_code=503)
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            self.metrics.errors.inc(channel=CHANNEL, kind="unsigned")
            return PlainTextResponse("signature required", status_code=401)
        try:
            body = await read_limited(request, MAX_BODY)
        except ClientDisconnect:
            return PlainTextResponse("gone", status_code=400)  # Meta will deliver it again
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        if not signature_ok(self._secret, body, header):
            self.metrics.errors.inc(channel=CHANNEL, kind="bad_signature")
            log.warning("WhatsApp delivery with a wrong signature refused")
            return PlainTextResponse("bad signature", status_code=403)
        try:
            delivery = parse_delivery(load_json(body), self.phone_number_id, self.clock())
        except Malformed as exc:
            await self._reject(body, exc.reason)
            return PlainTextResponse("ok")  # signed, so Meta's: anything else brings it back
        if delivery.messages or delivery.statuses:
            await self.store.store(delivery, after=lambda done: self._enqueue(delivery, done))
            self._note_statuses(delivery)
        self._ack.observe(time.perf_counter() - started, channel=CHANNEL)
        return PlainTextResponse("ok")

    async def _reject(self, body: bytes, reason: str) -> None:
        """Keeps a record of a signed delivery nobody can use: its hash, size and the reason."""
        digest, size = fingerprint(body)
        self.metrics.errors.inc(channel=CHANNEL, kind="malformed")
        log.warning(
            "WhatsApp delivery rejected (%s; %d bytes, sha256 %s)", reason, size, digest[:16]
        )
        await self.store.reject(Rejected(digest, size, reason, self.clock()))

    def _note_statuses(self, delivery: Delivery) -> None:
        for status in delivery.statuses:
            self._statuses.inc(channel=CHANNEL, status=status.status)
            if status.status == "failed":
                log.info(
                    "message to %s failed: %s %s",
                    mask_user(status.user_key),
                    status.error_code,
                    status.error_title,
                )

    def _enqueue(self, delivery: Delivery, stored: Stored) -> None:
        rows = [r for r in delivery.messages if r.wamid in stored.new]
        self.metrics.messages_in.inc(len(rows), channel=CHANNEL)
        if not self.claims:
            for row in rows:
                if row.wamid not in self._queued:
                    self._submit(row)
            return
        for user in dict.fromkeys(r.user_key for r in rows):
            theirs = [r for r in rows if r.user_key == user]
            verdict = self.held.stored(user, stored.claims.get(user), len(theirs))
            if verdict is Held.TAKE:
                for row in theirs:
                    self._submit(row)
            elif verdict is Held.READ:  # taken over, or another instance stored some first
                self.queue.refresh(user)

    def _noted(self, rows: list[InboundRow]) -> None:
        """Rows read from the database are queued now (for the handling time)."""
        for row in rows:
            self._queued.setdefault(row.wamid, time.perf_counter())

    def _submit(self, row: InboundRow) -> None:
        self._queued[row.wamid] = time.perf_counter()
        self.queue.submit(row)

    # Handling ----------------------------------------------------------------------------

    async def _process(self, row: InboundRow) -> None:
        """Answers one stored message, then marks it handled with what was sent."""
        try:
            await self._answer(row)
        finally:
            queued_at = self._queued.pop(row.wamid, time.perf_counter())
        self.metrics.handling.observe(time.perf_counter() - queued_at, channel=CHANNEL)

    async def _answer(self, row: InboundRow) -> None:
        """DUR/BAŞLA and "more" pages are answered here; everything else by the engine. Every
        answer is recorded with the message's id in the transaction that does what it says
        (the engine's turn, the switch of pushes), before it is sent: a message handled again
        (a crash before it was marked handled) is answered with the recorded messages, never
        handled twice, and once they were sent, not answered again."""
        user = row.user_key
        incoming = to_incoming(row)
        messages: list[Message] = []
        pages: Pages = {}  # the long lists these messages show, kept when it is marked handled
        if incoming is None:
            pass  # a reaction or a notice: nothing to say
        elif incoming.kind is Kind.TEXT and (off := opt_keyword(incoming.text)) is not None:
            key = "whatsapp.pushes_off" if off else "whatsapp.pushes_on"
            answer = text_messages(self.say(key))
            recorded = await self.store.answer_once(user, row.wamid, answer, pushes_off=off)
            messages = answer if recorded is None else recorded
        elif incoming.kind is Kind.BUTTON and (more := more_request(incoming.data)) is not None:
            token, offset = more
            buttons = await self.store.page(user, token)  # whoever showed the list
            answer = self.renderer.page(buttons, token, offset)
            recorded = await self.store.answer_once(user, row.wamid, answer)
            messages = answer if recorded is None else recorded
            if buttons is not None:
                pages[token] = buttons  # shown again: kept another while
        else:
            messages, pages = await self._turn(user, incoming)
        sent: list[tuple[str, str, str]] = []
        try:
            await self._send_all(user, messages, "reply", sent)
        except WhatsAppError as exc:
            self.metrics.errors.inc(channel=CHANNEL, kind="send")
            log.warning("reply to %s not fully sent: %s", mask_user(user), exc)
        wrote_at = min(row.received_at, incoming.received_at) if incoming else row.received_at
        # The user's last queued message: the claim is let go with it, in one transaction.
        release, noted = self.held.release_with(user, self.claims and self.queue.last(user))
        done = Finished(row.wamid, user, wrote_at, tuple(sent), release, tuple(pages.items()))
        # What the release left is noted at its commit: a claim taken afresh by a later store
        # of this instance (its callback runs after this one) replaces it.
        await self.store.finish(done, after=noted)

    async def _turn(self, user: str, incoming: Incoming) -> tuple[list[Message], Pages]:
        """The engine's turn: its rendered messages, kept with its record, and the pages of
        the long lists among them (kept in the record too, for a message handled again)."""
        rendered: list[tuple[list[Reply], list[Message], Pages]] = []

        def record(replies: list[Reply]) -> str:
            pages: Pages = {}
            messages = self.renderer.render(replies, pages)
            rendered.append((replies, messages, pages))
            return self.store.seal_messages(messages, pages)

        keep: Record = record
        async with self._turns:
            answer = await self.engine.answer(incoming, keep)
        if answer.recorded is not None:  # handled before: what was recorded, if not yet sent
            return self.store.open_messages(answer.recorded)
        if rendered and rendered[-1][0] is answer.replies:
            return rendered[-1][1], rendered[-1][2]
        pages: Pages = {}  # an answer the turn did not record (it failed)
        return self.renderer.render(answer.replies, pages), pages

    async def _send_all(
        self,
        user: str,
        messages: Sequence[Message],
        kind: str,
        sent: list[tuple[str, str, str]],
        *,
        priority: Priority = Priority.REPLY,
        budget: AccountBudget | None = None,
        parts: Parts | None = None,
    ) -> None:
        """Sends in order (the next waits for the last), each try in a slot of the budget;
        appends (wamid, user, kind) to `sent`. With `parts`, the first `parts.done` messages
        were sent by an earlier attempt and are skipped; each one accepted is counted there."""
        recipient = user.partition(":")[2]
        gate = partial(self._through, budget or self.budget, user, priority)
        for index, message in enumerate(messages):
            if parts is not None and index < parts.done:
                continue
            try:
                wamid = await self.api.send(recipient, message, gate=gate)
            except Unreachable:
                await self.users.mark_unreachable(user)
                raise
            sent.append((wamid, user, kind))
            if parts is not None:
                parts.done = index + 1
            self.metrics.messages_out.inc(channel=CHANNEL)

    @staticmethod
    async def _through(
        budget: AccountBudget,
        user: str,
        priority: Priority,
        request: Callable[[], Awaitable[str]],
    ) -> str:
        """One request in a slot of the budget; a throughput error (130429) pauses it."""
        try:
            async with budget.slot(user, priority):
                return await request()
        except Throttled as exc:
            if exc.code == THROUGHPUT:
                budget.pause(exc.seconds)
            raise

    # Pushes ------------------------------------------------------------------------------

    async def push(self, user_key: str, replies: Sequence[Reply], kind: str) -> str:
        """Sends a push through the phone number's own budget (see `push_paced`)."""
        return await self.push_paced(user_key, replies, kind, self.budget, Parts())

    async def push_paced(
        self,
        user_key: str,
        replies: Sequence[Reply],
        kind: str,
        budget: AccountBudget,
        parts: Parts,
    ) -> str:
        """Sends a push (not a reply) to a WhatsApp user, honouring the 24-hour window; each
        message takes a push slot of `budget` (the number's pace and the user's), and the first
        `parts.done` messages, accepted by an earlier attempt, are skipped.

        Returns "sent" (free-form, inside the window), "template" (outside it, as the
        template configured for `kind` with the text as its body parameter),
        "skipped_window" (outside it and no template for `kind`) or "skipped_off" (unknown
        user, DUR, or unreachable). Raises `Throttled` (retry later), `Unreachable`
        (blocked / not on WhatsApp) or `SendFailed` (network, server or refused message).
        """
        target = await self.store.push_target(user_key)
        if target is None or target.pushes_off or target.unreachable:
            return "skipped_off"
        sent: list[tuple[str, str, str]] = []
        pages: Pages = {}
        paced = partial(self._send_all, priority=Priority.PUSH, budget=budget, parts=parts)
        try:
            last = target.last_inbound_at
            if parts.done or (last is not None and self.clock() - last < WINDOW):
                # Part of it went free-form already: the rest goes free-form too (or fails).
                try:
                    await paced(user_key, self.renderer.render(replies, pages), kind, sent)
                    return "sent"
                except WindowClosed:
                    if sent or parts.done:
                        raise
                    log.info("window closed early for %s; trying a template", mask_user(user_key))
            template = self.settings.template_for(kind, replies[0].locale if replies else "")
            if template is None:
                log.warning(
                    "%s push to %s skipped: outside the 24-hour window, no template configured",
                    kind,
                    mask_user(user_key),
                )
                return "skipped_window"
            await paced(user_key, [template_message(template, replies)], kind, sent)
            return "template"
        finally:
            if sent:
                await self.store.record_sent(sent, user_key, pages)

    # Upkeep ------------------------------------------------------------------------------

    async def _sweep(self, older_than: timedelta | None) -> int:
        """Queues stored messages nobody is handling (after a crash or a failed write)."""
        rows = await self.store.unprocessed()
        cutoff = None if older_than is None else self.clock() - older_than
        count = 0
        for row in rows:
            if row.wamid in self._queued or (cutoff is not None and row.received_at > cutoff):
                continue
            self._submit(row)
            count += 1
        return count

    async def _prune(self) -> int:
        now = self.clock()
        return await self.store.prune(now - KEEP_INBOUND, now - KEEP_SENT)

    async def _take_over(self) -> int:
        """Claims users whose messages nobody live handles (several instances) and reads them."""
        users = await self.store.take_over()
        for user in users:
            self.held.taken_over(user)
            self.queue.refresh(user)
        return len(users)

    async def _upkeep(self) -> None:
        """Several instances: the leases of the users in hand renewed, work nobody live holds
        taken over. One instance: messages stored but never queued (a failed write) queued."""
        if not self.claims:
            await self._sweep(SWEEP_AGE)
            return
        await self.store.renew(self.queue.users)
        taken = await self._take_over()
        if taken:
            log.warning("took over %d WhatsApp users whose holder's lease ran out", taken)

    async def _maintain(self) -> None:
        last_prune = 0.0
        every = self.store.lease.total_seconds() / 3 if self.claims else SWEEP_EVERY
        while True:
            await asyncio.sleep(every)
            try:
                await self._upkeep()
                if time.monotonic() - last_prune > PRUNE_EVERY:
                    await self._prune()
                    last_prune = time.monotonic()
            except Exception:  # noqa: BLE001 - upkeep retries on its next round
                log.exception("WhatsApp upkeep failed")
