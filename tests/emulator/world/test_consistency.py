"""The world is internally consistent: reports, APIs, ledger, inventory, finances and settlements agree."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sellersync.emulator.world import REPORT_TYPES, World
from sellersync.emulator.world.calendar import HORIZON_DAYS
from sellersync.emulator.world.finance import settlement_lines
from sellersync.emulator.world.formats import (
    ALL_ORDERS_BY_DATE,
    ALL_ORDERS_BY_UPDATE,
    LEDGER,
    REIMBURSEMENTS,
    REMOVAL_ORDERS,
    REMOVAL_SHIPMENTS,
    RETURNS,
    SHIPMENTS,
)

from .helpers import amount, good, table


def test_ledger_sums_equal_inventory_summaries(region_world: World) -> None:
    w = region_world
    for mkt in w.marketplaces:
        sums: dict[tuple[str, str], int] = defaultdict(int)
        for row in good(table(w, LEDGER, [mkt.marketplace_id])):
            sums[(row["MSKU"], row["Disposition"])] += int(row["Quantity"])
        summaries = w.inventory_summaries(mkt.marketplace_id)
        assert [s["sellerSku"] for s in summaries] == sorted(p.sku for p in w.plan.catalog)
        for s in summaries:
            d = s["inventoryDetails"]
            sellable = sums.pop((s["sellerSku"], "SELLABLE"), 0)
            assert d["fulfillableQuantity"] + d["reservedQuantity"]["totalReservedQuantity"] == sellable
            assert d["fulfillableQuantity"] >= 0
            unsellable = sum(v for (sku, _), v in sums.items() if sku == s["sellerSku"])
            assert d["unfulfillableQuantity"]["totalUnfulfillableQuantity"] == unsellable
        assert all(v == 0 for (_, disp), v in sums.items() if disp == "SELLABLE")


def test_sellable_stock_never_negative(region_world: World) -> None:
    w = region_world
    balance: dict[tuple[str, str], int] = defaultdict(int)
    for row in good(table(w, LEDGER)):
        if row["Disposition"] == "SELLABLE":
            key = (row["Country"], row["FNSKU"])
            balance[key] += int(row["Quantity"])
            assert balance[key] >= 0, row


def test_shipments_refer_to_orders(any_world: World) -> None:
    w = any_world
    ids = [m.marketplace_id for m in w.marketplaces]
    orders = {o["AmazonOrderId"]: o for o in w.orders(ids)}
    report_orders = {r["amazon-order-id"] for r in good(table(w, ALL_ORDERS_BY_UPDATE))}
    assert report_orders == set(orders)
    for row in good(table(w, SHIPMENTS)):
        assert orders[row["amazon-order-id"]]["OrderStatus"] == "Shipped"
        items = w.order_items(row["amazon-order-id"])
        assert items is not None
        match = [i for i in items if i["OrderItemId"] == row["amazon-order-item-id"]]
        assert match and match[0]["SellerSKU"] == row["sku"]
        assert match[0]["QuantityShipped"] == int(row["quantity-shipped"])
        assert match[0]["ItemPrice"]["Amount"] == row["item-price"]


def test_orders_api_agrees_with_all_orders_report(any_world: World) -> None:
    w = any_world
    ids = [m.marketplace_id for m in w.marketplaces]
    status = {"Shipped": "Shipped", "Pending": "Pending", "Canceled": "Cancelled"}
    by_id = {o["AmazonOrderId"]: o for o in w.orders(ids)}
    for row in good(table(w, ALL_ORDERS_BY_DATE)):
        order = by_id[row["amazon-order-id"]]
        assert status[order["OrderStatus"]] == row["order-status"]
        assert order["PurchaseDate"][:19] == row["purchase-date"][:19]
        items = {i["SellerSKU"]: i for i in w.order_items(row["amazon-order-id"]) or []}
        assert items[row["sku"]]["QuantityOrdered"] == int(row["quantity"])
    assert w.order_items("000-0000000-0000000") is None


def test_refunds_match_orders(any_world: World) -> None:
    w = any_world
    events = w.financial_events(w.history.start, w.anchor)
    refunds = [e for name, e in events if name == "RefundEventList"]
    assert refunds
    for ev in refunds:
        items = w.order_items(ev["AmazonOrderId"])
        assert items is not None
        for adj in ev["ShipmentItemAdjustmentList"]:
            item = next(i for i in items if i["OrderItemId"] == adj["OrderItemId"])
            assert 0 < adj["QuantityShipped"] <= item["QuantityShipped"]


def test_report_rows_match_truth_totals(any_world: World) -> None:
    w = any_world
    totals = w.truth()["totals"]
    for rt in REPORT_TYPES:
        rows = table(w, rt)
        assert len(rows) == totals[rt]["rows"] + totals[rt]["bad_rows"], rt
    reimb = good(table(w, REIMBURSEMENTS))
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for r in reimb:
        sums[r["currency-unit"]] += amount(r["amount-total"])
    assert {k: str(v) for k, v in sums.items()} == totals[REIMBURSEMENTS]["amount_total"]
    ids = [m.marketplace_id for m in w.marketplaces]
    assert len(w.orders(ids)) == totals["orders"]["orders"]
    events = w.financial_events(w.history.start, w.anchor)
    for name, spec in totals["financial_events"].items():
        assert sum(1 for n, _ in events if n == name) == spec["events"]


def test_windows_partition_the_history(region_world: World) -> None:
    """Rows of consecutive 30-day windows are exactly the rows of one whole-history request."""
    w = region_world
    ids = [m.marketplace_id for m in w.marketplaces]
    for rt in (
        ALL_ORDERS_BY_UPDATE,
        SHIPMENTS,
        RETURNS,
        LEDGER,
        REIMBURSEMENTS,
        REMOVAL_ORDERS,
        REMOVAL_SHIPMENTS,
    ):
        whole = list(w.report_table(rt, ids, w.history.start, w.anchor).rows)
        parts = []
        start = w.history.start
        while start < w.anchor:
            end = start + timedelta(days=30)
            parts.extend(w.report_table(rt, ids, start, end).rows)
            start = end
        assert parts == whole, rt


def test_settlements_equal_their_financial_events(region_world: World) -> None:
    w = region_world
    metas = w.settlements()
    assert len({m.settlement_id for m in metas}) == len(metas)
    for meta in metas[-6:]:
        t = w.settlement_table(meta.settlement_id)
        rows = [dict(zip(t.header, r, strict=True)) for r in t.rows]
        summary, lines = rows[0], rows[1:]
        assert summary["settlement-id"] == meta.settlement_id and summary["transaction-type"] == ""
        assert amount(summary["total-amount"]) == sum((amount(r["amount"]) for r in lines), Decimal(0))
        events = list(w.settlement_events(meta))
        assert len(lines) == sum(len(list(settlement_lines(e))) for e in events)
        assert all(meta.start <= e.time < meta.end for e in events)
    truth = w.truth()["totals"]["settlements"]
    assert truth["settlements"] == len(metas)
    for a, b in zip(metas, metas[1:], strict=False):
        assert a.start <= b.start


def test_inbound_receipts_match_shipment_items(region_world: World) -> None:
    w = region_world
    receipts: dict[tuple[str, str], int] = defaultdict(int)
    for row in good(table(w, LEDGER)):
        if row["Event Type"] == "Receipts":
            receipts[(row["Reference ID"], row["MSKU"])] += int(row["Quantity"])
    for mkt in w.marketplaces:
        ships = w.inbound_shipments(
            mkt.marketplace_id, w.history.start - timedelta(days=30), w.anchor + timedelta(days=1)
        )
        assert ships and all(s["ShipmentId"].startswith("FBA15") for s in ships)
        for s in ships:
            for item in w.inbound_shipment_items(s["ShipmentId"]) or []:
                assert receipts.get((s["ShipmentId"], item["SellerSKU"]), 0) == item["QuantityReceived"]
                assert item["QuantityReceived"] <= item["QuantityShipped"]


def test_events_stay_within_the_horizon(any_world: World) -> None:
    w = any_world
    for index in range(w.history.days):
        day = w.day(index)
        lo = w.history.day_start(index)
        hi = lo + timedelta(days=HORIZON_DAYS)
        records = [*day.ledger, *day.returns, *day.reimbursements, *day.finance, *day.bad]
        assert all(lo <= r.time < hi for r in records)
        assert all(lo <= o.purchase < lo + timedelta(days=1) for o in day.orders)
        assert all(o.last_updated < lo + timedelta(days=4) for o in day.orders)


def test_natural_keys_are_unique(region_world: World) -> None:
    w = region_world
    keys = {
        ALL_ORDERS_BY_UPDATE: ("amazon-order-id", "sku"),
        SHIPMENTS: ("shipment-item-id",),
        RETURNS: ("license-plate-number",),
        REIMBURSEMENTS: ("reimbursement-id",),
        LEDGER: ("Date and Time", "FNSKU", "Event Type", "Reference ID", "Disposition"),
        REMOVAL_ORDERS: ("order-id", "sku"),
        REMOVAL_SHIPMENTS: ("order-id", "sku", "tracking-number"),
    }
    for rt, cols in keys.items():
        seen = [tuple(r[c] for c in cols) for r in table(w, rt)]
        assert len(seen) == len(set(seen)), rt
    ids = [m.marketplace_id for m in w.marketplaces]
    item_ids = [i["OrderItemId"] for o in w.orders(ids) for i in w.order_items(o["AmazonOrderId"]) or []]
    assert len(item_ids) == len(set(item_ids))
