"""API answers validate against Amazon's JSON models (Draft 4, with the model's definitions)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from .conftest import world

MODELS = Path("/work/shared/spapi/models")


def validator(model: str, definition: str) -> Draft4Validator:
    spec = json.loads((MODELS / f"{model}.json").read_text())
    return Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": spec["definitions"]})


def wire(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=lambda v: float(v) if isinstance(v, Decimal) else v))


pytestmark = pytest.mark.skipif(not MODELS.exists(), reason="models not available")


def test_answers_validate_against_models() -> None:
    for scenario, region in (("messy", "NA"), ("typical", "EU")):
        w = world(scenario=scenario, region=region)
        ids = [m.marketplace_id for m in w.marketplaces]
        orders = w.orders(ids)
        v = validator("ordersV0", "Order")
        vi = validator("ordersV0", "OrderItem")
        for o in orders[:: max(1, len(orders) // 50)]:
            v.validate(wire(o))
            for item in w.order_items(o["AmazonOrderId"]) or []:
                vi.validate(wire(item))
        events = w.financial_events(w.history.start, w.anchor)
        defs = {
            "ShipmentEventList": "ShipmentEvent",
            "RefundEventList": "ShipmentEvent",
            "AdjustmentEventList": "AdjustmentEvent",
            "ServiceFeeEventList": "ServiceFeeEvent",
        }
        seen = set()
        for name, ev in events:
            validator("financesV0", defs[name]).validate(wire(ev))
            seen.add(name)
            for money in _amounts(ev):
                assert isinstance(money, Decimal) and money == money.quantize(Decimal("0.01"))
        assert seen == set(defs)
        for mid in ids:
            for s in w.inventory_summaries(mid):
                validator("fbaInventory", "InventorySummary").validate(wire(s))
            for ship in w.inbound_shipments(mid, w.history.start, w.anchor):
                validator("fulfillmentInboundV0", "InboundShipmentInfo").validate(wire(ship))
                for item in w.inbound_shipment_items(ship["ShipmentId"]) or []:
                    validator("fulfillmentInboundV0", "InboundShipmentItem").validate(wire(item))
        for p in w.marketplace_participations():
            validator("sellers", "MarketplaceParticipation").validate(wire(p))


def _amounts(obj: Any) -> list[Any]:
    if isinstance(obj, dict):
        found = [obj["CurrencyAmount"]] if "CurrencyAmount" in obj else []
        return found + [a for v in obj.values() for a in _amounts(v)]
    if isinstance(obj, list):
        return [a for v in obj for a in _amounts(v)]
    return []
