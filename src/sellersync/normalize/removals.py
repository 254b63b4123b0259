"""FBA removals: order detail → RemovalOrder; shipment detail → RemovalShipment.

Removal shipment lines have no identifier: ``row_key`` digests order id, shipment date, SKU, FNSKU,
disposition, quantity, carrier and tracking number plus the occurrence among identical lines. The
shipment report writes ``quantity shipped`` with a space (column lookup also accepts a hyphen).
"""

from __future__ import annotations

from sellersync.normalize.base import Cells, OccurrenceCounter, Record, RowNormalizer, base_values
from sellersync.store.models.canonical import RemovalOrder, RemovalShipment


def removal_order_row(cells: Cells, counter: OccurrenceCounter) -> list[Record]:
    return [
        Record(
            RemovalOrder,
            {
                **base_values(cells.ctx),
                "order_id": cells.key("order-id"),
                "request_date": cells.required_date("request-date"),
                "order_type": cells.text("order-type"),
                "order_status": cells.text("order-status"),
                "last_updated_date": cells.date("last-updated-date"),
                "sku": cells.text("sku", required=True),
                "fnsku": cells.text("fnsku"),
                "disposition": cells.text("disposition"),
                "requested_quantity": cells.int("requested-quantity"),
                "cancelled_quantity": cells.int("cancelled-quantity"),
                "disposed_quantity": cells.int("disposed-quantity"),
                "shipped_quantity": cells.int("shipped-quantity"),
                "in_process_quantity": cells.int("in-process-quantity"),
                "removal_fee": cells.money("removal-fee"),
                "currency": cells.currency("currency"),
            },
        )
    ]


def removal_shipment_row(cells: Cells, counter: OccurrenceCounter) -> list[Record]:
    values = {
        "removal_date": cells.date("removal-date"),
        "order_id": cells.key("order-id"),
        "shipment_date": cells.required_date("shipment-date"),
        "sku": cells.text("sku"),
        "fnsku": cells.text("fnsku"),
        "disposition": cells.text("disposition"),
        "quantity_shipped": cells.int("quantity shipped"),
        "carrier": cells.text("carrier"),
        "tracking_number": cells.text("tracking-number"),
    }
    row_key = counter.key(
        "removal_shipment",
        *(
            values[k]
            for k in (
                "order_id",
                "shipment_date",
                "sku",
                "fnsku",
                "disposition",
                "quantity_shipped",
                "carrier",
                "tracking_number",
            )
        ),
    )
    return [Record(RemovalShipment, {**base_values(cells.ctx), "row_key": row_key, **values})]


removal_orders = RowNormalizer(removal_order_row, "removal_orders")
removal_shipments = RowNormalizer(removal_shipment_row, "removal_shipments")
