"""FBA Inventory API ``InventorySummary`` (with ``inventoryDetails``) → InventorySummary.

The marketplace is the context's (summaries are requested per marketplace and it is part of the
natural key). Quantities the answer omits (no ``details=true``) read as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sellersync.normalize.base import Context, OccurrenceCounter, Quarantine, Record, RowError, base_values
from sellersync.normalize.jsonrows import Fields
from sellersync.store.models.canonical import InventorySummary


def summary_record(summary: Mapping[str, Any], ctx: Context) -> Record:
    f = Fields(summary)
    details = f.sub("inventoryDetails")
    return Record(
        InventorySummary,
        {
            **base_values(ctx),
            "sku": f.key("sellerSku"),
            "fnsku": f.text("fnSku"),
            "asin": f.text("asin"),
            "product_name": f.text("productName"),
            "condition": f.text("condition"),
            "total_quantity": f.int("totalQuantity"),
            "fulfillable_quantity": details.int("fulfillableQuantity"),
            "inbound_working_quantity": details.int("inboundWorkingQuantity"),
            "inbound_shipped_quantity": details.int("inboundShippedQuantity"),
            "inbound_receiving_quantity": details.int("inboundReceivingQuantity"),
            "reserved_quantity": details.sub("reservedQuantity").int("totalReservedQuantity"),
            "unfulfillable_quantity": details.sub("unfulfillableQuantity").int("totalUnfulfillableQuantity"),
            "researching_quantity": details.sub("researchingQuantity").int("totalResearchingQuantity"),
            "last_updated_time": f.date("lastUpdatedTime"),
        },
    )


class InventorySummaryNormalizer:
    def normalize(self, rows: Iterable[Mapping[str, Any]], ctx: Context) -> Iterator[Record | Quarantine]:
        quarantine_counter = OccurrenceCounter()
        for summary in rows:
            try:
                yield summary_record(summary, ctx)
            except RowError as exc:
                yield Quarantine.of(ctx.stream, summary, exc.reason, quarantine_counter)


inventory_summaries = InventorySummaryNormalizer()
