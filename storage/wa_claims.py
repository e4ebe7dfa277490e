"""Which instance handles a user's stored WhatsApp messages: a claim with a lease (PostgreSQL).

Several instances behind one load balancer each store the deliveries they receive. A user's
messages must still be answered one at a time, in the order they arrived, so one instance at a
time holds the user (`wa_claims`): the one that stores a message claims its user in the same
transaction; when another instance holds the user, the message is left for it. The holder
handles the user's oldest unhandled messages in order and lets the user go only when it has
taken in as many as were stored while it held them (`stored`): a message stored by another
instance meanwhile makes the release fail, and the holder reads the user's messages again.

The holder renews its leases while it lives; a lease that runs out is a crashed instance's,
and any other instance may take the user over (never a live instance's: its lease is renewed
every third of its length). Statements sort users, so two instances never wait on each
other's claims in opposite orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Integer, String

from storage.types import UTCDateTime
from storage.whatsapp_repo import NOBODY, InboundRow, unprocessed_of


@dataclass(frozen=True, slots=True)
class Claim:
    """A user's claim after a store: whether this instance holds it, whether it was made just
    now from nothing (nobody held the user: the messages just stored are all there is), and how
    many messages were stored for the user while the claim was held."""

    user_key: str
    mine: bool
    fresh: bool
    stored: int


_CLAIM = text(
    """
    INSERT INTO wa_claims AS c (user_key, owner, lease_until, stored)
    SELECT u, :owner, :until, n
    FROM unnest(CAST(:users AS text[]), CAST(:counts AS int[])) AS x(u, n) ORDER BY u
    ON CONFLICT (user_key) DO UPDATE SET
        stored = c.stored + excluded.stored,
        owner = CASE WHEN c.owner = excluded.owner OR c.lease_until < :now
                     THEN excluded.owner ELSE c.owner END,
        lease_until = CASE WHEN c.owner = excluded.owner OR c.lease_until < :now
                           THEN excluded.lease_until ELSE c.lease_until END
    RETURNING user_key, owner, stored, (xmax = 0) AS fresh
    """
).bindparams(
    bindparam("owner", type_=String()),
    bindparam("now", type_=UTCDateTime()),
    bindparam("until", type_=UTCDateTime()),
)
_RELEASE = text(
    "DELETE FROM wa_claims WHERE user_key = :user AND owner = :owner AND stored = :known "
    "RETURNING user_key"
).bindparams(bindparam("known", type_=Integer()))
_HELD = text("SELECT stored FROM wa_claims WHERE user_key = :user AND owner = :owner")
_RENEW = text(
    "UPDATE wa_claims SET lease_until = :until "
    "WHERE owner = :owner AND user_key = ANY(CAST(:users AS text[]))"
).bindparams(bindparam("until", type_=UTCDateTime()))
_ORPHANS = text(
    """
    SELECT DISTINCT i.user_key FROM wa_inbound i
    LEFT JOIN wa_claims c ON c.user_key = i.user_key
    WHERE i.processed_at IS NULL AND i.user_key <> :nobody
      AND (c.user_key IS NULL OR c.lease_until < :now)
    LIMIT 1000
    """
).bindparams(bindparam("now", type_=UTCDateTime()))
_TAKE_OVER = text(
    """
    INSERT INTO wa_claims AS c (user_key, owner, lease_until, stored)
    SELECT u, :owner, :until, 0 FROM unnest(CAST(:users AS text[])) AS x(u) ORDER BY u
    ON CONFLICT (user_key) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
    WHERE c.lease_until < :now
    RETURNING user_key
    """
).bindparams(
    bindparam("owner", type_=String()),
    bindparam("now", type_=UTCDateTime()),
    bindparam("until", type_=UTCDateTime()),
)


async def claim(
    conn: AsyncConnection,
    stored: Mapping[str, int],
    owner: str,
    now: datetime,
    until: datetime,
) -> dict[str, Claim]:
    """Claims the users of messages just stored (`stored`: how many each), counting them on
    every claim, held by this instance or another."""
    users = sorted(stored)
    if not users:
        return {}
    params = {
        "users": users,
        "counts": [stored[u] for u in users],
        "owner": owner,
        "now": now,
        "until": until,
    }
    rows = await conn.execute(_CLAIM, params)
    return {
        r.user_key: Claim(r.user_key, r.owner == owner, bool(r.fresh), int(r.stored)) for r in rows
    }


async def release(
    conn: AsyncConnection, user: str, owner: str, known: int
) -> tuple[int, list[InboundRow]] | None:
    """Lets the user go when every message stored while held was taken in (`known`): returns
    None then. Otherwise the claim's count now and the user's unhandled messages, oldest first
    (an empty list with a count of -1: the claim is no longer ours)."""
    params = {"user": user, "owner": owner, "known": known}
    if (await conn.execute(_RELEASE, params)).first() is not None:
        return None
    return await held(conn, user, owner)


async def held(conn: AsyncConnection, user: str, owner: str) -> tuple[int, list[InboundRow]]:
    """The claim's count and the user's unhandled messages, oldest first (-1 and none when the
    claim is not ours). The count is read first: every message it counts is then visible."""
    count = (await conn.execute(_HELD, {"user": user, "owner": owner})).scalar()
    if count is None:
        return -1, []
    return int(count), await unprocessed_of(conn, user)


async def renew(conn: AsyncConnection, owner: str, users: list[str], until: datetime) -> int:
    """Extends the leases this instance holds on `users` (those it is working on: a claim it
    dropped by mistake runs out and is taken over); returns how many."""
    params = {"owner": owner, "users": sorted(users), "until": until}
    return int((await conn.execute(_RENEW, params)).rowcount)


async def take_over(conn: AsyncConnection, owner: str, now: datetime, until: datetime) -> list[str]:
    """Claims users with unhandled messages whom nobody holds, or whose holder's lease ran out
    (it crashed); returns them."""
    params = {"nobody": NOBODY, "now": now}
    users = sorted((await conn.execute(_ORPHANS, params)).scalars())
    if not users:
        return []
    params = {"users": users, "owner": owner, "now": now, "until": until}
    return sorted((await conn.execute(_TAKE_OVER, params)).scalars())
