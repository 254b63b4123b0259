"""Recent orders come from Orders v2026-01-01 ``searchOrders``: the emulator's request log shows no
Orders v0 call, and the rows stored are the rows the all-orders flat file gives (as v0's were)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sellersync.normalize import NORMALIZERS, REPORT_TYPES, Context, Record
from sellersync.store.models import Order, OrderItem, SyncUnit
from tests.sync.conftest import SyncEnv
from tests.sync.test_sync_emulator import assert_matches_world


def _flat_file_records(env: SyncEnv, unit: SyncUnit) -> list[Record]:
    """The all-orders flat file of the unit's window, normalised as the report stream does."""
    world = env.emu.world
    market = next(m for m in world.marketplaces if m.marketplace_id == unit.marketplace_id)
    table = world.report_table(
        REPORT_TYPES["orders"], [market.marketplace_id], unit.window_start, unit.window_end
    )
    header = list(table.header)
    rows = [dict(zip(header, row, strict=True)) for row in table.rows]
    ctx = Context(
        connection_id=env.connection_id,
        marketplace_id=market.marketplace_id,
        stream="orders",
        decimal_comma=market.decimal_comma,
        currency=market.currency,
    )
    return [r for r in NORMALIZERS["orders"].normalize(rows, ctx) if isinstance(r, Record)]


def _stored(s: Any, record: Record) -> dict[str, Any]:
    model = record.model
    where = [getattr(model, k) == v for k, v in zip(model.__natural_key__, record.natural_key, strict=True)]
    row = s.scalars(select(model).where(*where)).one()
    return {k: getattr(row, k) for k in record.values}


@pytest.mark.parametrize(
    "sync_env",
    [{"scenario": "messy", "seed": 11, "settings": {"orders_api_hours": 96}}],
    indirect=True,
)
def test_recent_orders_use_search_orders_and_store_the_flat_file_rows(sync_env: SyncEnv) -> None:
    sync_id, status = sync_env.sync()
    assert status == "completed"
    assert_matches_world(sync_env)

    operations = sync_env.emu.stats()["operations"]
    assert "getOrders" not in operations and "getOrderItems" not in operations  # no /orders/v0/ call
    assert operations["searchOrders"]["ok"] >= 1
    assert "getOrder" not in operations  # items come in the search answer: no per-order call

    with sync_env.runtime.uow() as s:
        units = s.scalars(
            select(SyncUnit).where(SyncUnit.sync_id == sync_id, SyncUnit.stream == "orders_api")
        ).all()
        assert units and all(u.status == "done" for u in units)
        assert sum(u.rows for u in units) > 0 and sum(u.quarantined for u in units) == 0
        # each searchOrders page costs one call; an order's items cost none
        assert operations["searchOrders"]["calls"] <= len(units) + sum(u.rows for u in units) // 100 + 5

        compared = {Order: 0, OrderItem: 0}
        for unit in units:
            for record in _flat_file_records(sync_env, unit):
                assert _stored(s, record) == record.values, record.natural_key
                compared[record.model] += 1
        assert compared[Order] > 0 and compared[OrderItem] >= compared[Order]

    # a second sync reads the same orders through searchOrders again and writes nothing: the rows
    # it normalises hash the same as the stored (flat-file) rows, value for value
    second_id, status = sync_env.sync()
    assert status == "completed"
    with sync_env.runtime.uow() as s:
        again = s.scalars(
            select(SyncUnit).where(SyncUnit.sync_id == second_id, SyncUnit.stream == "orders_api")
        ).all()
        assert sum(u.rows for u in again) > 0
        assert sum(u.written for u in again) == 0
    assert "getOrders" not in sync_env.emu.stats()["operations"]
