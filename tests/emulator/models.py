"""Amazon's Swagger models as JSON Schema validators (Draft 4 with the model's definitions)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft4Validator

# operationId -> (model file stem, path, method)
OPERATIONS: dict[str, tuple[str, str, str]] = {
    "getOrders": ("ordersV0", "/orders/v0/orders", "get"),
    "getOrderItems": ("ordersV0", "/orders/v0/orders/{orderId}/orderItems", "get"),
    "searchOrders": ("orders_2026-01-01", "/orders/2026-01-01/orders", "get"),
    "getOrder": ("orders_2026-01-01", "/orders/2026-01-01/orders/{orderId}", "get"),
    "createReport": ("reports_2021-06-30", "/reports/2021-06-30/reports", "post"),
    "getReports": ("reports_2021-06-30", "/reports/2021-06-30/reports", "get"),
    "getReport": ("reports_2021-06-30", "/reports/2021-06-30/reports/{reportId}", "get"),
    "cancelReport": ("reports_2021-06-30", "/reports/2021-06-30/reports/{reportId}", "delete"),
    "getReportDocument": (
        "reports_2021-06-30",
        "/reports/2021-06-30/documents/{reportDocumentId}",
        "get",
    ),
    "listFinancialEvents": ("financesV0", "/finances/v0/financialEvents", "get"),
    "listFinancialEventGroups": ("financesV0", "/finances/v0/financialEventGroups", "get"),
    "getInventorySummaries": ("fbaInventory", "/fba/inventory/v1/summaries", "get"),
    "getShipments": ("fulfillmentInboundV0", "/fba/inbound/v0/shipments", "get"),
    "getShipmentItemsByShipmentId": (
        "fulfillmentInboundV0",
        "/fba/inbound/v0/shipments/{shipmentId}/items",
        "get",
    ),
    "getMarketplaceParticipations": ("sellers", "/sellers/v1/marketplaceParticipations", "get"),
}


def operation(models: dict[str, dict[str, Any]], op: str) -> dict[str, Any]:
    stem, path, method = OPERATIONS[op]
    found: dict[str, Any] = models[stem]["paths"][path][method]
    assert found["operationId"] == op
    return found


def response_schema(models: dict[str, dict[str, Any]], op: str, status: int) -> dict[str, Any]:
    stem = OPERATIONS[op][0]
    spec = operation(models, op)["responses"][str(status)]
    schema = dict(spec["schema"])
    schema["definitions"] = models[stem]["definitions"]
    return schema


_VALIDATORS: dict[tuple[int, str, int], Draft4Validator] = {}


def validate(models: dict[str, dict[str, Any]], op: str, status: int, body: Any) -> None:
    """Raise jsonschema.ValidationError when ``body`` does not match the model's response."""
    key = (id(models), op, status)
    validator = _VALIDATORS.get(key)
    if validator is None:
        schema = response_schema(models, op, status)
        Draft4Validator.check_schema(schema)
        validator = _VALIDATORS[key] = Draft4Validator(schema)
    validator.validate(body)


def sandbox_examples(models: dict[str, dict[str, Any]], op: str) -> list[tuple[int, dict[str, Any], Any]]:
    """``(status, request parameters, response)`` of every static sandbox example of ``op``."""
    out = []
    for status, spec in operation(models, op)["responses"].items():
        for example in spec.get("x-amzn-api-sandbox", {}).get("static", []):
            if "response" in example:
                out.append((int(status), example["request"]["parameters"], example["response"]))
    return out
