"""Finances API v0: listFinancialEvents (pages of the world's events grouped by list name)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import serializers
from .errors import invalid_input
from .paging import make_token, read_token
from .params import fmt_z, opt_datetime, opt_int, parse_datetime
from .state import EmulatorState, begin, emu_of, json_response

MIN_AGE = timedelta(minutes=2)
MAX_RANGE = timedelta(days=180)


def _resolve_query(request: Request) -> dict[str, object]:
    emu = emu_of(request)
    q = request.query_params
    latest = emu.now() - MIN_AGE
    after = opt_datetime(q, "PostedAfter")
    before = opt_datetime(q, "PostedBefore")
    if after is None:
        raise invalid_input("Date range is invalid.", "PostedAfter is required.")
    if after > latest:
        raise invalid_input(
            "Date range is invalid.",
            f"PostedAfter must be at least 2 minutes before the request ({fmt_z(latest)}).",
        )
    if before is None:
        before = latest
    elif before > latest:
        raise invalid_input(
            "Date range is invalid.",
            f"PostedBefore must be at least 2 minutes before the request ({fmt_z(latest)}).",
        )
    if before <= after:
        raise invalid_input("Date range is invalid.", "PostedBefore must be later than PostedAfter.")
    size = opt_int(q, "MaxResultsPerPage", 100, 1, 100)
    return {"a": after.isoformat(), "b": before.isoformat(), "n": size}


async def list_financial_events(request: Request) -> Response:
    await begin(request, "listFinancialEvents")
    emu = emu_of(request)
    token = request.query_params.get("NextToken")
    if token:
        data = read_token(emu.signer, "finances", token)
        query, offset = data["q"], int(data["o"])
    else:
        query, offset = _resolve_query(request), 0
    after = parse_datetime(str(query["a"]), "PostedAfter")
    before = parse_datetime(str(query["b"]), "PostedBefore")
    size = int(str(query["n"]))
    if before - after > MAX_RANGE:
        # Amazon answers an empty page when the range exceeds 180 days (FACTS §5).
        events: list[tuple[str, dict[str, object]]] = []
    else:
        events = list(emu.world.financial_events(after, before))
    page = events[offset : offset + size]
    next_token = (
        make_token(emu.signer, "finances", query, offset + size) if offset + size < len(events) else None
    )
    body = serializers.list_financial_events_response(
        page, next_token=next_token, list_names=serializers.FINANCIAL_EVENT_LISTS
    )
    return json_response(body)


def _amount(text: str, decimal_comma: bool) -> Decimal:
    cleaned = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return Decimal("0")


def _groups(emu: EmulatorState) -> list[dict[str, Any]]:
    """One closed financial event group per settlement, oldest first (built once)."""
    cached = emu.extra.get("event_groups")
    if cached is not None:
        groups: list[dict[str, Any]] = cached
        return groups
    markets = {m.marketplace_id: m for m in emu.world.marketplaces}
    groups = []
    for meta in emu.world.settlements():
        table = emu.world.settlement_table(meta.settlement_id)
        summary = dict(zip(table.header, next(iter(table.rows), []), strict=False))
        market = markets.get(meta.marketplace_id)
        currency = summary.get("currency") or (market.currency if market else "USD")
        total = _amount(summary.get("total-amount", "0") or "0", bool(market and market.decimal_comma))
        groups.append(
            {
                "FinancialEventGroupId": meta.settlement_id,
                "ProcessingStatus": "Closed",
                "FundTransferStatus": "Succeeded",
                "OriginalTotal": {"CurrencyCode": currency, "CurrencyAmount": total},
                "FundTransferDate": fmt_z(meta.deposit_date),
                "TraceId": f"TRACE{meta.settlement_id}",
                "AccountTail": "042",
                "FinancialEventGroupStart": fmt_z(meta.start),
                "FinancialEventGroupEnd": fmt_z(meta.end),
            }
        )
    emu.extra["event_groups"] = groups
    return groups


async def list_financial_event_groups(request: Request) -> Response:
    await begin(request, "listFinancialEventGroups")
    emu = emu_of(request)
    q = request.query_params
    token = q.get("NextToken")
    if token:
        data = read_token(emu.signer, "event-groups", token)
        query, offset = data["q"], int(data["o"])
    else:
        latest = emu.now() - MIN_AGE
        after = opt_datetime(q, "FinancialEventGroupStartedAfter")
        before = opt_datetime(q, "FinancialEventGroupStartedBefore") or latest
        if after is None:
            after = before - MAX_RANGE
        if after > latest or before > latest:
            raise invalid_input(
                "Date range is invalid.", "Dates must be at least 2 minutes before the request."
            )
        if before <= after:
            raise invalid_input("Date range is invalid.", "StartedBefore must follow StartedAfter.")
        size = opt_int(q, "MaxResultsPerPage", 10, 1, 100)
        query, offset = {"a": after.isoformat(), "b": before.isoformat(), "n": size}, 0
    after = parse_datetime(str(query["a"]), "FinancialEventGroupStartedAfter")
    before = parse_datetime(str(query["b"]), "FinancialEventGroupStartedBefore")
    size = int(str(query["n"]))
    groups = [
        g for g in _groups(emu) if after <= parse_datetime(g["FinancialEventGroupStart"], "start") < before
    ]
    page = groups[offset : offset + size]
    next_token = (
        make_token(emu.signer, "event-groups", query, offset + size) if offset + size < len(groups) else None
    )
    return json_response(serializers.list_financial_event_groups_response(page, next_token=next_token))


routes = [
    Route("/finances/v0/financialEvents", list_financial_events, methods=["GET"]),
    Route("/finances/v0/financialEventGroups", list_financial_event_groups, methods=["GET"]),
]
