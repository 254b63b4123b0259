"""Inventory ledger detail (``GET_LEDGER_DETAIL_VIEW_DATA``) → LedgerEvent.

Ledger lines have no identifier: ``row_key`` digests the identifying columns (event time, FNSKU,
ASIN, MSKU, event type, reference id, quantity, fulfillment center, disposition, reason, country)
plus the line's occurrence among identical lines of the document. Title and the reconciled /
unreconciled quantities are left out of the key: they describe the line and may change later.
``event_date`` is ``Date and Time`` when present, else ``Date`` (midnight UTC).
"""

from __future__ import annotations

from sellersync.normalize.base import Cells, OccurrenceCounter, Record, RowNormalizer, base_values
from sellersync.store.models.canonical import LedgerEvent


def ledger_row(cells: Cells, counter: OccurrenceCounter) -> list[Record]:
    if cells.raw("Date and Time") is not None:
        event_date = cells.required_date("Date and Time")
    else:
        event_date = cells.required_date("Date")
    values = {
        "event_date": event_date,
        "fnsku": cells.text("FNSKU", required=True),
        "asin": cells.text("ASIN"),
        "sku": cells.text("MSKU"),
        "title": cells.text("Title"),
        "event_type": cells.key("Event Type"),
        "reference_id": cells.text("Reference ID"),
        "quantity": cells.int("Quantity", required=True),
        "fulfillment_center": cells.text("Fulfillment Center"),
        "disposition": cells.text("Disposition"),
        "reason": cells.text("Reason"),
        "country": cells.text("Country"),
        "reconciled_quantity": cells.int("Reconciled Quantity"),
        "unreconciled_quantity": cells.int("Unreconciled Quantity"),
    }
    row_key = counter.key(
        "ledger",
        *(
            values[k]
            for k in (
                "event_date",
                "fnsku",
                "asin",
                "sku",
                "event_type",
                "reference_id",
                "quantity",
                "fulfillment_center",
                "disposition",
                "reason",
                "country",
            )
        ),
    )
    return [Record(LedgerEvent, {**base_values(cells.ctx), "row_key": row_key, **values})]


inventory_ledger = RowNormalizer(ledger_row, "inventory_ledger")
