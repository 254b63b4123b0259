"""Bulk idempotent upsert (``INSERT … ON CONFLICT``) for SQLite and PostgreSQL.

Rows are keyed by the model's natural key. A row whose content digest (``row_hash``) equals the
stored one is left untouched, so re-running a sync writes nothing and keeps each row's ``sync_id``
pointing at the sync that last changed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from sellersync.store.models.canonical import CanonicalRow
from sellersync.store.pgcopy import copy_upsert, on_conflict_update
from sellersync.store.types import utcnow

#: Columns that describe the write, not the row: excluded from the content digest.
BOOKKEEPING = frozenset({"id", "sync_id", "row_hash", "updated_at"})
#: Stay well below SQLite's (32,766) and PostgreSQL's (65,535) bound-parameter limits.
MAX_PARAMS = 30_000


@dataclass(frozen=True)
class UpsertResult:
    received: int
    written: int  # inserted or changed
    merged: int  # rows of the batch that shared a natural key with a later row of the same batch


def _canon(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def content_hash(row: Mapping[str, Any]) -> str:
    """A stable digest of a row's content (bookkeeping columns excluded)."""
    payload = {k: _canon(v) for k, v in sorted(row.items()) if k not in BOOKKEEPING}
    return hashlib.sha1(
        json.dumps(payload, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()


def _default(table: Table, column: str) -> Any:
    """The column's scalar default (None without one); a computed default must be given explicitly."""
    default = table.c[column].default
    arg = getattr(default, "arg", None)
    if callable(arg):
        raise ValueError(f"{table.name}.{column} has a computed default: the rows must carry it")
    return arg


def upsert(
    session: Session,
    model: type[CanonicalRow],
    rows: Iterable[Mapping[str, Any]],
    *,
    sync_id: str,
) -> UpsertResult:
    """Insert or update ``rows`` of ``model`` by natural key. Never commits."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    key = model.__natural_key__
    now = utcnow()
    batch: dict[tuple[Any, ...], dict[str, Any]] = {}
    received = 0
    key_defaults = {k: _default(table, k) for k in key}
    for row in rows:
        received += 1
        record = dict(row)
        for k in key:  # a key column with a default (order items' line) may be left out
            if k not in record:
                if key_defaults[k] is None:
                    raise ValueError(f"{table.name}: a row has no value for key column {k!r}")
                record[k] = key_defaults[k]
        record["row_hash"] = content_hash(record)
        record["sync_id"] = sync_id
        record["updated_at"] = now
        batch[tuple(record[k] for k in key)] = record
    if not batch:
        return UpsertResult(received, 0, 0)

    records = list(batch.values())
    # Every column but the surrogate id, so both paths (and COPY) see the model's scalar defaults.
    columns = sorted(c.key for c in table.columns if c.key != "id")
    for r in records:
        for c in columns:
            if c not in r:
                r[c] = _default(table, c)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        written = copy_upsert(session, table, key, columns, records)
    elif dialect == "sqlite":
        written = _executemany_upsert(session, table, key, columns, records)
    else:
        raise NotImplementedError(f"upsert is not implemented for dialect {dialect!r}")
    return UpsertResult(received, written, received - len(records))


def _executemany_upsert(
    session: Session, table: Table, key: Sequence[str], columns: Sequence[str], records: list[dict[str, Any]]
) -> int:
    """SQLite: one statement, compiled once, executed for many rows (SQLAlchemy batches the VALUES)."""
    stmt = on_conflict_update(sqlite.insert(table), table, key, columns).returning(table.c.id)
    chunk = max(1, MAX_PARAMS // len(columns))
    written = 0
    for start in range(0, len(records), chunk):
        # RETURNING yields exactly the inserted or changed rows (rowcount does not).
        written += len(session.execute(stmt, records[start : start + chunk]).all())
    return written
