"""How Amazon writes flat files: report headers (exactly as FACTS §3 lists them), date styles per
report type and marketplace, and amounts (decimal comma in DE files)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..contract import Marketplace

ALL_ORDERS_BY_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
ALL_ORDERS_BY_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
SHIPMENTS = "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL"
RETURNS = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
REIMBURSEMENTS = "GET_FBA_REIMBURSEMENTS_DATA"
LEDGER = "GET_LEDGER_DETAIL_VIEW_DATA"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
REMOVAL_ORDERS = "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA"
REMOVAL_SHIPMENTS = "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA"

ORDER_COLUMNS = (
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "item-promotion-discount",
    "ship-country",
)
HEADERS: dict[str, tuple[str, ...]] = {
    ALL_ORDERS_BY_UPDATE: ORDER_COLUMNS,
    ALL_ORDERS_BY_DATE: ORDER_COLUMNS,
    SHIPMENTS: (
        "amazon-order-id",
        "shipment-id",
        "shipment-item-id",
        "amazon-order-item-id",
        "purchase-date",
        "shipment-date",
        "sku",
        "quantity-shipped",
        "currency",
        "item-price",
        "fulfillment-center-id",
        "carrier",
        "tracking-number",
    ),
    RETURNS: (
        "return-date",
        "order-id",
        "sku",
        "asin",
        "fnsku",
        "product-name",
        "quantity",
        "fulfillment-center-id",
        "detailed-disposition",
        "reason",
        "status",
        "license-plate-number",
        "customer-comments",
    ),
    REIMBURSEMENTS: (
        "approval-date",
        "reimbursement-id",
        "case-id",
        "amazon-order-id",
        "reason",
        "sku",
        "fnsku",
        "asin",
        "product-name",
        "condition",
        "currency-unit",
        "amount-per-unit",
        "amount-total",
        "quantity-reimbursed-cash",
        "quantity-reimbursed-inventory",
        "quantity-reimbursed-total",
        "original-reimbursement-id",
        "original-reimbursement-type",
    ),
    LEDGER: (
        "Date",
        "FNSKU",
        "ASIN",
        "MSKU",
        "Title",
        "Event Type",
        "Reference ID",
        "Quantity",
        "Fulfillment Center",
        "Disposition",
        "Reason",
        "Country",
        "Reconciled Quantity",
        "Unreconciled Quantity",
        "Date and Time",
    ),
    SETTLEMENT: (
        "settlement-id",
        "settlement-start-date",
        "settlement-end-date",
        "deposit-date",
        "total-amount",
        "currency",
        "transaction-type",
        "order-id",
        "merchant-order-id",
        "adjustment-id",
        "shipment-id",
        "marketplace-name",
        "amount-type",
        "amount-description",
        "amount",
        "fulfillment-id",
        "posted-date",
        "posted-date-time",
        "order-item-code",
        "merchant-order-item-id",
        "merchant-adjustment-item-id",
        "sku",
        "quantity-purchased",
        "promotion-id",
    ),
    REMOVAL_ORDERS: (
        "request-date",
        "order-id",
        "order-type",
        "order-status",
        "last-updated-date",
        "sku",
        "fnsku",
        "disposition",
        "requested-quantity",
        "cancelled-quantity",
        "disposed-quantity",
        "shipped-quantity",
        "in-process-quantity",
        "removal-fee",
        "currency",
    ),
    REMOVAL_SHIPMENTS: (
        "removal-date",
        "order-id",
        "shipment-date",
        "sku",
        "fnsku",
        "disposition",
        "quantity shipped",
        "carrier",
        "tracking-number",
    ),
}

# The column each report type is windowed on (dataStartTime <= value < dataEndTime).
REPORT_DATE_COLUMN = {
    ALL_ORDERS_BY_UPDATE: "last-updated-date",
    ALL_ORDERS_BY_DATE: "purchase-date",
    SHIPMENTS: "shipment-date",
    RETURNS: "return-date",
    REIMBURSEMENTS: "approval-date",
    LEDGER: "Date and Time",
    REMOVAL_ORDERS: "last-updated-date",
    REMOVAL_SHIPMENTS: "shipment-date",
    SETTLEMENT: "posted-date-time",
}

# Date style of each report type outside DE (DE files always use the "eu" style).
REPORT_DATE_STYLE = {rt: "iso" for rt in HEADERS} | {SETTLEMENT: "utc"}


def style_for(report_type: str, mkt: Marketplace) -> str:
    return "eu" if mkt.date_style == "eu" else REPORT_DATE_STYLE[report_type]


def fmt_datetime(moment: datetime, style: str) -> str:
    if style == "eu":
        return moment.strftime("%d.%m.%Y %H:%M:%S UTC")
    if style == "utc":
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def fmt_date(moment: datetime, style: str) -> str:
    return moment.strftime("%d.%m.%Y") if style == "eu" else moment.strftime("%Y-%m-%d")


def fmt_amount(amount: Decimal, mkt: Marketplace) -> str:
    text = f"{amount:.2f}"
    return text.replace(".", ",") if mkt.decimal_comma else text


class Formatter:
    """Formats the cells of one report document (the style of its first requested marketplace)."""

    def __init__(self, report_type: str, mkt: Marketplace) -> None:
        self.style = style_for(report_type, mkt)
        self.mkt = mkt

    def dt(self, moment: datetime) -> str:
        return fmt_datetime(moment, self.style)

    def date(self, moment: datetime) -> str:
        return fmt_date(moment, self.style)

    def amount(self, amount: Decimal) -> str:
        return fmt_amount(amount, self.mkt)
