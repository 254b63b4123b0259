"""FBA Inbound v0: ``InboundShipmentInfo`` (with an added ``"Items"`` list) → InboundShipment and
one InboundShipmentItem per ``InboundShipmentItem``.

``InboundShipmentInfo`` carries no creation or update time in the v0 model; ``created_date`` and
``last_updated_date`` are read from ``CreatedDate`` / ``LastUpdatedDate`` when a caller adds them,
else None. An unreadable shipment is quarantined with its items; an unreadable item alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sellersync.normalize.base import Context, OccurrenceCounter, Quarantine, Record, RowError, base_values
from sellersync.normalize.jsonrows import Fields
from sellersync.store.models.canonical import InboundShipment, InboundShipmentItem


def shipment_record(info: Mapping[str, Any], ctx: Context) -> Record:
    f = Fields(info)
    return Record(
        InboundShipment,
        {
            **base_values(ctx),
            "shipment_id": f.key("ShipmentId"),
            "shipment_name": f.text("ShipmentName"),
            "destination_fulfillment_center_id": f.text("DestinationFulfillmentCenterId"),
            "shipment_status": f.text("ShipmentStatus"),
            "created_date": f.date("CreatedDate"),
            "last_updated_date": f.date("LastUpdatedDate"),
        },
    )


def item_record(item: Mapping[str, Any], shipment_id: str, ctx: Context) -> Record:
    f = Fields(item)
    return Record(
        InboundShipmentItem,
        {
            **base_values(ctx),
            "shipment_id": f.text("ShipmentId") or shipment_id,
            "sku": f.key("SellerSKU"),
            "fnsku": f.text("FulfillmentNetworkSKU"),
            "quantity_shipped": f.int("QuantityShipped"),
            "quantity_received": f.int("QuantityReceived"),
            "quantity_in_case": f.int("QuantityInCase"),
        },
    )


class InboundShipmentNormalizer:
    def normalize(self, rows: Iterable[Mapping[str, Any]], ctx: Context) -> Iterator[Record | Quarantine]:
        quarantine_counter = OccurrenceCounter()
        for info in rows:
            try:
                shipment = shipment_record(info, ctx)
                items = info.get("Items") or []
                if not isinstance(items, list):
                    raise RowError("field 'Items': expected a list of InboundShipmentItem objects")
            except RowError as exc:
                yield Quarantine.of(
                    ctx.stream,
                    info if isinstance(info, Mapping) else str(info),
                    exc.reason,
                    quarantine_counter,
                )
                continue
            yield shipment
            shipment_id = shipment.values["shipment_id"]
            for item in items:
                try:
                    yield item_record(item, shipment_id, ctx)
                except RowError as exc:
                    raw = {"ShipmentId": shipment_id, **item} if isinstance(item, Mapping) else str(item)
                    yield Quarantine.of(ctx.stream, raw, exc.reason, quarantine_counter)


inbound_shipments = InboundShipmentNormalizer()
