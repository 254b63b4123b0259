"""The bulk upsert statement of each dialect, and PostgreSQL's batch write.

PostgreSQL (``pg_upsert``): one query reads the stored digest of every key of the batch; the new rows
are ``COPY``-ed straight into the table (what a raw bulk load does) and only the changed ones go
through ``INSERT … SELECT * FROM unnest(%s::type[], …) ON CONFLICT … DO UPDATE … WHERE row_hash
differs``, one array per column. This replaced ``COPY`` into a temporary staging table followed by
``INSERT … SELECT … ON CONFLICT``: four statements per batch (create-if-missing, ``TRUNCATE``, ``COPY``,
``INSERT``) and a speculative insertion per row (``bench/upsert_bench.py``, docs/performance.md).

SQLite: one ``INSERT … VALUES (?, …) ON CONFLICT …`` per table, run by the driver's ``executemany``:
one fixed statement, so the connection's prepared-statement cache never grows with batch sizes.

Counts come from row counts, never from fetched rows: PostgreSQL's and SQLite's count the rows
inserted or updated and leave out a conflict the ``WHERE`` skipped; ``COPY``-ed rows are counted here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

_NONE = type(None)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _base_type(table: Table, column: str, dialect: Any) -> str:
    """The column's type without length or scale: an explicit cast to ``varchar(n)`` would truncate a
    value silently, where the assignment to the column raises on a value too long."""
    return re.sub(r"[(].*?[)]", "", table.c[column].type.compile(dialect))


def upsert_sql(table: Table, key: Sequence[str], columns: Sequence[str], dialect: str) -> str:
    """``INSERT`` of ``columns`` that updates every non-key column where the content digest differs."""
    cols = ", ".join(_q(c) for c in columns)
    updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in columns if c not in key)
    conflict = (
        f" ON CONFLICT ({', '.join(_q(k) for k in key)}) DO UPDATE SET {updates}"
        f" WHERE {_q(table.name)}.row_hash <> excluded.row_hash"
    )
    if dialect == "postgresql":
        pg = postgresql.dialect()
        arrays = ", ".join(f"%s::{_base_type(table, c, pg)}[]" for c in columns)
        return f"INSERT INTO {_q(table.name)} ({cols}) SELECT * FROM unnest({arrays}){conflict}"
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {_q(table.name)} ({cols}) VALUES ({marks}){conflict}"


def _column(values: tuple[Any, ...]) -> list[Any]:
    """A column as psycopg dumps it: one array type, so a column mixing Python types goes as text."""
    kinds = set(map(type, values))
    kinds.discard(_NONE)
    if len(kinds) > 1:
        return [None if v is None else str(v) for v in values]
    return list(values)


def lookup_sql(table: Table, key: Sequence[str], columns: Sequence[str]) -> str:
    """The stored digest of each batch row that exists: ``(ordinal, row_hash)`` for arrays of the key."""
    pg = postgresql.dialect()
    arrays = ", ".join(f"%s::{_base_type(table, k, pg)}[]" for k in key)
    names = ", ".join(f"k{i}" for i in range(len(key)))
    on = " AND ".join(f"t.{_q(k)} = b.k{i}" for i, k in enumerate(key))
    # a scalar subquery per key, not a join: the planner can't turn it into a hash join over a
    # growing, never-analysed table (a first sync), so each is one probe of the unique index
    return (
        f"SELECT b.ord, (SELECT t.row_hash FROM {_q(table.name)} AS t WHERE {on}) "
        f"FROM unnest({arrays}) WITH ORDINALITY AS b({names}, ord)"
    )


def pg_upsert(
    raw: Any, table: Table, columns: Sequence[str], sqls: tuple[str, str], key: Any, records: list[list[Any]]
) -> int:
    """PostgreSQL: write ``records`` (unique by key, in ``columns`` order); returns the rows written.

    One query reads the stored digest of every key of the batch; the new rows are ``COPY``-ed straight
    into the table and only the changed ones go through ``INSERT … ON CONFLICT``. Two round trips for
    a batch of new rows, one for an unchanged batch. This relies on one writer per connection's rows
    (the database allows one active sync per connection): should another transaction insert one of
    the keys between the read and the COPY, the COPY fails on the unique constraint and the unit's
    whole transaction rolls back, to be retried like any failed unit. Nothing is half-written.
    """
    upsert_stmt, lookup = sqls
    hash_at = columns.index("row_hash")
    keys = [list(k) for k in zip(*map(key, records), strict=True)]
    with raw.cursor() as cur:
        cur.execute(lookup, keys)
        stored = dict(cur.fetchall())  # 1-based ordinal -> row_hash (None: not stored)
        new = [r for i, r in enumerate(records, 1) if stored[i] is None]
        changed = [r for i, r in enumerate(records, 1) if stored[i] not in (None, r[hash_at])]
        written = 0
        if new:
            quoted = ", ".join(_q(c) for c in columns)
            with cur.copy(f"COPY {_q(table.name)} ({quoted}) FROM STDIN") as copy:
                for r in new:
                    copy.write_row(r)
            written += len(new)
        if changed:
            cur.execute(upsert_stmt, [_column(col) for col in zip(*changed, strict=True)])
            written += int(cur.rowcount)
    return written
