"""Canonical entity tables: what a sync writes.

Every table has a natural key made of Amazon identifiers (``__natural_key__``, enforced by a unique
constraint) and never the current time or a random value. Key columns are NOT NULL with ``''`` for
"absent", because NULLs are distinct in unique constraints on both SQLite and PostgreSQL. Where Amazon
gives a row no identifier (ledger events, removal shipments, settlement lines, financial event
components), the normaliser derives ``row_key``: a digest of the row's identifying fields plus its
occurrence number among identical rows of the same document.

``sync_id`` is the sync that last changed the row; ``row_hash`` is a digest of its content, so an
upsert of identical content changes nothing (a re-run writes zero rows).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sellersync.store.base import Base
from sellersync.store.types import Money, UTCDateTime, utcnow


class CanonicalRow:
    """Columns every canonical row carries."""

    __natural_key__: ClassVar[tuple[str, ...]]

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("amazon_connections.id", ondelete="CASCADE"))
    marketplace_id: Mapped[str] = mapped_column(String(20), default="")
    sync_id: Mapped[str] = mapped_column(String(36), index=True)
    row_hash: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _key(table: str, *cols: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("connection_id", *cols, name=f"uq_{table}_key"),)


class Order(CanonicalRow, Base):
    __tablename__ = "orders"
    __natural_key__ = ("connection_id", "amazon_order_id")
    __table_args__ = _key(__tablename__, "amazon_order_id")

    amazon_order_id: Mapped[str] = mapped_column(String(40))
    merchant_order_id: Mapped[str] = mapped_column(String(80), default="")
    purchase_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_updated_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_status: Mapped[str] = mapped_column(String(40), default="")
    fulfillment_channel: Mapped[str] = mapped_column(String(20), default="")
    sales_channel: Mapped[str] = mapped_column(String(80), default="")
    ship_country: Mapped[str] = mapped_column(String(8), default="")
    currency: Mapped[str] = mapped_column(String(3), default="")
    order_total: Mapped[Decimal | None] = mapped_column(Money)


class OrderItem(CanonicalRow, Base):
    __tablename__ = "order_items"
    __natural_key__ = ("connection_id", "amazon_order_id", "sku", "line")
    __table_args__ = _key(__tablename__, "amazon_order_id", "sku", "line")

    amazon_order_id: Mapped[str] = mapped_column(String(40), index=True)
    sku: Mapped[str] = mapped_column(String(80))
    #: 0 for the order's first line of this SKU, 1 for a second line of the same SKU, and so on
    #: (neither the flat file nor the key can rely on an order item id; see normalize/orders.py).
    line: Mapped[int] = mapped_column(Integer, default=0)
    order_item_id: Mapped[str] = mapped_column(String(40), default="")
    asin: Mapped[str] = mapped_column(String(20), default="")
    item_status: Mapped[str] = mapped_column(String(40), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="")
    item_price: Mapped[Decimal | None] = mapped_column(Money)
    item_tax: Mapped[Decimal | None] = mapped_column(Money)
    shipping_price: Mapped[Decimal | None] = mapped_column(Money)
    item_promotion_discount: Mapped[Decimal | None] = mapped_column(Money)
    purchase_date: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FbaShipment(CanonicalRow, Base):
    """A unit shipped to a customer by FBA (Amazon Fulfilled Shipments report)."""

    __tablename__ = "fba_shipments"
    __natural_key__ = ("connection_id", "shipment_item_id")
    __table_args__ = _key(__tablename__, "shipment_item_id")

    shipment_item_id: Mapped[str] = mapped_column(String(40))
    shipment_id: Mapped[str] = mapped_column(String(40), default="")
    amazon_order_id: Mapped[str] = mapped_column(String(40), index=True)
    amazon_order_item_id: Mapped[str] = mapped_column(String(40), default="")
    purchase_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipment_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sku: Mapped[str] = mapped_column(String(80), default="")
    quantity_shipped: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="")
    item_price: Mapped[Decimal | None] = mapped_column(Money)
    fulfillment_center_id: Mapped[str] = mapped_column(String(16), default="")
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(80), default="")


class InboundShipment(CanonicalRow, Base):
    """A shipment the seller sent to Amazon's fulfillment network (FBA Inbound v0)."""

    __tablename__ = "inbound_shipments"
    __natural_key__ = ("connection_id", "shipment_id")
    __table_args__ = _key(__tablename__, "shipment_id")

    shipment_id: Mapped[str] = mapped_column(String(40))
    shipment_name: Mapped[str] = mapped_column(String(200), default="")
    destination_fulfillment_center_id: Mapped[str] = mapped_column(String(16), default="")
    shipment_status: Mapped[str] = mapped_column(String(20), default="")
    created_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_updated_date: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundShipmentItem(CanonicalRow, Base):
    __tablename__ = "inbound_shipment_items"
    __natural_key__ = ("connection_id", "shipment_id", "sku")
    __table_args__ = _key(__tablename__, "shipment_id", "sku")

    shipment_id: Mapped[str] = mapped_column(String(40), index=True)
    sku: Mapped[str] = mapped_column(String(80))
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    quantity_shipped: Mapped[int] = mapped_column(Integer, default=0)
    quantity_received: Mapped[int] = mapped_column(Integer, default=0)
    quantity_in_case: Mapped[int] = mapped_column(Integer, default=0)


class CustomerReturn(CanonicalRow, Base):
    __tablename__ = "customer_returns"
    __natural_key__ = ("connection_id", "order_id", "sku", "license_plate_number", "return_date")
    __table_args__ = _key(__tablename__, "order_id", "sku", "license_plate_number", "return_date")

    return_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    order_id: Mapped[str] = mapped_column(String(40), index=True)
    sku: Mapped[str] = mapped_column(String(80))
    asin: Mapped[str] = mapped_column(String(20), default="")
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    product_name: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    fulfillment_center_id: Mapped[str] = mapped_column(String(16), default="")
    detailed_disposition: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(80), default="")
    license_plate_number: Mapped[str] = mapped_column(String(40), default="")
    customer_comments: Mapped[str] = mapped_column(Text, default="")


class Reimbursement(CanonicalRow, Base):
    """A reimbursement (or a reversal of one: negative amounts, ``original_reimbursement_id``)."""

    __tablename__ = "reimbursements"
    __natural_key__ = ("connection_id", "reimbursement_id", "sku", "condition")
    __table_args__ = _key(__tablename__, "reimbursement_id", "sku", "condition")

    reimbursement_id: Mapped[str] = mapped_column(String(40))
    approval_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    case_id: Mapped[str] = mapped_column(String(40), default="")
    amazon_order_id: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(String(60), default="")
    sku: Mapped[str] = mapped_column(String(80), default="")
    fnsku: Mapped[str] = mapped_column(String(20), default="", index=True)
    asin: Mapped[str] = mapped_column(String(20), default="")
    product_name: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(String(40), default="")
    currency: Mapped[str] = mapped_column(String(3), default="")
    amount_per_unit: Mapped[Decimal | None] = mapped_column(Money)
    amount_total: Mapped[Decimal] = mapped_column(Money)
    quantity_reimbursed_cash: Mapped[int] = mapped_column(Integer, default=0)
    quantity_reimbursed_inventory: Mapped[int] = mapped_column(Integer, default=0)
    quantity_reimbursed_total: Mapped[int] = mapped_column(Integer, default=0)
    original_reimbursement_id: Mapped[str] = mapped_column(String(40), default="")
    original_reimbursement_type: Mapped[str] = mapped_column(String(60), default="")


class LedgerEvent(CanonicalRow, Base):
    """One line of the inventory ledger detail report."""

    __tablename__ = "inventory_ledger"
    __natural_key__ = ("connection_id", "row_key")
    __table_args__ = _key(__tablename__, "row_key")

    row_key: Mapped[str] = mapped_column(String(40))
    event_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    fnsku: Mapped[str] = mapped_column(String(20), index=True)
    asin: Mapped[str] = mapped_column(String(20), default="")
    sku: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    event_type: Mapped[str] = mapped_column(String(30))
    reference_id: Mapped[str] = mapped_column(String(60), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    fulfillment_center: Mapped[str] = mapped_column(String(16), default="")
    disposition: Mapped[str] = mapped_column(String(30), default="")
    reason: Mapped[str] = mapped_column(String(10), default="")
    country: Mapped[str] = mapped_column(String(4), default="")
    reconciled_quantity: Mapped[int] = mapped_column(Integer, default=0)
    unreconciled_quantity: Mapped[int] = mapped_column(Integer, default=0)


class InventorySummary(CanonicalRow, Base):
    """Current FBA stock of a SKU in a marketplace (FBA Inventory API)."""

    __tablename__ = "inventory_summaries"
    __natural_key__ = ("connection_id", "marketplace_id", "sku")
    __table_args__ = _key(__tablename__, "marketplace_id", "sku")

    sku: Mapped[str] = mapped_column(String(80))
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    asin: Mapped[str] = mapped_column(String(20), default="")
    product_name: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(String(40), default="")
    total_quantity: Mapped[int] = mapped_column(Integer, default=0)
    fulfillable_quantity: Mapped[int] = mapped_column(Integer, default=0)
    inbound_working_quantity: Mapped[int] = mapped_column(Integer, default=0)
    inbound_shipped_quantity: Mapped[int] = mapped_column(Integer, default=0)
    inbound_receiving_quantity: Mapped[int] = mapped_column(Integer, default=0)
    reserved_quantity: Mapped[int] = mapped_column(Integer, default=0)
    unfulfillable_quantity: Mapped[int] = mapped_column(Integer, default=0)
    researching_quantity: Mapped[int] = mapped_column(Integer, default=0)
    last_updated_time: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RemovalOrder(CanonicalRow, Base):
    __tablename__ = "removal_orders"
    __natural_key__ = ("connection_id", "order_id", "sku", "disposition")
    __table_args__ = _key(__tablename__, "order_id", "sku", "disposition")

    order_id: Mapped[str] = mapped_column(String(40))
    request_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    order_type: Mapped[str] = mapped_column(String(20), default="")
    order_status: Mapped[str] = mapped_column(String(30), default="")
    last_updated_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sku: Mapped[str] = mapped_column(String(80))
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    disposition: Mapped[str] = mapped_column(String(30), default="")
    requested_quantity: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_quantity: Mapped[int] = mapped_column(Integer, default=0)
    disposed_quantity: Mapped[int] = mapped_column(Integer, default=0)
    shipped_quantity: Mapped[int] = mapped_column(Integer, default=0)
    in_process_quantity: Mapped[int] = mapped_column(Integer, default=0)
    removal_fee: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="")


class RemovalShipment(CanonicalRow, Base):
    __tablename__ = "removal_shipments"
    __natural_key__ = ("connection_id", "row_key")
    __table_args__ = _key(__tablename__, "row_key")

    row_key: Mapped[str] = mapped_column(String(40))
    removal_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[str] = mapped_column(String(40), index=True)
    shipment_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sku: Mapped[str] = mapped_column(String(80), default="")
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    disposition: Mapped[str] = mapped_column(String(30), default="")
    quantity_shipped: Mapped[int] = mapped_column(Integer, default=0)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(80), default="")


class Settlement(CanonicalRow, Base):
    __tablename__ = "settlements"
    __natural_key__ = ("connection_id", "settlement_id")
    __table_args__ = _key(__tablename__, "settlement_id")

    settlement_id: Mapped[str] = mapped_column(String(40))
    settlement_start_date: Mapped[datetime] = mapped_column(UTCDateTime)
    settlement_end_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    deposit_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="")


class SettlementLine(CanonicalRow, Base):
    __tablename__ = "settlement_lines"
    __natural_key__ = ("connection_id", "row_key")
    __table_args__ = _key(__tablename__, "row_key")

    row_key: Mapped[str] = mapped_column(String(40))
    settlement_id: Mapped[str] = mapped_column(String(40), index=True)
    transaction_type: Mapped[str] = mapped_column(String(60), default="")
    order_id: Mapped[str] = mapped_column(String(40), default="")
    merchant_order_id: Mapped[str] = mapped_column(String(80), default="")
    adjustment_id: Mapped[str] = mapped_column(String(40), default="")
    shipment_id: Mapped[str] = mapped_column(String(40), default="")
    marketplace_name: Mapped[str] = mapped_column(String(40), default="")
    amount_type: Mapped[str] = mapped_column(String(60), default="")
    amount_description: Mapped[str] = mapped_column(String(120), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="")
    fulfillment_id: Mapped[str] = mapped_column(String(20), default="")
    posted_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_item_code: Mapped[str] = mapped_column(String(40), default="")
    merchant_order_item_id: Mapped[str] = mapped_column(String(40), default="")
    merchant_adjustment_item_id: Mapped[str] = mapped_column(String(40), default="")
    sku: Mapped[str] = mapped_column(String(80), default="")
    quantity_purchased: Mapped[int] = mapped_column(Integer, default=0)
    promotion_id: Mapped[str] = mapped_column(String(80), default="")


class FinancialEvent(CanonicalRow, Base):
    """One money component of a Finances API event: a charge, a fee, a refund line, an adjustment."""

    __tablename__ = "financial_events"
    __natural_key__ = ("connection_id", "row_key")
    __table_args__ = _key(__tablename__, "row_key")

    row_key: Mapped[str] = mapped_column(String(40))
    event_list: Mapped[str] = mapped_column(String(40))  # ShipmentEventList, RefundEventList, ...
    event_type: Mapped[str] = mapped_column(String(20))  # shipment|refund|service_fee|adjustment|...
    posted_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    amazon_order_id: Mapped[str] = mapped_column(String(40), default="", index=True)
    seller_order_id: Mapped[str] = mapped_column(String(80), default="")
    order_item_id: Mapped[str] = mapped_column(String(40), default="")
    adjustment_type: Mapped[str] = mapped_column(String(60), default="")
    sku: Mapped[str] = mapped_column(String(80), default="")
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    asin: Mapped[str] = mapped_column(String(20), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    component: Mapped[str] = mapped_column(String(20))  # charge | fee | promotion | tax | adjustment
    charge_type: Mapped[str] = mapped_column(String(80))  # Principal, FBAPerUnitFulfillmentFee, ...
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="")
    marketplace_name: Mapped[str] = mapped_column(String(40), default="")


class QuarantinedRow(CanonicalRow, Base):
    """A row that could not be read, kept with its reason: never silently dropped."""

    __tablename__ = "quarantined_rows"
    __natural_key__ = ("connection_id", "stream", "row_key")
    __table_args__ = _key(__tablename__, "stream", "row_key")

    stream: Mapped[str] = mapped_column(String(40))
    row_key: Mapped[str] = mapped_column(String(40))
    raw: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


CANONICAL_MODELS: tuple[type[CanonicalRow], ...] = (
    Order,
    OrderItem,
    FbaShipment,
    InboundShipment,
    InboundShipmentItem,
    CustomerReturn,
    Reimbursement,
    LedgerEvent,
    InventorySummary,
    RemovalOrder,
    RemovalShipment,
    Settlement,
    SettlementLine,
    FinancialEvent,
    QuarantinedRow,
)
