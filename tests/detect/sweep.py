"""One world of the truth sweep: serve a seeded emulator world, sync it over HTTP into a fresh SQLite
database with the real sync, run detection as of the world's anchor, and compare every claim with the
emulator's truth manifest (``compare``: type, marketplace, SKU and event date identify a claim; its
quantity, currency, FNSKU, ASIN and window must equal the truth's).

Two detection runs, as a new seller would see them: first with Amazon's data alone (an
under-reimbursement may then be missed, never invented), then with the seller's unit costs and
dimensions entered (every field, amounts included). Used by ``bench/truth_sweep.py`` and by the short
form in ``tests/detect/test_truth_sweep.py``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sellersync.detect.service import run_detection
from sellersync.store import migrate
from sellersync.store.models import Claim
from tests.detect.truth import compare, open_claims, seller_products_from_world
from tests.support.emulator import run_emulator
from tests.support.sellersync import connect, make_runtime, settings_for

#: Longer than the emulator's history, so one sync sees the whole world (as tests/sync/conftest.py).
WHOLE_WORLD_DAYS = 600


@dataclass
class WorldResult:
    seed: int
    scenario: str
    size: str | int
    claims: int  # open claims detected with the seller's costs entered
    truth: int  # planted discrepancies in the manifest
    mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0


def sweep_world(
    seed: int,
    scenario: str,
    size: str | int = "small",
    region: str = "NA",
    check: Callable[[Session, int, Any], None] | None = None,
) -> WorldResult:
    """Sync one world and compare its claims with the truth; ``check(session, connection_id, world)``
    runs last, on the synced database, for a test's own assertions."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'sweep.db'}"
        migrate.upgrade(url)
        with run_emulator(seed=seed, scenario=scenario, size=size, region=region, speed=5000.0) as emu:
            manifest = emu.world.truth()
            truth = manifest["discrepancies"]
            today = datetime.fromisoformat(manifest["world"]["anchor"]).date()
            settings = settings_for(url, emu, backfill_days=WHOLE_WORLD_DAYS, detect_after_sync=False)
            with make_runtime(settings) as rt:
                ws, conn = connect(rt, emu)
                sync_id = rt.jobs.start(workspace_id=ws, connection_id=conn, trigger="cli")
                status = rt.jobs.run(sync_id)
                if status != "completed":
                    return WorldResult(seed, scenario, size, 0, len(truth), [f"SYNC {status}"])
                run_detection(rt.uow, settings, connection_id=conn, sync_id=sync_id, today=today)
                with rt.uow() as s:
                    # Amazon's data alone: an under-reimbursement needs a reference value to be seen.
                    problems = [
                        f"(no costs) {p}"
                        for p in compare(truth, open_claims(s, conn), amounts=False)
                        if not p.startswith("MISSED ('under_reimbursement'")
                    ]
                    problems += zero_amounts(s, conn, "(no costs) ")
                    seller_products_from_world(s, conn, emu.world)
                run_detection(rt.uow, settings, connection_id=conn, sync_id=sync_id, today=today)
                with rt.uow() as s:
                    claims = open_claims(s, conn)
                    problems += compare(truth, claims)
                    problems += zero_amounts(s, conn, "")
                    if check is not None:
                        check(s, conn, emu.world)
                rt_claims = len(claims)
    return WorldResult(seed, scenario, size, rt_claims, len(truth), problems, time.perf_counter() - t0)


def zero_amounts(s: Session, connection_id: int, prefix: str) -> list[str]:
    """Claims shown as 0.00 money: a claim is either valued above zero or ``needs_cost`` (no amount)."""
    claims = s.scalars(select(Claim).where(Claim.connection_id == connection_id)).all()
    return [
        f"{prefix}ZERO {c.type} {c.sku} amount={c.amount} needs_cost={c.needs_cost}"
        for c in claims
        if (c.amount is None) != c.needs_cost or (c.amount is not None and c.amount <= 0)
    ]
