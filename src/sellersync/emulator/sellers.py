"""Sellers API v1: getMarketplaceParticipations."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import serializers
from .state import begin, emu_of, json_response


async def get_marketplace_participations(request: Request) -> Response:
    await begin(request, "getMarketplaceParticipations")
    world = emu_of(request).world
    body = serializers.get_marketplace_participations_response(list(world.marketplace_participations()))
    return json_response(body)


routes = [Route("/sellers/v1/marketplaceParticipations", get_marketplace_participations, methods=["GET"])]
