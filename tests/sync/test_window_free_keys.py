"""Row keys do not depend on how a sync was cut: a partial sync then a complete one == one clean sync."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from sellersync.store.models import FinancialEvent, SyncCheckpoint, SyncRun, SyncUnit
from sellersync.store.models.canonical import CANONICAL_MODELS
from tests.sync.conftest import SyncEnv
from tests.sync.test_sync_emulator import assert_matches_world, snapshot

# The first calls of these operations answer 429 until the client's retries run out (max_retries=2:
# three attempts), so the first unit of every kind of source fails and the sync ends partial.
FIRST_UNITS_FAIL = {
    op: 3
    for op in (
        "getReportDocument",  # the first report-backed unit (orders) cannot download its document
        "listFinancialEvents",  # the first Finances window
        "getInventorySummaries",
        "getShipments",
        "getOrders",
    )
}


def _service_fee_totals(env: SyncEnv) -> dict[str, str]:
    with env.runtime.uow() as s:
        rows = s.execute(
            select(FinancialEvent.currency, func.sum(FinancialEvent.amount))
            .where(FinancialEvent.event_list == "ServiceFeeEventList")
            .group_by(FinancialEvent.currency)
        )
        return {c: f"{Decimal(v):.2f}" for c, v in rows}


def _forget_everything_synced(env: SyncEnv) -> None:
    with env.runtime.uow() as s:
        for model in CANONICAL_MODELS:
            s.execute(delete(model))
        s.execute(delete(SyncCheckpoint))


@pytest.mark.parametrize(
    "sync_env",
    [{"settings": {"max_retries": 2, "unit_retries": 0, "detect_after_sync": False}}],
    indirect=True,
)
def test_a_partial_sync_then_a_complete_one_stores_exactly_one_clean_sync(sync_env: SyncEnv) -> None:
    env = sync_env
    env.emu.set_faults(throttle_bursts=FIRST_UNITS_FAIL)
    first_id, status = env.sync()
    with env.runtime.uow() as s:
        failed = s.scalars(
            select(SyncUnit.stream).where(SyncUnit.sync_id == first_id, SyncUnit.status == "failed")
        ).all()
        assert status == "partial", s.get_one(SyncRun, first_id).error
    assert {"orders", "financial_events", "inventory_summaries", "inbound_shipments"} <= set(failed)

    env.emu.clear_faults()
    _, status = env.sync()  # cut differently: no checkpoint for the streams whose first unit failed
    assert status == "completed"
    assert_matches_world(env)
    truth = env.emu.world.truth()["totals"]["financial_events"]["ServiceFeeEventList"]
    assert _service_fee_totals(env) == truth["amount_total"]  # each fee once (USD 716.94 was twice)
    with env.runtime.uow() as s:
        after_partial: dict[str, Any] = snapshot(s)

    _forget_everything_synced(env)
    _, status = env.sync()  # one clean sync of the same world
    assert status == "completed"
    with env.runtime.uow() as s:
        clean = snapshot(s)
    for table in clean:  # every stream: the same rows under the same keys
        assert after_partial[table] == clean[table], table
