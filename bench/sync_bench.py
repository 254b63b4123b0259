"""Benchmark: a first sync with reports requested ahead vs one report at a time.

Amazon takes minutes to prepare a report; the emulator scales that time (and the rate limits) by
``--speed``. Both runs sync the same seeded world into fresh SQLite files in this run; the script
prints the ratio of their wall-clock times and writes bench/results/sync.json.

    .venv/bin/python bench/sync_bench.py [--speed 300] [--size small] [--prefetch 8]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sellersync.config import Settings
from sellersync.connections import add_connection, default_workspace
from sellersync.emulator.app import create_app
from sellersync.emulator.embedded import serve_in_thread
from sellersync.emulator.server import build
from sellersync.runtime import build_runtime
from sellersync.store import migrate
from sellersync.store.models import SyncUnit


def one_sync(base_url: str, world: object, db: Path, prefetch: int) -> dict[str, float]:
    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    settings = Settings(
        database_url=url,
        spapi_endpoint=base_url,
        lwa_endpoint=base_url + "/auth/o2/token",
        report_poll_initial_seconds=0.05,
        retry_backoff_seconds=0.05,
        report_prefetch=prefetch,
        detect_after_sync=False,
        backfill_days=600,
    )
    rt = build_runtime(settings)
    with rt.uow() as s:
        ws = default_workspace(s)
        conn = add_connection(
            s,
            rt.box,
            workspace_id=ws.id,
            selling_partner_id=world.seller_id,  # type: ignore[attr-defined]
            region=world.region,  # type: ignore[attr-defined]
            refresh_token=world.refresh_token,  # type: ignore[attr-defined]
        )
        conn_id, ws_id = conn.id, ws.id
    sync_id = rt.jobs.start(workspace_id=ws_id, connection_id=conn_id)
    started = time.perf_counter()
    status = rt.jobs.run(sync_id)
    elapsed = time.perf_counter() - started
    with rt.uow() as s:
        units = s.query(SyncUnit).filter(SyncUnit.sync_id == sync_id).count()
    rt.close()
    assert status == "completed", status
    return {"seconds": round(elapsed, 3), "units": units}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--speed", type=float, default=300.0)
    p.add_argument("--size", default="small")
    p.add_argument("--prefetch", type=int, default=8)
    args = p.parse_args()
    world = build(seed=4, scenario="typical", size=args.size)
    results = {}
    with (
        serve_in_thread(create_app(world, speed=args.speed)) as base_url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for name, prefetch in (("one_at_a_time", 0), ("requested_ahead", args.prefetch)):
            results[name] = one_sync(base_url, world, Path(tmp) / f"{name}.db", prefetch)
            print(f"{name:>16}: {results[name]['seconds']:.1f} s for {results[name]['units']} units")
    ratio = results["one_at_a_time"]["seconds"] / results["requested_ahead"]["seconds"]
    print(f"requesting reports ahead is {ratio:.2f}x faster (baseline: one report at a time, same run)")
    out = Path(__file__).parent / "results" / "sync.json"
    out.write_text(
        json.dumps({"args": vars(args), "results": results, "speedup": round(ratio, 2)}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
