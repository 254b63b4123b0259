"""Benchmark: peak memory (RSS) of a full first sync, at 1× and 4× the rows (not a test).

    .venv/bin/python bench/memory_bench.py [--quick] [--orders N] [--pg postgresql://…]

For each dialect (SQLite always; PostgreSQL when ``--pg`` or ``SELLERSYNC_TEST_PG_URL`` names a server)
and each size (N and 4·N orders in the emulator's seeded world, every stream, the default 18-month
backfill), in a fresh database:

1. an emulator process serves that world (``python -m sellersync.emulator --size N``, fast clock);
2. ``sellersync connections add-dev`` registers the seller;
3. ``sellersync sync --connection ID`` runs as its own process, exactly as a user runs it, and this
   script samples that process's ``VmHWM`` (peak resident set) and ``VmRSS`` from ``/proc/<pid>/status``
   every 20 ms from outside, until it exits. Detection after the sync is off: the sync alone is measured.

Targets (issue 13): peak under 200 MB, and growing less than 10% from 1× to 4×, on each dialect.
Prints the table and writes ``bench/results/memory.json``. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))
sys.path.insert(0, str(ROOT))

from _common import print_table, write_result  # noqa: E402

from sellersync.store.engine import make_engine  # noqa: E402

BIN = Path(sys.executable).parent
BUDGET_MB = 200.0
GROWTH = 1.10


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def emulator(orders: int, log: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "sellersync.emulator",
        "--port",
        str(port),
        "--seed",
        "2",
        "--size",
        str(orders),
    ]
    cmd += ["--speed", "5000", "--log-level", "warning"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                res = httpx.get(base + "/_emulator/world", timeout=5)
                res.raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the emulator did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield base, res.json()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _status(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS of a live process, in kB ({} once it has gone)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    name, value = line.split(":", 1)
                    out[name] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def one_sync(db_url: str, orders: int, tmp: Path) -> dict[str, Any]:
    with emulator(orders, tmp / f"emu-{orders}.log") as (base, world):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SELLERSYNC_")}
        env.update(
            {
                "SELLERSYNC_DATABASE_URL": db_url,
                "SELLERSYNC_SPAPI_ENDPOINT": base,
                "SELLERSYNC_LWA_ENDPOINT": base + "/auth/o2/token",
                "SELLERSYNC_LWA_CLIENT_ID": world["client_id"],
                "SELLERSYNC_LWA_CLIENT_SECRET": world["client_secret"],
                "SELLERSYNC_SECRET_KEY": "bench-secret-key",
                "SELLERSYNC_REPORT_POLL_INITIAL_SECONDS": "0.05",
                "SELLERSYNC_RETRY_BACKOFF_SECONDS": "0.05",
                "SELLERSYNC_DETECT_AFTER_SYNC": "false",
            }
        )
        added = subprocess.run(
            [str(BIN / "sellersync"), "connections", "add-dev", "--refresh-token", world["refresh_token"]],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        connection = added.stdout.strip().splitlines()[-1]
        log = tmp / f"sync-{orders}.log"
        t = time.perf_counter()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(BIN / "sellersync"), "sync", "--connection", connection],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            hwm = rss = 0
            while proc.poll() is None:
                st = _status(proc.pid)
                hwm, rss = max(hwm, st.get("VmHWM", 0)), max(rss, st.get("VmRSS", 0))
                time.sleep(0.02)
        seconds = time.perf_counter() - t
        if proc.returncode != 0:
            raise RuntimeError(f"sync exited {proc.returncode}: {log.read_text()[-3000:]}")
    engine = make_engine(db_url)
    with engine.connect() as c:
        rows = {
            t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("orders", "order_items", "inventory_ledger", "financial_events", "settlement_lines")
        }
    engine.dispose()
    return {"orders": orders, "peak_rss_mb": round(hwm / 1024, 1), "seconds": round(seconds, 1), "rows": rows}


@contextmanager
def database(dialect: str, pg: str, tmp: Path, tag: str) -> Iterator[str]:
    if dialect == "sqlite":
        yield f"sqlite:///{tmp / f'{tag}.db'}"
        return
    admin = make_engine(pg, isolation_level="AUTOCOMMIT")
    name = f"sellersync_membench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 and 8,000 orders (default 10,000 and 40,000)")
    ap.add_argument("--orders", type=int, default=None, help="orders at 1x")
    ap.add_argument("--pg", default=os.environ.get("SELLERSYNC_TEST_PG_URL", ""))
    ap.add_argument("--label", default="", help="a note stored with the result (e.g. 'before')")
    args = ap.parse_args()
    base = args.orders or (2_000 if args.quick else 10_000)
    dialects = ["sqlite"] + (["postgresql"] if args.pg else [])
    runs: dict[str, list[dict[str, Any]]] = {}
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for dialect in dialects:
            runs[dialect] = []
            for factor in (1, 4):
                with database(dialect, args.pg, tmp, f"{dialect}-{factor}") as url:
                    r = one_sync(url, base * factor, tmp)
                r["factor"] = factor
                runs[dialect].append(r)
                print(
                    f"{dialect} {factor}x ({r['orders']:,} orders): "
                    f"peak {r['peak_rss_mb']} MB, {r['seconds']} s"
                )
            one, four = runs[dialect]
            for r in (one, four):
                figures.append(
                    {
                        "figure": f"{dialect} peak RSS {r['factor']}x ({r['orders']:,} orders), MB",
                        "baseline": "MB budget",
                        "value": r["peak_rss_mb"],
                        "baseline_value": int(BUDGET_MB),
                        "ratio": round(r["peak_rss_mb"] / BUDGET_MB, 3),
                        "target": "< 1.0",
                        "met": r["peak_rss_mb"] < BUDGET_MB,
                    }
                )
            growth = four["peak_rss_mb"] / one["peak_rss_mb"]
            figures.append(
                {
                    "figure": f"{dialect} peak RSS 4x vs 1x, MB",
                    "baseline": "MB at 1x",
                    "value": four["peak_rss_mb"],
                    "baseline_value": one["peak_rss_mb"],
                    "ratio": round(growth, 3),
                    "target": f"< {GROWTH}",
                    "met": growth < GROWTH,
                }
            )
    print_table(f"memory bench: first sync at {base:,} and {4 * base:,} orders", figures)
    write_result("memory", {"args": vars(args), "runs": runs, "figures": figures}, args.label)


if __name__ == "__main__":
    main()
