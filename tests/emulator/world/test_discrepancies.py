"""Planted discrepancies: present per scenario, visible in the data, with windows computed right."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import pytest

from sellersync.emulator.world import World
from sellersync.emulator.world.calendar import claim_window
from sellersync.emulator.world.catalog import fulfillment_fee
from sellersync.emulator.world.formats import (
    LEDGER,
    REIMBURSEMENTS,
    REMOVAL_ORDERS,
    REMOVAL_SHIPMENTS,
    RETURNS,
)
from sellersync.emulator.world.plan import DISCREPANCY_TYPES

from .conftest import world
from .helpers import amount, good, table


def test_clean_world_has_no_discrepancy_and_no_bad_row() -> None:
    for region in ("NA", "EU"):
        w = world(scenario="clean", region=region)
        truth = w.truth()
        assert truth["discrepancies"] == [] and truth["bad_rows"] == []
        assert set(truth["discrepancy_counts"].values()) == {0}
        for mkt in w.marketplaces:
            for s in w.inbound_shipments(mkt.marketplace_id, w.history.start, w.anchor):
                for item in w.inbound_shipment_items(s["ShipmentId"]) or []:
                    assert item["QuantityReceived"] == item["QuantityShipped"]
        assert not any(r["reason"] == "Reimbursement_Reversal" for r in table(w, REIMBURSEMENTS))


@pytest.mark.parametrize(
    ("scenario", "region"), [("typical", "NA"), ("messy", "NA"), ("typical", "EU"), ("messy", "EU")]
)
def test_every_type_and_every_window_status_is_planted(scenario: str, region: str) -> None:
    truth = world(scenario=scenario, region=region).truth()
    counts = truth["discrepancy_counts"]
    assert set(counts) == set(DISCREPANCY_TYPES)
    assert all(n >= (3 if scenario == "typical" else 6) for n in counts.values()), counts
    statuses = {d["window"]["status"] for d in truth["discrepancies"]}
    assert statuses == {"not_yet_eligible", "open", "expired"}
    for d in truth["discrepancies"]:
        assert set(d) >= {
            "type",
            "marketplace_id",
            "sku",
            "fnsku",
            "asin",
            "quantity",
            "amount",
            "currency",
            "event_date",
            "window",
            "evidence",
        }
        assert amount(d["amount"]) > 0 and d["quantity"] > 0
        assert d["amount"] == f"{amount(d['amount']):.2f}"


def test_messy_world_has_legal_mess_and_bad_rows() -> None:
    w = world(scenario="messy")
    truth = w.truth()
    reimb = table(w, REIMBURSEMENTS)
    assert any(
        r["reason"] == "Reimbursement_Reversal"
        and r["original-reimbursement-id"]
        and amount(r["amount-total"]) < 0
        for r in good(reimb)
    )
    assert any(r["Reason"] == "F" for r in table(w, LEDGER))
    assert any(
        r["order-status"] == "Cancelled" and r["requested-quantity"] == r["cancelled-quantity"]
        for r in table(w, REMOVAL_ORDERS)
    )
    assert len(truth["bad_rows"]) >= 4
    for bad in truth["bad_rows"]:
        rows = table(w, bad["report_type"], [bad["marketplace_id"]])
        assert any(r[bad["column"]] == bad["value"] for r in rows), bad


def _by_type(w: World) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    out: dict[str, list[dict]] = defaultdict(list)  # type: ignore[type-arg]
    for d in w.truth()["discrepancies"]:
        out[d["type"]].append(d)
    return out


def test_discrepancies_are_visible_in_the_data() -> None:
    w = world(scenario="messy")
    found = _by_type(w)
    ledger = table(w, LEDGER)
    reimb = good(table(w, REIMBURSEMENTS))
    returns = good(table(w, RETURNS))
    refs = {r["Reference ID"] for r in ledger}
    for d in found["lost_in_warehouse"] + found["damaged_in_warehouse"]:
        assert set(d["evidence"]["ledger_reference_ids"]) <= refs
    for d in found["refund_without_return"]:
        assert not any(r["order-id"] == d["evidence"]["order_id"] for r in returns)
        assert not any(r["amazon-order-id"] == d["evidence"]["order_id"] for r in reimb)
    for d in found["return_not_restocked"]:
        lpn = d["evidence"]["license_plate_number"]
        assert any(r["license-plate-number"] == lpn for r in returns)
        assert lpn not in refs and d["evidence"]["order_id"] not in refs  # by LPN nor by order id
    for d in found["inbound_shortage"]:
        items = w.inbound_shipment_items(d["evidence"]["shipment_id"]) or []
        item = next(i for i in items if i["SellerSKU"] == d["sku"])
        assert item["QuantityShipped"] - item["QuantityReceived"] == d["quantity"]
    shipped_rows: dict[tuple[str, str], int] = defaultdict(int)
    for r in table(w, REMOVAL_SHIPMENTS):
        shipped_rows[(r["order-id"], r["sku"])] += int(r["quantity shipped"])
    orders = {(r["order-id"], r["sku"]): r for r in table(w, REMOVAL_ORDERS)}
    for d in found["removal_lost"]:
        key = (d["evidence"]["removal_order_id"], d["sku"])
        assert int(orders[key]["shipped-quantity"]) - shipped_rows[key] == d["quantity"]
    for d in found["under_reimbursement"]:
        row = next(r for r in reimb if r["reimbursement-id"] == d["evidence"]["reimbursement_ids"][0])
        value = amount(d["evidence"]["unit_value"])
        assert (value - amount(row["amount-per-unit"])) * d["quantity"] == amount(d["amount"])


@pytest.mark.parametrize("scenario", ["clean", "typical", "messy"])
def test_return_ledger_lines_carry_the_lpn_or_the_order_id(scenario: str) -> None:
    """Amazon's CustomerReturns line names a return by its LPN or by its order id: every scenario has
    both, and each line names a return of the same FNSKU."""
    w = world(scenario=scenario)
    returns = good(table(w, RETURNS))
    by_lpn = {r["license-plate-number"]: r for r in returns}
    by_order = {(r["order-id"], r["fnsku"]): r for r in returns}
    kinds = set()
    for line in table(w, LEDGER):
        if line["Event Type"] != "CustomerReturns":
            continue
        ref = line["Reference ID"]
        ret = by_lpn.get(ref) or by_order.get((ref, line["FNSKU"]))
        assert ret is not None and ret["fnsku"] == line["FNSKU"], line
        kinds.add("lpn" if ref in by_lpn else "order_id")
    assert kinds == {"lpn", "order_id"}


def test_planted_refund_units_are_worth_something() -> None:
    for scenario in ("typical", "messy"):
        for d in world(scenario=scenario).truth()["discrepancies"]:
            if d["type"] in ("refund_without_return", "return_not_restocked"):
                assert amount(d["amount"]) > 0, d


def test_fee_overcharge_amount_is_charged_minus_table_fee() -> None:
    w = world(scenario="typical")
    events = {
        e["AmazonOrderId"]: e
        for name, e in w.financial_events(w.history.start, w.anchor)
        if name == "ShipmentEventList"
    }
    for d in _by_type(w)["fee_overcharge"]:
        ev = events[d["evidence"]["order_id"]]
        item = ev["ShipmentItemList"][0]
        fee = next(f for f in item["ItemFeeList"] if f["FeeType"] == "FBAPerUnitFulfillmentFee")
        charged = -fee["FeeAmount"]["CurrencyAmount"] / item["QuantityShipped"]
        posted = datetime.fromisoformat(ev["PostedDate"].replace("Z", "+00:00"))
        tier = d["evidence"]["size_tier"]
        expected = fulfillment_fee(tier, d["currency"], posted.date())
        assert (charged - expected) * item["QuantityShipped"] == amount(d["amount"])


def test_natural_fees_match_the_tier_table() -> None:
    w = world(scenario="typical")
    planted = {d["evidence"]["order_id"] for d in _by_type(w)["fee_overcharge"]}
    tiers = {p.sku: p.tier for p in w.plan.catalog}
    currency = {m.name: m.currency for m in w.marketplaces}
    for name, ev in w.financial_events(w.history.start, w.anchor):
        if name != "ShipmentEventList" or ev["AmazonOrderId"] in planted:
            continue
        posted = datetime.fromisoformat(ev["PostedDate"].replace("Z", "+00:00")).date()
        for item in ev["ShipmentItemList"]:
            for fee in item["ItemFeeList"]:
                if fee["FeeType"] == "FBAPerUnitFulfillmentFee":
                    expected = fulfillment_fee(
                        tiers[item["SellerSKU"]], currency[ev["MarketplaceName"]], posted
                    )
                    assert -fee["FeeAmount"]["CurrencyAmount"] == expected * item["QuantityShipped"]


ANCHOR = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "region", "event", "status"),
    [
        ("lost_in_warehouse", "NA", date(2026, 3, 1), "open"),
        ("lost_in_warehouse", "NA", date(2025, 12, 31), "open"),  # deadline day is still open
        ("lost_in_warehouse", "NA", date(2025, 12, 30), "expired"),
        ("refund_without_return", "NA", date(2026, 1, 1), "not_yet_eligible"),  # opens 2026-03-02
        ("refund_without_return", "NA", date(2025, 12, 31), "open"),  # opens on the anchor
        ("refund_without_return", "NA", date(2025, 11, 1), "open"),  # deadline 2026-03-01
        ("refund_without_return", "NA", date(2025, 10, 31), "expired"),
        ("refund_without_return", "EU", date(2026, 1, 15), "open"),  # EU opens after 45 days
        ("inbound_shortage", "NA", date(2026, 2, 15), "not_yet_eligible"),
        ("inbound_shortage", "NA", date(2026, 2, 14), "open"),
        ("removal_lost", "NA", date(2025, 12, 16), "open"),
        ("removal_lost", "NA", date(2025, 12, 15), "expired"),
    ],
)
def test_claim_window_boundaries(kind: str, region: str, event: date, status: str) -> None:
    assert claim_window(kind, region, event, ANCHOR)["status"] == status


def test_window_dates() -> None:
    w = claim_window("return_not_restocked", "NA", date(2026, 1, 1), ANCHOR)
    assert w == {"status": "not_yet_eligible", "opens": "2026-03-02", "deadline": "2026-05-01"}
