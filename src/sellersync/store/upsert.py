"""Bulk idempotent upsert (``INSERT … ON CONFLICT``) for SQLite and PostgreSQL.

Rows are keyed by the model's natural key. A row whose content digest (``row_hash``) equals the
stored one is left untouched, so re-running a sync writes nothing and keeps each row's ``sync_id``
pointing at the sync that last changed it.

The digest is computed once per row from the model's content columns in a fixed (sorted) order, a
column the row leaves out counting as its default: ``sha1(repr([v1, v2, …]))``, datetimes as naive
UTC text (``2025-03-14 08:12:45.000000``, which is also what both dialects are sent) and decimals
normalised (``Decimal("1.50")`` equals ``Decimal("1.5")``). Rows become lists in column order
straight from the caller's mappings, with no per-row dict or statement object, and go to the driver
in one call per batch (``pgcopy.py`` for PostgreSQL, the driver's ``executemany`` for SQLite); the
count written comes from the database's row counts, not from fetched rows.

Upgrade note: this digest differs from the ``json.dumps(sort_keys=True)`` one used before issue 13,
so the first sync after the upgrade rewrites each row it meets once (its content is unchanged; its
``sync_id`` and ``updated_at`` move to that sync). Every later re-run writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Numeric, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sellersync.store.models.canonical import CanonicalRow
from sellersync.store.pgcopy import lookup_sql, pg_upsert, upsert_sql
from sellersync.store.types import UTCDateTime, utcnow

#: Columns that describe the write, not the row: excluded from the content digest.
BOOKKEEPING = frozenset({"id", "sync_id", "row_hash", "updated_at"})
#: Appended after the content columns, in this order.
TRAILER = ("row_hash", "sync_id", "updated_at")


class _Absent:
    """The stand-in for a column a row left out that has no scalar default to take."""

    def __init__(self, why: str) -> None:
        self.why = why

    def __repr__(self) -> str:
        return f"<absent: {self.why}>"


@dataclass(frozen=True)
class UpsertResult:
    received: int
    written: int  # inserted or changed
    merged: int  # rows of the batch that shared a natural key with a later row of the same batch


@dataclass(frozen=True)
class _Plan:
    """How one table's rows become lists in column order (computed once per table and dialect)."""

    table: Table
    columns: tuple[str, ...]  # content columns (sorted), then TRAILER
    content: tuple[str, ...]
    defaults: tuple[Any, ...]  # per content column: its scalar default, None, or an _Absent
    required: tuple[int, ...]  # positions whose default is an _Absent
    datetimes: tuple[int, ...]  # UTCDateTime positions (written as naive UTC text, _utc_text)
    numerics: tuple[int, ...]  # Numeric positions (decimals normalised in the digest)
    key: Callable[[list[Any]], Any]
    getter: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # every content column of a row, in order
    store: tuple[tuple[int, Callable[[Any], Any]], ...]  # SQLite: SQLAlchemy's bind processors
    sql: str
    lookup: str  # PostgreSQL: the stored digests of a batch's keys


_PLANS: dict[tuple[str, str], _Plan] = {}


def _default(table: Table, column: str, *, is_key: bool) -> Any:
    default = table.c[column].default
    arg = getattr(default, "arg", None)
    if callable(arg):
        return _Absent(f"{table.name}.{column} has a computed default: the rows must carry it")
    if arg is None and is_key:
        return _Absent(f"{table.name}: a row has no value for key column {column!r}")
    return arg


def _plan(table: Table, key: tuple[str, ...], dialect: Any) -> _Plan:
    found = _PLANS.get((table.name, dialect.name))
    if found is not None:
        return found
    content = tuple(sorted(c.key for c in table.columns if c.key not in BOOKKEEPING))
    columns = content + TRAILER
    defaults = tuple(_default(table, c, is_key=c in key) for c in content)
    store: list[tuple[int, Callable[[Any], Any]]] = []
    if dialect.name == "sqlite":  # the exact values SQLAlchemy itself would bind (dates as text, …)
        for i, c in enumerate(columns):
            typ = table.c[c].type
            if isinstance(typ, UTCDateTime):  # already text in SQLAlchemy's format (_utc_text)
                continue
            proc = typ.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                store.append((i, proc))
    plan = _Plan(
        table=table,
        columns=columns,
        content=content,
        defaults=defaults,
        required=tuple(i for i, d in enumerate(defaults) if isinstance(d, _Absent)),
        datetimes=tuple(i for i, c in enumerate(content) if isinstance(table.c[c].type, UTCDateTime)),
        numerics=tuple(i for i, c in enumerate(content) if isinstance(table.c[c].type, Numeric)),
        key=cast(Callable[[list[Any]], Any], itemgetter(*(columns.index(k) for k in key))),
        getter=cast(Callable[[Mapping[str, Any]], tuple[Any, ...]], itemgetter(*content)),
        store=tuple(store),
        sql=upsert_sql(table, key, columns, dialect.name),
        lookup=lookup_sql(table, key, columns) if dialect.name == "postgresql" else "",
    )
    _PLANS[(table.name, dialect.name)] = plan
    return plan


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: sellersync stores UTC-aware datetimes only")
    return value.astimezone(UTC)


def _utc_text(value: datetime) -> str:
    """How a UTCDateTime value is written, on both dialects: naive UTC as ``YYYY-MM-DD HH:MM:SS.ffffff``
    (SQLAlchemy's own SQLite format, and a literal PostgreSQL reads as ``timestamp``)."""
    return _to_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def _digest(values: list[Any], numerics: tuple[int, ...]) -> str:
    """sha1 of the content values in column order; datetimes are already text, decimals normalised."""
    if numerics:
        values = values.copy()
        for i in numerics:
            v = values[i]
            if isinstance(v, Decimal):
                values[i] = format(v.normalize(), "f")
    return hashlib.sha1(repr(values).encode(), usedforsecurity=False).hexdigest()


def upsert(
    session: Session,
    model: type[CanonicalRow],
    rows: Iterable[Mapping[str, Any]],
    *,
    sync_id: str,
) -> UpsertResult:
    """Insert or update ``rows`` of ``model`` by natural key. Never commits."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    if dialect.name not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"upsert is not implemented for dialect {dialect.name!r}")
    plan = _plan(table, model.__natural_key__, dialect)
    # the loop below runs once per row of every sync: kept to C calls and local names
    getter, content, defaults, required, datetimes, numerics, key = (
        plan.getter,
        plan.content,
        plan.defaults,
        plan.required,
        plan.datetimes,
        plan.numerics,
        plan.key,
    )
    sha1 = hashlib.sha1
    tail = (sync_id, _utc_text(utcnow()))
    batch: dict[Any, list[Any]] = {}
    received = 0
    for row in rows:
        received += 1
        try:  # a normaliser's Record carries every content column: one C call
            values = list(getter(row))
        except KeyError:  # a caller that leaves columns to their defaults
            values = list(map(row.get, content, defaults))
            for i in required:
                if isinstance(values[i], _Absent):
                    raise ValueError(values[i].why) from None
        for i in datetimes:
            v = values[i]
            if v is not None:
                if v.tzinfo is not UTC:
                    v = _to_utc(v)
                values[i] = v.isoformat(" ", "microseconds")[:26]  # aware UTC: drop the "+00:00"
        if numerics:
            values.append(_digest(values, numerics))
        else:
            values.append(sha1(repr(values).encode(), usedforsecurity=False).hexdigest())
        values += tail
        batch[key(values)] = values
    if not batch:
        return UpsertResult(received, 0, 0)
    records = list(batch.values())
    for i, proc in plan.store:
        for r in records:
            r[i] = proc(r[i])
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    driver_error = dialect.loaded_dbapi.Error
    try:
        if dialect.name == "postgresql":
            written = pg_upsert(raw, plan.table, plan.columns, (plan.sql, plan.lookup), plan.key, records)
        else:
            cur = raw.cursor()
            try:
                cur.executemany(plan.sql, records)  # one statement, prepared once, executed per row
                written = cur.rowcount  # sqlite3_changes(): rows inserted or changed, never skipped ones
            finally:
                cur.close()
    except driver_error as err:
        # the driver is called directly: raise what SQLAlchemy would (IntegrityError, OperationalError
        # for a busy SQLite, …), so callers keep catching sqlalchemy.exc as before
        raise DBAPIError.instance(plan.sql, None, err, driver_error, dialect=dialect) from err
    return UpsertResult(received, written, received - len(records))
