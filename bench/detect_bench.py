"""Benchmark of claim detection over a large synced world (not a test).

    .venv/bin/python bench/detect_bench.py [--size medium|<orders>] [--scenario messy] [--seed 3]
                                           [--db var/bench-detect.db] [--reuse]

Builds the emulator world, syncs it into a SQLite file with the real sync (``--reuse`` skips the sync
when the file already holds it), then times, in the same process and on the same file:

- the baseline: a plain full scan of the inventory ledger (``SELECT *``, every row fetched);
- detection: ``run_detection`` (contract loads, the eight rules, the claim upsert), first and re-run.

Detection reads several tables; its rate is the canonical rows it covers per second. The ratio to the
baseline's rows per second says how close detection comes to merely reading the biggest table once.
Writes ``bench/results/detect.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support (the emulator harness)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="medium")
    ap.add_argument("--scenario", default="messy")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--db", default=str(ROOT / "var" / "bench-detect.db"))
    ap.add_argument("--reuse", action="store_true", help="reuse a database synced by an earlier run")
    args = ap.parse_args()
    size: str | int = int(args.size) if str(args.size).isdigit() else args.size

    from sqlalchemy import func, select, text

    from sellersync.config import Settings
    from sellersync.detect.service import latest_sync_id, run_detection
    from sellersync.store import migrate
    from sellersync.store.engine import make_engine, make_session_factory
    from sellersync.store.models import (
        AmazonConnection,
        CustomerReturn,
        FinancialEvent,
        InboundShipmentItem,
        LedgerEvent,
        Reimbursement,
        RemovalOrder,
        RemovalShipment,
    )
    from sellersync.store.uow import UnitOfWork

    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{db}"
    sync_seconds = None
    anchor: str | None = None
    meta = db.with_suffix(".json")
    if not (args.reuse and db.exists() and meta.exists()):
        from tests.support.emulator import run_emulator
        from tests.support.sellersync import connect, make_runtime, settings_for

        db.unlink(missing_ok=True)
        migrate.upgrade(url)
        t0 = time.perf_counter()
        with run_emulator(seed=args.seed, scenario=args.scenario, size=size, speed=5000.0) as emu:
            settings = settings_for(url, emu, backfill_days=600)
            with make_runtime(settings) as rt:
                ws, conn = connect(rt, emu)
                sid = rt.jobs.start(workspace_id=ws, connection_id=conn, trigger="cli")
                status = rt.jobs.run(sid)
                if status not in ("completed", "partial"):
                    raise SystemExit(f"sync ended {status}")
            anchor = emu.world.truth()["world"]["anchor"]
        sync_seconds = time.perf_counter() - t0
        meta.write_text(json.dumps({"anchor": anchor, "sync_seconds": sync_seconds}))
    else:
        migrate.upgrade(url)
        info = json.loads(meta.read_text())
        anchor, sync_seconds = info["anchor"], info.get("sync_seconds")
    assert anchor is not None
    today = datetime.fromisoformat(anchor).date()

    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    with uow() as s:
        connection_id = int(s.scalar(select(AmazonConnection.id).order_by(AmazonConnection.id)) or 0)
        sync_id = latest_sync_id(s, connection_id) or "bench"
        counts = {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (
                LedgerEvent,
                Reimbursement,
                FinancialEvent,
                CustomerReturn,
                InboundShipmentItem,
                RemovalOrder,
                RemovalShipment,
            )
        }
    covered = sum(counts.values())

    # baseline: every ledger row read once (best of 3)
    baseline = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        with engine.connect() as c:
            n = len(c.execute(text("SELECT * FROM inventory_ledger")).fetchall())
        baseline = min(baseline, time.perf_counter() - t0)
    baseline_rate = n / baseline

    settings = Settings(database_url=url)
    runs = []
    for label in ("first", "rerun", "rerun"):
        t0 = time.perf_counter()
        result = run_detection(uow, settings, connection_id=connection_id, sync_id=sync_id, today=today)
        runs.append(
            {
                "run": label,
                "seconds": round(time.perf_counter() - t0, 4),
                "claims": result.claims_found,
                "written": result.written,
            }
        )
    best = min(r["seconds"] for r in runs[1:])
    rate = covered / best
    out = {
        "benchmark": "detect",
        "world": {"scenario": args.scenario, "seed": args.seed, "size": size, "anchor": anchor},
        "sync_seconds": round(sync_seconds, 2) if sync_seconds else None,
        "rows": counts,
        "rows_covered": covered,
        "baseline": {
            "what": "SELECT * FROM inventory_ledger",
            "rows": n,
            "seconds": round(baseline, 4),
            "rows_per_second": round(baseline_rate),
        },
        "detection": {"runs": runs, "best_seconds": best, "rows_per_second": round(rate)},
        "ratio_vs_baseline": round(rate / baseline_rate, 3),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    target = ROOT / "bench" / "results" / "detect.json"
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"detection: {covered:,} rows in {best:.3f}s = {rate:,.0f} rows/s; "
        f"baseline ledger scan: {n:,} rows in {baseline:.3f}s = {baseline_rate:,.0f} rows/s; "
        f"ratio {rate / baseline_rate:.2f}; claims {runs[-1]['claims']}"
    )
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
