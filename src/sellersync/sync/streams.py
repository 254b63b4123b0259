"""The streams a sync reads, and how each is fetched and windowed (FACTS §3–§6)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Source(StrEnum):
    REPORT = "report"  # Reports API: create (or reuse), wait, download
    SETTLEMENT = "settlement"  # Reports API, scheduled by Amazon: list and download
    ORDERS_API = "orders_api"  # Orders v2026-01-01 searchOrders (items included)
    FINANCES = "finances"  # Finances v0 listFinancialEvents
    INVENTORY = "inventory"  # FBA Inventory getInventorySummaries (a snapshot)
    INBOUND = "inbound"  # FBA Inbound v0 getShipments + items


@dataclass(frozen=True)
class Stream:
    name: str
    label: str  # shown to people: "Inventory ledger"
    source: Source
    window_days: int  # largest window per request (0: snapshot, no window)
    weight: float  # relative cost of one unit, for progress
    per_marketplace: bool = True
    report_type: str = ""
    counts_as: str = ""  # the status "counts" bucket its rows add to


STREAMS: tuple[Stream, ...] = (
    Stream(
        "orders",
        "Orders",
        Source.REPORT,
        30,
        3.0,
        report_type="GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
        counts_as="orders",
    ),
    Stream(
        "fba_shipments",
        "FBA shipments",
        Source.REPORT,
        30,
        2.0,
        report_type="GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
        counts_as="shipments",
    ),
    Stream(
        "customer_returns",
        "Customer returns",
        Source.REPORT,
        365,
        2.0,
        report_type="GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
        counts_as="returns",
    ),
    Stream(
        "reimbursements",
        "Reimbursements",
        Source.REPORT,
        365,
        2.0,
        report_type="GET_FBA_REIMBURSEMENTS_DATA",
        counts_as="reimbursements",
    ),
    Stream(
        "inventory_ledger",
        "Inventory ledger",
        Source.REPORT,
        365,
        4.0,
        report_type="GET_LEDGER_DETAIL_VIEW_DATA",
        counts_as="inventory",
    ),
    Stream(
        "removal_orders",
        "Removal orders",
        Source.REPORT,
        365,
        1.0,
        report_type="GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA",
        counts_as="shipments",
    ),
    Stream(
        "removal_shipments",
        "Removal shipments",
        Source.REPORT,
        365,
        1.0,
        report_type="GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA",
        counts_as="shipments",
    ),
    Stream(
        "settlements",
        "Settlements",
        Source.SETTLEMENT,
        0,
        1.0,
        report_type="GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        counts_as="settlements",
    ),
    Stream(
        "financial_events",
        "Financial events",
        Source.FINANCES,
        31,  # whole posting months (planner.posting_month), within Amazon's 180-day limit
        1.0,
        per_marketplace=False,
        counts_as="fees",
    ),
    Stream("inventory_summaries", "Inventory", Source.INVENTORY, 0, 1.0, counts_as="inventory"),
    Stream("inbound_shipments", "Inbound shipments", Source.INBOUND, 90, 1.0, counts_as="shipments"),
    Stream("orders_api", "Recent orders", Source.ORDERS_API, 0, 1.0, counts_as="orders"),
)

BY_NAME: dict[str, Stream] = {s.name: s for s in STREAMS}
