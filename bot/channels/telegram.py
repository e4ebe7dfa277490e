"""The Telegram channel: updates in as `Incoming`, the engine's replies out, over PTB 22.

Every update is stored before Telegram hears it arrived (`bot/channels/telegram_inbox.py`),
handled in order per user (users in parallel, `bot/channels/whatsapp_queue.py UserQueues`; with
several instances by the one holding the user's claim, `bot/channels/held_users.py`) and marked
handled once its answer was sent. A turn's answer — the rendered Bot API calls, sealed —
is recorded with the turn in its own transaction (`Engine.answer`), sent, then cleared: an
update handled again after a crash (at start on SQLite; on PostgreSQL by whichever instance
takes it over once its holder's lease ran out) sends what was recorded, never runs its turn
twice, and says nothing once the answer went out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import BotCommand, CallbackQuery, Message, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    ExtBot,
    TypeHandler,
)

from bot.budget import AccountBudget, LocalBudget, account_of
from bot.channels.capabilities import TELEGRAM as CAPABILITIES
from bot.channels.held_users import HeldUsers
from bot.channels.held_users import Stored as Held
from bot.channels.telegram_convert import CHANNEL, chat_id_of, to_incoming, turn_id, user_key
from bot.channels.telegram_delivery import ChatPacer, Courier, Sender, slot_per_call
from bot.channels.telegram_inbox import KeepFirst, KeptUpdates, load_update, user_of
from bot.channels.telegram_render import Labels, Turn, dump_turn, load_turn, render
from bot.channels.whatsapp_queue import UserQueues
from bot.engine import Engine, Record
from bot.instance import instance_name
from bot.leader import Holder
from bot.metrics import Metrics
from bot.settings import ConfigError, Settings
from bot.webhook_body import MAX_WEBHOOK_BODY, Malformed, fingerprint, load_json, read_limited
from core.checks import mask_user
from core.delivery import DeliveryError, Parts, Rejected
from core.messages import Incoming, Reply
from core.ports import UserDirectory
from storage.locks import Lock
from storage.telegram_store import Handled, Kept, Stored, TelegramStore

log = logging.getLogger(__name__)

ADict = dict[Any, Any]
TgContext = ContextTypes.DEFAULT_TYPE
TgApp = Application[ExtBot[None], TgContext, ADict, ADict, ADict, None]

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = (
    "start",
    "kurslar",
    "basvuru",
    "basvurularim",
    "derslerim",
    "hatirlatmalar",
    "yardim",
    "verilerim",
)
PRUNE_EVERY = 6 * 3600.0
KEEP_HANDLED = timedelta(days=2)  # Telegram gives up on an update after 24 hours
STOP_GRACE = 10.0  # seconds the updates in hand get to finish at a stop


class TelegramChannel:
    """Runs the bot in polling or webhook mode and sends replies (and the outbox's pushes)."""

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        users: UserDirectory,
        metrics: Metrics,
        *,
        pacer: ChatPacer | None = None,
        budget: AccountBudget | None = None,
        concurrency: int = 16,
        poll_timeout: float = 10.0,
        poll_lock: Lock | None = None,
        store: TelegramStore | None = None,
    ) -> None:
        if settings.telegram_token is None:
            raise ValueError("MF_TELEGRAM_TOKEN is not set")
        # The bot's outgoing budget (MF_TELEGRAM_MAX_RATE), shared with the outbox's pushes;
        # one of its own when none is given.
        self.budget: AccountBudget = budget or LocalBudget.from_settings(settings).account(
            account_of(settings, CHANNEL)
        )
        self._engine = engine
        # Updates kept until handled; with several instances (PostgreSQL) each holds what it
        # stored under a lease (`MF_LEASE_SECONDS`), renewed while it lives.
        self.store = store or TelegramStore(
            engine.db, engine.clock, engine.vault, owner=instance_name(settings.instance_id)
        )
        self._updates = KeptUpdates(self.store, engine.clock, self._stored)
        # A user's updates one at a time, in order; `concurrency` users at once. With several
        # instances (PostgreSQL) only the users this instance holds (`storage.wa_claims`).
        self.claims = self.store.owner is not None
        self.held: HeldUsers[Kept] = HeldUsers(self.store.held, self.store.release)
        self.queue: UserQueues[Update | Kept] = UserQueues(
            self._process,
            _user_of,
            concurrency,
            reload=self.held.reload if self.claims else None,
            drained=self.held.drained if self.claims else None,
        )
        self._maintenance: asyncio.Task[None] | None = None
        self._users = users
        self._metrics = metrics
        self._locale = settings.default_locale
        self._webhook_url = settings.telegram_webhook_url
        secret = settings.telegram_webhook_secret
        self._secret = secret.get_secret_value().encode() if secret else b""
        self._poll_timeout = poll_timeout
        # Telegram lets one client poll a bot (a second gets 409 Conflict): with several
        # instances, the one holding this lock polls and the others stand by to take over.
        self._polling: Holder | None = None
        if poll_lock is not None and not self._webhook_url:
            self._polling = Holder(poll_lock, self._start_polling, self._stop_polling)
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            # Each update uses at most two connections at once (its reply and the button's
            # answer). A pool much larger than needed costs CPU in httpcore on every request.
            .connection_pool_size(2 * concurrency + 4)
            .pool_timeout(5.0)
            # Polling asks for more updates (confirming the last ones) once they are stored; a
            # second connection for the last getUpdates at stop, while the cancelled long poll
            # may still hold the first.
            .get_updates_request(
                KeepFirst(self._updates.stored, self._updates.polled, connection_pool_size=2)
            )
            .update_queue(self._updates)
            .job_queue(None)
        )
        if self._webhook_url:
            builder = builder.updater(None)
        self._app: TgApp = builder.build()
        self._app.add_handler(TypeHandler(Update, self._on_update))
        self._app.add_error_handler(self._on_error)
        self.courier = Courier(
            pacer or ChatPacer(), metrics, self._mark_unreachable, budget=self.budget
        )
        self.sender = Sender(self._app.bot, self.courier, metrics)
        self._keyboard_open: set[int] = set()  # chats showing our share-location/contact keyboard
        self._accepting = False

    @property
    def webhook_mode(self) -> bool:
        return bool(self._webhook_url)

    @property
    def application(self) -> TgApp:
        return self._app

    def routes(self) -> list[BaseRoute]:
        """The webhook route, in webhook mode; nothing in polling mode."""
        if not self.webhook_mode:
            return []
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    # Lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connects, sets the command menu, then polls or registers the webhook."""
        try:
            await self._app.initialize()
            await self._set_commands()
            await self._app.start()
            self.queue.start()
            await self._recover()
            self._maintenance = asyncio.create_task(self._maintain())
            self._accepting = True
            if self._webhook_url:
                await self._app.bot.set_webhook(
                    self._webhook_url,
                    secret_token=self._secret.decode(),
                    allowed_updates=ALLOWED_UPDATES,
                )
            elif self._polling is not None:
                await self._polling.start()
            else:
                await self._start_polling()
        except BaseException as exc:
            self._accepting = False
            await self._halt()
            await self._app.bot.shutdown()  # also after a failed initialize()
            if isinstance(exc, InvalidToken):  # its message carries the token: not repeated
                raise ConfigError("MF_TELEGRAM_TOKEN: Telegram rejected the token") from None
            raise
        mode = "webhook" if self._webhook_url else "polling"
        if self._polling is not None and not self._polling.held:
            mode = "another instance polls; standing by"
        log.info("telegram: @%s running (%s)", self._app.bot.username, mode)

    async def stop(self) -> None:
        """Stops taking updates, lets the ones in flight finish, then disconnects."""
        self._accepting = False
        await self._halt()
        log.info("telegram: stopped")

    async def _start_polling(self) -> None:
        assert self._app.updater is not None  # built with one in polling mode
        await self._app.updater.start_polling(
            timeout=timedelta(seconds=self._poll_timeout),
            bootstrap_retries=3,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=self._on_polling_error,
        )

    async def _stop_polling(self) -> None:
        updater = self._app.updater
        if updater is not None and updater.running:
            await updater.stop()

    async def _halt(self) -> None:
        if self._maintenance is not None:
            self._maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintenance
            self._maintenance = None
        if self._polling is not None:
            await self._polling.stop()  # polling stops; the lock goes to a standing-by instance
        updater = self._app.updater
        if updater is not None and updater.running:
            await updater.stop()
        await self.queue.stop(STOP_GRACE)  # what is left is handled again (a lease, a restart)
        if self._app.running:
            await self._app.stop()
        await self._app.shutdown()
        await self.store.drain()

    async def _set_commands(self) -> None:
        commands = [BotCommand(name, self._t(f"telegram.cmd.{name}")) for name in COMMANDS]
        await self._app.bot.set_my_commands(commands)

    # Updates in ------------------------------------------------------------------------------

    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not self._secret or not hmac.compare_digest(given, self._secret):
            self._metrics.errors.inc(channel=CHANNEL, kind="webhook_secret")
            log.warning("telegram webhook: request without the right secret refused")
            return Response(status_code=403)
        if not self._accepting:
            return Response(status_code=503)  # Telegram delivers it again later
        try:
            body = await read_limited(request, MAX_WEBHOOK_BODY)
        except ClientDisconnect:
            return Response(status_code=400)  # the sender left; Telegram delivers it again
        if body is None:
            return Response(status_code=413)
        try:
            doc = load_json(body)
            if not isinstance(doc, dict):
                raise Malformed("shape")
            update = Update.de_json(doc, self._app.bot)
        except Malformed as exc:
            reason = exc.reason
        except Exception:  # noqa: BLE001 - PTB raises whatever a field of the wrong type causes
            reason = "shape"
        else:
            try:
                await self._updates.keep(update, body.decode())  # stored before the 200
            except Exception as exc:  # noqa: BLE001 - the database failed: Telegram retries
                self._metrics.errors.inc(channel=CHANNEL, kind="store")
                log.error("telegram webhook: update not stored (%s); refused", type(exc).__name__)
                return Response(status_code=500)
            return Response(status_code=200)
        # It came with our secret, so it is Telegram's: any answer but 200 brings it back again.
        digest, size = fingerprint(body)
        self._metrics.errors.inc(channel=CHANNEL, kind="malformed_update")
        log.warning(
            "telegram webhook: malformed update ignored (%s; %d bytes, sha256 %s)",
            reason,
            size,
            digest[:16],
        )
        return Response(status_code=200)

    async def _on_update(self, update: Update, _context: TgContext) -> None:
        """Handles one update, then marks it handled: also when its handling failed (it is not
        tried again); a stop or a crash in the middle leaves it to be handled again."""
        try:
            await self._handle(update)
        except Exception:
            await self._handled(update)
            raise
        await self._handled(update)

    async def _handled(self, update: Update) -> None:
        """Marks the update handled; with the user's last one queued here (several instances),
        lets the user go in the same commit unless more were stored for them meanwhile."""
        user = user_of(update)
        release, noted = self.held.release_with(user, self.claims and self.queue.last(user))
        done = Handled(update.update_id, user, turn_id(update.update_id), release)
        await self.store.handled(done, after=noted)

    async def _handle(self, update: Update) -> None:
        """Handles one update; a button press is always answered, whatever happens."""
        query = update.callback_query
        answering = asyncio.create_task(self._answer(query)) if query is not None else None
        incoming = to_incoming(update)
        chat = update.effective_chat
        started = time.perf_counter()
        try:
            if incoming is not None and chat is not None:
                self._metrics.messages_in.inc(channel=CHANNEL)
                await self._turn(incoming, chat.id, query)
        finally:
            if answering is not None:
                await answering
            if incoming is not None and chat is not None:  # the turn is over, answer included
                self._metrics.handling.observe(time.perf_counter() - started, channel=CHANNEL)

    async def _turn(self, incoming: Incoming, chat_id: int, query: CallbackQuery | None) -> None:
        remove = chat_id in self._keyboard_open  # the user answered: take the keyboard away
        self._keyboard_open.discard(chat_id)
        edit_target = None
        if query is not None and isinstance(query.message, Message):
            edit_target = query.message.message_id
        rendered: list[tuple[list[Reply], Turn]] = []

        def record(replies: list[Reply]) -> str:
            turn = self._render(replies, edit_target, remove)
            rendered.append((replies, turn))
            kept = {"edit": edit_target, "remove": remove, **dump_turn(turn)}
            return self.store.vault.seal_text(json.dumps(kept, ensure_ascii=False))

        keep: Record = record
        answer = await self._engine.answer(incoming, keep)
        if answer.recorded is not None:  # handled before a crash: its answer, if not sent yet
            if not answer.recorded:
                return
            kept = json.loads(self.store.vault.open_text(answer.recorded))
            edit_target, remove, turn = kept["edit"], kept["remove"], load_turn(kept)
        elif rendered and rendered[-1][0] is answer.replies:
            turn = rendered[-1][1]
        else:  # an answer the turn did not record (it failed)
            turn = self._render(answer.replies, edit_target, remove)
        try:
            await self.sender.perform(chat_id, turn.ops, edit_target, patient=True)
        except DeliveryError as exc:  # already counted; Blocked also marked the user
            log.info("telegram: reply to %s not delivered: %s", mask_user(incoming.user), exc)
            return
        if turn.asked or (remove and not turn.removed):
            self._keyboard_open.add(chat_id)

    def _render(self, replies: Sequence[Reply], edit_target: int | None, remove: bool) -> Turn:
        labels = self._labels(replies[0].locale if replies else None)
        return render(replies, labels, can_edit=edit_target is not None, remove_keyboard=remove)

    async def _answer(self, query: CallbackQuery) -> None:
        """Stops the button's spinner (exactly once per press)."""
        try:
            await self.courier.call(query.from_user.id, query.answer, patient=True, paced=False)
        except DeliveryError as exc:
            log.info("telegram: callback query not answered: %s", exc)

    async def _on_error(self, update: object, context: TgContext) -> None:
        """Logs a failed update (its id and the user, masked) and carries on."""
        self._metrics.errors.inc(channel=CHANNEL, kind="update")
        update_id, who = "-", "-"
        if isinstance(update, Update):
            update_id = str(update.update_id)
            if update.effective_user is not None:
                who = mask_user(user_key(update.effective_user.id))
        log.error(
            "telegram: update %s from %s failed: %r",
            update_id,
            who,
            context.error,
            exc_info=context.error,
        )

    # Kept updates -----------------------------------------------------------------------------

    def _stored(self, update: Update, stored: Stored) -> None:
        """An update just stored: queued if new and its user is held here (or one instance)."""
        if not stored.new:
            return
        if not self.claims:
            self.queue.submit(update)
            return
        user = user_of(update)
        verdict = self.held.stored(user, stored.claim, stored.batch)
        if verdict is Held.TAKE and stored.batch == 1:
            self.queue.submit(update)
        elif verdict is not Held.LEAVE:  # read the user's updates in update id order
            self.queue.refresh(user)

    async def _process(self, item: Update | Kept) -> None:
        """Handles a queued update (one read back from the database is rebuilt first)."""
        update = item
        if isinstance(item, Kept):
            try:
                update = load_update(item, self._app.bot)
            except Exception as exc:  # noqa: BLE001 - one unreadable row must not stop the rest
                reason = type(exc).__name__
                log.error("telegram: kept update %d unreadable (%s)", item.update_id, reason)
                await self.store.handled(Handled(item.update_id, item.user_key, ""))
                return
        await self._app.process_update(update)

    async def _recover(self) -> None:
        """Queues what an earlier run stored and left unhandled: on SQLite everything (the one
        instance owns it all); on PostgreSQL the users nobody live holds any more."""
        if not self.claims:
            left = await self.store.unprocessed()
            if left:
                log.warning("telegram: re-queued %d updates left unhandled earlier", len(left))
            for kept in left:
                self.queue.submit(kept)
            return
        users = await self.store.take_over()
        if users:
            log.warning("telegram: took over %d users whose holder died", len(users))
        for user in users:
            self.held.taken_over(user)
            self.queue.refresh(user)

    async def _maintain(self) -> None:
        """Several instances: the leases of the users held here renewed, those of crashed
        instances taken over, every third of a lease. Old handled updates pruned now and then."""
        every = self.store.lease.total_seconds() / 3 if self.claims else PRUNE_EVERY
        last_prune = 0.0
        while True:
            await asyncio.sleep(every)
            try:
                if self.claims:
                    await self.store.renew(self.queue.users)
                    await self._recover()
                if time.monotonic() - last_prune > PRUNE_EVERY:
                    await self.store.prune(self._engine.clock() - KEEP_HANDLED)
                    last_prune = time.monotonic()
            except Exception:  # noqa: BLE001 - upkeep retries on its next round
                log.exception("telegram: upkeep failed")

    def _on_polling_error(self, error: TelegramError) -> None:
        self._metrics.errors.inc(channel=CHANNEL, kind="polling")
        log.warning("telegram: polling failed (%s); PTB retries", error.message)

    # Replies out -----------------------------------------------------------------------------

    async def push(
        self, user_key: str, replies: Sequence[Reply], kind: str, parts: Parts | None = None
    ) -> str:
        """Sends a push through the bot's own budget: "sent", or "skipped_rejected" when
        Telegram refuses the message itself; raises Blocked, RetryLater or TransientError
        (`core.delivery`) for the outbox."""
        return await self.push_paced(user_key, replies, kind, self.budget, parts or Parts())

    async def push_paced(
        self,
        user_key: str,
        replies: Sequence[Reply],
        kind: str,
        budget: AccountBudget,
        parts: Parts,
    ) -> str:
        """A push whose every Bot API call (a text, a venue…) takes a push slot of `budget`
        after rendering and the chat's own pacing, just before the request, and holds it until
        the answer is back; the calls `parts` counts as made already are skipped."""
        with slot_per_call(budget, user_key):
            try:
                await self.send(user_key, replies, parts)
            except Rejected as exc:
                log.warning("telegram refused a %s push: %s", kind, exc)
                return "skipped_rejected"
        return "sent"

    async def send(self, user: str, replies: Sequence[Reply], parts: Parts | None = None) -> None:
        """Sends a push's messages; raises Blocked, RetryLater, TransientError or Rejected.

        Nothing is retried here: the outbox decides. When a push of several messages fails
        half-way, the messages before the failure were delivered: `parts` counts them, and
        skips them when the outbox tries again.
        """
        chat_id = chat_id_of(user)
        turn = render(replies, self._labels(replies[0].locale if replies else None))
        await self.sender.perform(chat_id, turn.ops, None, patient=False, parts=parts)
        if turn.asked:
            self._keyboard_open.add(chat_id)

    async def _mark_unreachable(self, chat_id: int) -> None:
        """Remembers that this user blocked the bot (cleared when they write again)."""
        key = user_key(chat_id)
        log.warning("telegram: %s blocked the bot; marked unreachable", mask_user(key))
        try:
            await self._users.mark_unreachable(key)
        except Exception:
            log.exception("telegram: could not mark %s unreachable", mask_user(key))

    # Words -----------------------------------------------------------------------------------

    def _t(self, key: str, locale: str | None = None) -> str:
        return self._engine.translator(key, locale or self._locale)

    def _labels(self, written_in: str | None) -> Labels:
        """The keyboard's labels in the language of the replies (else the default)."""
        locale = (written_in or "")[:2].lower()
        if locale not in self._engine.translator.locales:
            locale = self._locale
        return Labels(
            share_location=self._t("telegram.share_location", locale),
            share_contact=self._t("telegram.share_contact", locale),
            cancel=self._t("telegram.cancel", locale),
            hint=self._t("telegram.keyboard_hint", locale),
        )


def _user_of(item: Update | Kept) -> str:
    return item.user_key if isinstance(item, Kept) else user_of(item)
