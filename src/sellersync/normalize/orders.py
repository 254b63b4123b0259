"""Orders: the all-orders flat file and the Orders API v2026-01-01 give the same Order / OrderItem records.

Both paths must agree value for value on the same order, or every sync that reads an order through
both would rewrite it. So only what both sources carry is kept, in one vocabulary:

- ``order_total`` is None on both paths: the flat file has no order total, and item amounts live in
  ``order_items`` (sum them when a total is needed).
- ``order_item_id`` is ``''`` on both paths: the flat file has no order item id (the Finances events
  and the FBA shipments carry it, keyed to the order and SKU).
- ``line`` tells apart two lines of the same SKU in one order (Amazon splits a SKU into several
  order items, e.g. for different promotions or gift options): 0 for the first, 1 for the next, in
  the order the source lists them (flat-file rows of the order, or the order's ``orderItems``). Both
  sources list an order's lines in Amazon's order, so both give each line the same key, and no line
  overwrites another.
- ``fulfillment_channel`` is ``AFN``/``MFN`` (the flat file writes Amazon/Merchant).
- ``order_status`` / ``item_status`` use the Orders v0 spelling (``Shipped``, ``Canceled``; the flat
  file writes Cancelled, Orders v2026 ``SHIPPED``, ``CANCELLED``). The API has no item status; it is
  derived: Canceled when the order is, Shipped when every ordered unit was fulfilled, else Unshipped.
- ``item_promotion_discount`` is the discount as a positive amount (the flat file and the API's
  ``DISCOUNT`` proceeds write it negative); other amounts keep their sign. The currency is the row's,
  else the order grand total's / the item's, else the context's / the marketplace's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from sellersync.normalize.base import (
    Cells,
    Context,
    OccurrenceCounter,
    Quarantine,
    Record,
    RowError,
    RowNormalizer,
    base_values,
)
from sellersync.normalize.marketplaces import default_currency, marketplace_id_for
from sellersync.normalize.parse import parse_datetime, parse_int, parse_money
from sellersync.store.models.canonical import Order, OrderItem

_CHANNELS = {"amazon": "AFN", "afn": "AFN", "merchant": "MFN", "mfn": "MFN"}
_STATUSES = {"cancelled": "Canceled", "canceled": "Canceled"}


def canonical_channel(value: str) -> str:
    return _CHANNELS.get(value.strip().lower(), value.strip())


def canonical_status(value: str) -> str:
    return _STATUSES.get(value.strip().lower(), value.strip())


def _discount(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else abs(amount)


# --- flat file ---------------------------------------------------------------------------------------


def order_report_row(cells: Cells, counter: OccurrenceCounter) -> list[Record]:
    """One all-orders flat-file row (one order item) → [Order, OrderItem]."""
    ctx = cells.ctx
    order_id = cells.key("amazon-order-id")
    sku = cells.text("sku", required=True)
    line = counter.occurrence("order-line", order_id, sku)  # before any other cell can reject the row
    purchase_date = cells.required_date("purchase-date")
    sales_channel = cells.text("sales-channel")
    currency = cells.currency("currency")
    base = base_values(ctx, marketplace_id_for(sales_channel, ctx.marketplace_id))
    order = Record(
        Order,
        {
            **base,
            "amazon_order_id": order_id,
            "merchant_order_id": cells.text("merchant-order-id"),
            "purchase_date": purchase_date,
            "last_updated_date": cells.date("last-updated-date"),
            "order_status": canonical_status(cells.text("order-status")),
            "fulfillment_channel": canonical_channel(cells.text("fulfillment-channel")),
            "sales_channel": sales_channel,
            "ship_country": cells.text("ship-country").upper(),
            "currency": currency,
            "order_total": None,
        },
    )
    item = Record(
        OrderItem,
        {
            **base,
            "amazon_order_id": order_id,
            "sku": sku,
            "line": line,
            "order_item_id": "",
            "asin": cells.text("asin"),
            "item_status": canonical_status(cells.text("item-status")),
            "quantity": cells.int("quantity"),
            "currency": currency,
            "item_price": cells.money("item-price"),
            "item_tax": cells.money("item-tax"),
            "shipping_price": cells.money("shipping-price"),
            "item_promotion_discount": _discount(cells.money("item-promotion-discount")),
            "purchase_date": purchase_date,
        },
    )
    return [order, item]


orders_report = RowNormalizer(order_report_row, "orders")


# --- Orders API v2026-01-01 ------------------------------------------------------------------------------

# FulfillmentStatus -> the canonical (v0 / flat-file) order status
_FULFILLMENT_STATUS = {
    "PENDING_AVAILABILITY": "PendingAvailability",
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
    "UNFULFILLABLE": "Unfulfillable",
}
_FULFILLED_BY = {"AMAZON": "AFN", "MERCHANT": "MFN"}


def _obj(parent: Mapping[str, Any], field: str, where: str = "") -> Mapping[str, Any]:
    """A nested object (absent -> empty); anything else than an object is refused."""
    value = parent.get(field)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RowError(f"field {where + field!r}: expected an object, got {value!r}")
    return value


def _money(obj: Any, field: str) -> tuple[Decimal | None, str]:
    """(amount, currencyCode) of a v2026 ``Money`` object (absent -> (None, ''))."""
    if obj is None:
        return None, ""
    if not isinstance(obj, Mapping):
        raise RowError(f"field {field!r}: expected a Money object, got {obj!r}")
    amount = parse_money(obj.get("amount"), decimal_comma=False, column=field)
    return amount, str(obj.get("currencyCode") or "").strip().upper()


def _text(obj: Mapping[str, Any], field: str) -> str:
    value = obj.get(field)
    return "" if value is None else str(value).strip()


def _required(obj: Mapping[str, Any], field: str) -> str:
    if field not in obj:
        raise RowError(f"missing field {field!r}")
    value = _text(obj, field)
    if not value:
        raise RowError(f"field {field!r} is empty")
    return value


def _breakdowns(item: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The item's proceeds breakdowns by type (ITEM, SHIPPING, TAX, DISCOUNT, ...)."""
    listed = _obj(item, "proceeds").get("breakdowns") or []
    if not isinstance(listed, list) or not all(isinstance(b, Mapping) for b in listed):
        raise RowError("field 'proceeds.breakdowns': expected a list of breakdown objects")
    return {_text(b, "type").upper(): b for b in listed}


def _part(breakdown: Mapping[str, Any] | None, kind: str, subtype: str | None) -> tuple[Decimal | None, str]:
    """A breakdown's amount: its ``subtype`` detail when it has details, else its subtotal."""
    if breakdown is None:
        return None, ""
    details = breakdown.get("detailedBreakdowns")
    if subtype and isinstance(details, list) and details:
        for d in details:
            if isinstance(d, Mapping) and _text(d, "subtype").upper() == subtype:
                return _money(d.get("value"), f"proceeds.{kind}.{subtype}")
        return None, ""
    return _money(breakdown.get("subtotal"), f"proceeds.{kind}")


def _item_currency(item: Mapping[str, Any]) -> str:
    """The currency code of the item's proceeds, read without judging the amounts (the item's own
    normalisation does that)."""
    proceeds = item.get("proceeds")
    proceeds = proceeds if isinstance(proceeds, Mapping) else {}
    breakdowns = proceeds.get("breakdowns")
    moneys = [proceeds.get("proceedsTotal")]
    if isinstance(breakdowns, list):
        moneys += [b.get("subtotal") for b in breakdowns if isinstance(b, Mapping)]
    for money in moneys:
        if isinstance(money, Mapping) and _text(money, "currencyCode"):
            return _text(money, "currencyCode").upper()
    return ""


def _item_status(order_status: str, item: Mapping[str, Any]) -> str:
    if order_status == "Canceled":
        return "Canceled"
    ordered = parse_int(item.get("quantityOrdered"), column="quantityOrdered") or 0
    fulfilled = _obj(item, "fulfillment").get("quantityFulfilled")
    shipped = parse_int(fulfilled, column="fulfillment.quantityFulfilled") or 0
    return "Shipped" if ordered > 0 and shipped >= ordered else "Unshipped"


def _seller_order_id(order: Mapping[str, Any]) -> str:
    aliases = order.get("orderAliases") or []
    if not isinstance(aliases, list):
        raise RowError("field 'orderAliases': expected a list of Alias objects")
    for alias in aliases:
        if isinstance(alias, Mapping) and _text(alias, "aliasType") == "SELLER_ORDER_ID":
            return _text(alias, "aliasId")
    return ""


class OrdersApiNormalizer:
    """Orders API v2026-01-01 ``Order`` objects (``searchOrders`` with ``includedData`` RECIPIENT,
    PROCEEDS and FULFILLMENT), each carrying its ``orderItems``.

    The rows are the same as from Orders v0 and the flat file: status and channel in the v0
    vocabulary (``CANCELLED`` -> ``Canceled``, ``AMAZON`` -> ``AFN``), the item price, tax, shipping
    and discount from the item's proceeds breakdowns (``TAX`` and ``DISCOUNT`` take their ``ITEM``
    detail when detailed; a missing breakdown is None, as a missing v0 Money was).
    An unreadable order is quarantined with its items; an unreadable item alone is quarantined.
    """

    def normalize(self, rows: Iterable[Mapping[str, Any]], ctx: Context) -> Iterator[Record | Quarantine]:
        quarantine_counter = OccurrenceCounter()
        for order in rows:
            try:
                record, items = self.order(order, ctx)
            except RowError as exc:
                yield Quarantine.of(ctx.stream, order, exc.reason, quarantine_counter)
                continue
            yield record
            lines: Counter[str] = Counter()
            for item in items:
                product = item.get("product")
                sku = _text(product, "sellerSku") if isinstance(product, Mapping) else ""
                line = lines[sku]
                lines[sku] += 1
                try:
                    yield self.item(item, record.values, line)
                except RowError as exc:
                    raw = {"orderId": record.values["amazon_order_id"], **item}
                    yield Quarantine.of(ctx.stream, raw, exc.reason, quarantine_counter)

    def order(self, order: Mapping[str, Any], ctx: Context) -> tuple[Record, list[Mapping[str, Any]]]:
        order_id = _required(order, "orderId")
        purchase = parse_datetime(_required(order, "createdTime"), column="createdTime")
        updated_text = _text(order, "lastUpdatedTime")
        updated = parse_datetime(updated_text, column="lastUpdatedTime") if updated_text else None
        if "orderItems" not in order:
            raise RowError("missing field 'orderItems'")
        items = order.get("orderItems")
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise RowError("field 'orderItems': expected a list of OrderItem objects")
        _, currency = _money(_obj(order, "proceeds").get("grandTotal"), "proceeds.grandTotal")
        if not currency:
            currency = next(filter(None, (_item_currency(i) for i in items)), "")
        address = _obj(_obj(order, "recipient"), "deliveryAddress", "recipient.")
        channel = _obj(order, "salesChannel")
        name = _text(channel, "marketplaceName")
        if not name and _text(channel, "channelName") == "NON_AMAZON":
            name = "Non-Amazon"
        marketplace = _text(channel, "marketplaceId") or marketplace_id_for(name, ctx.marketplace_id)
        fulfillment = _obj(order, "fulfillment")
        status = _text(fulfillment, "fulfillmentStatus")
        fulfilled_by = _text(fulfillment, "fulfilledBy")
        record = Record(
            Order,
            {
                **base_values(ctx, marketplace),
                "amazon_order_id": order_id,
                "merchant_order_id": _seller_order_id(order),
                "purchase_date": purchase,
                "last_updated_date": updated,
                "order_status": _FULFILLMENT_STATUS.get(status.upper(), canonical_status(status)),
                "fulfillment_channel": _FULFILLED_BY.get(
                    fulfilled_by.upper(), canonical_channel(fulfilled_by)
                ),
                "sales_channel": name,
                "ship_country": _text(address, "countryCode").upper(),
                "currency": currency or default_currency(ctx.currency, marketplace),
                "order_total": None,
            },
        )
        return record, list(items)

    def item(self, item: Mapping[str, Any], order: Mapping[str, Any], line: int = 0) -> Record:
        product = _obj(item, "product")
        if "sellerSku" not in product:
            raise RowError("missing field 'product.sellerSku'")
        breakdowns = _breakdowns(item)
        price, currency = _part(breakdowns.get("ITEM"), "ITEM", None)
        tax, _ = _part(breakdowns.get("TAX"), "TAX", "ITEM")
        shipping, _ = _part(breakdowns.get("SHIPPING"), "SHIPPING", None)
        promotion, _ = _part(breakdowns.get("DISCOUNT"), "DISCOUNT", "ITEM")
        return Record(
            OrderItem,
            {
                "connection_id": order["connection_id"],
                "marketplace_id": order["marketplace_id"],
                "amazon_order_id": order["amazon_order_id"],
                "sku": _text(product, "sellerSku"),
                "line": line,
                "order_item_id": "",
                "asin": _text(product, "asin"),
                "item_status": _item_status(order["order_status"], item),
                "quantity": parse_int(item.get("quantityOrdered"), column="quantityOrdered") or 0,
                "currency": currency or order["currency"],
                "item_price": price,
                "item_tax": tax,
                "shipping_price": shipping,
                "item_promotion_discount": _discount(promotion),
                "purchase_date": order["purchase_date"],
            },
        )


orders_api = OrdersApiNormalizer()
