"""FBA Inbound API v0: getShipments and getShipmentItemsByShipmentId."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import serializers
from .errors import ApiError, invalid_input
from .paging import make_token, read_token
from .params import csv_list, opt_datetime, parse_datetime
from .state import begin, emu_of, json_response

PAGE_SIZE = 50
QUERY_TYPES = ("SHIPMENT", "DATE_RANGE", "NEXT_TOKEN")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _resolve_query(request: Request) -> dict[str, object]:
    emu = emu_of(request)
    q = request.query_params
    query_type = q.get("QueryType")
    marketplace = q.get("MarketplaceId")
    if query_type not in QUERY_TYPES:
        raise invalid_input("Invalid QueryType.", "QueryType must be SHIPMENT, DATE_RANGE or NEXT_TOKEN.")
    if not marketplace or marketplace not in {m.marketplace_id for m in emu.world.marketplaces}:
        raise invalid_input("Invalid MarketplaceId.", "MarketplaceId is missing or unknown.")
    statuses = csv_list(q, "ShipmentStatusList")
    ids = csv_list(q, "ShipmentIdList")
    query: dict[str, object] = {"m": marketplace}
    if query_type == "DATE_RANGE":
        after = opt_datetime(q, "LastUpdatedAfter")
        before = opt_datetime(q, "LastUpdatedBefore")
        if after is None or before is None:
            raise invalid_input(
                "Invalid date range.",
                "DATE_RANGE needs LastUpdatedAfter and LastUpdatedBefore.",
            )
        if before <= after:
            raise invalid_input("Invalid date range.", "LastUpdatedBefore must follow LastUpdatedAfter.")
        query.update(a=after.isoformat(), b=before.isoformat())
    else:
        if not statuses and not ids:
            raise invalid_input("Missing filter.", "SHIPMENT needs ShipmentStatusList or ShipmentIdList.")
        query.update(a=EPOCH.isoformat(), b=emu.now().isoformat())
    if ids:
        query["i"] = ids
    elif statuses:
        query["s"] = statuses
    return query


async def get_shipments(request: Request) -> Response:
    await begin(request, "getShipments")
    emu = emu_of(request)
    q = request.query_params
    if q.get("QueryType") == "NEXT_TOKEN":
        token = q.get("NextToken")
        if not token:
            raise invalid_input("Missing NextToken.", "QueryType NEXT_TOKEN needs NextToken.")
        data = read_token(emu.signer, "inbound", token)
        query, offset = data["q"], int(data["o"])
    else:
        query, offset = _resolve_query(request), 0
    shipments = list(
        emu.world.inbound_shipments(
            str(query["m"]),
            parse_datetime(str(query["a"]), "LastUpdatedAfter"),
            parse_datetime(str(query["b"]), "LastUpdatedBefore"),
        )
    )
    if "i" in query:
        wanted = {str(i) for i in query["i"]}
        shipments = [s for s in shipments if s.get("ShipmentId") in wanted]
    elif "s" in query:
        wanted = {str(s) for s in query["s"]}
        shipments = [s for s in shipments if s.get("ShipmentStatus") in wanted]
    page = shipments[offset : offset + PAGE_SIZE]
    next_token = (
        make_token(emu.signer, "inbound", query, offset + PAGE_SIZE)
        if offset + PAGE_SIZE < len(shipments)
        else None
    )
    return json_response(serializers.get_shipments_response(page, next_token=next_token))


async def get_shipment_items(request: Request) -> Response:
    await begin(request, "getShipmentItemsByShipmentId")
    emu = emu_of(request)
    shipment_id = request.path_params["shipmentId"]
    items = emu.world.inbound_shipment_items(shipment_id)
    if items is None:
        raise ApiError(404, "NotFound", "Shipment not found.", f"Shipment {shipment_id} not found.")
    return json_response(serializers.get_shipment_items_response(list(items)))


routes = [
    Route("/fba/inbound/v0/shipments", get_shipments, methods=["GET"]),
    Route("/fba/inbound/v0/shipments/{shipmentId}/items", get_shipment_items, methods=["GET"]),
]
