"""The shared rate budget's state in Redis (MF_REDIS_URL): the same operations as
`storage/budget_pg.py`, each one Lua script (atomic in Redis) timed by Redis's own clock.

Keys: `mf:budget:<account>` (a hash: next_at, paused_until) and `mf:budget:<account>:chat:<chat>`
(a chat's next push, expiring by itself). Every key expires an hour after its last use.
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import Redis

PREFIX = "mf:budget:"
KEEP_MS = 3_600_000

# Numbers go back as strings: Redis turns a Lua number into an integer.
_NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6\n"

_LEASE = (
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 'next_at', 'paused_until')
local n, gap, lead, ahead = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
                            tonumber(ARGV[4])
local start = math.max(tonumber(h[1]) or 0, tonumber(h[2]) or 0, now + lead)
local granted = 0
if start <= now + lead + ahead then
  granted = n
  redis.call('HSET', KEYS[1], 'next_at', string.format('%.6f', start + n * gap))
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {granted, string.format('%.6f', start), string.format('%.6f', now)}
"""
)

_PAUSE = (
    _NOW
    + """
local paused = math.max(tonumber(redis.call('HGET', KEYS[1], 'paused_until')) or 0,
                       now + tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'paused_until', string.format("%.6f", paused))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
)

_CLAIM_CHAT = (
    _NOW
    + """
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free > now then return string.format('%.6f', free - now) end
local hold = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.6f', now + hold), 'PX', math.ceil(hold * 1000) + 1000)
return '0'
"""
)


class RedisSlotStore:
    """`bot.budget_shared.SlotStore` in Redis (redis-py's asyncio client)."""

    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._lease = self._redis.register_script(_LEASE)
        self._pause = self._redis.register_script(_PAUSE)
        self._claim = self._redis.register_script(_CLAIM_CHAT)

    async def lease(
        self, account: str, count: int, gap: float, lead: float, ahead: float
    ) -> tuple[int, float, float]:
        args = [count, gap, lead, ahead, KEEP_MS]
        granted, start, now = cast(
            "list[Any]", await self._lease(keys=[PREFIX + account], args=args)
        )
        return int(granted), float(start), float(now)

    async def pause(self, account: str, seconds: float) -> None:
        await self._pause(keys=[PREFIX + account], args=[seconds, KEEP_MS])

    async def claim_chat(self, account: str, chat: str, hold: float) -> float:
        wait = await self._claim(keys=[f"{PREFIX}{account}:chat:{chat}"], args=[hold])
        return float(wait)

    async def close(self) -> None:
        await self._redis.aclose()
