"""Chaos suite (`make chaos`): kills, restarts and faults against the real emulator and real processes.

Every part syncs the same seeded emulator world (an `sellersync emulator` process) into a fresh
database of a private PostgreSQL instance (initdb into a temporary directory, on a free port, so that
restarting it disturbs nobody) and compares every canonical table with a clean sync of the same
world: row count and a digest of (natural key, content digest) per table; rows lost (in the clean
sync, not after the chaos), duplicate rows (after the chaos, not in the clean sync) and changed rows.

    (a) SIGKILL of `sellersync sync` after N units are committed (N drawn from the seed, the moment
        observed in the store, never a random sleep), resumed by the next `sellersync sync`;
    (b) SIGKILL of `sellersync serve` mid-sync; the restarted server's reaper resumes the same sync id;
    (c) restart of PostgreSQL itself (`pg_ctl restart -m fast`) mid-sync, under a running server;
    (d) the emulator at 10% 5xx, 10% 429, 5% truncated downloads, 2% FATAL reports;
    (e) 100 concurrent starts across two server processes: exactly one run and 99 x 409;
    then the pytest suites marked `chaos` (`SELLERSYNC_CHAOS=1 pytest -m chaos -s`), if any.

    .venv/bin/python bench/chaos.py [--seed 11] [--kills 20] [--starts 100] [--parts abcdef] [--size small]

Prints one table row per part and writes bench/results/chaos.json. Exit status 0 only if every part
passed. Seeds are printed: the same seed draws the same kill points (timing still varies).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support: the same server helpers the test suite uses

import httpx  # noqa: E402
from sqlalchemy import Engine, select, text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from sellersync.config import Settings  # noqa: E402
from sellersync.connections import add_connection, default_workspace  # noqa: E402
from sellersync.runtime import build_runtime  # noqa: E402
from sellersync.store import migrate  # noqa: E402
from sellersync.store.engine import make_engine  # noqa: E402
from sellersync.store.models import SyncRun  # noqa: E402
from sellersync.store.models.canonical import CANONICAL_MODELS, FinancialEvent  # noqa: E402
from sellersync.store.types import utcnow  # noqa: E402
from tests.support.sellersync import API_KEY, env_for, free_port, spawn_server  # noqa: E402

PY = sys.executable
TIMEOUT = 600.0  # any single wait; only ever reached when something is broken


@dataclass
class PartResult:
    part: str
    what: str
    seed: int
    syncs: int = 0
    kills: int = 0  # kills or restarts survived (the sync completed identical afterwards)
    faults: int = 0  # faults the emulator injected
    lost: int = 0
    duplicates: int = 0
    changed: int = 0
    window_keyed: int = 0  # fee rows keyed by their query window's end (issue 11, "keys"): same content
    answers_5xx: int = 0
    answers: int = 0
    seconds: float = 0.0
    ok: bool = True
    notes: list[str] = field(default_factory=list)


# --- infrastructure ---------------------------------------------------------------------------------


def wait_for(what: str, check: Callable[[], Any], timeout: float = TIMEOUT, every: float = 0.05) -> Any:
    """Poll ``check`` until it returns something truthy (an observed state); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(every)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary directory, run as the postgres OS user if we are root."""

    def __init__(self, root: Path) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(bins[-1]).parent
        self.dir = root / "pg"
        self.data = self.dir / "data"
        self.port = free_port()
        self.dir.mkdir(parents=True)
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(root, "postgres")
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o", opts, "start")
        self.admin = make_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def _run(self, tool: str, *args: str) -> None:
        # never a pipe: the server pg_ctl starts would inherit it and hold it open
        with (self.dir / "pg_ctl.log").open("ab") as out:
            subprocess.run([*self._as, str(self.bin / tool), *args], check=True, stdout=out, stderr=out)

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def create(self, db: str) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        return self.url(db)

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-m", "fast", "restart")

    def stop(self) -> None:
        self.admin.dispose()
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")


class Emulator:
    """`sellersync emulator` as its own process."""

    def __init__(self, seed: int, size: str, speed: float, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        cmd = [PY, "-m", "sellersync.cli", "emulator", "--port", str(self.port), "--seed", str(seed)]
        cmd += ["--size", size, "--speed", str(speed)]
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)
        self.world: dict[str, Any] = wait_for("the emulator", self._world, timeout=180, every=0.2)

    def _world(self) -> dict[str, Any] | None:
        if self.proc.poll() is not None:
            raise RuntimeError("the emulator exited")
        try:
            res = httpx.get(self.base + "/_emulator/world", timeout=5)
        except httpx.HTTPError:
            return None
        return res.json() if res.status_code == 200 else None

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        res = httpx.request(method, f"{self.base}/_emulator/{path}", json=body, timeout=30)
        res.raise_for_status()
        return res.json()

    def faults_injected(self) -> int:
        """5xx and 429 answers, truncated documents and FATAL reports the emulator produced so far."""
        stats = self.admin("GET", "stats")
        n = sum(op.get("errors", 0) + op.get("throttled", 0) for op in stats["operations"].values())
        counters = stats.get("counters", {})
        return n + sum(v for k, v in counters.items() if "truncat" in k or "fatal" in k.lower())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self._log.close()


class Lab:
    """The emulator, the database server and the settings every sellersync process gets."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.pg = PrivatePostgres(work)
        self.emu = Emulator(args.seed, args.size, args.speed, work / "emulator.log")
        self._clean: dict[str, dict[tuple[str, ...], tuple[str, tuple[str, ...]]]] | None = None

    def settings(self, url: str, **extra: Any) -> Settings:
        w = self.emu.world
        values: dict[str, Any] = {
            "database_url": url,
            "spapi_endpoint": self.emu.base,
            "lwa_endpoint": self.emu.base + "/auth/o2/token",
            "lwa_client_id": w["client_id"],
            "lwa_client_secret": w["client_secret"],
            "secret_key": "chaos-secret-key",
            "api_key": API_KEY,
            "backfill_days": self.args.backfill_days,
            "report_poll_initial_seconds": 0.05,
            "report_fatal_backoff_seconds": 0.05,
            "retry_backoff_seconds": 0.05,
            "max_retries": 8,
            "lease_seconds": 2.0,
            "reaper_interval_seconds": 0.5,
            "detect_after_sync": False,
        }
        values.update(extra)
        return Settings(**values)

    def fresh_store(self, name: str, **extra: Any) -> tuple[Settings, int, Engine]:
        """A new migrated database with the emulator's seller connected; (settings, connection, engine)."""
        url = self.pg.create(name)
        migrate.upgrade(url)
        settings = self.settings(url, **extra)
        rt = build_runtime(settings)
        w = self.emu.world
        with rt.uow() as s:
            ws = default_workspace(s)
            conn = add_connection(
                s,
                rt.box,
                workspace_id=ws.id,
                selling_partner_id=w["seller_id"],
                region=w["region"],
                refresh_token=w["refresh_token"],
            ).id
        rt.close()
        return settings, conn, make_engine(url)

    def sync_cmd(self, conn: int) -> list[str]:
        return [PY, "-m", "sellersync.cli", "sync", "--connection", str(conn)]

    def clean(self) -> dict[str, dict[tuple[str, ...], tuple[str, tuple[str, ...]]]]:
        """The reference: one uninterrupted sync of the world, without faults."""
        if self._clean is None:
            settings, conn, engine = self.fresh_store("chaos_clean")
            with (self.work / "clean.log").open("wb") as log:
                subprocess.run(self.sync_cmd(conn), env=env_for(settings), stdout=log, stderr=log, check=True)
            self._clean = snapshot(engine)
            engine.dispose()
        return self._clean


# --- observing and comparing the store ------------------------------------------------------------------


def db_value(engine: Engine, sql: str, **params: Any) -> Any:
    """One value from the store, or None while the database is unreachable (it may be restarting)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    except OperationalError:
        return None


def done_units(engine: Engine, sync_id: str) -> int:
    sql = "SELECT count(*) FROM sync_units WHERE sync_id = :s AND status = 'done'"
    return int(db_value(engine, sql, s=sync_id) or 0)


def only_run(engine: Engine) -> str | None:
    return db_value(engine, "SELECT min(id) FROM sync_runs")


def lease_lapsed(engine: Engine, sync_id: str) -> bool:
    with engine.connect() as conn:
        status, expires = conn.execute(
            select(SyncRun.status, SyncRun.lease_expires_at).where(SyncRun.id == sync_id)
        ).one()
    return bool(status != "running" or expires is None or expires < utcnow())


def run_status(engine: Engine, sync_id: str) -> str | None:
    return db_value(engine, "SELECT status FROM sync_runs WHERE id = :s", s=sync_id)


Snapshot = dict[str, dict[tuple[str, ...], tuple[str, tuple[str, ...]]]]
SKIP = {"id", "sync_id", "updated_at", "row_hash"}


def snapshot(engine: Engine) -> Snapshot:
    """Per canonical table: natural key -> (content digest, the other columns as text)."""
    out: Snapshot = {}
    with engine.connect() as conn:
        for model in CANONICAL_MODELS:
            table = model.__table__
            keys = [table.c[k] for k in model.__natural_key__ if k != "connection_id"]
            rest = [c for c in table.c if c.name not in SKIP and c.name not in model.__natural_key__]
            rows = {}
            for row in conn.execute(select(*keys, table.c.row_hash, *rest)):
                key = tuple(str(x) for x in row[: len(keys)])
                rows[key] = (str(row[len(keys)]), tuple(str(x) for x in row[len(keys) + 1 :]))
            out[table.name] = rows
    return out


def digest(rows: dict[tuple[str, ...], tuple[str, tuple[str, ...]]]) -> str:
    h = hashlib.sha256()
    for key in sorted(rows):
        h.update(repr((key, rows[key][0])).encode())
    return h.hexdigest()[:12]


def compare(clean: Snapshot, got: Snapshot, result: PartResult) -> None:
    """Add rows lost, duplicated and changed (and fee rows keyed by their window) to the part's result."""
    fee_cols = [
        c.name for c in FinancialEvent.__table__.c if c.name not in SKIP | {"connection_id", "row_key"}
    ]
    posted = fee_cols.index("posted_date")
    for table, want in clean.items():
        have = got[table]
        if digest(want) == digest(have):
            continue
        lost = {k: want[k] for k in want.keys() - have.keys()}
        extra = {k: have[k] for k in have.keys() - want.keys()}
        if table == FinancialEvent.__tablename__:
            # A ServiceFeeEvent has no PostedDate: it takes its query window's end, which moves with
            # the time a sync is planned. Pair such rows by everything but that date.
            def sig(v: tuple[str, tuple[str, ...]]) -> tuple[str, ...]:
                return v[1][:posted] + v[1][posted + 1 :]

            fees_lost = Counter(sig(v) for v in lost.values() if v[1][0] == "ServiceFeeEventList")
            fees_extra = Counter(sig(v) for v in extra.values() if v[1][0] == "ServiceFeeEventList")
            paired = sum((fees_lost & fees_extra).values())
            result.window_keyed += paired
            result.lost += len(lost) - paired
            result.duplicates += len(extra) - paired
        else:
            result.lost += len(lost)
            result.duplicates += len(extra)
        result.changed += sum(1 for k in want.keys() & have.keys() if want[k][0] != have[k][0])
        result.notes.append(f"{table}: clean {len(want)} rows {digest(want)}, got {len(have)} {digest(have)}")


def check_store(lab: Lab, engine: Engine, result: PartResult, label: str) -> None:
    """One sync id, completed; the canonical tables equal to the clean sync's."""
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT id, status, attempt, handbacks FROM sync_runs")).all()
        units = conn.execute(text("SELECT count(*) FROM sync_units")).scalar()
    if len(runs) != 1 or runs[0][1] != "completed":
        result.ok = False
        result.notes.append(f"{label}: runs {[tuple(r) for r in runs]}")
    else:
        result.notes.append(f"{label}: {units} units, attempt {runs[0][2]}, hand-backs {runs[0][3]}")
    compare(lab.clean(), snapshot(engine), result)
    result.syncs += 1


# --- the parts ----------------------------------------------------------------------------------------


def kill_points(rng: random.Random, units: int, n: int) -> list[int]:
    """``n`` increasing numbers of committed units after which to kill (repeats allowed if few units)."""
    return sorted(rng.randint(1, max(1, units - 1)) for _ in range(n))


def planned_units(engine: Engine, sync_id: str) -> int:
    return int(db_value(engine, "SELECT count(*) FROM sync_units WHERE sync_id = :s", s=sync_id) or 0)


def rounds(result: PartResult, wanted: int, one_round: Callable[[int, int], None]) -> None:
    """Fresh syncs, each killed up to ``--kills-per-sync`` times, until ``wanted`` kills are done."""
    round_no = 0
    while result.kills < wanted:
        round_no += 1
        before = result.kills
        one_round(round_no, wanted - result.kills)
        if result.kills == before:
            raise RuntimeError(f"round {round_no} ended before any kill: sync more history")


def sync_kill_round(lab: Lab, result: PartResult, rng: random.Random, round_no: int, n: int) -> None:
    """(a) SIGKILL `sellersync sync` after N committed units; the next `sellersync sync` resumes it."""
    settings, conn, engine = lab.fresh_store(f"chaos_a{round_no}")
    env, log = env_for(settings), (lab.work / f"a{round_no}.log").open("ab")

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(lab.sync_cmd(conn), env=env, stdout=log, stderr=subprocess.STDOUT)

    proc = start()
    sync_id: str = wait_for("a run", lambda: only_run(engine))
    units: int = wait_for("a plan", lambda: planned_units(engine, sync_id))
    for point in kill_points(rng, units, min(n, lab.args.kills_per_sync)):
        if proc.poll() is not None:  # killed: a new process resumes the run once its lease lapsed
            wait_for("the dead worker's lease to lapse", lambda: lease_lapsed(engine, sync_id))
            proc = start()
        target = max(point, done_units(engine, sync_id) + 1)  # at least one unit by this process
        if target > units - 1:
            break
        live = proc
        wait_for(f"{target} units", lambda: done_units(engine, sync_id) >= target or live.poll() is not None)  # noqa: B023
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        result.kills += 1
    if proc.poll() is not None:
        wait_for("the dead worker's lease to lapse", lambda: lease_lapsed(engine, sync_id))
        proc = start()
    proc.wait(timeout=TIMEOUT)
    log.close()
    check_store(lab, engine, result, f"a{round_no}")
    engine.dispose()


def _status(client: httpx.Client, sync_id: str, result: PartResult) -> dict[str, Any] | None:
    try:
        res = client.get(f"/api/sync/status/{sync_id}")
    except httpx.HTTPError:
        return None
    result.answers += 1
    if res.status_code >= 500:
        result.answers_5xx += 1
        return None
    body: dict[str, Any] = res.json()
    return body


def _done(body: dict[str, Any] | None) -> int:
    return sum(1 for u in (body or {}).get("units", []) if u["status"] == "done")


def server_kill_round(lab: Lab, result: PartResult, rng: random.Random, round_no: int, n: int) -> None:
    """(b) SIGKILL `sellersync serve` mid-sync; the next server's reaper resumes the same sync id."""
    settings, _, engine = lab.fresh_store(f"chaos_b{round_no}")
    log = lab.work / f"b{round_no}.log"
    sync_id, units, points = "", 0, list[int]()
    while not sync_id or points:
        with spawn_server(settings, log) as server, server.client() as client:
            if not sync_id:  # the first server starts the sync; the later ones resume it (reaper)
                result.answers += 1
                sync_id = client.post("/api/sync/start").json()["syncId"]
                units = wait_for("a plan", lambda: planned_units(engine, sync_id))  # noqa: B023
                points = kill_points(rng, units, min(n, lab.args.kills_per_sync))
            body = wait_for("the sync's status", lambda: _status(client, sync_id, result))  # noqa: B023
            target = max(points.pop(0), _done(body) + 1)
            if target > units - 1:
                break

            def reached() -> bool:
                b = _status(client, sync_id, result)  # noqa: B023
                return b is not None and (_done(b) >= target or b["status"] != "running")  # noqa: B023

            wait_for(f"{target} units", reached, every=0.1)
            server.kill()
            result.kills += 1
    with spawn_server(settings, log) as server, server.client() as client:

        def ended() -> bool:
            b = _status(client, sync_id, result)
            return b is not None and b["status"] not in ("queued", "running")

        wait_for("the sync to end", ended, every=0.2)
    check_store(lab, engine, result, f"b{round_no}")
    engine.dispose()


def pg_restart_round(lab: Lab, result: PartResult, rng: random.Random, round_no: int, n: int) -> None:
    """(c) restart PostgreSQL itself mid-sync under a running server; the sync resumes and completes."""
    settings, _, engine = lab.fresh_store(f"chaos_c{round_no}")
    with spawn_server(settings, lab.work / f"c{round_no}.log") as server, server.client() as client:
        result.answers += 1
        sync_id: str = client.post("/api/sync/start").json()["syncId"]
        units: int = wait_for("a plan", lambda: planned_units(engine, sync_id))
        for point in kill_points(rng, units, min(n, lab.args.kills_per_sync)):
            target = max(point, done_units(engine, sync_id) + 1)
            if target > units - 1:
                break
            wait_for(f"{target} units", lambda: done_units(engine, sync_id) >= target)  # noqa: B023
            lab.pg.restart()
            result.kills += 1
        wait_for("the sync to end", lambda: run_status(engine, sync_id) not in (None, "queued", "running"))
        if server.process.poll() is not None:
            result.ok = False
            result.notes.append(f"c{round_no}: the server died")
        body = _status(client, sync_id, result)  # the API answers again after the restarts
        result.notes.append(f"c{round_no}: API status {body and body['status']}")
    check_store(lab, engine, result, f"c{round_no}")
    engine.dispose()


def part_faults(lab: Lab, result: PartResult) -> None:
    """(d) 10% 5xx, 10% 429, 5% truncated downloads, 2% FATAL: the same rows as a clean sync."""
    lab.clean()
    settings, conn, engine = lab.fresh_store("chaos_d")
    before = lab.emu.faults_injected()
    lab.emu.admin(
        "POST",
        "faults",
        {
            "reset": True,
            "error_5xx_rate": 0.10,
            "throttle_rate": 0.10,
            "truncate_documents_rate": 0.05,
            "fatal_reports_rate": 0.02,
        },
    )
    try:
        with (lab.work / "d.log").open("wb") as log:
            done = subprocess.run(
                lab.sync_cmd(conn), env=env_for(settings), stdout=log, stderr=log, timeout=TIMEOUT
            )
    finally:
        lab.emu.admin("POST", "faults", {"reset": True})
    result.faults = lab.emu.faults_injected() - before
    if done.returncode != 0:
        result.ok = False
        result.notes.append(f"d: sellersync sync exited {done.returncode}")
    with engine.connect() as c:
        api = c.execute(text("SELECT stats FROM sync_runs")).scalar()
    retries = sum(op.get("retries", 0) for op in ((api or {}).get("api") or {}).values())
    result.notes.append(f"d: {retries} retries by the client")
    check_store(lab, engine, result, "d")
    engine.dispose()


def part_concurrent_starts(lab: Lab, result: PartResult, starts: int) -> None:
    """(e) ``starts`` simultaneous POST /api/sync/start across two server processes."""
    settings, _, engine = lab.fresh_store("chaos_e")
    with (
        spawn_server(settings, lab.work / "e1.log") as one,
        spawn_server(settings, lab.work / "e2.log") as two,
        one.client() as c1,
        two.client() as c2,
        ThreadPoolExecutor(starts) as pool,
    ):
        clients = [c1, c2]
        answers = list(pool.map(lambda i: clients[i % 2].post("/api/sync/start"), range(starts)))
        codes = Counter(a.status_code for a in answers)
        result.answers += len(answers)
        result.answers_5xx += sum(n for code, n in codes.items() if code >= 500)
        winners = {a.json()["syncId"] for a in answers if a.status_code == 202}
        losers = {a.json().get("syncId") for a in answers if a.status_code == 409}
        runs = int(db_value(engine, "SELECT count(*) FROM sync_runs") or 0)
        result.notes.append(f"e: answers {dict(sorted(codes.items()))}, runs {runs}")
        if codes != Counter({202: 1, 409: starts - 1}) or runs != 1 or losers != winners:
            result.ok = False
        for sync_id in winners:  # no need to finish it: stop it
            c1.post(f"/api/sync/cancel/{sync_id}")
            wait_for("the cancel", lambda: run_status(engine, sync_id) not in ("queued", "running"))  # noqa: B023
    result.syncs = runs
    engine.dispose()


def part_pytest_chaos(result: PartResult) -> None:
    """(f) the generated-document and schema suites other parts of the project mark ``chaos``."""
    env = dict(os.environ, SELLERSYNC_CHAOS="1")
    cmd = [PY, "-m", "pytest", "-m", "chaos", "-s", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(cmd, cwd=ROOT, env=env)
    if done.returncode == 5:
        result.notes.append("f: no test is marked chaos")
    elif done.returncode != 0:
        result.ok = False
        result.notes.append(f"f: pytest -m chaos exited {done.returncode}")


# --- the table ----------------------------------------------------------------------------------------

HEADER = (
    "| part | seed | syncs | kills/restarts survived | faults injected | rows lost | duplicate rows "
    "| changed rows | fee rows keyed by window | 5xx answers | seconds | result |"
)


def row(r: PartResult) -> str:
    return (
        f"| {r.part} {r.what} | {r.seed} | {r.syncs} | {r.kills} | {r.faults} | {r.lost} | {r.duplicates} "
        f"| {r.changed} | {r.window_keyed} | {r.answers_5xx} of {r.answers} | {r.seconds:.0f} "
        f"| {'pass' if r.ok and not (r.lost or r.duplicates or r.changed or r.answers_5xx) else 'FAIL'} |"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=11, help="draws the world, the faults and the kill points")
    p.add_argument("--kills", type=int, default=20, help="kills (and database restarts) per part a, b, c")
    p.add_argument("--kills-per-sync", type=int, default=10, help="kills within one sync before a new one")
    p.add_argument("--starts", type=int, default=100, help="concurrent starts in part e")
    p.add_argument("--parts", default="abcdef", help="which parts to run (c restarts PostgreSQL: last)")
    p.add_argument("--size", default="small", help="emulator world size")
    p.add_argument("--speed", type=float, default=300.0, help="emulator speed (rate limits x, report time /)")
    p.add_argument("--backfill-days", type=int, default=600, help="history of each first sync")
    p.add_argument("--json", default=str(ROOT / "bench" / "results" / "chaos.json"))
    args = p.parse_args()

    results: list[PartResult] = []
    master = random.Random(args.seed)
    seeds = {part: master.randrange(1, 10**6) for part in "abcdef"}
    print(f"chaos: seed {args.seed} (parts {seeds}), world size {args.size}, speed {args.speed}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="sellersync-chaos-"))
    lab = None
    try:
        if any(x in args.parts for x in "abcde"):
            lab = Lab(args, work)
        plan: list[tuple[str, str, Callable[[PartResult], None]]] = []
        if lab is not None:
            lab_ = lab
            rng = {part: random.Random(seed) for part, seed in seeds.items()}
            kill: dict[str, tuple[str, Callable[..., None]]] = {
                "a": ("SIGKILL sellersync sync", sync_kill_round),
                "b": ("SIGKILL sellersync serve", server_kill_round),
                "c": ("restart PostgreSQL", pg_restart_round),
            }

            def killer(part: str) -> Callable[[PartResult], None]:
                one = kill[part][1]
                return lambda r: rounds(r, args.kills, lambda no, n: one(lab_, r, rng[part], no, n))

            what_e = f"{args.starts} concurrent starts, 2 servers"
            what_d = "faults 10% 5xx, 10% 429, 5% truncated, 2% FATAL"
            for part in "eabdc":  # c (database restarts) last
                if part not in args.parts:
                    continue
                if part == "e":
                    plan.append(("e", what_e, lambda r: part_concurrent_starts(lab_, r, args.starts)))
                elif part == "d":
                    plan.append(("d", what_d, lambda r: part_faults(lab_, r)))
                else:
                    plan.append((part, kill[part][0], killer(part)))
        if "f" in args.parts:
            plan.append(("f", "pytest -m chaos", part_pytest_chaos))
        for part, what, run in plan:
            r = PartResult(part, what, seeds[part])
            started = time.monotonic()
            print(f"-- part {part}: {what}", flush=True)
            try:
                run(r)
            except Exception as exc:  # a part that breaks is a failed part, and the others still run
                r.ok = False
                r.notes.append(f"{type(exc).__name__}: {exc}")
            r.seconds = time.monotonic() - started
            results.append(r)
            print(row(r), *(f"   {n}" for n in r.notes), sep="\n", flush=True)
    finally:
        if lab is not None:
            lab.emu.stop()
            lab.pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("\n" + HEADER + "\n" + "|---" * 12 + "|")
    for r in results:
        print(row(r))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(
        json.dumps({"args": vars(args), "seeds": seeds, "parts": [asdict(r) for r in results]}, indent=2)
        + "\n"
    )
    return 0 if all("| pass |" in row(r) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
