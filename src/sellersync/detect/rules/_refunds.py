"""Per refunded FBA order item: units refunded, returned, received back into the ledger, reimbursed.

Shared by ``refund_without_return`` and ``return_not_restocked``. Reimbursements that name the order
and SKU (``CustomerReturn`` and any other reason; reversals count negative) settle units that never
came back first, then units that came back without being restocked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sellersync.detect.common import RuleContext, q2
from sellersync.detect.contract import RefundFact, ReimbursementFact, ReturnFact, ReturnReceipt, SaleFact


@dataclass
class RefundedItem:
    marketplace_id: str
    order_id: str
    sku: str
    refunds: list[RefundFact] = field(default_factory=list)
    returns: list[ReturnFact] = field(default_factory=list)
    reimbursements: list[ReimbursementFact] = field(default_factory=list)
    sale: SaleFact | None = None

    @property
    def refunded(self) -> int:
        return sum(abs(r.quantity) for r in self.refunds)

    @property
    def returned(self) -> int:
        return sum(r.quantity for r in self.returns)

    @property
    def reimbursed(self) -> int:
        return sum(r.quantity_total for r in self.reimbursements)

    @property
    def reimbursement_ids(self) -> list[str]:
        return sorted({r.reimbursement_id for r in self.reimbursements})

    @property
    def refund_date(self) -> datetime:
        """The window counts from the refund (the latest one, when the item was refunded twice)."""
        return max(r.posted_date for r in self.refunds)

    @property
    def is_fba(self) -> bool:
        s = self.sale
        return s is not None and (s.fba_fee != 0 or s.shipment_row_id is not None)

    @property
    def never_returned(self) -> int:
        """Refunded units with no return row, after reimbursements."""
        return max(0, self.refunded - self.returned - max(0, self.reimbursed))

    @property
    def reimbursed_beyond_missing(self) -> int:
        return max(0, max(0, self.reimbursed) - max(0, self.refunded - self.returned))

    def unit_value(self) -> Decimal | None:
        v = self.sale.unit_value if self.sale else None
        return None if v is None else q2(v)

    def evidence(self) -> dict[str, object]:
        s = self.sale
        return {
            "rows": {
                "financial_events": sorted({r.id for r in self.refunds} | set(s.row_ids if s else ())),
                "customer_returns": sorted(r.id for r in self.returns),
                "reimbursements": sorted(r.id for r in self.reimbursements),
                "fba_shipments": [s.shipment_row_id] if s and s.shipment_row_id else [],
            },
            "orderId": self.order_id,
            "orderItemId": (s.order_item_id if s else "")
            or (self.refunds[0].order_item_id if self.refunds else ""),
            "refundDates": sorted({r.posted_date.isoformat() for r in self.refunds}),
            "quantityRefunded": self.refunded,
            "quantityReturned": self.returned,
            "quantityReimbursed": self.reimbursed,
            "reimbursementIds": sorted({r.reimbursement_id for r in self.reimbursements}),
            "unitValue": None if self.unit_value() is None else str(self.unit_value()),
            "valuation": "sale_price_less_fees" if self.unit_value() is not None else "unknown",
        }


def refunded_items(ctx: RuleContext) -> list[RefundedItem]:
    facts = ctx.facts
    items: dict[tuple[str, str], RefundedItem] = {}
    for r in facts.refunds:
        key = (r.order_id, r.sku)
        if key not in items:
            items[key] = RefundedItem(r.marketplace_id, r.order_id, r.sku)
        items[key].refunds.append(r)
    for ret in facts.returns:
        item = items.get((ret.order_id, ret.sku))
        if item is not None:
            item.returns.append(ret)
    for rb in facts.reimbursements:
        item = items.get((rb.amazon_order_id, rb.sku)) if rb.amazon_order_id else None
        if item is not None:
            item.reimbursements.append(rb)
    for s in facts.sales:
        item = items.get((s.order_id, s.sku))
        if item is not None:
            item.sale = s
    return [i for i in items.values() if i.is_fba]


@dataclass
class Restock:
    """What the ledger received back for one return row: units and the ledger lines they came from."""

    units: int = 0
    ledger_rows: list[int] = field(default_factory=list)
    matched_by: set[str] = field(default_factory=set)  # "lpn" | "order_id"


def restocked_returns(ctx: RuleContext) -> dict[int, Restock]:
    """Per return row id: the units a ledger ``CustomerReturns`` line received back for it.

    A line restocks a return when its reference id carries the return's LPN **or** its order id, in
    the same marketplace, with the same FNSKU (a blank FNSKU on either side does not object), dated on
    or after the return date (UTC calendar day). Each line's units are used once: lines carrying an
    LPN go to that LPN's return first; lines carrying an order id then go to the order's returns of
    that FNSKU, oldest return first. The disposition does not matter: a unit received back sellable,
    customer-damaged or defective came back.
    """
    lines: dict[tuple[str, str], list[list[Any]]] = defaultdict(list)  # (mkt, ref) -> [line, left]
    for t in ctx.facts.return_receipts:
        if t.quantity > 0:
            lines[(t.marketplace_id, t.reference_id)].append([t, t.quantity])
    out: dict[int, Restock] = defaultdict(Restock)
    returns = sorted(ctx.facts.returns, key=lambda r: (r.return_date, r.id))
    for how in ("lpn", "order_id"):
        for ret in returns:
            ref = ret.license_plate_number if how == "lpn" else ret.order_id
            want = ret.quantity - out[ret.id].units
            if not ref or want <= 0:
                continue
            for entry in lines.get((ret.marketplace_id, ref), ()):
                line: ReturnReceipt = entry[0]
                if want <= 0:
                    break
                if entry[1] <= 0 or line.event_date.date() < ret.return_date.date():
                    continue
                if line.fnsku and ret.fnsku and line.fnsku != ret.fnsku:
                    continue
                take = min(want, entry[1])
                entry[1] -= take
                want -= take
                got = out[ret.id]
                got.units += take
                got.ledger_rows.append(line.id)
                got.matched_by.add(how)
    return dict(out)
