"""Detection against the emulator's ground truth: every planted discrepancy, right, and nothing else.

A full sync of a seeded world into a real database, then ``run_detection`` as of the world's anchor.
The first run has only Amazon's data: every plant is found with the right type, quantity and window
(amounts valued at unit cost need the seller's manufacturing cost, which Amazon's reports do not
carry). The seller then enters its product costs and dimensions, and the second run updates the same
claims in place to the right amounts. A third run changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from sellersync.detect.service import run_detection
from sellersync.store.models import AgentEvent, Claim, DetectionRun, Reimbursement, SyncEvent
from sellersync.store.upsert import upsert
from tests.detect.truth import compare, open_claims, seller_products_from_world
from tests.sync.conftest import SyncEnv

# Detection is run explicitly here (as of the world's anchor), so the chaining after the sync is off.
MANUAL = {"detect_after_sync": False}
WORLDS = [
    {"scenario": "typical", "seed": 7, "settings": MANUAL},
    {"scenario": "messy", "seed": 7, "settings": MANUAL},
    {"scenario": "messy", "seed": 11, "settings": MANUAL},
]


def _anchor(env: SyncEnv) -> datetime:
    return datetime.fromisoformat(env.emu.world.truth()["world"]["anchor"])


pytestmark = pytest.mark.slow  # every test syncs a whole emulator world, then detects


@pytest.mark.parametrize("sync_env", WORLDS, indirect=True, ids=lambda p: f"{p['scenario']}-{p['seed']}")
def test_every_planted_discrepancy_and_nothing_else(sync_env: SyncEnv) -> None:
    env = sync_env
    sync_id, status = env.sync()
    assert status == "completed"
    truth = env.emu.world.truth()["discrepancies"]
    today = _anchor(env).date()

    first = run_detection(
        env.runtime.uow, env.settings, connection_id=env.connection_id, sync_id=sync_id, today=today
    )
    with env.runtime.uow() as s:
        claims = open_claims(s, env.connection_id)
        ids = {c.claim_key: c.id for c in claims}
        # Without the seller's costs an under-reimbursement is visible only when Amazon paid the SKU in
        # full elsewhere (the reference value): it may be missed, never invented.
        problems = compare(truth, claims, amounts=False)
        assert [p for p in problems if not p.startswith("MISSED ('under_reimbursement'")] == []
        seller_products_from_world(s, env.connection_id, env.emu.world)

    second = run_detection(
        env.runtime.uow, env.settings, connection_id=env.connection_id, sync_id=sync_id, today=today
    )
    with env.runtime.uow() as s:
        claims = open_claims(s, env.connection_id)
        assert compare(truth, claims) == []
        assert {c.claim_key: c.id for c in claims if c.claim_key in ids} == ids  # updated in place
        snapshot = {c.id: (c.updated_at, c.amount, c.window_status, c.detection_run_id) for c in claims}
        assert s.scalar(select(func.count()).select_from(Claim)) == len(truth)

    third = run_detection(
        env.runtime.uow, env.settings, connection_id=env.connection_id, sync_id=sync_id, today=today
    )
    assert third.written == 0 and third.closed == 0 and third.claims_found == len(truth)
    with env.runtime.uow() as s:
        claims = open_claims(s, env.connection_id)
        assert {
            c.id: (c.updated_at, c.amount, c.window_status, c.detection_run_id) for c in claims
        } == snapshot
        runs = s.scalars(select(DetectionRun).where(DetectionRun.sync_id == sync_id)).all()
        assert [r.status for r in runs] == ["completed"] * 3
        events = s.scalars(
            select(SyncEvent).where(SyncEvent.type == "detection.completed").order_by(SyncEvent.id)
        ).all()
        assert [e.data["claims"] for e in events] == [first.claims_found, len(truth), len(truth)]
        assert events[-1].workspace_id == env.workspace_id and events[-1].sync_id == sync_id
        recoverable: dict[str, Decimal] = {}
        for d in truth:
            if d["window"]["status"] != "expired":
                recoverable[d["currency"]] = recoverable.get(d["currency"], Decimal(0)) + Decimal(d["amount"])
        assert events[-1].data["recoverable"] == {c: f"{v:.2f}" for c, v in sorted(recoverable.items())}
        agents = s.scalars(select(AgentEvent).where(AgentEvent.agent == "claim_detection")).all()
        assert len(agents) == 3 and {a.sync_id for a in agents} == {sync_id}
    assert first.claims_found <= second.claims_found == len(truth)
    assert second.written > 0 or all(d["amount"] == "0.00" for d in truth)


@pytest.mark.parametrize(
    "sync_env", [{"scenario": "clean", "seed": 7, "settings": MANUAL}], indirect=True, ids=["clean-7"]
)
def test_clean_world_has_no_claim(sync_env: SyncEnv) -> None:
    sync_id, status = sync_env.sync()
    assert status == "completed"
    result = run_detection(
        sync_env.runtime.uow,
        sync_env.settings,
        connection_id=sync_env.connection_id,
        sync_id=sync_id,
        today=_anchor(sync_env).date(),
    )
    assert result.claims_found == 0 and result.recoverable == {}
    with sync_env.runtime.uow() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == 0


@pytest.mark.parametrize(
    "sync_env", [{"scenario": "typical", "seed": 7, "settings": MANUAL}], indirect=True, ids=["typical-7"]
)
def test_a_later_reimbursement_flips_the_claim_to_reimbursed(sync_env: SyncEnv) -> None:
    env = sync_env
    sync_id, _ = env.sync()
    today = _anchor(env).date()
    run_detection(
        env.runtime.uow, env.settings, connection_id=env.connection_id, sync_id=sync_id, today=today
    )
    with env.runtime.uow() as s:
        lost = s.scalars(
            select(Claim).where(Claim.type == "lost_in_warehouse").order_by(Claim.event_date)
        ).all()[-1]
        total = s.scalar(select(func.count()).select_from(Claim))
        upsert(
            s,
            Reimbursement,
            [
                {
                    "connection_id": env.connection_id,
                    "marketplace_id": lost.marketplace_id,
                    "reimbursement_id": "9999999999",
                    "approval_date": lost.event_date + timedelta(days=3),
                    "reason": "Lost_Warehouse",
                    "sku": lost.sku,
                    "fnsku": lost.fnsku,
                    "asin": lost.asin,
                    "condition": "New",
                    "currency": lost.currency,
                    "amount_per_unit": Decimal(lost.amount) / lost.quantity,
                    "amount_total": Decimal(lost.amount),
                    "quantity_reimbursed_cash": lost.quantity,
                    "quantity_reimbursed_total": lost.quantity,
                }
            ],
            sync_id=sync_id,
        )
    result = run_detection(
        env.runtime.uow, env.settings, connection_id=env.connection_id, sync_id=sync_id, today=today
    )
    assert result.closed == 1
    with env.runtime.uow() as s:
        flipped = s.get_one(Claim, lost.id)
        assert flipped.status == "reimbursed" and flipped.resolved_at is not None
        assert s.scalar(select(func.count()).select_from(Claim)) == total  # never deleted
    again = run_detection(
        env.runtime.uow, env.settings, connection_id=env.connection_id, sync_id=sync_id, today=today
    )
    assert again.written == 0 and again.closed == 0
