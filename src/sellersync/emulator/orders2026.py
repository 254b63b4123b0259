"""Orders API v2026-01-01: searchOrders and getOrder, from the same world as Orders v0.

The world speaks Orders v0 (``Order`` and ``OrderItem`` JSON); :func:`order_v2026` renders one v0
order with its items in the v2026 ``Order`` shape (``models/orders_2026-01-01.json``), so both
versions always tell the same story. Items are always part of an order; ``includedData`` adds the
optional datasets this world knows: ``RECIPIENT`` (non-PII address parts), ``PROCEEDS``
(order grand total; per item the total with ``ITEM``/``SHIPPING``/``TAX``/``DISCOUNT`` breakdowns),
``PROMOTION`` (promotion ids) and ``FULFILLMENT`` (order status, fulfilled by, item quantities).
The other datasets are accepted and answer nothing, as for an order that has none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import serializers
from .errors import invalid_input, not_found
from .paging import make_token, read_token
from .params import csv_list, fmt_z, opt_datetime, opt_int, parse_datetime
from .state import begin, emu_of, json_response

MIN_AGE = timedelta(minutes=2)
BASE = "/orders/2026-01-01/orders"

INCLUDED_DATA = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
)
# v0 OrderStatus -> v2026 FulfillmentStatus
FULFILLMENT_STATUS = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
STATUS_OF = {v: k for k, v in FULFILLMENT_STATUS.items() if k != "InvoiceUnconfirmed"}
FULFILLED_BY = {"AFN": "AMAZON", "MFN": "MERCHANT"}
CHANNEL_OF = {v: k for k, v in FULFILLED_BY.items()}
# the query parameters a paginationToken must be sent with, unchanged (maxResultsPerPage and
# includedData may change between pages)
STICKY = (
    "createdAfter",
    "createdBefore",
    "lastUpdatedAfter",
    "lastUpdatedBefore",
    "fulfillmentStatuses",
    "marketplaceIds",
    "fulfilledBy",
)


# --- v0 -> v2026 rendering ----------------------------------------------------------------------------
def _amount(money: Any) -> Decimal | None:
    if not isinstance(money, Mapping):
        return None
    try:
        return Decimal(str(money.get("Amount")))
    except InvalidOperation:
        return None


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currencyCode": currency}


def _breakdown(kind: str, currency: str, parts: Sequence[tuple[str, Decimal]]) -> dict[str, Any]:
    total = sum((amount for _, amount in parts), Decimal(0))
    out: dict[str, Any] = {"type": kind, "subtotal": _money(total, currency)}
    if len(parts) > 1:
        out["detailedBreakdowns"] = [
            {"subtype": subtype, "value": _money(amount, currency)} for subtype, amount in parts
        ]
    return out


def _item_proceeds(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The v0 item's amounts as proceeds breakdowns; a Money absent in v0 is absent here too."""
    price = item.get("ItemPrice")
    if not isinstance(price, Mapping):
        return None
    currency = str(price.get("CurrencyCode") or "")

    def parts(*fields: tuple[str, str], sign: int = 1) -> list[tuple[str, Decimal]]:
        out = []
        for subtype, field in fields:
            amount = _amount(item.get(field))
            if amount is not None:
                out.append((subtype, sign * amount))
        return out

    kinds = [
        ("ITEM", parts(("ITEM", "ItemPrice"))),
        ("SHIPPING", parts(("SHIPPING", "ShippingPrice"))),
        ("TAX", parts(("ITEM", "ItemTax"), ("SHIPPING", "ShippingTax"))),
        ("DISCOUNT", parts(("ITEM", "PromotionDiscount"), ("SHIPPING", "ShippingDiscount"), sign=-1)),
    ]
    breakdowns = [_breakdown(kind, currency, found) for kind, found in kinds if found]
    total = sum((Decimal(b["subtotal"]["amount"]) for b in breakdowns), Decimal(0))
    return {"proceedsTotal": _money(total, currency), "breakdowns": breakdowns}


def order_item_v2026(item: Mapping[str, Any], included: set[str]) -> dict[str, Any]:
    """One v0 ``OrderItem`` as a v2026 ``OrderItem``."""
    ordered = int(item.get("QuantityOrdered") or 0)
    shipped = int(item.get("QuantityShipped") or 0)
    product: dict[str, Any] = {"asin": item.get("ASIN"), "title": item.get("Title")}
    product["sellerSku"] = item.get("SellerSKU")
    if item.get("ConditionId"):
        product["condition"] = {
            "conditionType": str(item["ConditionId"]).upper(),
            "conditionSubtype": str(item.get("ConditionSubtypeId") or item["ConditionId"]).upper(),
        }
    price = _amount(item.get("ItemPrice"))
    if price is not None and ordered > 0:
        currency = str(item["ItemPrice"].get("CurrencyCode") or "")
        product["price"] = {"unitPrice": _money(price / ordered, currency)}
    out: dict[str, Any] = {
        "orderItemId": item.get("OrderItemId"),
        "quantityOrdered": ordered,
        "product": {k: v for k, v in product.items() if v is not None},
    }
    if "PROCEEDS" in included:
        proceeds = _item_proceeds(item)
        if proceeds is not None:
            out["proceeds"] = proceeds
    if "PROMOTION" in included and item.get("PromotionIds"):
        out["promotion"] = {"breakdowns": [{"promotionId": p} for p in item["PromotionIds"]]}
    if "FULFILLMENT" in included:
        out["fulfillment"] = {"quantityFulfilled": shipped, "quantityUnfulfilled": max(ordered - shipped, 0)}
    return out


def order_v2026(
    order: Mapping[str, Any], items: Sequence[Mapping[str, Any]], included: set[str]
) -> dict[str, Any]:
    """One v0 ``Order`` with its v0 ``OrderItem`` objects as a v2026 ``Order``."""
    out: dict[str, Any] = {"orderId": order["AmazonOrderId"]}
    if order.get("SellerOrderId"):
        out["orderAliases"] = [{"aliasId": order["SellerOrderId"], "aliasType": "SELLER_ORDER_ID"}]
    out["createdTime"] = order["PurchaseDate"]
    out["lastUpdatedTime"] = order.get("LastUpdateDate") or order["PurchaseDate"]
    if order.get("IsPrime"):
        out["programs"] = ["PRIME"]
    channel: dict[str, Any] = {
        "channelName": "NON_AMAZON" if order.get("SalesChannel") == "Non-Amazon" else "AMAZON"
    }
    if order.get("MarketplaceId"):
        channel["marketplaceId"] = order["MarketplaceId"]
    if order.get("SalesChannel"):
        channel["marketplaceName"] = order["SalesChannel"]
    out["salesChannel"] = channel
    address = order.get("ShippingAddress")
    if "RECIPIENT" in included and isinstance(address, Mapping):
        parts = {
            "city": address.get("City"),
            "stateOrRegion": address.get("StateOrRegion"),
            "postalCode": address.get("PostalCode"),
            "countryCode": address.get("CountryCode"),
        }
        out["recipient"] = {"deliveryAddress": {k: v for k, v in parts.items() if v is not None}}
    total = order.get("OrderTotal")
    if "PROCEEDS" in included and isinstance(total, Mapping):
        out["proceeds"] = {"grandTotal": _money(_amount(total) or Decimal(0), str(total["CurrencyCode"]))}
    if "FULFILLMENT" in included:
        fulfillment: dict[str, Any] = {
            "fulfillmentStatus": FULFILLMENT_STATUS.get(str(order.get("OrderStatus")), "PENDING")
        }
        if order.get("FulfillmentChannel") in FULFILLED_BY:
            fulfillment["fulfilledBy"] = FULFILLED_BY[order["FulfillmentChannel"]]
        if order.get("ShipmentServiceLevelCategory"):
            fulfillment["fulfillmentServiceLevel"] = str(order["ShipmentServiceLevelCategory"]).upper()
        out["fulfillment"] = fulfillment
    out["orderItems"] = [order_item_v2026(item, included) for item in items]
    return out


# --- operations ---------------------------------------------------------------------------------------
def _included(request: Request) -> set[str]:
    wanted = csv_list(request.query_params, "includedData")
    unknown = [w for w in wanted if w not in INCLUDED_DATA]
    if unknown:
        raise invalid_input(f"Invalid includedData: {', '.join(unknown)}.")
    return set(wanted)


def _sticky(request: Request) -> dict[str, list[str]]:
    q = request.query_params
    return {name: sorted(csv_list(q, name)) for name in STICKY if q.getlist(name)}


def _resolve_query(request: Request) -> dict[str, object]:
    emu = emu_of(request)
    q = request.query_params
    latest = emu.now() - MIN_AGE
    known = [m.marketplace_id for m in emu.world.marketplaces]
    marketplaces = csv_list(q, "marketplaceIds") or known
    if len(marketplaces) > 50:
        raise invalid_input("Too many marketplaceIds: at most 50.")
    unknown = [m for m in marketplaces if m not in known]
    if unknown:
        raise invalid_input(f"Invalid marketplaceIds: {', '.join(unknown)}.")
    created_after = opt_datetime(q, "createdAfter")
    created_before = opt_datetime(q, "createdBefore")
    updated_after = opt_datetime(q, "lastUpdatedAfter")
    updated_before = opt_datetime(q, "lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        raise invalid_input("Exactly one of createdAfter and lastUpdatedAfter must be specified.")
    if created_after and updated_before:
        raise invalid_input("lastUpdatedBefore cannot be specified with createdAfter.")
    if updated_after and created_before:
        raise invalid_input("createdBefore cannot be specified with lastUpdatedAfter.")
    for name, value in (("createdBefore", created_before), ("lastUpdatedBefore", updated_before)):
        if value is not None and value > latest:
            raise invalid_input(
                f"{name} must be a date at least 2 minutes before the time of the request.",
                f"{name}={fmt_z(value)} is later than {fmt_z(latest)}",
            )
    after = created_after or updated_after
    before = created_before or updated_before or latest
    assert after is not None
    if before < after:
        raise invalid_input("The before date must be equal to or after the after date.")
    query: dict[str, object] = {"m": marketplaces, "by": "c" if created_after else "u"}
    query.update(a=after.isoformat(), b=before.isoformat())
    statuses = csv_list(q, "fulfillmentStatuses")
    bad = [s for s in statuses if s not in STATUS_OF]
    if bad:
        raise invalid_input(f"Invalid fulfillmentStatuses: {', '.join(bad)}.")
    if statuses:
        query["s"] = [STATUS_OF[s] for s in statuses]
    fulfilled_by = csv_list(q, "fulfilledBy")
    bad = [f for f in fulfilled_by if f not in CHANNEL_OF]
    if bad:
        raise invalid_input(f"Invalid fulfilledBy: {', '.join(bad)}.")
    if fulfilled_by:
        query["f"] = [CHANNEL_OF[f] for f in fulfilled_by]
    return query


async def search_orders(request: Request) -> Response:
    await begin(request, "searchOrders")
    emu = emu_of(request)
    included = _included(request)
    size = opt_int(request.query_params, "maxResultsPerPage", 100, 1, 100)
    sticky = _sticky(request)
    token = request.query_params.get("paginationToken")
    if token:
        data = read_token(emu.signer, "orders2026", token, "paginationToken")
        if data.get("p") != sticky:
            raise invalid_input(
                "Invalid paginationToken.",
                "All other parameters must have the values of the request that generated the token.",
            )
        query, offset = data["q"], int(data["o"])
    else:
        query, offset = _resolve_query(request), 0
    after = parse_datetime(str(query["a"]), "after")
    before = parse_datetime(str(query["b"]), "before")
    by_created = query["by"] == "c"
    selected = list(
        emu.world.orders(
            [str(m) for m in query["m"]],
            created_after=after if by_created else None,
            created_before=before if by_created else None,
            last_updated_after=None if by_created else after,
            last_updated_before=None if by_created else before,
        )
    )
    if "s" in query:
        statuses = set(query["s"])
        selected = [o for o in selected if o.get("OrderStatus") in statuses]
    if "f" in query:
        channels = set(query["f"])
        selected = [o for o in selected if o.get("FulfillmentChannel") in channels]
    page = selected[offset : offset + size]
    next_token = None
    if offset + size < len(selected):
        next_token = make_token(emu.signer, "orders2026", query, offset + size, p=sticky)
    orders = [
        order_v2026(o, list(emu.world.order_items(str(o["AmazonOrderId"])) or []), included) for o in page
    ]
    body = serializers.search_orders_response(
        orders,
        next_token=next_token,
        created_before=fmt_z(before) if by_created else None,
        last_updated_before=None if by_created else fmt_z(before),
    )
    return json_response(body)


async def get_order(request: Request) -> Response:
    await begin(request, "getOrder")
    emu = emu_of(request)
    included = _included(request)
    order_id = request.path_params["orderId"]
    found = emu.world.order(order_id)
    items = emu.world.order_items(order_id)
    if found is None or items is None:
        raise not_found("Invalid orderId.", f"Order {order_id} was not found.")
    return json_response(serializers.get_order_response(order_v2026(found, list(items), included)))


routes = [
    Route(BASE, search_orders, methods=["GET"]),
    Route(BASE + "/{orderId}", get_order, methods=["GET"]),
]
