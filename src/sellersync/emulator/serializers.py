"""Wire shapes of every served operation, as pure functions of wire-level values.

Each function builds the JSON object Amazon's model defines for one response; the server feeds them
world data, and the tests feed them the models' ``x-amzn-api-sandbox`` examples to prove the shapes.
Optional fields that are ``None`` are omitted, as Amazon omits them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

# The FinancialEvents lists of financesV0.json, in the model's order.
FINANCIAL_EVENT_LISTS: tuple[str, ...] = (
    "ShipmentEventList",
    "ShipmentSettleEventList",
    "RefundEventList",
    "GuaranteeClaimEventList",
    "EBTRefundReimbursementOnlyEventList",
    "ChargebackEventList",
    "PayWithAmazonEventList",
    "ServiceProviderCreditEventList",
    "RetrochargeEventList",
    "RentalTransactionEventList",
    "ProductAdsPaymentEventList",
    "ServiceFeeEventList",
    "SellerDealPaymentEventList",
    "DebtRecoveryEventList",
    "LoanServicingEventList",
    "AdjustmentEventList",
    "SAFETReimbursementEventList",
    "SellerReviewEnrollmentPaymentEventList",
    "FBALiquidationEventList",
    "CouponPaymentEventList",
    "ImagingServicesFeeEventList",
    "NetworkComminglingTransactionEventList",
    "AffordabilityExpenseEventList",
    "AffordabilityExpenseReversalEventList",
    "RemovalShipmentEventList",
    "RemovalShipmentAdjustmentEventList",
    "TrialShipmentEventList",
    "TDSReimbursementEventList",
    "AdhocDisbursementEventList",
    "TaxWithholdingEventList",
    "ChargeRefundEventList",
    "FailedAdhocDisbursementEventList",
    "ValueAddedServiceChargeEventList",
    "CapacityReservationBillingEventList",
)


def _drop_none(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None}


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def render(obj: Any) -> bytes:
    """Compact UTF-8 JSON, key order preserved (byte-identical for identical input)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode("utf-8")


# --- errors ---------------------------------------------------------------------------------------
def error_list(errors: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``ErrorList``: ``{"errors": [{code, message, details?}]}``."""
    return {
        "errors": [
            _drop_none({"code": e["code"], "message": e["message"], "details": e.get("details")})
            for e in errors
        ]
    }


# --- Orders v0 ------------------------------------------------------------------------------------
def get_orders_response(
    orders: Sequence[Mapping[str, Any]],
    *,
    next_token: str | None = None,
    last_updated_before: str | None = None,
    created_before: str | None = None,
) -> dict[str, Any]:
    payload = _drop_none(
        {
            "Orders": list(orders),
            "NextToken": next_token,
            "LastUpdatedBefore": last_updated_before,
            "CreatedBefore": created_before,
        }
    )
    return {"payload": payload}


def get_order_items_response(
    amazon_order_id: str, items: Sequence[Mapping[str, Any]], *, next_token: str | None = None
) -> dict[str, Any]:
    payload = _drop_none(
        {"OrderItems": list(items), "NextToken": next_token, "AmazonOrderId": amazon_order_id}
    )
    return {"payload": payload}


# --- Orders 2026-01-01 ----------------------------------------------------------------------------
def search_orders_response(
    orders: Sequence[Mapping[str, Any]],
    *,
    next_token: str | None = None,
    last_updated_before: str | None = None,
    created_before: str | None = None,
) -> dict[str, Any]:
    """``SearchOrdersResponse``: no ``payload`` wrapper; ``pagination`` is absent on the last page."""
    return _drop_none(
        {
            "orders": list(orders),
            "pagination": {"nextToken": next_token} if next_token else None,
            "lastUpdatedBefore": last_updated_before,
            "createdBefore": created_before,
        }
    )


def get_order_response(order: Mapping[str, Any]) -> dict[str, Any]:
    return {"order": dict(order)}


# --- Reports 2021-06-30 ---------------------------------------------------------------------------
def report(
    *,
    report_id: str,
    report_type: str,
    created_time: str,
    processing_status: str,
    marketplace_ids: Sequence[str] | None = None,
    data_start_time: str | None = None,
    data_end_time: str | None = None,
    report_schedule_id: str | None = None,
    processing_start_time: str | None = None,
    processing_end_time: str | None = None,
    report_document_id: str | None = None,
) -> dict[str, Any]:
    """``Report`` (the getReport answer and each element of getReports)."""
    return _drop_none(
        {
            "marketplaceIds": list(marketplace_ids) if marketplace_ids is not None else None,
            "reportId": report_id,
            "reportType": report_type,
            "dataStartTime": data_start_time,
            "dataEndTime": data_end_time,
            "reportScheduleId": report_schedule_id,
            "createdTime": created_time,
            "processingStatus": processing_status,
            "processingStartTime": processing_start_time,
            "processingEndTime": processing_end_time,
            "reportDocumentId": report_document_id,
        }
    )


def get_reports_response(
    reports: Sequence[Mapping[str, Any]], *, next_token: str | None = None
) -> dict[str, Any]:
    return _drop_none({"reports": list(reports), "nextToken": next_token})


def create_report_response(report_id: str) -> dict[str, Any]:
    return {"reportId": report_id}


def report_document(
    report_document_id: str, url: str, compression_algorithm: str | None = None
) -> dict[str, Any]:
    return _drop_none(
        {
            "reportDocumentId": report_document_id,
            "url": url,
            "compressionAlgorithm": compression_algorithm,
        }
    )


# --- Finances v0 ----------------------------------------------------------------------------------
def list_financial_events_response(
    events: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    next_token: str | None = None,
    list_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Group ``(list name, event)`` pairs into ``FinancialEvents``.

    With ``list_names`` every named list is present (empty when it has no event), as Amazon answers;
    without, only the lists that have events appear (as in the model's example).
    """
    grouped: dict[str, list[Mapping[str, Any]]] = {name: [] for name in list_names or ()}
    for name, event in events:
        grouped.setdefault(name, []).append(event)
    payload = _drop_none({"NextToken": next_token, "FinancialEvents": grouped})
    return {"payload": payload}


# --- FBA Inventory --------------------------------------------------------------------------------
def inventory_summary(summary: Mapping[str, Any], *, details: bool) -> dict[str, Any]:
    """An ``InventorySummary``; without ``details`` only the total quantity is reported."""
    out = dict(summary)
    if not details:
        out.pop("inventoryDetails", None)
    return out


def get_inventory_summaries_response(
    granularity_type: str,
    granularity_id: str,
    summaries: Sequence[Mapping[str, Any]],
    *,
    next_token: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "payload": {
            "granularity": {"granularityType": granularity_type, "granularityId": granularity_id},
            "inventorySummaries": list(summaries),
        }
    }
    if next_token is not None:
        body["pagination"] = {"nextToken": next_token}
    return body


# --- FBA Inbound v0 -------------------------------------------------------------------------------
def get_shipments_response(
    shipments: Sequence[Mapping[str, Any]], *, next_token: str | None = None
) -> dict[str, Any]:
    return {"payload": _drop_none({"ShipmentData": list(shipments), "NextToken": next_token})}


def get_shipment_items_response(
    items: Sequence[Mapping[str, Any]], *, next_token: str | None = None
) -> dict[str, Any]:
    return {"payload": _drop_none({"ItemData": list(items), "NextToken": next_token})}


# --- Sellers --------------------------------------------------------------------------------------
def get_marketplace_participations_response(
    participations: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    return {"payload": list(participations)}


def list_financial_event_groups_response(
    groups: Sequence[Mapping[str, Any]], *, next_token: str | None = None
) -> dict[str, Any]:
    return {"payload": _drop_none({"NextToken": next_token, "FinancialEventGroupList": list(groups)})}
