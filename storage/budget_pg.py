"""The shared rate budget's state in PostgreSQL (`bot/budget_shared.py` decides what it means).

Per platform account one row of `budget_accounts`: the next free send time on the account's
grid and until when the platform asked everyone to wait; per chat a row of `budget_chats`: when
the chat may get its next push. Each operation is one statement on a connection of its own
(`KeptConnection`), atomic by the row lock that `INSERT … ON CONFLICT DO UPDATE` takes, and
timed by the database's clock, the one clock every instance shares. Times go back to the caller
on the database's clock, which the caller maps onto its own, so the hosts' clocks never matter.
"""

from __future__ import annotations

import time

from storage.kept_connection import KeptConnection

_CLOCK = "extract(epoch FROM clock_timestamp())::float8"

# Takes `n` grid times from the account's next free one (not before now + `lead`, nor before a
# pause ends) unless that is more than `ahead` seconds later still. The row lock serialises
# instances, and every lease starts where the last one ended: no two instances ever get the same
# time. What the lease saw (its first time, the clock) is kept in the row to be returned.
_N_GAPS = "CAST(:n AS float8) * CAST(:gap AS float8)"
_START = "GREATEST(b.next_at, b.paused_until, EXCLUDED.lease_start)"
_LEASE = f"""
INSERT INTO budget_accounts AS b (account, next_at, lease_start, lease_now)
SELECT CAST(:account AS text), k.now + CAST(:lead AS float8) + {_N_GAPS},
       k.now + CAST(:lead AS float8), k.now
FROM (SELECT {_CLOCK} AS now) AS k
ON CONFLICT (account) DO UPDATE SET
  next_at = CASE
    WHEN {_START} <= EXCLUDED.lease_start + CAST(:ahead AS float8) THEN {_START} + {_N_GAPS}
    ELSE b.next_at END,
  lease_start = {_START},
  lease_now = EXCLUDED.lease_now
RETURNING next_at > lease_start AS granted, lease_start AS start, lease_now AS now
"""

_PAUSE = f"""
INSERT INTO budget_accounts AS b (account, paused_until)
VALUES (:account, {_CLOCK} + CAST(:seconds AS float8))
ON CONFLICT (account) DO UPDATE SET paused_until = GREATEST(b.paused_until, EXCLUDED.paused_until)
RETURNING paused_until
"""

# The chat is the caller's for `hold` seconds when it is free now; else how long until it is.
_HOLD = "CAST(:hold AS float8)"
_CLAIM_CHAT = f"""
WITH k AS (SELECT {_CLOCK} AS now),
up AS (
  INSERT INTO budget_chats AS c (account, chat, next_at)
  SELECT CAST(:account AS text), CAST(:chat AS text), k.now + {_HOLD} FROM k
  ON CONFLICT (account, chat) DO UPDATE SET next_at = CASE
    WHEN c.next_at <= EXCLUDED.next_at - {_HOLD} THEN EXCLUDED.next_at ELSE c.next_at END
  RETURNING c.next_at
)
SELECT up.next_at = k.now + {_HOLD} AS claimed, up.next_at - k.now AS wait FROM up, k
"""

_PRUNE = f"""
WITH gone AS (DELETE FROM budget_chats WHERE next_at < {_CLOCK} - 60 RETURNING 1)
SELECT count(*) FROM gone
"""

PRUNE_EVERY = 600.0  # seconds between two clean-ups of chats long free again


class PgSlotStore:
    """`bot.budget_shared.SlotStore` in the PostgreSQL of `url` (migration 0007's tables)."""

    def __init__(self, url: str) -> None:
        self._conn = KeptConnection(url, "meslek-bot budget")
        self._pruned = time.monotonic()

    async def lease(
        self, account: str, count: int, gap: float, lead: float, ahead: float
    ) -> tuple[int, float, float]:
        params = {"account": account, "n": count, "gap": gap, "lead": lead, "ahead": ahead}
        row = await self._conn.one(_LEASE, params)
        return (count if row.granted else 0), float(row.start), float(row.now)

    async def pause(self, account: str, seconds: float) -> None:
        await self._conn.one(_PAUSE, {"account": account, "seconds": seconds})

    async def claim_chat(self, account: str, chat: str, hold: float) -> float:
        row = await self._conn.one(_CLAIM_CHAT, {"account": account, "chat": chat, "hold": hold})
        if time.monotonic() - self._pruned > PRUNE_EVERY:
            self._pruned = time.monotonic()
            await self._conn.one(_PRUNE)
        return 0.0 if row.claimed else max(float(row.wait), 0.001)

    async def close(self) -> None:
        await self._conn.close()
