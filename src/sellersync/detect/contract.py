"""The typed contract between the canonical store and the detection rules.

Rules never touch a session or a raw payload: they receive these frozen dataclasses. Each loader is
one set-based SELECT over one connection's canonical rows (SQL filters and ``GROUP BY`` aggregates),
never a query per SKU. :class:`Facts` loads everything a detection run needs, once.

Row ids (``id``, ``row_ids``) are the canonical rows' primary keys: a claim's evidence names them so
``GET /api/claims/{id}`` can show the rows it rests on. Amazon's own identifiers ride along for people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from sellersync.store.models import (
    CustomerReturn,
    FbaShipment,
    FinancialEvent,
    InboundShipment,
    InboundShipmentItem,
    InventorySummary,
    LedgerEvent,
    Reimbursement,
    RemovalOrder,
    RemovalShipment,
    SellerProduct,
)

ZERO = Decimal(0)


def _dec(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


@dataclass(frozen=True)
class LedgerAdjustment:
    """An inventory ledger ``Adjustments`` line with a reason code detection cares about."""

    id: int
    marketplace_id: str
    fnsku: str
    sku: str
    asin: str
    event_date: datetime
    reference_id: str
    quantity: int  # signed, as the ledger writes it
    reason: str
    disposition: str
    fulfillment_center: str
    # Amazon's own bookkeeping of a loss or damage (ledger columns): units it counts as reconciled
    # (found or reimbursed) and units still unreconciled; both 0 when the ledger gives none.
    reconciled_quantity: int = 0
    unreconciled_quantity: int = 0


@dataclass(frozen=True)
class ReimbursementFact:
    """A reimbursement report row; a reversal has negative quantities and total."""

    id: int
    reimbursement_id: str
    marketplace_id: str
    approval_date: datetime
    amazon_order_id: str
    case_id: str
    reason: str
    sku: str
    fnsku: str
    asin: str
    currency: str
    amount_per_unit: Decimal | None
    amount_total: Decimal
    quantity_cash: int
    quantity_total: int
    original_reimbursement_id: str
    original_reimbursement_type: str

    @property
    def is_reversal(self) -> bool:
        return self.quantity_total < 0 or self.amount_total < 0 or bool(self.original_reimbursement_id)


@dataclass(frozen=True)
class RefundFact:
    """One refunded order item (its ``Principal`` component in RefundEventList)."""

    id: int
    marketplace_id: str
    order_id: str
    sku: str
    order_item_id: str
    posted_date: datetime
    quantity: int
    principal: Decimal  # negative: money returned to the customer
    currency: str


@dataclass(frozen=True)
class SaleFact:
    """An order item's ShipmentEvent economics, aggregated per (order, SKU)."""

    marketplace_id: str
    order_id: str
    sku: str
    order_item_id: str
    posted_date: datetime
    quantity: int
    principal: Decimal
    commission: Decimal  # negative
    fba_fee: Decimal  # negative; 0 for merchant-fulfilled items
    currency: str
    fee_row_id: int | None
    row_ids: tuple[int, ...]
    shipment_date: datetime | None  # from the FBA shipments report, when synced
    shipment_row_id: int | None

    @property
    def unit_value(self) -> Decimal | None:
        """Sale price less fees, per unit (FACTS §8: the value of a unit lost after an order)."""
        if self.quantity <= 0:
            return None
        return (self.principal + self.commission + self.fba_fee) / self.quantity


@dataclass(frozen=True)
class ReturnFact:
    id: int
    marketplace_id: str
    order_id: str
    sku: str
    fnsku: str
    asin: str
    return_date: datetime
    quantity: int
    license_plate_number: str
    disposition: str


@dataclass(frozen=True)
class LedgerTotal:
    """Ledger units per (event type, reference id, FNSKU): receipts of a shipment, returns of an LPN."""

    event_type: str
    reference_id: str
    fnsku: str
    marketplace_id: str
    quantity: int
    first_date: datetime
    row_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReturnReceipt:
    """A ledger ``CustomerReturns`` line: units of a customer return received back into inventory.
    Its reference id carries the return's license plate number, or the order id."""

    id: int
    marketplace_id: str
    reference_id: str
    fnsku: str
    event_date: datetime
    quantity: int
    disposition: str


@dataclass(frozen=True)
class InboundItemFact:
    id: int
    shipment_row_id: int | None
    marketplace_id: str
    shipment_id: str
    sku: str
    fnsku: str
    quantity_shipped: int
    quantity_received: int
    shipment_status: str
    created_date: datetime | None
    last_updated_date: datetime | None


@dataclass(frozen=True)
class RemovalFact:
    """A removal order line with the units its shipment rows carry."""

    id: int
    marketplace_id: str
    order_id: str
    sku: str
    fnsku: str
    order_type: str
    order_status: str
    request_date: datetime
    last_updated_date: datetime | None
    shipped_quantity: int
    currency: str
    shipped_in_rows: int
    shipment_row_ids: tuple[int, ...]
    first_shipment_date: datetime | None


@dataclass(frozen=True)
class ProductFact:
    """What is known of a SKU in a marketplace: identifiers, the seller's cost and dimensions."""

    marketplace_id: str
    sku: str
    fnsku: str = ""
    asin: str = ""
    unit_cost: Decimal | None = None
    currency: str = ""
    dimensions: tuple[Decimal, Decimal, Decimal, Decimal] | None = None  # length, width, height in; lb


def _ids(value: Any) -> tuple[int, ...]:
    """Row ids aggregated with string_agg/group_concat, as a sorted tuple."""
    if value is None or value == "":
        return ()
    return tuple(sorted(int(v) for v in str(value).split(",") if v))


def _agg_ids(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.string_agg(cast(column, String), literal(","))
    return func.group_concat(column, literal(","))


# ---------------------------------------------------------------- loaders (one SELECT each)


def ledger_adjustments(
    session: Session, connection_id: int, reasons: Iterable[str]
) -> list[LedgerAdjustment]:
    L = LedgerEvent
    stmt = (
        select(
            L.id,
            L.marketplace_id,
            L.fnsku,
            L.sku,
            L.asin,
            L.event_date,
            L.reference_id,
            L.quantity,
            L.reason,
            L.disposition,
            L.fulfillment_center,
            func.coalesce(L.reconciled_quantity, 0).label("reconciled_quantity"),
            func.coalesce(L.unreconciled_quantity, 0).label("unreconciled_quantity"),
        )
        .where(
            L.connection_id == connection_id,
            L.event_type == "Adjustments",
            L.reason.in_(sorted(set(reasons))),
        )
        .order_by(L.marketplace_id, L.fnsku, L.event_date, L.id)
    )
    return [LedgerAdjustment(**r._mapping) for r in session.execute(stmt)]


def reimbursements(session: Session, connection_id: int) -> list[ReimbursementFact]:
    R = Reimbursement
    stmt = (
        select(
            R.id,
            R.reimbursement_id,
            R.marketplace_id,
            R.approval_date,
            R.amazon_order_id,
            R.case_id,
            R.reason,
            R.sku,
            R.fnsku,
            R.asin,
            R.currency,
            R.amount_per_unit,
            R.amount_total,
            R.quantity_reimbursed_cash.label("quantity_cash"),
            R.quantity_reimbursed_total.label("quantity_total"),
            R.original_reimbursement_id,
            R.original_reimbursement_type,
        )
        .where(R.connection_id == connection_id)
        .order_by(R.marketplace_id, R.fnsku, R.approval_date, R.id)
    )
    out = []
    for r in session.execute(stmt):
        m = dict(r._mapping)
        m["amount_total"] = _dec(m["amount_total"])
        out.append(ReimbursementFact(**m))
    return out


def refunds(session: Session, connection_id: int) -> list[RefundFact]:
    F = FinancialEvent
    stmt = (
        select(
            F.id,
            F.marketplace_id,
            F.amazon_order_id.label("order_id"),
            F.sku,
            F.order_item_id,
            F.posted_date,
            F.quantity,
            F.amount.label("principal"),
            F.currency,
        )
        .where(
            F.connection_id == connection_id,
            F.event_list == "RefundEventList",
            F.component == "charge",
            F.charge_type == "Principal",
        )
        .order_by(F.posted_date, F.id)
    )
    return [RefundFact(**r._mapping) for r in session.execute(stmt)]


def sales(session: Session, connection_id: int) -> list[SaleFact]:
    """ShipmentEventList components per (order, SKU), joined with the first FBA shipment of the item."""
    F = FinancialEvent
    is_fee = and_(F.component == "fee", F.charge_type == "FBAPerUnitFulfillmentFee")
    per_item = (
        select(
            F.marketplace_id,
            F.amazon_order_id.label("order_id"),
            F.sku,
            func.max(F.order_item_id).label("order_item_id"),
            func.min(F.posted_date).label("posted_date"),
            func.max(case((F.charge_type == "Principal", F.quantity), else_=0)).label("quantity"),
            func.sum(
                case((and_(F.component == "charge", F.charge_type == "Principal"), F.amount), else_=0)
            ).label("principal"),
            func.sum(
                case((and_(F.component == "fee", F.charge_type == "Commission"), F.amount), else_=0)
            ).label("commission"),
            func.sum(case((is_fee, F.amount), else_=0)).label("fba_fee"),
            func.max(F.currency).label("currency"),
            func.min(case((is_fee, F.id), else_=None)).label("fee_row_id"),
            _agg_ids(session, F.id).label("row_ids"),
        )
        .where(
            F.connection_id == connection_id,
            F.event_list == "ShipmentEventList",
            F.sku != "",
            F.charge_type.in_(("Principal", "Commission", "FBAPerUnitFulfillmentFee")),
        )
        .group_by(F.marketplace_id, F.amazon_order_id, F.sku)
        .subquery()
    )
    S = FbaShipment
    shipped = (
        select(
            S.amazon_order_id,
            S.sku,
            func.min(S.shipment_date).label("shipment_date"),
            func.min(S.id).label("shipment_row_id"),
        )
        .where(S.connection_id == connection_id)
        .group_by(S.amazon_order_id, S.sku)
        .subquery()
    )
    stmt: Select[Any] = select(per_item, shipped.c.shipment_date, shipped.c.shipment_row_id).outerjoin(
        shipped, and_(shipped.c.amazon_order_id == per_item.c.order_id, shipped.c.sku == per_item.c.sku)
    )
    out = []
    for r in session.execute(stmt):
        m = dict(r._mapping)
        for k in ("principal", "commission", "fba_fee"):
            m[k] = _dec(m[k]).quantize(Decimal("0.0001"))
        m["row_ids"] = _ids(m["row_ids"])
        m["quantity"] = int(m["quantity"] or 0)
        out.append(SaleFact(**m))
    return out


def returns(session: Session, connection_id: int) -> list[ReturnFact]:
    C = CustomerReturn
    stmt = (
        select(
            C.id,
            C.marketplace_id,
            C.order_id,
            C.sku,
            C.fnsku,
            C.asin,
            C.return_date,
            C.quantity,
            C.license_plate_number,
            C.detailed_disposition.label("disposition"),
        )
        .where(C.connection_id == connection_id)
        .order_by(C.return_date, C.id)
    )
    return [ReturnFact(**r._mapping) for r in session.execute(stmt)]


def return_receipts(session: Session, connection_id: int) -> list[ReturnReceipt]:
    """Ledger ``CustomerReturns`` lines (one per line: matching needs each line's date and id)."""
    L = LedgerEvent
    stmt = (
        select(
            L.id,
            L.marketplace_id,
            L.reference_id,
            L.fnsku,
            L.event_date,
            L.quantity,
            L.disposition,
        )
        .where(L.connection_id == connection_id, L.event_type == "CustomerReturns", L.reference_id != "")
        .order_by(L.event_date, L.id)
    )
    return [ReturnReceipt(**r._mapping) for r in session.execute(stmt)]


def ledger_totals(session: Session, connection_id: int, event_type: str) -> list[LedgerTotal]:
    """Ledger units of one event type per (reference id, FNSKU, marketplace)."""
    L = LedgerEvent
    stmt = (
        select(
            L.event_type,
            L.reference_id,
            L.fnsku,
            L.marketplace_id,
            func.sum(L.quantity).label("quantity"),
            func.min(L.event_date).label("first_date"),
            _agg_ids(session, L.id).label("row_ids"),
        )
        .where(L.connection_id == connection_id, L.event_type == event_type, L.reference_id != "")
        .group_by(L.event_type, L.reference_id, L.fnsku, L.marketplace_id)
    )
    out = []
    for r in session.execute(stmt):
        m = dict(r._mapping)
        m["row_ids"] = _ids(m["row_ids"])
        m["quantity"] = int(m["quantity"] or 0)
        out.append(LedgerTotal(**m))
    return out


def inbound_items(session: Session, connection_id: int) -> list[InboundItemFact]:
    It, S = InboundShipmentItem, InboundShipment
    stmt = (
        select(
            It.id,
            S.id.label("shipment_row_id"),
            It.marketplace_id,
            It.shipment_id,
            It.sku,
            It.fnsku,
            It.quantity_shipped,
            It.quantity_received,
            func.coalesce(S.shipment_status, "").label("shipment_status"),
            S.created_date,
            S.last_updated_date,
        )
        .outerjoin(S, and_(S.connection_id == It.connection_id, S.shipment_id == It.shipment_id))
        .where(It.connection_id == connection_id)
        .order_by(It.shipment_id, It.sku)
    )
    return [InboundItemFact(**r._mapping) for r in session.execute(stmt)]


def removals(session: Session, connection_id: int) -> list[RemovalFact]:
    Ro, S = RemovalOrder, RemovalShipment
    rows = (
        select(
            S.order_id,
            S.sku,
            func.sum(S.quantity_shipped).label("shipped_in_rows"),
            func.min(S.shipment_date).label("first_shipment_date"),
            _agg_ids(session, S.id).label("shipment_row_ids"),
        )
        .where(S.connection_id == connection_id)
        .group_by(S.order_id, S.sku)
        .subquery()
    )
    stmt = (
        select(
            Ro.id,
            Ro.marketplace_id,
            Ro.order_id,
            Ro.sku,
            Ro.fnsku,
            Ro.order_type,
            Ro.order_status,
            Ro.request_date,
            Ro.last_updated_date,
            Ro.shipped_quantity,
            Ro.currency,
            func.coalesce(rows.c.shipped_in_rows, 0).label("shipped_in_rows"),
            rows.c.shipment_row_ids,
            rows.c.first_shipment_date,
        )
        .outerjoin(rows, and_(rows.c.order_id == Ro.order_id, rows.c.sku == Ro.sku))
        .where(Ro.connection_id == connection_id)
        .order_by(Ro.request_date, Ro.id)
    )
    out = []
    for r in session.execute(stmt):
        m = dict(r._mapping)
        m["shipment_row_ids"] = _ids(m["shipment_row_ids"])
        m["shipped_in_rows"] = int(m["shipped_in_rows"] or 0)
        out.append(RemovalFact(**m))
    return out


def products(session: Session, connection_id: int) -> list[ProductFact]:
    """Identifiers per (marketplace, SKU) from inventory and the ledger, and the seller's product facts."""
    found: dict[tuple[str, str], ProductFact] = {}
    L, V = LedgerEvent, InventorySummary
    ledger_ids = (
        select(L.marketplace_id, L.sku, func.max(L.fnsku), func.max(L.asin))
        .where(L.connection_id == connection_id, L.sku != "")
        .group_by(L.marketplace_id, L.sku)
    )
    inventory_ids = select(V.marketplace_id, V.sku, V.fnsku, V.asin).where(V.connection_id == connection_id)
    for stmt in (ledger_ids, inventory_ids):
        for mkt, sku, fnsku, asin in session.execute(stmt):
            prev = found.get((mkt, sku))
            found[(mkt, sku)] = ProductFact(
                mkt, sku, fnsku or (prev.fnsku if prev else ""), asin or (prev.asin if prev else "")
            )
    P = SellerProduct
    for p in session.scalars(select(P).where(P.connection_id == connection_id)):
        prev = found.get((p.marketplace_id, p.sku))
        dims = None
        if None not in (p.length_in, p.width_in, p.height_in, p.weight_lb):
            dims = (_dec(p.length_in), _dec(p.width_in), _dec(p.height_in), _dec(p.weight_lb))
        found[(p.marketplace_id, p.sku)] = ProductFact(
            p.marketplace_id,
            p.sku,
            p.fnsku or (prev.fnsku if prev else ""),
            p.asin or (prev.asin if prev else ""),
            None if p.unit_cost is None else _dec(p.unit_cost),
            p.currency,
            dims,
        )
    return list(found.values())


@dataclass
class Facts:
    """Everything one detection run reads, loaded once (one SELECT per loader)."""

    connection_id: int
    region: str
    adjustments: list[LedgerAdjustment] = field(default_factory=list)
    reimbursements: list[ReimbursementFact] = field(default_factory=list)
    refunds: list[RefundFact] = field(default_factory=list)
    sales: list[SaleFact] = field(default_factory=list)
    returns: list[ReturnFact] = field(default_factory=list)
    return_receipts: list[ReturnReceipt] = field(default_factory=list)  # ledger CustomerReturns lines
    inbound_receipts: list[LedgerTotal] = field(default_factory=list)  # ledger Receipts by shipment
    removal_ledger: list[LedgerTotal] = field(default_factory=list)  # ledger VendorReturns by order
    inbound: list[InboundItemFact] = field(default_factory=list)
    removals: list[RemovalFact] = field(default_factory=list)
    products: list[ProductFact] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, connection_id: int, region: str, reasons: Iterable[str]) -> Facts:
        return cls(
            connection_id=connection_id,
            region=region,
            adjustments=ledger_adjustments(session, connection_id, reasons),
            reimbursements=reimbursements(session, connection_id),
            refunds=refunds(session, connection_id),
            sales=sales(session, connection_id),
            returns=returns(session, connection_id),
            return_receipts=return_receipts(session, connection_id),
            inbound_receipts=ledger_totals(session, connection_id, "Receipts"),
            removal_ledger=ledger_totals(session, connection_id, "VendorReturns"),
            inbound=inbound_items(session, connection_id),
            removals=removals(session, connection_id),
            products=products(session, connection_id),
        )

    def sizes(self) -> dict[str, int]:
        return {k: len(v) for k, v in vars(self).items() if isinstance(v, list)}
