"""Every normaliser by stream name, and the report type behind each report-backed stream."""

from __future__ import annotations

from sellersync.normalize.base import Normalizer
from sellersync.normalize.finances import financial_events
from sellersync.normalize.inbound import inbound_shipments
from sellersync.normalize.inventory import inventory_summaries
from sellersync.normalize.ledger import inventory_ledger
from sellersync.normalize.orders import orders_api, orders_report
from sellersync.normalize.reimbursements import reimbursements
from sellersync.normalize.removals import removal_orders, removal_shipments
from sellersync.normalize.returns import customer_returns
from sellersync.normalize.settlements import settlements
from sellersync.normalize.shipments import fba_shipments

NORMALIZERS: dict[str, Normalizer] = {
    "orders": orders_report,  # all-orders flat file rows
    "orders_api": orders_api,  # Orders API v2026-01-01 Order objects (searchOrders), items included
    "fba_shipments": fba_shipments,
    "customer_returns": customer_returns,
    "reimbursements": reimbursements,
    "inventory_ledger": inventory_ledger,
    "removal_orders": removal_orders,
    "removal_shipments": removal_shipments,
    "settlements": settlements,  # one settlement document per call
    "financial_events": financial_events,  # FinancialEvents page dicts, one query window per call
    "inventory_summaries": inventory_summaries,  # fbaInventory InventorySummary objects
    "inbound_shipments": inbound_shipments,  # InboundShipmentInfo objects, each with "Items": [...]
}

REPORT_TYPES: dict[str, str] = {
    "orders": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
    "fba_shipments": "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
    "customer_returns": "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
    "reimbursements": "GET_FBA_REIMBURSEMENTS_DATA",
    "inventory_ledger": "GET_LEDGER_DETAIL_VIEW_DATA",
    "removal_orders": "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA",
    "removal_shipments": "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA",
    "settlements": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
}

#: The columns a report's header must have, per report-backed stream: the ones its normaliser
#: requires (each entry lists one column's accepted names). A document whose header lacks one cannot
#: be read as that report: the unit fails and is retried, it is never "no rows".
REQUIRED_COLUMNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "orders": (("amazon-order-id",), ("sku",), ("purchase-date",)),
    "fba_shipments": (("shipment-item-id",), ("amazon-order-id",), ("shipment-date",)),
    "customer_returns": (("return-date",), ("order-id",), ("sku",)),
    "reimbursements": (("reimbursement-id",), ("approval-date",)),
    "inventory_ledger": (("Date and Time", "Date"), ("FNSKU",), ("Event Type",), ("Quantity",)),
    "removal_orders": (("order-id",), ("request-date",), ("sku",)),
    "removal_shipments": (("order-id",), ("shipment-date",)),
    "settlements": (("settlement-id",), ("total-amount",), ("amount",)),
}
