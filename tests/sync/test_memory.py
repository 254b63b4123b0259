"""Bounded memory: a sync streams report documents, so its peak does not grow with report size.

The emulator runs in its own process so that only the sync's allocations are traced.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from sellersync.emulator.lwa import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from sellersync.store.models import LedgerEvent
from tests.conftest import CopyDatabase
from tests.support.emulator import RunningEmulator, seeded_world
from tests.support.sellersync import connect, free_port, make_runtime, settings_for


@contextmanager
def emulator_process(size: str, log: Path) -> Iterator[RunningEmulator]:
    port = free_port()
    cmd = [sys.executable, "-m", "sellersync.emulator", "--port", str(port), "--seed", "2", "--size", size]
    cmd += ["--speed", "5000"]  # default log level (info), as the README starts it
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/_emulator/world", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        # the same seeded world in this process, for its metadata only (seller id, refresh token)
        world = seeded_world(seed=2, size=int(size) if size.isdigit() else size)
        yield RunningEmulator(base, world, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, app=None)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _ledger_sync_peak(size: str, tmp_path: Path, migrated_sqlite: CopyDatabase) -> tuple[int, int]:
    """(peak traced bytes during the sync, ledger rows stored)."""
    db_url = migrated_sqlite(tmp_path / f"{size}.db")
    with emulator_process(size, tmp_path / f"emu-{size}.log") as emu:
        settings = settings_for(db_url, emu, backfill_days=600, streams="inventory_ledger", batch_size=500)
        with make_runtime(settings) as rt:
            ws, conn = connect(rt, emu)
            sync_id = rt.jobs.start(workspace_id=ws, connection_id=conn)
            tracemalloc.start()
            try:
                assert rt.jobs.run(sync_id) == "completed"
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            with rt.uow() as s:
                rows = int(s.scalar(select(func.count()).select_from(LedgerEvent)) or 0)
    return peak, rows


@pytest.mark.slow
def test_peak_memory_of_a_sync_does_not_grow_with_report_size(
    tmp_path: Path, migrated_sqlite: CopyDatabase
) -> None:
    small_peak, small_rows = _ledger_sync_peak("small", tmp_path, migrated_sqlite)
    large_peak, large_rows = _ledger_sync_peak("8000", tmp_path, migrated_sqlite)
    assert large_rows > 10 * small_rows  # the large reports really are much larger
    print(f"peak {small_peak:,} B for {small_rows:,} rows; {large_peak:,} B for {large_rows:,} rows")
    assert large_peak < 2 * small_peak, (small_peak, large_peak, small_rows, large_rows)
