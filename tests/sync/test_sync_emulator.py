"""A sync from the emulator reproduces the emulator's world exactly, once, whatever happens."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sellersync.store.models import (
    AgentEvent,
    CustomerReturn,
    DetectionRun,
    FbaShipment,
    InboundShipment,
    InboundShipmentItem,
    InventorySummary,
    LedgerEvent,
    Order,
    OrderItem,
    QuarantinedRow,
    Reimbursement,
    RemovalOrder,
    RemovalShipment,
    Settlement,
    SettlementLine,
    SyncEvent,
    SyncRun,
    SyncUnit,
)
from sellersync.store.models.canonical import CANONICAL_MODELS
from tests.sync.conftest import SyncEnv


def _count(s: Session, model: Any, *where: Any) -> int:
    return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _sums(s: Session, model: Any, amount: Any, currency: Any) -> dict[str, str]:
    rows = s.execute(select(currency, func.sum(amount)).select_from(model).group_by(currency))
    return {c: f"{Decimal(v):.2f}" for c, v in rows if v is not None}


def snapshot(s: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every canonical row's natural key and content digest: what 'identical' means."""
    out = {}
    for model in CANONICAL_MODELS:
        cols = [getattr(model, k) for k in model.__natural_key__]
        out[model.__tablename__] = sorted(
            tuple(str(x) for x in row) for row in s.execute(select(*cols, model.row_hash))
        )
    return out


def assert_matches_world(env: SyncEnv) -> None:
    truth = env.emu.world.truth()
    totals = truth["totals"]
    with env.runtime.uow() as s:
        t = totals["GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"]
        assert _count(s, OrderItem) == t["rows"]  # totals exclude the deliberately bad rows
        assert _count(s, Order) == totals["orders"]["orders"]
        assert s.scalar(select(func.sum(OrderItem.quantity))) == t["quantity"]
        assert _sums(s, OrderItem, OrderItem.item_price, OrderItem.currency) == t["item_price_total"]

        t = totals["GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL"]
        assert _count(s, FbaShipment) == t["rows"]
        assert s.scalar(select(func.sum(FbaShipment.quantity_shipped))) == t["quantity_shipped"]
        assert _sums(s, FbaShipment, FbaShipment.item_price, FbaShipment.currency) == t["item_price_total"]

        t = totals["GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"]
        assert _count(s, CustomerReturn) == t["rows"]
        assert s.scalar(select(func.sum(CustomerReturn.quantity))) == t["quantity"]

        t = totals["GET_FBA_REIMBURSEMENTS_DATA"]
        assert _count(s, Reimbursement) == t["rows"]
        assert (
            _sums(s, Reimbursement, Reimbursement.amount_total, Reimbursement.currency) == t["amount_total"]
        )

        t = totals["GET_LEDGER_DETAIL_VIEW_DATA"]
        assert _count(s, LedgerEvent) == t["rows"]
        for event_type in ("Receipts", "Shipments", "CustomerReturns", "Adjustments", "VendorReturns"):
            got = s.scalar(select(func.sum(LedgerEvent.quantity)).where(LedgerEvent.event_type == event_type))
            assert (got or 0) == t.get(f"quantity_{event_type}", 0), event_type

        t = totals["GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA"]
        assert _count(s, RemovalOrder) == t["rows"]
        assert s.scalar(select(func.sum(RemovalOrder.requested_quantity))) == t["requested_quantity"]
        t = totals["GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA"]
        assert _count(s, RemovalShipment) == t["rows"]
        assert s.scalar(select(func.sum(RemovalShipment.quantity_shipped))) == t["quantity_shipped"]

        t = totals["inbound_shipments"]
        assert _count(s, InboundShipment) == t["shipments"]
        assert _count(s, InboundShipmentItem) == t["items"]
        assert s.scalar(select(func.sum(InboundShipmentItem.quantity_received))) == t["quantity_received"]

        for mkt, inv in totals["inventory"].items():
            assert _count(s, InventorySummary, InventorySummary.marketplace_id == mkt) == inv["skus"]
            got = s.scalar(
                select(func.sum(InventorySummary.total_quantity)).where(
                    InventorySummary.marketplace_id == mkt
                )
            )
            assert got == inv["total"]

        # settlements: only the reports Amazon still lists (90 days) can be downloaded
        listed = [
            m for m in env.emu.world.settlements() if m.created >= env.emu.world.anchor - timedelta(days=89)
        ]
        assert _count(s, Settlement) >= len(listed) > 0
        assert _count(s, SettlementLine) > 0

        # exactly the deliberately bad rows were quarantined, each with a reason
        quarantined = s.scalars(select(QuarantinedRow)).all()
        assert len(quarantined) == len(truth["bad_rows"])
        assert all(q.reason for q in quarantined)


@pytest.mark.parametrize(
    "sync_env", [{"scenario": "typical"}, {"scenario": "messy", "seed": 11}], indirect=True
)
def test_sync_reproduces_the_world_and_a_second_sync_adds_nothing(sync_env: SyncEnv) -> None:
    sync_id, status = sync_env.sync()
    assert status == "completed"
    assert_matches_world(sync_env)
    with sync_env.runtime.uow() as s:
        run = s.get_one(SyncRun, sync_id)
        assert run.progress == 100.0
        assert all(u.status == "done" for u in s.scalars(select(SyncUnit).where(SyncUnit.sync_id == sync_id)))
        # one sync id end to end: rows, events and the agent event carry it
        assert _count(s, Order, Order.sync_id == sync_id) == _count(s, Order)
        agent = s.scalars(
            select(AgentEvent).where(AgentEvent.sync_id == sync_id, AgentEvent.agent == "data_sync")
        ).all()
        assert [a.outcome for a in agent] == ["completed"]
        before = snapshot(s)
        # the detection job was chained after the sync, under the same sync id, with its own status
        detection = s.scalars(select(DetectionRun).where(DetectionRun.sync_id == sync_id)).all()
        assert [d.status for d in detection] == ["completed"]
        chained = s.scalars(
            select(SyncEvent).where(SyncEvent.sync_id == sync_id, SyncEvent.type == "detection.completed")
        ).all()
        assert len(chained) == 1 and chained[0].data["claims"] == detection[0].claims_found
    second_id, status = sync_env.sync()
    assert status == "completed"
    with sync_env.runtime.uow() as s:
        assert snapshot(s) == before
        assert (
            s.scalar(
                select(func.sum(SyncUnit.written)).where(
                    SyncUnit.sync_id == second_id, SyncUnit.stream != "inventory_summaries"
                )
            )
            == 0
        )
        assert s.get_one(SyncRun, second_id).kind == "incremental"
