"""Finances API v0 event JSON (financesV0.json shapes) and the settlement lines derived from it.

``CurrencyAmount`` is a ``Decimal`` with two places (the model types it as a JSON number; the server
writes it as a number). Settlement lines are computed from the same payloads, so a settlement always
equals the financial events posted in its period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..contract import Marketplace
from .catalog import q2
from .records import FinEvent, Item, Order


def iso_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def money(currency: str, amount: Decimal) -> dict[str, Any]:
    return {"CurrencyCode": currency, "CurrencyAmount": q2(amount)}


def _charge(kind: str, currency: str, amount: Decimal) -> dict[str, Any]:
    return {"ChargeType": kind, "ChargeAmount": money(currency, amount)}


def _fee(kind: str, currency: str, amount: Decimal) -> dict[str, Any]:
    return {"FeeType": kind, "FeeAmount": money(currency, amount)}


def _withheld(currency: str, amount: Decimal) -> list[dict[str, Any]]:
    return [
        {
            "TaxCollectionModel": "MarketplaceFacilitator",
            "TaxesWithheld": [_charge("MarketplaceFacilitatorTax-Principal", currency, amount)],
        }
    ]


def shipment_event(order: Order, posted: datetime) -> FinEvent:
    cur = order.mkt.currency
    items = []
    for it in order.items:
        charges = [_charge("Principal", cur, it.item_price), _charge("Tax", cur, it.item_tax)]
        if it.shipping:
            charges.append(_charge("ShippingCharge", cur, it.shipping))
        fees = [_fee("Commission", cur, -it.commission_per_unit * it.quantity)]
        if order.channel == "AFN":
            fees.insert(0, _fee("FBAPerUnitFulfillmentFee", cur, -it.fee_per_unit * it.quantity))
        entry: dict[str, Any] = {
            "SellerSKU": it.product.sku,
            "OrderItemId": it.order_item_id,
            "QuantityShipped": it.quantity,
            "ItemChargeList": charges,
            "ItemFeeList": fees,
        }
        if it.item_tax:
            entry["ItemTaxWithheldList"] = _withheld(cur, -it.item_tax)
        if it.promo:
            entry["PromotionList"] = [
                {
                    "PromotionType": "PromotionMetaDataDefinitionValue",
                    "PromotionId": it.promo_id,
                    "PromotionAmount": money(cur, -it.promo),
                }
            ]
        items.append(entry)
    payload = {
        "AmazonOrderId": order.order_id,
        "MarketplaceName": order.mkt.name,
        "PostedDate": iso_z(posted),
        "ShipmentItemList": items,
    }
    return FinEvent(
        posted,
        order.mkt,
        "ShipmentEventList",
        "S" + order.order_id,
        payload,
        {"shipment_id": order.shipment_id, "channel": order.channel},
    )


def refund_commission(it: Item, quantity: int) -> Decimal:
    return min(q2(it.commission_per_unit * quantity * Decimal("0.20")), Decimal("5.00"))


def refund_event(order: Order, it: Item, quantity: int, refund_id: str, posted: datetime) -> FinEvent:
    cur = order.mkt.currency
    entry: dict[str, Any] = {
        "SellerSKU": it.product.sku,
        "OrderItemId": it.order_item_id,
        "OrderAdjustmentItemId": refund_id,
        "QuantityShipped": quantity,
        "ItemChargeAdjustmentList": [
            _charge("Principal", cur, -it.unit_price * quantity),
            _charge("Tax", cur, -it.unit_tax * quantity),
        ],
        "ItemFeeAdjustmentList": [
            _fee("Commission", cur, it.commission_per_unit * quantity),
            _fee("RefundCommission", cur, -refund_commission(it, quantity)),
        ],
    }
    if it.unit_tax:
        entry["ItemTaxWithheldList"] = _withheld(cur, it.unit_tax * quantity)
    payload = {
        "AmazonOrderId": order.order_id,
        "MarketplaceName": order.mkt.name,
        "PostedDate": iso_z(posted),
        "ShipmentItemAdjustmentList": [entry],
    }
    return FinEvent(
        posted, order.mkt, "RefundEventList", "R" + refund_id, payload, {"channel": order.channel}
    )


def adjustment_event(
    mkt: Marketplace,
    kind: str,
    posted: datetime,
    sku: str,
    fnsku: str,
    asin: str,
    title: str,
    quantity: int,
    per_unit: Decimal,
    total: Decimal,
    reimbursement_id: str,
) -> FinEvent:
    cur = mkt.currency
    payload = {
        "AdjustmentType": kind,
        "PostedDate": iso_z(posted),
        "AdjustmentAmount": money(cur, total),
        "AdjustmentItemList": [
            {
                "Quantity": str(quantity),
                "PerUnitAmount": money(cur, per_unit),
                "TotalAmount": money(cur, total),
                "SellerSKU": sku,
                "FnSKU": fnsku,
                "ProductDescription": title,
                "ASIN": asin,
                "TransactionNumber": reimbursement_id,
            }
        ],
    }
    return FinEvent(posted, mkt, "AdjustmentEventList", "A" + reimbursement_id, payload)


def service_fee_event(
    mkt: Marketplace,
    posted: datetime,
    fee_type: str,
    amount: Decimal,
    description: str,
    key: str,
    sku: str = "",
    fnsku: str = "",
    asin: str = "",
) -> FinEvent:
    """ServiceFeeEvent has no PostedDate in the model; ``posted`` orders and windows it."""
    payload: dict[str, Any] = {
        "FeeReason": fee_type,
        "FeeList": [_fee(fee_type, mkt.currency, amount)],
        "FeeDescription": description,
    }
    if sku:
        payload.update({"SellerSKU": sku, "FnSKU": fnsku, "ASIN": asin})
    return FinEvent(posted, mkt, "ServiceFeeEventList", "F" + key, payload)


@dataclass(frozen=True, slots=True)
class Line:
    transaction_type: str
    order_id: str
    adjustment_id: str
    shipment_id: str
    amount_type: str
    amount_description: str
    amount: Decimal
    fulfillment_id: str
    order_item_code: str
    sku: str
    quantity: str
    promotion_id: str


def event_amounts(event: FinEvent) -> Iterator[Decimal]:
    """Every money amount of an event, as a settlement would add it up."""
    for line in settlement_lines(event):
        yield line.amount


def settlement_lines(event: FinEvent) -> Iterator[Line]:
    p = event.payload
    if event.list_name in ("ShipmentEventList", "RefundEventList"):
        refund = event.list_name == "RefundEventList"
        kind = "Refund" if refund else "Order"
        items = p["ShipmentItemAdjustmentList" if refund else "ShipmentItemList"]
        ship = event.extra.get("shipment_id", "")
        chan = event.extra.get("channel", "AFN")
        for it in items:
            adj = it.get("OrderAdjustmentItemId", "")
            common = (kind, p["AmazonOrderId"], adj, ship)
            tail = (chan, it["OrderItemId"], it["SellerSKU"], str(it["QuantityShipped"]))
            for c in it["ItemChargeAdjustmentList" if refund else "ItemChargeList"]:
                desc = "Shipping" if c["ChargeType"] == "ShippingCharge" else c["ChargeType"]
                yield Line(*common, "ItemPrice", desc, c["ChargeAmount"]["CurrencyAmount"], *tail, "")
            for f in it["ItemFeeAdjustmentList" if refund else "ItemFeeList"]:
                yield Line(*common, "ItemFees", f["FeeType"], f["FeeAmount"]["CurrencyAmount"], *tail, "")
            for w in it.get("ItemTaxWithheldList", []):
                for c in w["TaxesWithheld"]:
                    yield Line(
                        *common,
                        "ItemWithheldTax",
                        c["ChargeType"],
                        c["ChargeAmount"]["CurrencyAmount"],
                        *tail,
                        "",
                    )
            for pr in it.get("PromotionList", []):
                yield Line(
                    *common,
                    "Promotion",
                    "Principal",
                    pr["PromotionAmount"]["CurrencyAmount"],
                    *tail,
                    pr["PromotionId"],
                )
    elif event.list_name == "AdjustmentEventList":
        for it in p["AdjustmentItemList"]:
            yield Line(
                "other-transaction",
                "",
                "",
                "",
                "FBA Inventory Reimbursement",
                p["AdjustmentType"],
                it["TotalAmount"]["CurrencyAmount"],
                "",
                "",
                it["SellerSKU"],
                it["Quantity"],
                "",
            )
    elif event.list_name == "ServiceFeeEventList":
        for f in p["FeeList"]:
            yield Line(
                "other-transaction",
                "",
                "",
                "",
                "other-transaction",
                f["FeeType"],
                f["FeeAmount"]["CurrencyAmount"],
                "",
                "",
                p.get("SellerSKU", ""),
                "",
                "",
            )
    else:  # pragma: no cover - the world produces no other lists
        raise ValueError(event.list_name)
