"""Finances API v0 (``listFinancialEvents``) → one FinancialEvent per money component.

Input rows are ``FinancialEvents`` dicts (one per page; a whole ``payload`` with a ``FinancialEvents``
key is accepted too). Pass all pages of one query window in one call: ``row_key`` digests a
component's identifying fields plus its occurrence among identical components of the call.

Components (``component`` / ``charge_type``):

- ShipmentEventList, RefundEventList, GuaranteeClaimEventList, ChargebackEventList (ShipmentEvent
  shape): per item of ShipmentItemList / ShipmentItemAdjustmentList, ItemCharge[Adjustment]List →
  ``charge``/ChargeType, ItemFee[Adjustment]List → ``fee``/FeeType, Promotion[Adjustment]List →
  ``promotion``/PromotionType, ItemTaxWithheldList → ``tax``/ChargeType, CostOfPoints* → ``charge``;
  order-level OrderCharge*, ShipmentFee*, OrderFee*, DirectPaymentList the same way without item.
  ``order_item_id`` is OrderItemId, else OrderAdjustmentItemId (refunds).
- ServiceFeeEventList: FeeList → ``fee``; ``adjustment_type`` is FeeReason.
- AdjustmentEventList: per AdjustmentItem → ``adjustment``/AdjustmentType with TotalAmount (or
  PerUnitAmount × Quantity); without items, the event's AdjustmentAmount.
- FBALiquidationEventList: LiquidationProceedsAmount → ``charge``, LiquidationFeeAmount → ``fee``;
  the removal order id goes to ``amazon_order_id``.
- RemovalShipmentEventList: per item Revenue → ``charge``, FeeAmount → ``fee``, TaxAmount /
  TaxWithheld → ``tax``; OrderId → ``amazon_order_id``, MerchantOrderId → ``seller_order_id``,
  TransactionType → ``adjustment_type``, RemovalShipmentItemId → ``order_item_id``.

ServiceFeeEvent has no PostedDate in the model: ``Context.posted_fallback`` stands in, the start of
the posting month the call's window lies in. The planner cuts Finances windows at month boundaries
and starts each at its month's start whatever the checkpoint, so this date, and the occurrence count
among identical components, depend on the event and its month alone, never on how a sync was cut:
the same fee read by any sync gets the same row key, and two identical fees of one month stay two
rows (#0 and #1). Without a fallback such events are quarantined.

Events of other lists are quarantined as unsupported (visible, never silently dropped). Amounts are
Decimals from the JSON value's text; zero amounts are kept. ``marketplace_id`` comes from
MarketplaceName when it names a known marketplace, else the context's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sellersync.normalize.base import Context, OccurrenceCounter, Quarantine, Record, RowError
from sellersync.normalize.marketplaces import default_currency, marketplace_id_for
from sellersync.normalize.parse import parse_datetime, parse_int, parse_money
from sellersync.store.models.canonical import FinancialEvent

EVENT_TYPES: dict[str, str] = {
    "ShipmentEventList": "shipment",
    "RefundEventList": "refund",
    "GuaranteeClaimEventList": "guarantee_claim",
    "ChargebackEventList": "chargeback",
    "ServiceFeeEventList": "service_fee",
    "AdjustmentEventList": "adjustment",
    "FBALiquidationEventList": "liquidation",
    "RemovalShipmentEventList": "removal_shipment",
}

_KEY_FIELDS = (
    "event_list",
    "posted_date",
    "amazon_order_id",
    "seller_order_id",
    "order_item_id",
    "adjustment_type",
    "sku",
    "fnsku",
    "asin",
    "quantity",
    "component",
    "charge_type",
    "amount",
    "currency",
    "marketplace_name",
)

# A money component before it becomes a record: (component, charge type, amount object, extra key material)
Component = tuple[str, str, Any, tuple[str, ...]]


def _text(obj: Mapping[str, Any], field: str) -> str:
    value = obj.get(field)
    return "" if value is None else str(value).strip()


def _list(obj: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    value = obj.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise RowError(f"field {field!r}: expected a list of objects")
    return value


def money(obj: Any, field: str) -> tuple[Decimal, str]:
    """(amount, currency) of a ``{"CurrencyCode", "CurrencyAmount"}`` object (v0) or its camelCase twin."""
    if not isinstance(obj, Mapping):
        raise RowError(f"field {field!r}: expected a Currency object, got {obj!r}")
    raw = obj.get("CurrencyAmount", obj.get("currencyAmount"))
    amount = parse_money(raw, decimal_comma=False, column=f"{field}.CurrencyAmount")
    if amount is None:
        raise RowError(f"field {field!r}: missing CurrencyAmount")
    currency = str(obj.get("CurrencyCode", obj.get("currencyCode")) or "").strip().upper()
    return amount, currency


def _charges(obj: Mapping[str, Any], field: str, component: str) -> list[Component]:
    return [(component, _text(c, "ChargeType"), c.get("ChargeAmount"), ()) for c in _list(obj, field)]


def _fees(obj: Mapping[str, Any], field: str) -> list[Component]:
    return [("fee", _text(f, "FeeType"), f.get("FeeAmount"), ()) for f in _list(obj, field)]


def _promotions(obj: Mapping[str, Any], field: str) -> list[Component]:
    return [
        ("promotion", _text(p, "PromotionType"), p.get("PromotionAmount"), (_text(p, "PromotionId"),))
        for p in _list(obj, field)
    ]


def _taxes_withheld(obj: Mapping[str, Any], field: str) -> list[Component]:
    out: list[Component] = []
    for group in _list(obj, field):
        model = _text(group, "TaxCollectionModel")
        out += [(c, t, a, (model,)) for c, t, a, _ in _charges(group, "TaxesWithheld", "tax")]
    return out


def _order_level(event: Mapping[str, Any]) -> list[Component]:
    out: list[Component] = []
    for field in ("OrderChargeList", "OrderChargeAdjustmentList"):
        out += _charges(event, field, "charge")
    for field in ("ShipmentFeeList", "ShipmentFeeAdjustmentList", "OrderFeeList", "OrderFeeAdjustmentList"):
        out += _fees(event, field)
    out += [
        ("charge", _text(d, "DirectPaymentType"), d.get("DirectPaymentAmount"), ())
        for d in _list(event, "DirectPaymentList")
    ]
    return out


def _item_level(item: Mapping[str, Any]) -> list[Component]:
    out: list[Component] = []
    for field in ("ItemChargeList", "ItemChargeAdjustmentList"):
        out += _charges(item, field, "charge")
    for field in ("ItemFeeList", "ItemFeeAdjustmentList"):
        out += _fees(item, field)
    for field in ("PromotionList", "PromotionAdjustmentList"):
        out += _promotions(item, field)
    out += _taxes_withheld(item, "ItemTaxWithheldList")
    for field in ("CostOfPointsGranted", "CostOfPointsReturned"):
        if item.get(field) is not None:
            out.append(("charge", field, item[field], ()))
    return out


class _Event:
    """Fields shared by the components of one event, and the builder of their records."""

    def __init__(self, list_name: str, event: Mapping[str, Any], ctx: Context, counter: OccurrenceCounter):
        self.list_name = list_name
        self.ctx = ctx
        self.counter = counter
        posted_text = _text(event, "PostedDate")
        posted: datetime | None
        if posted_text:
            posted = parse_datetime(posted_text, column="PostedDate")
        elif ctx.posted_fallback is not None:
            posted = parse_datetime(ctx.posted_fallback)
        else:
            raise RowError("missing field 'PostedDate'")
        self.posted = posted
        self.marketplace_name = _text(event, "MarketplaceName")
        self.common: dict[str, Any] = {
            "connection_id": ctx.connection_id,
            "marketplace_id": marketplace_id_for(self.marketplace_name, ctx.marketplace_id),
            "event_list": list_name,
            "event_type": EVENT_TYPES[list_name],
            "posted_date": posted,
            "amazon_order_id": _text(event, "AmazonOrderId"),
            "seller_order_id": _text(event, "SellerOrderId"),
            "adjustment_type": "",
            "marketplace_name": self.marketplace_name,
        }

    def records(
        self,
        components: Iterable[Component],
        *,
        order_item_id: str = "",
        sku: str = "",
        fnsku: str = "",
        asin: str = "",
        quantity: int = 0,
        extra: tuple[str, ...] = (),
    ) -> list[Record]:
        out = []
        for component, charge_type, amount_obj, component_extra in components:
            amount, currency = money(amount_obj, charge_type or component)
            values = {
                **self.common,
                "order_item_id": order_item_id,
                "sku": sku,
                "fnsku": fnsku,
                "asin": asin,
                "quantity": quantity,
                "component": component,
                "charge_type": charge_type,
                "amount": amount,
                "currency": currency or default_currency(self.ctx.currency, self.common["marketplace_id"]),
            }
            values["row_key"] = self.counter.key(
                "financial_event", *(values[k] for k in _KEY_FIELDS), extra, component_extra
            )
            out.append(Record(FinancialEvent, values))
        return out


def _quantity(obj: Mapping[str, Any], field: str) -> int:
    return parse_int(obj.get(field), column=field) or 0


def shipment_like(e: _Event, event: Mapping[str, Any]) -> list[Record]:
    out = e.records(_order_level(event))
    for field in ("ShipmentItemList", "ShipmentItemAdjustmentList"):
        for item in _list(event, field):
            adjustment_item_id = _text(item, "OrderAdjustmentItemId")
            out += e.records(
                _item_level(item),
                order_item_id=_text(item, "OrderItemId") or adjustment_item_id,
                sku=_text(item, "SellerSKU"),
                quantity=_quantity(item, "QuantityShipped"),
                extra=(field, adjustment_item_id),
            )
    return out


def service_fee(e: _Event, event: Mapping[str, Any]) -> list[Record]:
    e.common["adjustment_type"] = _text(event, "FeeReason")
    return e.records(
        _fees(event, "FeeList"),
        sku=_text(event, "SellerSKU"),
        fnsku=_text(event, "FnSKU"),
        asin=_text(event, "ASIN"),
        extra=(_text(event, "FeeDescription"),),
    )


def adjustment(e: _Event, event: Mapping[str, Any]) -> list[Record]:
    adjustment_type = _text(event, "AdjustmentType")
    e.common["adjustment_type"] = adjustment_type
    items = _list(event, "AdjustmentItemList")
    if not items:
        if event.get("AdjustmentAmount") is None:
            raise RowError("adjustment event has neither AdjustmentItemList nor AdjustmentAmount")
        return e.records([("adjustment", adjustment_type, event["AdjustmentAmount"], ())])
    out = []
    for item in items:
        quantity = _quantity(item, "Quantity")
        total = item.get("TotalAmount")
        if total is None:
            if item.get("PerUnitAmount") is None:
                raise RowError("adjustment item has neither TotalAmount nor PerUnitAmount")
            per_unit, currency = money(item["PerUnitAmount"], "PerUnitAmount")
            total = {"CurrencyCode": currency, "CurrencyAmount": str(per_unit * quantity)}
        out += e.records(
            [("adjustment", adjustment_type, total, ())],
            sku=_text(item, "SellerSKU"),
            fnsku=_text(item, "FnSKU"),
            asin=_text(item, "ASIN"),
            quantity=quantity,
            extra=(_text(item, "TransactionNumber"),),
        )
    return out


def liquidation(e: _Event, event: Mapping[str, Any]) -> list[Record]:
    e.common["amazon_order_id"] = _text(event, "OriginalRemovalOrderId")
    components: list[Component] = []
    if event.get("LiquidationProceedsAmount") is not None:
        components.append(("charge", "LiquidationProceedsAmount", event["LiquidationProceedsAmount"], ()))
    if event.get("LiquidationFeeAmount") is not None:
        components.append(("fee", "LiquidationFeeAmount", event["LiquidationFeeAmount"], ()))
    if not components:
        raise RowError("liquidation event has no LiquidationProceedsAmount or LiquidationFeeAmount")
    return e.records(components)


def removal_shipment(e: _Event, event: Mapping[str, Any]) -> list[Record]:
    e.common["amazon_order_id"] = _text(event, "OrderId")
    e.common["seller_order_id"] = _text(event, "MerchantOrderId")
    e.common["adjustment_type"] = _text(event, "TransactionType")
    out = []
    for item in _list(event, "RemovalShipmentItemList"):
        components: list[Component] = [
            (component, field, item[field], (_text(item, "TaxCollectionModel"),))
            for component, field in (
                ("charge", "Revenue"),
                ("fee", "FeeAmount"),
                ("tax", "TaxAmount"),
                ("tax", "TaxWithheld"),
            )
            if item.get(field) is not None
        ]
        out += e.records(
            components,
            order_item_id=_text(item, "RemovalShipmentItemId"),
            fnsku=_text(item, "FulfillmentNetworkSKU"),
            quantity=_quantity(item, "Quantity"),
        )
    return out


HANDLERS: dict[str, Callable[[_Event, Mapping[str, Any]], list[Record]]] = {
    "ShipmentEventList": shipment_like,
    "RefundEventList": shipment_like,
    "GuaranteeClaimEventList": shipment_like,
    "ChargebackEventList": shipment_like,
    "ServiceFeeEventList": service_fee,
    "AdjustmentEventList": adjustment,
    "FBALiquidationEventList": liquidation,
    "RemovalShipmentEventList": removal_shipment,
}


def event_records(
    list_name: str, event: Mapping[str, Any], ctx: Context, counter: OccurrenceCounter
) -> list[Record]:
    """The records of one event of ``list_name``; RowError when it cannot be read."""
    handler = HANDLERS.get(list_name)
    if handler is None:
        raise RowError(f"unsupported event list {list_name!r}")
    return handler(_Event(list_name, event, ctx, counter), event)


class FinancialEventsNormalizer:
    def normalize(self, rows: Iterable[Mapping[str, Any]], ctx: Context) -> Iterator[Record | Quarantine]:
        counter = OccurrenceCounter()
        quarantine_counter = OccurrenceCounter()
        for page in rows:
            events_by_list = page.get("FinancialEvents", page) if isinstance(page, Mapping) else page
            if not isinstance(events_by_list, Mapping):
                yield Quarantine.of(
                    ctx.stream, str(page), "expected a FinancialEvents object", quarantine_counter
                )
                continue
            for list_name, events in events_by_list.items():
                if events is None or list_name == "NextToken":
                    continue
                if not isinstance(events, list):
                    raw = {"event_list": list_name, "event": events}
                    yield Quarantine.of(ctx.stream, raw, f"{list_name}: expected a list", quarantine_counter)
                    continue
                for event in events:
                    try:
                        if not isinstance(event, Mapping):
                            raise RowError(f"{list_name}: expected an event object")
                        records = event_records(list_name, event, ctx, counter)
                    except RowError as exc:
                        raw = {"event_list": list_name, "event": event}
                        yield Quarantine.of(ctx.stream, raw, f"{list_name}: {exc.reason}", quarantine_counter)
                        continue
                    yield from records


financial_events = FinancialEventsNormalizer()
