"""Benchmark of the canonical upsert on SQLite and PostgreSQL (not a test).

    .venv/bin/python bench/upsert_bench.py [--rows 20000] [--batch 1000] [--pg postgresql://…]

Writes the same inventory-ledger rows three ways into a fresh database of each dialect, in one run:

- the baseline: one multi-row ``INSERT … VALUES (…), (…) ON CONFLICT … RETURNING`` statement per
  batch, built with the rows inline (how ``store/upsert.py`` wrote before);
- ``upsert()`` as it is now: on SQLite one statement executed for many rows (compiled once), on
  PostgreSQL COPY into a staging table and one ``INSERT … SELECT … ON CONFLICT … RETURNING``;
- ``upsert()`` again over the same rows: nothing changed, nothing written.

Prints rows per second and the ratio to the baseline; writes ``bench/results/upsert.json``.
PostgreSQL is measured when ``--pg`` or ``SELLERSYNC_TEST_PG_URL`` names a server.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sellersync.store import migrate  # noqa: E402
from sellersync.store.engine import make_engine, make_session_factory  # noqa: E402
from sellersync.store.models import AmazonConnection, LedgerEvent, Workspace  # noqa: E402
from sellersync.store.pgcopy import on_conflict_update  # noqa: E402
from sellersync.store.types import utcnow  # noqa: E402
from sellersync.store.uow import UnitOfWork  # noqa: E402
from sellersync.store.upsert import MAX_PARAMS, _default, content_hash, upsert  # noqa: E402

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def ledger_rows(connection_id: int, n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "connection_id": connection_id,
            "marketplace_id": "ATVPDKIKX0DER",
            "row_key": f"{tag}-{i:08d}",
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
        for i in range(n)
    ]


def baseline(s: Any, rows: list[dict[str, Any]], sync_id: str, batch: int) -> int:
    """The former implementation: rows inlined into one multi-VALUES statement per chunk."""
    table = LedgerEvent.__table__
    key = LedgerEvent.__natural_key__
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    written = 0
    for start in range(0, len(rows), batch):
        records = []
        for r in rows[start : start + batch]:
            rec = dict(r)
            rec["row_hash"] = content_hash(rec)
            rec["sync_id"], rec["updated_at"] = sync_id, utcnow()
            records.append(rec)
        columns = sorted({c for r in records for c in r})
        for r in records:
            for c in columns:
                r.setdefault(c, _default(table, c))
        chunk = max(1, MAX_PARAMS // len(columns))
        for i in range(0, len(records), chunk):
            stmt = on_conflict_update(insert(table).values(records[i : i + chunk]), table, key, columns)
            written += len(s.execute(stmt.returning(table.c.id)).all())
    return written


def measure(url: str, n: int, batch: int) -> dict[str, Any]:
    migrate.upgrade(url)
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    with uow() as s:
        ws = Workspace(name="bench")
        s.add(ws)
        s.flush()
        seller = f"B{uuid.uuid4().hex[:8]}"
        conn = AmazonConnection(workspace_id=ws.id, selling_partner_id=seller, region="NA")
        s.add(conn)
        s.flush()
        cid = conn.id

    def timed(fn: Any) -> tuple[float, int]:
        t = time.perf_counter()
        with uow() as s:
            written = fn(s)
        return time.perf_counter() - t, written

    def now(rows: list[dict[str, Any]]) -> Any:
        def run(s: Any) -> int:
            return sum(
                upsert(s, LedgerEvent, rows[i : i + batch], sync_id="bench").written
                for i in range(0, len(rows), batch)
            )

        return run

    base_rows, new_rows = ledger_rows(cid, n, "base"), ledger_rows(cid, n, "new")
    base_s, base_w = timed(lambda s: baseline(s, base_rows, "bench", batch))
    new_s, new_w = timed(now(new_rows))
    again_s, again_w = timed(now(new_rows))
    engine.dispose()
    assert base_w == new_w == n and again_w == 0, (base_w, new_w, again_w)
    return {
        "dialect": make_engine(url).dialect.name,
        "rows": n,
        "baseline_rows_per_s": round(n / base_s),
        "upsert_rows_per_s": round(n / new_s),
        "rerun_rows_per_s": round(n / again_s),
        "ratio": round(base_s / new_s, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--pg", default=os.environ.get("SELLERSYNC_TEST_PG_URL", ""))
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure(f"sqlite:///{tmp}/bench.db", args.rows, args.batch))
    if args.pg:
        admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"sellersync_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            results.append(measure(args.pg.rsplit("/", 1)[0] + "/" + name, args.rows, args.batch))
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    for r in results:
        print(
            f"{r['dialect']:>10}: baseline {r['baseline_rows_per_s']:>7,} rows/s · upsert "
            f"{r['upsert_rows_per_s']:>7,} rows/s ({r['ratio']}x) · unchanged re-run "
            f"{r['rerun_rows_per_s']:>7,} rows/s"
        )
    out = ROOT / "bench" / "results" / "upsert.json"
    out.write_text(
        json.dumps(
            {"when": datetime.now(UTC).isoformat(), "machine": platform.platform(), "results": results},
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
