"""Faults, revoked authorizations, EU formats and crashes: the store still ends identical to the world."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sellersync.store import migrate
from sellersync.store.models import AmazonConnection, FinancialEvent, SyncRun, SyncUnit
from sellersync.store.uow import UnitOfWork
from tests.support.sellersync import connect, env_for, make_runtime
from tests.support.sqlite_lock import hold_write_lock, sqlite_path, wait_for_a_done_unit
from tests.support.waits import committed_units, wait_for_lease_lapse, wait_until
from tests.sync.conftest import SyncEnv
from tests.sync.test_sync_emulator import assert_matches_world, snapshot


@pytest.mark.slow
@pytest.mark.parametrize("sync_env", [{"seed": 5}], indirect=True)
def test_injected_faults_end_identical(sync_env: SyncEnv) -> None:
    sync_env.emu.set_faults(
        error_5xx_rate=0.05,
        throttle_bursts={"*": 2},
        truncate_documents_rate=0.2,
        fatal_reports_rate=0.15,
    )
    sync_id, status = sync_env.sync()
    with sync_env.runtime.uow() as s:
        assert status == "completed", s.get_one(SyncRun, sync_id).error
    stats = sync_env.emu.stats()
    assert stats  # the emulator really answered with faults
    assert_matches_world(sync_env)
    with sync_env.runtime.uow() as s:
        api = s.get_one(SyncRun, sync_id).stats["api"]
    assert sum(op["retries"] for op in api.values()) > 0  # faults were met and retried, not ignored


def comparable(s: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every canonical row (natural key and content digest); financial rows by content.

    A ServiceFeeEvent has no PostedDate and takes its query window's end, which moves with the time a
    sync is planned (its own defect of issue 11, "keys"): its date is left out, everything else counts.
    """
    out = snapshot(s)
    skip = {"id", "sync_id", "updated_at", "row_hash", "row_key", "connection_id"}
    cols = [c for c in FinancialEvent.__table__.c if c.name not in skip]
    rows = []
    for row in s.execute(select(*cols)):
        values = dict(zip((c.name for c in cols), row, strict=True))
        if values["event_list"] == "ServiceFeeEventList":
            values["posted_date"] = None
        rows.append(tuple(str(values[c.name]) for c in cols))
    out[FinancialEvent.__tablename__] = sorted(rows)
    return out


@pytest.mark.parametrize("sync_env", [{"seed": 5}], indirect=True)
def test_the_chaos_fault_mix_stores_the_rows_of_a_clean_sync(sync_env: SyncEnv, tmp_path: Path) -> None:
    """10% 5xx, 10% 429, 5% truncated downloads, 2% FATAL (`make chaos` part d, once): the same rows,
    financial rows included, as a sync of the same world without faults into another database."""
    sync_env.emu.set_faults(
        error_5xx_rate=0.10, throttle_rate=0.10, truncate_documents_rate=0.05, fatal_reports_rate=0.02
    )
    sync_id, status = sync_env.sync()
    ops = sync_env.emu.stats()["operations"].values()
    sync_env.emu.clear_faults()
    with sync_env.runtime.uow() as s:
        assert status == "completed", s.get_one(SyncRun, sync_id).error
        faulty = comparable(s)
    assert sum(op["errors"] for op in ops) > 0 and sum(op["throttled"] for op in ops) > 0
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    migrate.upgrade(clean_url)
    with make_runtime(sync_env.settings.model_copy(update={"database_url": clean_url})) as rt:
        ws, conn = connect(rt, sync_env.emu)
        clean_id = rt.jobs.start(workspace_id=ws, connection_id=conn, trigger="cli")
        assert rt.jobs.run(clean_id) == "completed"
        with rt.uow() as s:
            clean = comparable(s)
    assert {t: len(rows) for t, rows in faulty.items()} == {t: len(rows) for t, rows in clean.items()}
    assert faulty == clean


@pytest.mark.parametrize("sync_env", [{"region": "EU", "seed": 3}], indirect=True)
def test_eu_marketplaces_parse_correctly(sync_env: SyncEnv) -> None:
    _, status = sync_env.sync()
    assert status == "completed"
    assert_matches_world(sync_env)


def test_revoked_authorization_fails_clearly_and_asks_to_reconnect(sync_env: SyncEnv) -> None:
    sync_env.emu.admin("POST", "revoke")
    sync_id, status = sync_env.sync()
    assert status == "failed"
    with sync_env.runtime.uow() as s:
        run = s.get_one(SyncRun, sync_id)
        assert run.error is not None and "reconnect" in run.error
        assert s.get_one(AmazonConnection, sync_env.connection_id).status == "reconnect_required"


@pytest.mark.slow
@pytest.mark.parametrize("sync_env", [{"speed": 500.0}], indirect=True)
def test_cancel_keeps_committed_units_and_next_sync_completes(sync_env: SyncEnv) -> None:
    from threading import Thread

    sync_id = sync_env.runtime.jobs.start(workspace_id=sync_env.workspace_id, trigger="cli")
    result: list[str | None] = []
    worker = Thread(target=lambda: result.append(sync_env.runtime.jobs.run(sync_id)))
    worker.start()
    wait_for_a_done_unit(sync_env.runtime, sync_id)  # cancel once some units are committed
    assert sync_env.runtime.jobs.cancel(sync_id) in ("running", "cancelled")
    worker.join(timeout=30)
    assert result == ["cancelled"]
    with sync_env.runtime.uow() as s:
        assert s.get_one(SyncRun, sync_id).status == "cancelled"
        done = s.scalars(select(SyncUnit).where(SyncUnit.sync_id == sync_id, SyncUnit.status == "done")).all()
        assert done
    _, status = sync_env.sync()
    assert status == "completed"
    assert_matches_world(sync_env)


#: Each run draws its kill points from a new seed, printed and put in every failure message;
#: ``SELLERSYNC_TEST_KILL_SEED=<seed>`` replays that very sequence of kill points.
KILL_SEED = int(os.environ.get("SELLERSYNC_TEST_KILL_SEED") or random.SystemRandom().randrange(2**32))


def _kill_point(
    uow: UnitOfWork, proc: subprocess.Popen[bytes], attempt: int, before: int, more: int, seed: int
) -> Callable[[], str | None]:
    """The run's id once the ``attempt``-th process has claimed it and committed ``more`` units after
    ``before``."""

    def reached() -> str | None:
        assert proc.poll() is None, f"seed {seed}: attempt {attempt} ended before its kill point"
        with uow() as s:
            run = s.scalars(select(SyncRun)).one_or_none()
            # the n-th claim of the run: a takeover counts either as a failed attempt or a hand-back
            if run is None or run.attempt + run.handbacks < attempt:
                return None  # not claimed yet
            total = s.scalar(select(func.count()).where(SyncUnit.sync_id == run.id)) or 0
        if not total:
            return None  # not planned yet
        target = before + min(more, max(0, total - before - 2))  # never the last units
        return run.id if committed_units(uow, run.id) >= target else None

    return reached


@pytest.mark.slow
@pytest.mark.parametrize("sync_env", [{"speed": 300.0, "settings": {"lease_seconds": 1.5}}], indirect=True)
def test_sync_killed_at_random_points_resumes_to_identical_data(sync_env: SyncEnv, tmp_path: Path) -> None:
    """`sellersync sync` in a subprocess, SIGKILLed three times, then resumed to completion.

    Each kill point is drawn at random among states the test observes in the store: the attempt has
    claimed the run, then 0 to 3 more units are committed. So every process is killed after it
    claimed the run (never before it started, however loaded the machine) and at a different place
    in its work, and nothing depends on how long anything takes.
    """
    seed = KILL_SEED
    print(f"kill seed {seed} (replay: SELLERSYNC_TEST_KILL_SEED={seed})")
    rng = random.Random(seed)
    uow = sync_env.runtime.uow
    env = env_for(sync_env.settings)
    cmd = [sys.executable, "-m", "sellersync.cli", "sync", "--connection", str(sync_env.connection_id)]
    out = tmp_path / "sync.log"
    kills: list[tuple[int, int]] = []  # (attempt, units committed when killed)
    with out.open("wb") as log:
        for attempt in (1, 2, 3):
            before = kills[-1][1] if kills else 0
            more = rng.randint(0, 3)
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
            kill_point = _kill_point(uow, proc, attempt, before, more, seed)
            sync_id = wait_until(kill_point, f"seed {seed}: attempt {attempt} claimed, {more} more units")
            proc.kill()
            proc.wait()
            kills.append((attempt, committed_units(uow, sync_id)))
            wait_for_lease_lapse(uow, sync_id)  # the dead worker's lease, as stored, has run out
        final = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=300)
    assert final.returncode == 0, f"seed {seed}, kills {kills}\n" + out.read_text()[-3000:]
    with uow() as s:
        runs = s.scalars(select(SyncRun)).all()
        assert len(runs) == 1  # one sync id end to end, resumed, never restarted under a new id
        # every killed process had claimed the run, so each of the three takeovers is counted: as a
        # hand-back, or as a failed attempt when the killed process died inside its first unit
        run = runs[0]
        assert run.status == "completed", (seed, kills)
        assert (run.attempt - 1) + run.handbacks == 3, (seed, kills, run.attempt, run.handbacks)
    assert_matches_world(sync_env)
    with uow() as s:
        killed = snapshot(s)
    # the same world synced again changes nothing
    _, status = sync_env.sync()
    with uow() as s:
        assert snapshot(s) == killed


@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "sync_env",
    [{"speed": 300.0, "settings": {"sqlite_busy_seconds": 0.2, "lease_seconds": 2.0}}],
    indirect=True,
)
def test_a_locked_database_hands_the_run_back_and_it_resumes_to_identical_data(sync_env: SyncEnv) -> None:
    """Another writer holds SQLite's lock for 3 s: the run stops `interrupted` (not failed), then resumes."""
    from threading import Thread

    sync_id = sync_env.runtime.jobs.start(workspace_id=sync_env.workspace_id, trigger="cli")
    result: list[str | None] = []
    worker = Thread(target=lambda: result.append(sync_env.runtime.jobs.run(sync_id)))
    worker.start()
    wait_for_a_done_unit(sync_env.runtime, sync_id)  # lock once some units are committed
    hold_write_lock(sync_env.db.url, 3.0)
    worker.join(timeout=60)
    assert result == ["interrupted"]  # handed back for resumption, not failed and not crashed
    with sync_env.runtime.uow() as s:
        assert s.get_one(SyncRun, sync_id).status == "running"
    wait_for_lease_lapse(sync_env.runtime.uow, sync_id)  # the lease it could not release lapses on its own
    assert sync_env.runtime.jobs.run(sync_id) == "completed"
    with sync_env.runtime.uow() as s:
        run = s.get_one(SyncRun, sync_id)
        assert (run.attempt, run.handbacks) == (1, 1)  # a hand-back, not a failed attempt
    assert_matches_world(sync_env)


@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "sync_env", [{"settings": {"streams": "financial_events", "batch_size": 20}}], indirect=True
)
def test_no_transaction_waits_on_amazon(sync_env: SyncEnv) -> None:
    """Every Finances page takes 3 s to answer; another writer that gives up after 2 s never has to.

    A unit reads Amazon into its spool first and opens its transaction only for the upserts, so
    SQLite's database-wide write lock is never held across a call to Amazon. (Small batches make a
    unit's first upsert come before its last page, as a big seller's window does with the default.)
    A lock held across a page would refuse the writer once per page; the 2 s a plain write
    transaction may take keeps the test true on a machine whose cores are all busy (with 1.2 s and
    0.8 s such a machine had the writer refused twice by transactions that made no call).
    """
    import sqlite3
    from threading import Event, Thread

    from sellersync.store.models import FinancialEvent

    sync_env.emu.set_faults(latency_ms=3000)
    path = sqlite_path(sync_env.db.url)
    stop, attempts, refused = Event(), [0], [0]

    def other_writer() -> None:
        conn = sqlite3.connect(path, timeout=2.0, isolation_level=None)
        while not stop.is_set():
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            except sqlite3.OperationalError:
                refused[0] += 1
            attempts[0] += 1
            time.sleep(0.02)
        conn.close()

    probe = Thread(target=other_writer)
    probe.start()
    try:
        sync_id, status = sync_env.sync()
    finally:
        stop.set()
        probe.join()
    assert status == "completed"
    with sync_env.runtime.uow() as s:
        assert s.scalars(select(FinancialEvent.id).where(FinancialEvent.sync_id == sync_id)).first()
        api = s.get_one(SyncRun, sync_id).stats["api"]
    assert api["listFinancialEvents"]["calls"] >= 2  # several slow pages were read
    assert attempts[0] > 50 and refused[0] == 0, (attempts[0], refused[0])


@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "sync_env",
    [{"speed": 300.0, "settings": {"sqlite_busy_seconds": 0.2, "lease_seconds": 1.0}}],
    indirect=True,
)
def test_the_cli_resumes_a_run_the_locked_database_interrupted(sync_env: SyncEnv, tmp_path: Path) -> None:
    """`sellersync sync` meets a 3 s write lock mid-run, resumes by itself and exits 0 with the world."""
    env = env_for(sync_env.settings) | {"SELLERSYNC_RETRY_BACKOFF_SECONDS": "1.0"}
    cmd = [sys.executable, "-m", "sellersync.cli", "sync", "--connection", str(sync_env.connection_id)]
    out = tmp_path / "sync.log"
    with out.open("wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_for_a_done_unit(sync_env.runtime)  # lock once some units are committed
        hold_write_lock(sync_env.db.url, 3.0)
        assert proc.wait(timeout=300) == 0, out.read_text()[-3000:]
    assert "interrupted; resuming" in out.read_text()
    with sync_env.runtime.uow() as s:
        runs = s.scalars(select(SyncRun)).all()
        assert len(runs) == 1 and runs[0].status == "completed" and runs[0].handbacks >= 1
    assert_matches_world(sync_env)
