"""The world's internal facts: orders, ledger movements, returns, reimbursements, financial events.

Reports and API answers are views of these records; nothing here knows about wire formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..contract import Marketplace
from .catalog import Product


@dataclass(slots=True)
class Item:
    order_item_id: str
    shipment_item_id: str
    product: Product
    quantity: int
    unit_price: Decimal
    unit_tax: Decimal
    shipping: Decimal  # shipping charge of the item line (total)
    promo: Decimal  # promotion discount of the line (total, positive)
    promo_id: str
    fee_per_unit: Decimal  # FBAPerUnitFulfillmentFee charged per unit (0 for MFN)
    commission_per_unit: Decimal

    @property
    def item_price(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def item_tax(self) -> Decimal:
        return self.unit_tax * self.quantity


@dataclass(slots=True)
class Order:
    order_id: str
    serial: int
    mkt: Marketplace
    purchase: datetime
    status: str  # Orders API status as of the anchor: Shipped, Pending, Canceled
    last_updated: datetime
    channel: str  # AFN | MFN
    items: list[Item]
    ship_time: datetime | None
    shipment_id: str
    fc: str
    carrier: str
    tracking: str
    city: str
    state: str
    postal: str


@dataclass(slots=True)
class LedgerRow:
    time: datetime
    mkt: Marketplace
    product: Product
    event_type: str  # Receipts, Shipments, CustomerReturns, VendorReturns, Adjustments
    reference_id: str
    quantity: int
    fc: str
    disposition: str
    reason: str = ""
    reconciled: int = 0
    unreconciled: int = 0


@dataclass(slots=True)
class ReturnRow:
    time: datetime
    mkt: Marketplace
    order_id: str
    product: Product
    quantity: int
    fc: str
    disposition: str
    reason: str
    status: str
    lpn: str
    comments: str


@dataclass(slots=True)
class ReimbRow:
    time: datetime
    mkt: Marketplace
    reimbursement_id: str
    case_id: str
    order_id: str
    reason: str
    product: Product
    condition: str
    per_unit: Decimal
    total: Decimal
    qty_cash: int
    qty_inventory: int
    original_id: str = ""
    original_type: str = ""


@dataclass(slots=True)
class FinEvent:
    time: datetime  # posted
    mkt: Marketplace
    list_name: str
    sort_key: str
    payload: dict[str, Any]
    extra: dict[str, str] = field(default_factory=dict)  # settlement-only facts (shipment id, channel)


@dataclass(slots=True)
class BadRow:
    """A row a correct parser must quarantine; its cells by header name (missing cells are empty)."""

    time: datetime
    mkt: Marketplace
    report_type: str
    cells: dict[str, str]
    column: str
    reason: str


@dataclass(slots=True)
class Day:
    """Everything that originates on one history day (events may fall up to HORIZON_DAYS later)."""

    index: int
    orders: list[Order] = field(default_factory=list)
    ledger: list[LedgerRow] = field(default_factory=list)
    returns: list[ReturnRow] = field(default_factory=list)
    reimbursements: list[ReimbRow] = field(default_factory=list)
    finance: list[FinEvent] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    planted: list[dict[str, Any]] = field(default_factory=list)  # discrepancy facts found on this day
