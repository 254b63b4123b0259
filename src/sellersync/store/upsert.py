"""Bulk idempotent upsert (``INSERT … ON CONFLICT``) for SQLite and PostgreSQL.

Rows are keyed by the model's natural key. A row whose content digest (``row_hash``) equals the
stored one is left untouched, so re-running a sync writes nothing and keeps each row's ``sync_id``
pointing at the sync that last changed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sellersync.store.models.canonical import CanonicalRow
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
    default = table.c[column].default
    arg = getattr(default, "arg", None)
    return None if arg is None or callable(arg) else arg


def _insert_for(session: Session, table: Table) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upsert is not implemented for dialect {name!r}")


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
    columns = sorted({c for r in records for c in r})
    for r in records:  # every row of one statement must name the same columns
        for c in columns:
            if c not in r:
                r[c] = _default(table, c)
    chunk = max(1, MAX_PARAMS // len(columns))
    written = 0
    for start in range(0, len(records), chunk):
        stmt = _insert_for(session, table).values(records[start : start + chunk])
        updates = {c: stmt.excluded[c] for c in columns if c not in key and c != "id"}
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key),
            set_=updates,
            where=table.c.row_hash != stmt.excluded.row_hash,
        )
        # RETURNING yields exactly the inserted or changed rows on both dialects (rowcount does not).
        written += len(session.execute(stmt.returning(table.c.id)).all())
    return UpsertResult(received, written, received - len(records))
