"""INSERT … ON CONFLICT as one cached statement for SQLite and PostgreSQL alike.

SQLAlchemy's dialect-specific ``insert()`` (the one that offers ``on_conflict_do_update``) is
not cacheable: every execution compiles the statement again, about a millisecond of CPU on the
hot path of every chat turn. SQLite (3.24+, RETURNING from 3.35) and PostgreSQL share the same
``ON CONFLICT`` syntax, so the statements built here are plain typed ``text()`` constructs,
built once per shape and compiled once per dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Table, bindparam, text
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect


@cache
def _upsert(
    table: Table,
    columns: tuple[str, ...],
    conflict: tuple[str, ...],
    update: tuple[tuple[str, str], ...] | None,
    returning: tuple[str, ...],
) -> TextClause | TextualSelect:
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f":{c}" for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({values}) '
    sql += "ON CONFLICT (" + ", ".join(f'"{c}"' for c in conflict) + ") "
    if update:
        sets = ", ".join(f'"{column}" = :{param}' for column, param in update)
        sql += f"DO UPDATE SET {sets}"
    else:
        sql += "DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(f'"{c}"' for c in returning)
    params = set(columns) | {p for _c, p in update or ()}
    typed = [bindparam(p, type_=table.c[p.removeprefix("set_")].type) for p in sorted(params)]
    stmt = text(sql).bindparams(*typed)
    if returning:
        return stmt.columns(*(table.c[c] for c in returning))
    return stmt


def upsert(
    table: Table,
    columns: Sequence[str],
    *,
    conflict: Sequence[str],
    update: dict[str, str] | None = None,
    returning: Sequence[str] = (),
) -> TextClause | TextualSelect:
    """``INSERT INTO table (columns) … ON CONFLICT (conflict) DO NOTHING | DO UPDATE``.

    `update` maps a column to the parameter that sets it on conflict: a column of `columns`
    (the value being inserted) or a ``set_<column>`` parameter of its own. Execute with a dict
    (or a list of dicts) holding every parameter.
    """
    pairs = tuple(update.items()) if update else None
    return _upsert(table, tuple(columns), tuple(conflict), pairs, tuple(returning))
