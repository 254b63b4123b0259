"""Fetch the raw rows of one unit from the SP-API, by source. Knows nothing about the store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sellersync.amazon import SpApiError
from sellersync.normalize.registry import REQUIRED_COLUMNS
from sellersync.store.models import SyncUnit
from sellersync.sync.amazon_api import AmazonApi
from sellersync.sync.streams import Source, Stream


@dataclass
class Extracted:
    rows: Iterable[Mapping[str, Any]]
    no_data: bool = False  # only when Amazon said so (a CANCELLED report)
    report_id: str | None = None


def extract(api: AmazonApi, stream: Stream, unit: SyncUnit) -> Extracted:
    mkt = unit.marketplace_id
    if stream.source is Source.REPORT:
        data = api.reports.fetch_rows(stream.report_type, [mkt], unit.window_start, unit.window_end)
        rows = data.rows(REQUIRED_COLUMNS[stream.name])
        return Extracted(rows, no_data=data.no_data, report_id=data.report_id)
    if stream.source is Source.SETTLEMENT:
        return _settlement(api, unit)
    if stream.source is Source.FINANCES:
        return Extracted(api.client.list_financial_events(unit.window_start, unit.window_end))
    if stream.source is Source.INVENTORY:
        return Extracted(api.client.get_inventory_summaries(mkt))
    if stream.source is Source.INBOUND:
        return Extracted(_inbound(api, mkt, unit))
    if stream.source is Source.ORDERS_API:
        return Extracted(_orders(api, mkt, unit))
    raise ValueError(f"unknown source {stream.source}")


def _settlement(api: AmazonApi, unit: SyncUnit) -> Extracted:
    if not unit.report_id:
        raise ValueError("a settlement unit needs its report id")
    report = api.client.get_report(unit.report_id)
    document_id = report.get("reportDocumentId")
    if report.get("processingStatus") != "DONE" or not document_id:
        raise SpApiError(
            200, "ReportNotReady", f"settlement report {unit.report_id} has no document", "getReport"
        )
    rows = api.reports.iter_rows(str(document_id), required=REQUIRED_COLUMNS["settlements"])
    return Extracted(rows, report_id=unit.report_id)


def _inbound(api: AmazonApi, mkt: str, unit: SyncUnit) -> Iterator[dict[str, Any]]:
    for shipment in api.client.get_inbound_shipments(mkt, unit.window_start, unit.window_end):
        items = api.client.get_inbound_shipment_items(str(shipment["ShipmentId"]), mkt)
        yield {**shipment, "Items": items}


def _orders(api: AmazonApi, mkt: str, unit: SyncUnit) -> Iterator[dict[str, Any]]:
    """Orders v2026-01-01 ``searchOrders``: each order arrives with its items, no per-order call."""
    yield from api.client.search_orders(
        [mkt], last_updated_after=unit.window_start, last_updated_before=unit.window_end
    )
