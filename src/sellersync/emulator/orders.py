"""Orders API v0: getOrders and getOrderItems (deprecated by Amazon; served for older clients, see
``orders2026`` for what sellersync calls)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import serializers
from .errors import invalid_input, not_found
from .paging import make_token, read_token
from .params import csv_list, fmt_z, opt_datetime, opt_int, parse_datetime
from .state import begin, emu_of, json_response

MIN_AGE = timedelta(minutes=2)


def _resolve_query(request: Request) -> dict[str, object]:
    emu = emu_of(request)
    q = request.query_params
    now = emu.now()
    latest = now - MIN_AGE
    marketplaces = csv_list(q, "MarketplaceIds")
    if not marketplaces:
        raise invalid_input("MarketplaceIds is required.", "Missing required parameter MarketplaceIds")
    if len(marketplaces) > 50:
        raise invalid_input("Too many MarketplaceIds: at most 50.")
    known = {m.marketplace_id for m in emu.world.marketplaces}
    unknown = [m for m in marketplaces if m not in known]
    if unknown:
        raise invalid_input(f"Invalid MarketplaceIds: {', '.join(unknown)}.")
    created_after = opt_datetime(q, "CreatedAfter")
    created_before = opt_datetime(q, "CreatedBefore")
    updated_after = opt_datetime(q, "LastUpdatedAfter")
    updated_before = opt_datetime(q, "LastUpdatedBefore")
    order_ids = csv_list(q, "AmazonOrderIds")
    if created_after and updated_after:
        raise invalid_input("CreatedAfter and LastUpdatedAfter cannot both be specified.")
    if updated_after and created_before:
        raise invalid_input("CreatedBefore cannot be specified with LastUpdatedAfter.")
    if created_after and updated_before:
        raise invalid_input("LastUpdatedBefore cannot be specified with CreatedAfter.")
    if not (created_after or updated_after or order_ids):
        raise invalid_input("Either CreatedAfter or LastUpdatedAfter must be specified.")
    for name, value in (
        ("CreatedAfter", created_after),
        ("CreatedBefore", created_before),
        ("LastUpdatedAfter", updated_after),
        ("LastUpdatedBefore", updated_before),
    ):
        if value is not None and value > latest:
            raise invalid_input(
                f"{name} must be a date at least 2 minutes before the time of the request.",
                f"{name}={fmt_z(value)} is later than {fmt_z(latest)}",
            )
    query: dict[str, object] = {"m": marketplaces}
    if updated_after:
        before = updated_before or latest
        if before <= updated_after:
            raise invalid_input("LastUpdatedBefore must be later than LastUpdatedAfter.")
        query.update(lua=updated_after.isoformat(), lub=before.isoformat())
    else:
        after = created_after or datetime(1995, 1, 1, tzinfo=UTC)
        before = created_before or latest
        if before <= after:
            raise invalid_input("CreatedBefore must be later than CreatedAfter.")
        query.update(ca=after.isoformat(), cb=before.isoformat())
    statuses = csv_list(q, "OrderStatuses")
    channels = csv_list(q, "FulfillmentChannels")
    if statuses:
        query["s"] = statuses
    if channels:
        query["f"] = channels
    if order_ids:
        if len(order_ids) > 50:
            raise invalid_input("Too many AmazonOrderIds: at most 50.")
        query["ids"] = order_ids
    query["n"] = opt_int(q, "MaxResultsPerPage", 100, 1, 100)
    return query


def _dt(query: dict[str, object], key: str) -> datetime | None:
    value = query.get(key)
    return parse_datetime(value, key) if isinstance(value, str) else None


async def get_orders(request: Request) -> Response:
    await begin(request, "getOrders")
    emu = emu_of(request)
    token = request.query_params.get("NextToken")
    if token:
        data = read_token(emu.signer, "orders", token)
        query, offset = data["q"], int(data["o"])
    else:
        query, offset = _resolve_query(request), 0
    marketplaces = [str(m) for m in query["m"]]
    orders = emu.world.orders(
        marketplaces,
        created_after=_dt(query, "ca"),
        created_before=_dt(query, "cb"),
        last_updated_after=_dt(query, "lua"),
        last_updated_before=_dt(query, "lub"),
    )
    selected = list(orders)
    if "s" in query:
        wanted = set(query["s"])
        selected = [o for o in selected if o.get("OrderStatus") in wanted]
    if "f" in query:
        wanted = set(query["f"])
        selected = [o for o in selected if o.get("FulfillmentChannel") in wanted]
    if "ids" in query:
        wanted = set(query["ids"])
        selected = [o for o in selected if o.get("AmazonOrderId") in wanted]
    size = int(query["n"])
    page = selected[offset : offset + size]
    next_token = (
        make_token(emu.signer, "orders", query, offset + size) if offset + size < len(selected) else None
    )
    lub, cb = _dt(query, "lub"), _dt(query, "cb")
    body = serializers.get_orders_response(
        page,
        next_token=next_token,
        last_updated_before=fmt_z(lub) if lub else None,
        created_before=fmt_z(cb) if cb else None,
    )
    return json_response(body)


async def get_order_items(request: Request) -> Response:
    await begin(request, "getOrderItems")
    emu = emu_of(request)
    order_id = request.path_params["orderId"]
    items = emu.world.order_items(order_id)
    if items is None:
        raise not_found("Invalid AmazonOrderId.", f"Order {order_id} was not found.")
    return json_response(serializers.get_order_items_response(order_id, list(items)))


routes = [
    Route("/orders/v0/orders", get_orders, methods=["GET"]),
    Route("/orders/v0/orders/{orderId}/orderItems", get_order_items, methods=["GET"]),
]
