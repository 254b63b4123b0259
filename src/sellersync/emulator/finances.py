"""Finances API v0: listFinancialEvents (pages of the world's events grouped by list name)."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import serializers
from .errors import invalid_input
from .paging import make_token, read_token
from .params import fmt_z, opt_datetime, opt_int, parse_datetime
from .state import begin, emu_of, json_response

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


routes = [Route("/finances/v0/financialEvents", list_financial_events, methods=["GET"])]
