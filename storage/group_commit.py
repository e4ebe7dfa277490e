"""Group commit: writes handed in by many tasks merged into one transaction per batch.

A burst of webhooks or finished turns costs a handful of statements, not one transaction each.
While one batch commits, the next gathers. A write's `after` callback runs right after its
commit, even when its caller was cancelled meanwhile. If a batch fails, its writes are retried
one by one, so one bad write does not sink its neighbours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

W = TypeVar("W")
After = Callable[[Any], None]
# Commits a batch of writes in one transaction; returns each write's result, in order.
Commit = Callable[[list[W]], Awaitable[list[Any]]]


class GroupCommit(Generic[W]):
    """Batches writes for `commit`, `writers` batches at a time, at most `max_batch` each.

    With `apart`, the writes it picks go in batches of their own, taking turns with the others
    (each kind may then commit as one statement)."""

    def __init__(
        self,
        commit: Commit[W],
        *,
        writers: int = 1,
        max_batch: int = 500,
        apart: Callable[[W], bool] | None = None,
    ) -> None:
        self._commit = commit
        self._writers = writers
        self.max_batch = max_batch
        self._apart = apart
        self._apart_last = False  # whether the last batch taken was of the writes set apart
        self._pending: list[tuple[W, asyncio.Future[Any], After | None]] = []
        self._flushers: set[asyncio.Task[None]] = set()

    async def submit(self, work: W, after: After | None = None) -> Any:
        """Hands in a write and waits for its commit; its result (or its error)."""
        return await asyncio.shield(self.later(work, after))

    def later(self, work: W, after: After | None = None) -> asyncio.Future[Any]:
        """Hands in a write; the future settles at its commit."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future, after))
        if sum(not task.done() for task in self._flushers) < self._writers:
            task = asyncio.create_task(self._flush())
            self._flushers.add(task)
            task.add_done_callback(self._flushers.discard)
        return future

    async def drain(self) -> None:
        """Waits until every write handed in so far is committed (or failed)."""
        while running := [task for task in self._flushers if not task.done()]:
            await asyncio.wait(running)

    async def _flush(self) -> None:
        while self._pending:
            batch = self._take()
            try:
                results = await self._commit([work for work, _, _ in batch])
            except Exception:  # noqa: BLE001 - one bad write must not sink its neighbours
                if len(batch) > 1:
                    log.warning("batched write failed; retrying one by one", exc_info=True)
                for item in batch:
                    try:
                        (result,) = await self._commit([item[0]])
                    except Exception as exc:  # noqa: BLE001 - handed to its caller
                        _settle(item[1], exc=exc)
                    else:
                        _finish(item, result)
            else:
                for item, result in zip(batch, results, strict=True):
                    _finish(item, result)

    def _take(self) -> list[tuple[W, asyncio.Future[Any], After | None]]:
        """The next batch: the first `max_batch` writes waiting, of one kind when `apart`."""
        if self._apart is None:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            return batch
        apart = [item for item in self._pending if self._apart(item[0])]
        rest = [item for item in self._pending if not self._apart(item[0])]
        self._apart_last = bool(apart) and not (rest and self._apart_last)
        taken, left = (apart, rest) if self._apart_last else (rest, apart)
        self._pending = taken[self.max_batch :] + left
        return taken[: self.max_batch]


def _finish(item: tuple[Any, asyncio.Future[Any], After | None], result: Any) -> None:
    _, future, after = item
    if after is not None:
        try:
            after(result)
        except Exception:  # noqa: BLE001 - a callback bug must not lose the commit result
            log.exception("after-commit callback failed")
    _settle(future, result=result)


def _settle(
    future: asyncio.Future[Any], result: Any = None, exc: BaseException | None = None
) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
