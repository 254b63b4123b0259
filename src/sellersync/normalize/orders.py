"""Orders: the all-orders flat file and the Orders API v0 give the same Order / OrderItem records.

Both paths must agree value for value on the same order, or every sync that reads an order through
both would rewrite it. So only what both sources carry is kept, in one vocabulary:

- ``order_total`` is None on both paths: the flat file has no order total, and item amounts live in
  ``order_items`` (sum them when a total is needed).
- ``order_item_id`` is ``''`` on both paths: the flat file has no order item id (the Finances events
  and the FBA shipments carry it, keyed to the order and SKU).
- ``line`` tells apart two lines of the same SKU in one order (Amazon splits a SKU into several
  order items, e.g. for different promotions or gift options): 0 for the first, 1 for the next, in
  the order the source lists them (flat-file rows of the order, or the order's ``OrderItems``). Both
  sources list an order's lines in Amazon's order, so both give each line the same key, and no line
  overwrites another.
- ``fulfillment_channel`` is ``AFN``/``MFN`` (the flat file writes Amazon/Merchant).
- ``order_status`` / ``item_status`` use the API spelling ``Canceled`` (the flat file writes Cancelled).
  The API has no item status; it is derived: Canceled when the order is, Shipped when every ordered
  unit shipped, else Unshipped.
- ``item_promotion_discount`` is the discount as a positive amount (the flat file writes it negative,
  the API positive); other amounts keep their sign. The currency is the row's, else the order
  total's / the item price's, else the context's / the marketplace's.
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


# --- Orders API v0 -------------------------------------------------------------------------------------


def _money(obj: Any, field: str) -> tuple[Decimal | None, str]:
    """(Amount, CurrencyCode) of an ordersV0 ``Money`` object (absent → (None, ''))."""
    if obj is None:
        return None, ""
    if not isinstance(obj, Mapping):
        raise RowError(f"field {field!r}: expected a Money object, got {obj!r}")
    amount = parse_money(obj.get("Amount"), decimal_comma=False, column=field)
    return amount, str(obj.get("CurrencyCode") or "").upper()


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


def _item_status(order_status: str, item: Mapping[str, Any]) -> str:
    if order_status == "Canceled":
        return "Canceled"
    ordered = parse_int(item.get("QuantityOrdered"), column="QuantityOrdered") or 0
    shipped = parse_int(item.get("QuantityShipped"), column="QuantityShipped") or 0
    return "Shipped" if ordered > 0 and shipped >= ordered else "Unshipped"


class OrdersApiNormalizer:
    """Orders API v0 ``Order`` objects, each with an added ``"OrderItems": [OrderItem, ...]``.

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
                sku = _text(item, "SellerSKU")
                line = lines[sku]
                lines[sku] += 1
                try:
                    yield self.item(item, record.values, line)
                except RowError as exc:
                    raw = {"AmazonOrderId": record.values["amazon_order_id"], **item}
                    yield Quarantine.of(ctx.stream, raw, exc.reason, quarantine_counter)

    def order(self, order: Mapping[str, Any], ctx: Context) -> tuple[Record, list[Mapping[str, Any]]]:
        order_id = _required(order, "AmazonOrderId")
        purchase = parse_datetime(_required(order, "PurchaseDate"), column="PurchaseDate")
        updated_text = _text(order, "LastUpdateDate")
        updated = parse_datetime(updated_text, column="LastUpdateDate") if updated_text else None
        items = order.get("OrderItems") or []
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise RowError("field 'OrderItems': expected a list of OrderItem objects")
        _, currency = _money(order.get("OrderTotal"), "OrderTotal")
        if not currency:
            currency = next(
                (
                    _text(i["ItemPrice"], "CurrencyCode").upper()
                    for i in items
                    if isinstance(i.get("ItemPrice"), Mapping)
                ),
                "",
            )
        address = order.get("ShippingAddress")
        ship_country = _text(address, "CountryCode").upper() if isinstance(address, Mapping) else ""
        marketplace = _text(order, "MarketplaceId") or marketplace_id_for(
            _text(order, "SalesChannel"), ctx.marketplace_id
        )
        record = Record(
            Order,
            {
                **base_values(ctx, marketplace),
                "amazon_order_id": order_id,
                "merchant_order_id": _text(order, "SellerOrderId"),
                "purchase_date": purchase,
                "last_updated_date": updated,
                "order_status": canonical_status(_text(order, "OrderStatus")),
                "fulfillment_channel": canonical_channel(_text(order, "FulfillmentChannel")),
                "sales_channel": _text(order, "SalesChannel"),
                "ship_country": ship_country,
                "currency": currency or default_currency(ctx.currency, marketplace),
                "order_total": None,
            },
        )
        return record, list(items)

    def item(self, item: Mapping[str, Any], order: Mapping[str, Any], line: int = 0) -> Record:
        if "SellerSKU" not in item:
            raise RowError("missing field 'SellerSKU'")
        price, currency = _money(item.get("ItemPrice"), "ItemPrice")
        tax, _ = _money(item.get("ItemTax"), "ItemTax")
        shipping, _ = _money(item.get("ShippingPrice"), "ShippingPrice")
        promotion, _ = _money(item.get("PromotionDiscount"), "PromotionDiscount")
        return Record(
            OrderItem,
            {
                "connection_id": order["connection_id"],
                "marketplace_id": order["marketplace_id"],
                "amazon_order_id": order["amazon_order_id"],
                "sku": _text(item, "SellerSKU"),
                "line": line,
                "order_item_id": "",
                "asin": _text(item, "ASIN"),
                "item_status": _item_status(order["order_status"], item),
                "quantity": parse_int(item.get("QuantityOrdered"), column="QuantityOrdered") or 0,
                "currency": currency or order["currency"],
                "item_price": price,
                "item_tax": tax,
                "shipping_price": shipping,
                "item_promotion_discount": _discount(promotion),
                "purchase_date": order["purchase_date"],
            },
        )


orders_api = OrdersApiNormalizer()
