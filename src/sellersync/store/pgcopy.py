"""PostgreSQL bulk upsert: COPY the rows into a temporary staging table, then one INSERT … SELECT.

Multi-row ``INSERT … VALUES`` statements cost psycopg a client-side parse of every (long, uncached)
statement, which held a PostgreSQL upsert near a thousand rows a second. COPY streams the rows in
PostgreSQL's own format instead, and the single ``INSERT … SELECT … ON CONFLICT … RETURNING`` that
follows counts exactly the rows inserted or changed (``bench/upsert_bench.py`` measures both).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, column, select, table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from sellersync.store.types import UTCDateTime

if TYPE_CHECKING:
    import psycopg

Convert = Callable[[Any], Any]


def _naive_utc(value: datetime | None) -> datetime | None:
    """What UTCDateTime stores: naive UTC (the column is ``timestamp without time zone``)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: sellersync stores UTC-aware datetimes only")
    return value.astimezone(UTC).replace(tzinfo=None)


def _converters(target: Table, columns: Sequence[str]) -> list[Convert | None]:
    return [_naive_utc if isinstance(target.c[c].type, UTCDateTime) else None for c in columns]


def copy_upsert(
    session: Session,
    target: Table,
    key: Sequence[str],
    columns: Sequence[str],
    records: list[dict[str, Any]],
) -> int:
    """Upsert ``records`` (unique by ``key``) into ``target``; returns the rows inserted or changed."""
    stage_name = f"_stage_{target.name}"
    conn = session.connection()
    # Lives until the transaction ends (commit or rollback), so a unit's batches share it.
    conn.execute(
        text(
            f'CREATE TEMP TABLE IF NOT EXISTS "{stage_name}" '
            f'(LIKE "{target.name}" INCLUDING DEFAULTS) ON COMMIT DROP'
        )
    )
    conn.execute(text(f'TRUNCATE "{stage_name}"'))
    converters = _converters(target, columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    with raw.cursor() as cur, cur.copy(f'COPY "{stage_name}" ({quoted}) FROM STDIN') as copy:
        for r in records:
            copy.write_row([r[c] if f is None else f(r[c]) for c, f in zip(columns, converters, strict=True)])
    stage = table(stage_name, *(column(c) for c in columns))
    stmt = postgresql.insert(target).from_select(list(columns), select(*(stage.c[c] for c in columns)))
    stmt = on_conflict_update(stmt, target, key, columns)
    return len(conn.execute(stmt.returning(target.c.id)).all())


def on_conflict_update(stmt: Any, target: Table, key: Sequence[str], columns: Sequence[str]) -> Any:
    """… ON CONFLICT (key) DO UPDATE every other column, only where the content digest differs."""
    updates = {c: stmt.excluded[c] for c in columns if c not in key and c != "id"}
    return stmt.on_conflict_do_update(
        index_elements=list(key), set_=updates, where=target.c.row_hash != stmt.excluded.row_hash
    )
