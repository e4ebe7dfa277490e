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

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ARRAY, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import String

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


@dataclass(frozen=True, slots=True)
class ClaimSQL:
    """The statements on one channel's claims (`claims`) and its stored messages (`inbound`)."""

    release: TextClause
    held: TextClause
    renew: TextClause
    orphans: TextClause
    take_over: TextClause


def claim_sql(claims: str, inbound: str) -> ClaimSQL:
    """The claim statements of a channel (table names are the code's own, never input)."""
    return ClaimSQL(
        release=text(
            f"""
            DELETE FROM {claims} AS c
            USING unnest(CAST(:users AS text[]), CAST(:known AS int[])) AS x(u, n)
            WHERE c.user_key = x.u AND c.owner = :owner AND c.stored = x.n
            RETURNING c.user_key
            """
        ),
        held=text(
            f"SELECT user_key, stored FROM {claims} "
            "WHERE owner = :owner AND user_key = ANY(CAST(:users AS text[]))"
        ),
        renew=text(
            f"UPDATE {claims} SET lease_until = :until "
            "WHERE owner = :owner AND user_key = ANY(CAST(:users AS text[]))"
        ).bindparams(bindparam("until", type_=UTCDateTime())),
        orphans=text(
            f"""
            SELECT DISTINCT i.user_key FROM {inbound} i
            LEFT JOIN {claims} c ON c.user_key = i.user_key
            WHERE i.processed_at IS NULL AND i.user_key <> :nobody
              AND (c.user_key IS NULL OR c.lease_until < :now)
            LIMIT 1000
            """
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        take_over=text(
            f"""
            INSERT INTO {claims} AS c (user_key, owner, lease_until, stored)
            SELECT u, :owner, :until, 0 FROM unnest(CAST(:users AS text[])) AS x(u) ORDER BY u
            ON CONFLICT (user_key) DO UPDATE
                SET owner = excluded.owner, lease_until = excluded.lease_until
            WHERE c.lease_until < :now
            RETURNING user_key
            """
        ).bindparams(
            bindparam("owner", type_=String()),
            bindparam("now", type_=UTCDateTime()),
            bindparam("until", type_=UTCDateTime()),
        ),
    )


WHATSAPP = claim_sql("wa_claims", "wa_inbound")


# The end of an INSERT into a claims table (`AS c`) of the users just stored: the count added
# to the claim, which is this instance's when it held it or nobody live did (the lease ran
# out); returns each claim and whether it was made just now (`fresh`).
CLAIMED = """ON CONFLICT (user_key) DO UPDATE SET
            stored = c.stored + excluded.stored,
            owner = CASE WHEN c.owner = excluded.owner OR c.lease_until < :now
                         THEN excluded.owner ELSE c.owner END,
            lease_until = CASE WHEN c.owner = excluded.owner OR c.lease_until < :now
                               THEN excluded.lease_until ELSE c.lease_until END
        RETURNING user_key, owner, stored, (xmax = 0) AS fresh"""


# `whatsapp_repo.store_inbound` and the claims in one statement: the messages not seen before
# stored, their users claimed (held by this instance or another), each claim counting how many
# of them were its user's (`times`: how often a message came in the batch). A claim is this
# instance's when it held it or nobody live did (the lease ran out).
_STORE_AND_CLAIM = text(
    f"""
    WITH new AS (
        INSERT INTO wa_inbound (wamid, user_key, payload, received_at)
        SELECT w, u, p, r FROM unnest(CAST(:wamids AS text[]), CAST(:users AS text[]),
                                      CAST(:payloads AS text[]), CAST(:received AS timestamptz[]))
            AS x(w, u, p, r) ORDER BY w
        ON CONFLICT (wamid) DO NOTHING
        RETURNING wamid, user_key
    ), claimed AS (
        INSERT INTO wa_claims AS c (user_key, owner, lease_until, stored)
        SELECT new.user_key, :owner, :until, sum(x.n)
        FROM new JOIN unnest(CAST(:wamids AS text[]), CAST(:times AS int[])) AS x(w, n)
            ON x.w = new.wamid
        GROUP BY new.user_key ORDER BY new.user_key
        {CLAIMED}
    )
    SELECT wamid, NULL AS user_key, NULL AS owner, NULL AS stored, NULL AS fresh FROM new
    UNION ALL
    SELECT NULL, user_key, owner, stored, fresh FROM claimed
    """
).bindparams(
    bindparam("owner", type_=String()),
    bindparam("now", type_=UTCDateTime()),
    bindparam("until", type_=UTCDateTime()),
    bindparam("received", type_=ARRAY(UTCDateTime())),
)


async def store_and_claim(
    conn: AsyncConnection,
    rows: Sequence[InboundRow],
    owner: str,
    now: datetime,
    until: datetime,
) -> tuple[set[str], dict[str, Claim]]:
    """Stores the messages not seen before and claims their users, counting them on every
    claim (one statement, `_STORE_AND_CLAIM`); returns the wamids new and the claims."""
    first = dict(sorted({r.wamid: r for r in reversed(rows)}.items()))  # as store_inbound
    if not first:
        return set(), {}
    times = Counter(r.wamid for r in rows)
    params = {
        "wamids": list(first),
        "users": [r.user_key for r in first.values()],
        "payloads": [r.payload for r in first.values()],
        "received": [r.received_at for r in first.values()],
        "times": [times[w] for w in first],
        "owner": owner,
        "now": now,
        "until": until,
    }
    new: set[str] = set()
    claims: dict[str, Claim] = {}
    for r in await conn.execute(_STORE_AND_CLAIM, params):
        if r.wamid is not None:
            new.add(r.wamid)
        else:
            claims[r.user_key] = Claim(r.user_key, r.owner == owner, bool(r.fresh), int(r.stored))
    return new, claims


# A user's claim after a release that did not happen: its count now and the user's unhandled
# messages, oldest first (a count of -1 and none: the claim is no longer ours).
Left = tuple[int, list[InboundRow]]


async def release(
    conn: AsyncConnection, owner: str, known: Mapping[str, int]
) -> dict[str, Left | None]:
    """Lets each user go whose messages stored while held were all taken in (`known`: how
    many): None for them. For the others, what is `Left`."""
    gone = await let_go(conn, owner, known)
    out: dict[str, Left | None] = dict.fromkeys(gone)
    out.update(await held(conn, owner, [u for u in sorted(known) if u not in gone]))
    return out


async def let_go(
    conn: AsyncConnection, owner: str, known: Mapping[str, int], sql: ClaimSQL = WHATSAPP
) -> set[str]:
    """Deletes the claims whose users' messages stored while held were all taken in (`known`:
    how many); returns those users."""
    users = sorted(known)
    if not users:
        return set()
    params = {"users": users, "known": [known[u] for u in users], "owner": owner}
    return set((await conn.execute(sql.release, params)).scalars())


async def counts(
    conn: AsyncConnection, owner: str, users: list[str], sql: ClaimSQL = WHATSAPP
) -> dict[str, int]:
    """How many messages were stored for each of these users while this instance held them
    (users it does not hold are left out)."""
    params = {"owner": owner, "users": sorted(users)}
    return {r.user_key: int(r.stored) for r in await conn.execute(sql.held, params)}


async def held(conn: AsyncConnection, owner: str, users: list[str]) -> dict[str, Left]:
    """What is `Left` of these users' claims. The counts are read first: every message they
    count is then visible."""
    if not users:
        return {}
    stored = await counts(conn, owner, users)
    out: dict[str, Left] = {u: (stored.get(u, -1), []) for u in users}
    for row in await unprocessed_of(conn, sorted(stored)) if stored else []:
        out[row.user_key][1].append(row)
    return out


async def renew(
    conn: AsyncConnection,
    owner: str,
    users: list[str],
    until: datetime,
    sql: ClaimSQL = WHATSAPP,
) -> int:
    """Extends the leases this instance holds on `users` (those it is working on: a claim it
    dropped by mistake runs out and is taken over); returns how many."""
    params = {"owner": owner, "users": sorted(users), "until": until}
    return int((await conn.execute(sql.renew, params)).rowcount)


async def take_over(
    conn: AsyncConnection,
    owner: str,
    now: datetime,
    until: datetime,
    sql: ClaimSQL = WHATSAPP,
    nobody: str = NOBODY,
) -> list[str]:
    """Claims users with unhandled messages whom nobody holds, or whose holder's lease ran out
    (it crashed); returns them. `nobody`: the user key of messages from no user, left out."""
    params = {"nobody": nobody, "now": now}
    users = sorted((await conn.execute(sql.orphans, params)).scalars())
    if not users:
        return []
    params = {"users": users, "owner": owner, "now": now, "until": until}
    return sorted((await conn.execute(sql.take_over, params)).scalars())
