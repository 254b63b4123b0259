"""FBA Inventory API v1: getInventorySummaries (50 per page, nextToken valid for 30 seconds)."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import serializers
from .errors import invalid_input
from .paging import make_token, read_token
from .params import csv_list, opt_bool, opt_datetime, parse_datetime
from .state import begin, emu_of, json_response

PAGE_SIZE = 50
TOKEN_TTL = 30.0


def _resolve_query(request: Request) -> dict[str, object]:
    emu = emu_of(request)
    q = request.query_params
    gtype = q.get("granularityType")
    gid = q.get("granularityId")
    markets = csv_list(q, "marketplaceIds")
    if gtype != "Marketplace":
        raise invalid_input("Invalid granularityType.", "granularityType must be Marketplace.")
    if not gid:
        raise invalid_input("Missing granularityId.", "granularityId is required.")
    if len(markets) != 1:
        raise invalid_input("Invalid marketplaceIds.", "marketplaceIds must contain one id.")
    known = {m.marketplace_id for m in emu.world.marketplaces}
    if gid not in known or markets[0] not in known:
        raise invalid_input("Invalid marketplace.", f"{gid} is not a marketplace of the seller.")
    start = opt_datetime(q, "startDateTime")
    if start is not None and start < emu.now() - timedelta(days=549):
        raise invalid_input("Invalid startDateTime.", "startDateTime cannot be earlier than 18 months ago.")
    skus = csv_list(q, "sellerSkus") or ([q["sellerSku"]] if q.get("sellerSku") else [])
    if len(skus) > 50:
        raise invalid_input("Too many sellerSkus.", "sellerSkus accepts at most 50 values.")
    query: dict[str, object] = {
        "g": gid,
        "m": markets[0],
        "d": opt_bool(q, "details"),
    }
    if start is not None:
        query["s"] = start.isoformat()
    elif skus:
        query["k"] = skus
    return query


async def get_inventory_summaries(request: Request) -> Response:
    await begin(request, "getInventorySummaries")
    emu = emu_of(request)
    token = request.query_params.get("nextToken")
    if token:
        data = read_token(emu.signer, "inventory", token, "nextToken")
        if emu.clock() > float(data.get("t", 0)) + TOKEN_TTL:
            raise invalid_input("The nextToken has expired.", "Request the first page again.")
        query, offset = data["q"], int(data["o"])
    else:
        query, offset = _resolve_query(request), 0
    marketplace = str(query["m"])
    summaries = list(emu.world.inventory_summaries(marketplace))
    if "s" in query:
        since = parse_datetime(str(query["s"]), "startDateTime")
        summaries = [
            s
            for s in summaries
            if s.get("lastUpdatedTime")
            and parse_datetime(str(s["lastUpdatedTime"]), "lastUpdatedTime") >= since
        ]
    elif "k" in query:
        wanted = {str(k) for k in query["k"]}
        summaries = [s for s in summaries if s.get("sellerSku") in wanted]
    page = summaries[offset : offset + PAGE_SIZE]
    next_token = (
        make_token(emu.signer, "inventory", query, offset + PAGE_SIZE, t=emu.clock())
        if offset + PAGE_SIZE < len(summaries)
        else None
    )
    details = bool(query["d"])
    body = serializers.get_inventory_summaries_response(
        "Marketplace",
        str(query["g"]),
        [serializers.inventory_summary(s, details=details) for s in page],
        next_token=next_token,
    )
    return json_response(body)


routes = [Route("/fba/inventory/v1/summaries", get_inventory_summaries, methods=["GET"])]
