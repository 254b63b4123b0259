"""Benchmark of the canonical upsert against a raw bulk load of the same rows (not a test).

    .venv/bin/python bench/upsert_bench.py [--quick] [--rows N] [--batch 1000] [--pg postgresql://…]

For each dialect, a fresh database at the head migration, the ``inventory_ledger`` table with all its
indexes, and the same generated ledger rows, in one run:

- **baseline**: PostgreSQL — a raw ``COPY inventory_ledger (…) FROM STDIN`` of the rows
  as ready tuples (psycopg ``write_row``, one COPY per chunk); SQLite — the driver's
  ``executemany("INSERT INTO inventory_ledger (…) VALUES (?, …)")`` of the same ready tuples. Neither
  computes a digest or checks for an existing row: it is the floor a bulk load can reach;
- **upsert**: ``store.upsert.upsert()`` of other rows in batches of ``--batch``, as a sync writes;

the two alternate chunk by chunk (each chunk one transaction, its commit timed) into the same table,
so contention on this shared machine and the table's growth weigh on both alike;
- **re-run**: ``upsert()`` of the same rows again, which must write nothing.

Generating the rows is not timed (they are made chunk by chunk, so a million rows fit in memory).
Prints figure, baseline, ratio and target; writes ``bench/results/upsert.json`` (machine, versions,
every figure). PostgreSQL is measured when ``--pg`` or ``SELLERSYNC_TEST_PG_URL`` names a server.
Targets (issue 13): upsert ≥ 0.5× the baseline on each dialect.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))
sys.path.insert(0, str(ROOT))

from _common import print_table, write_result  # noqa: E402

from sellersync.store import migrate  # noqa: E402
from sellersync.store.engine import make_engine, make_session_factory  # noqa: E402
from sellersync.store.models import AmazonConnection, LedgerEvent, Workspace  # noqa: E402
from sellersync.store.uow import UnitOfWork  # noqa: E402
from sellersync.store.upsert import upsert  # noqa: E402

T0 = datetime(2025, 1, 1, tzinfo=UTC)
CHUNK = 20_000  # rows generated (untimed) at a time
TARGET = 0.5


def ledger_rows(connection_id: int, start: int, stop: int) -> list[dict[str, Any]]:
    return [
        {
            "connection_id": connection_id,
            "marketplace_id": "ATVPDKIKX0DER",
            "row_key": f"{i:012d}",
            "event_date": T0 + timedelta(minutes=i),
            "fnsku": f"X00{i % 700:05d}",
            "asin": f"B0{i % 700:08d}",
            "sku": f"SKU-{i % 700}",
            "title": "A product title long enough to be realistic",
            "event_type": ("Shipments", "Adjustments", "Receipts", "CustomerReturns")[i % 4],
            "reference_id": f"REF{i}",
            "quantity": -1 if i % 4 == 0 else 1,
            "fulfillment_center": "PHX7",
            "disposition": "SELLABLE",
            "reason": "" if i % 4 else "M",
            "country": "US",
            "reconciled_quantity": 0,
            "unreconciled_quantity": 0,
        }
        for i in range(start, stop)
    ]


def _sqlite_ts(value: datetime) -> str:
    """How SQLAlchemy stores a (naive UTC) datetime in SQLite."""
    v = value.astimezone(UTC)
    return f"{v:%Y-%m-%d %H:%M:%S}.{v.microsecond:06d}"


COLUMNS = [c.key for c in LedgerEvent.__table__.columns if c.key != "id"]


def as_tuples(rows: list[dict[str, Any]], dialect: str, now: datetime) -> list[tuple[Any, ...]]:
    """The rows ready for the driver, in column order (untimed)."""
    pg = dialect == "postgresql"
    stamp = now.replace(tzinfo=None) if pg else _sqlite_ts(now)
    extra = {"sync_id": "bench", "row_hash": "0" * 40, "updated_at": stamp}
    tuples = []
    for r in rows:
        rec = {**r, **extra}
        event = rec["event_date"]
        rec["event_date"] = event.astimezone(UTC).replace(tzinfo=None) if pg else _sqlite_ts(event)
        tuples.append(tuple(rec[c] for c in COLUMNS))
    return tuples


def raw_load(s: Any, tuples: list[tuple[Any, ...]], dialect: str) -> int:
    """The baseline: the driver alone loads ready tuples into the table."""
    quoted = ", ".join(f'"{c}"' for c in COLUMNS)
    raw = s.connection().connection.dbapi_connection
    if dialect == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY inventory_ledger ({quoted}) FROM STDIN") as copy:
            for tup in tuples:
                copy.write_row(tup)
    else:
        cur = raw.cursor()
        marks = ", ".join("?" * len(COLUMNS))
        cur.executemany(f"INSERT INTO inventory_ledger ({quoted}) VALUES ({marks})", tuples)
        cur.close()
    return len(tuples)


def measure(url: str, n: int, batch: int) -> dict[str, Any]:
    migrate.upgrade(url)
    engine = make_engine(url)
    dialect = engine.dialect.name
    uow = UnitOfWork(make_session_factory(engine))
    with uow() as s:
        ws = Workspace(name="bench")
        s.add(ws)
        s.flush()
        conn = AmazonConnection(
            workspace_id=ws.id, selling_partner_id=f"B{uuid.uuid4().hex[:8]}", region="NA"
        )
        s.add(conn)
        s.flush()
        cid = conn.id

    def timed(step: Callable[[Any], int]) -> tuple[float, int]:
        t = time.perf_counter()
        with uow() as s:  # the commit is part of the cost
            written = step(s)
        return time.perf_counter() - t, written

    def upsert_all(rows: list[dict[str, Any]]) -> Callable[[Any], int]:
        return lambda s: sum(
            upsert(s, LedgerEvent, rows[i : i + batch], sync_id="bench").written
            for i in range(0, len(rows), batch)
        )

    # Chunk by chunk, each way in turn, into the same table: a neighbour's burst of CPU (the machine is
    # shared) or the table's growth then weighs on the baseline and on upsert() alike.
    now = datetime.now(UTC)
    base_s = up_s = again_s = 0.0
    up_w = again_w = 0
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        tuples = as_tuples(ledger_rows(cid, n + start, n + stop), dialect, now)  # other keys
        dt, _ = timed(lambda s, tuples=tuples: raw_load(s, tuples, dialect))
        base_s += dt
        rows = ledger_rows(cid, start, stop)
        dt, w = timed(upsert_all(rows))
        up_s, up_w = up_s + dt, up_w + w
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        dt, w = timed(upsert_all(ledger_rows(cid, start, stop)))
        again_s, again_w = again_s + dt, again_w + w
    engine.dispose()
    assert up_w == n and again_w == 0, (up_w, again_w)
    base_rate, up_rate, again_rate = n / base_s, n / up_s, n / again_s
    name = "COPY" if dialect == "postgresql" else "executemany"
    return {
        "dialect": dialect,
        "rows": n,
        "batch": batch,
        "figures": [
            {
                "figure": f"{dialect} upsert rows/s (first write)",
                "baseline": f"raw {name} rows/s",
                "value": round(up_rate),
                "baseline_value": round(base_rate),
                "ratio": round(up_rate / base_rate, 3),
                "target": f">= {TARGET}",
                "met": up_rate / base_rate >= TARGET,
            },
            {
                "figure": f"{dialect} unchanged re-run rows/s (0 written)",
                "baseline": f"raw {name} rows/s",
                "value": round(again_rate),
                "baseline_value": round(base_rate),
                "ratio": round(again_rate / base_rate, 3),
                "target": "(none)",
                "met": None,
            },
        ],
        "seconds": {"baseline": round(base_s, 3), "upsert": round(up_s, 3), "rerun": round(again_s, 3)},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="50,000 rows per dialect (the default is 1,000,000)")
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--batch", type=int, default=1000, help="rows per upsert() call (Settings.batch_size)")
    ap.add_argument("--pg", default=os.environ.get("SELLERSYNC_TEST_PG_URL", ""))
    ap.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only")
    ap.add_argument("--label", default="", help="a note stored with the result (e.g. 'before')")
    args = ap.parse_args()
    n = args.rows or (50_000 if args.quick else 1_000_000)
    results = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(measure(f"sqlite:///{tmp}/bench.db", n, args.batch))
    if args.pg:
        admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"sellersync_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            results.append(measure(args.pg.rsplit("/", 1)[0] + "/" + name, n, args.batch))
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    figures = [f for r in results for f in r["figures"]]
    print_table(f"upsert bench: {n:,} inventory-ledger rows, batches of {args.batch}", figures)
    write_result("upsert", {"args": vars(args), "rows": n, "results": results}, args.label)


if __name__ == "__main__":
    main()
