"""FBA customer shipments (``GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL``) → FbaShipment."""

from __future__ import annotations

from sellersync.normalize.base import Cells, OccurrenceCounter, Record, RowNormalizer, base_values
from sellersync.normalize.marketplaces import marketplace_id_for
from sellersync.store.models.canonical import FbaShipment


def shipment_row(cells: Cells, counter: OccurrenceCounter) -> list[Record]:
    ctx = cells.ctx
    marketplace = marketplace_id_for(cells.text("sales-channel"), ctx.marketplace_id)
    return [
        Record(
            FbaShipment,
            {
                **base_values(ctx, marketplace),
                "shipment_item_id": cells.key("shipment-item-id"),
                "shipment_id": cells.text("shipment-id"),
                "amazon_order_id": cells.key("amazon-order-id"),
                "amazon_order_item_id": cells.text("amazon-order-item-id"),
                "purchase_date": cells.date("purchase-date"),
                "shipment_date": cells.required_date("shipment-date"),
                "sku": cells.text("sku"),
                "quantity_shipped": cells.int("quantity-shipped"),
                "currency": cells.currency("currency"),
                "item_price": cells.money("item-price"),
                "fulfillment_center_id": cells.text("fulfillment-center-id"),
                "carrier": cells.text("carrier"),
                "tracking_number": cells.text("tracking-number"),
            },
        )
    ]


fba_shipments = RowNormalizer(shipment_row, "fba_shipments")
