"""FBA customer returns (``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``) → CustomerReturn.

Natural key: (order-id, sku, license-plate-number, return-date); a return without a license plate
number keys on ``''``.
"""

from __future__ import annotations

from sellersync.normalize.base import Cells, OccurrenceCounter, Record, RowNormalizer, base_values
from sellersync.store.models.canonical import CustomerReturn


def return_row(cells: Cells, counter: OccurrenceCounter) -> list[Record]:
    return [
        Record(
            CustomerReturn,
            {
                **base_values(cells.ctx),
                "return_date": cells.required_date("return-date"),
                "order_id": cells.key("order-id"),
                "sku": cells.text("sku", required=True),
                "asin": cells.text("asin"),
                "fnsku": cells.text("fnsku"),
                "product_name": cells.text("product-name"),
                "quantity": cells.int("quantity"),
                "fulfillment_center_id": cells.text("fulfillment-center-id"),
                "detailed_disposition": cells.text("detailed-disposition"),
                "reason": cells.text("reason"),
                "status": cells.text("status"),
                "license_plate_number": cells.text("license-plate-number"),
                "customer_comments": cells.text("customer-comments"),
            },
        )
    ]


customer_returns = RowNormalizer(return_row, "customer_returns")
