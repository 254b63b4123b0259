"""Case text: per claim type, the text names every identifier of its evidence, in English and German."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from sellersync.detect.casetext import IDENTIFIER_FIELDS, CaseClaim, case_text, evidence_row, language_for
from sellersync.detect.kinds import ClaimType

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
T = datetime(2026, 3, 4, 10, tzinfo=UTC)

LEDGER = evidence_row(
    "inventory_ledger",
    11,
    {
        "event_date": T,
        "event_type": "Adjustments",
        "reason": "M",
        "fnsku": "X00FNSKU1",
        "sku": "MSKU-1",
        "asin": "B00ASIN001",
        "reference_id": "7712345678",
        "fulfillment_center": "PHX7",
        "disposition": "SELLABLE",
        "quantity": -3,
    },
)
REIMBURSEMENT = evidence_row(
    "reimbursements",
    12,
    {
        "approval_date": datetime(2026, 3, 20, tzinfo=UTC),
        "reimbursement_id": "5544332211",
        "case_id": "CASE-998877",
        "reason": "Lost_Warehouse",
        "amazon_order_id": "",
        "fnsku": "X00FNSKU1",
        "sku": "MSKU-1",
        "asin": "B00ASIN001",
        "quantity_reimbursed_total": 1,
        "amount_total": Decimal("6.4000"),
        "currency": "USD",
    },
)
REFUND = evidence_row(
    "financial_events",
    13,
    {
        "posted_date": T,
        "event_type": "refund",
        "charge_type": "Principal",
        "amazon_order_id": "111-2223334-5556667",
        "order_item_id": "OI-77",
        "sku": "MSKU-1",
        "quantity": 1,
        "amount": Decimal("-19.99"),
        "currency": "USD",
    },
)
SHIPMENT = evidence_row(
    "fba_shipments",
    14,
    {
        "shipment_date": datetime(2026, 2, 1, tzinfo=UTC),
        "shipment_id": "DxYz123",
        "amazon_order_id": "111-2223334-5556667",
        "sku": "MSKU-1",
        "fulfillment_center_id": "ONT8",
        "quantity_shipped": 1,
    },
)
RETURN = evidence_row(
    "customer_returns",
    15,
    {
        "return_date": datetime(2026, 3, 10, tzinfo=UTC),
        "order_id": "111-2223334-5556667",
        "license_plate_number": "LPNRR123456789",
        "fnsku": "X00FNSKU1",
        "sku": "MSKU-1",
        "asin": "B00ASIN001",
        "fulfillment_center_id": "SDF8",
        "detailed_disposition": "SELLABLE",
        "reason": "UNWANTED_ITEM",
        "quantity": 1,
    },
)
INBOUND = evidence_row(
    "inbound_shipments",
    16,
    {
        "created_date": datetime(2026, 1, 5, tzinfo=UTC),
        "shipment_id": "FBA15ABCDEF",
        "shipment_status": "CLOSED",
        "destination_fulfillment_center_id": "MDW2",
    },
)
INBOUND_ITEM = evidence_row(
    "inbound_shipment_items",
    17,
    {
        "shipment_id": "FBA15ABCDEF",
        "fnsku": "X00FNSKU1",
        "sku": "MSKU-1",
        "quantity_shipped": 24,
        "quantity_received": 20,
    },
)
REMOVAL = evidence_row(
    "removal_orders",
    18,
    {
        "request_date": datetime(2026, 1, 9, tzinfo=UTC),
        "order_id": "RMV-0042",
        "order_type": "Return",
        "order_status": "Completed",
        "fnsku": "X00FNSKU1",
        "sku": "MSKU-1",
        "shipped_quantity": 5,
    },
)
REMOVAL_SHIPMENT = evidence_row(
    "removal_shipments",
    19,
    {
        "shipment_date": datetime(2026, 1, 12, tzinfo=UTC),
        "order_id": "RMV-0042",
        "fnsku": "X00FNSKU1",
        "sku": "MSKU-1",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "quantity_shipped": 3,
    },
)

#: claim type -> (quantity, evidence dict as the rule writes it, evidence rows)
CASES: dict[str, tuple[int, dict[str, Any], list[dict[str, Any]]]] = {
    ClaimType.LOST_IN_WAREHOUSE: (
        2,
        {
            "ledgerReferenceIds": ["7712345678"],
            "reason": "M",
            "fulfillmentCenter": "PHX7",
            "quantityAdjusted": 3,
            "quantitySettled": 1,
            "reimbursementIds": ["5544332211"],
            "unitValue": "6.40",
            "valuation": "seller_cost",
        },
        [LEDGER, REIMBURSEMENT],
    ),
    ClaimType.DAMAGED_IN_WAREHOUSE: (
        2,
        {
            "ledgerReferenceIds": ["7712345678"],
            "reason": "E",
            "fulfillmentCenter": "PHX7",
            "quantityAdjusted": 3,
            "quantitySettled": 1,
            "reimbursementIds": ["5544332211"],
            "unitValue": "6.40",
            "valuation": "seller_cost",
        },
        [LEDGER, REIMBURSEMENT],
    ),
    ClaimType.REFUND_WITHOUT_RETURN: (
        1,
        {
            "orderId": "111-2223334-5556667",
            "orderItemId": "OI-77",
            "refundDates": [T.isoformat()],
            "quantityRefunded": 1,
            "quantityReturned": 0,
            "quantityReimbursed": 0,
            "reimbursementIds": [],
            "unitValue": "12.25",
            "valuation": "sale_price_less_fees",
        },
        [REFUND, SHIPMENT],
    ),
    ClaimType.RETURN_NOT_RESTOCKED: (
        1,
        {
            "orderId": "111-2223334-5556667",
            "orderItemId": "OI-77",
            "refundDates": [T.isoformat()],
            "licensePlateNumber": "LPNRR123456789",
            "returnDate": "2026-03-10T00:00:00+00:00",
            "returnDisposition": "SELLABLE",
            "quantityInReturn": 1,
            "quantityRestocked": 0,
            "unitValue": "12.25",
            "valuation": "sale_price_less_fees",
        },
        [REFUND, SHIPMENT, RETURN],
    ),
    ClaimType.INBOUND_SHORTAGE: (
        4,
        {
            "shipmentId": "FBA15ABCDEF",
            "shipmentStatus": "CLOSED",
            "quantityShipped": 24,
            "quantityReceived": 20,
            "deliveryDate": "2026-01-08T00:00:00+00:00",
            "reimbursementIds": [],
            "unitValue": "6.40",
            "valuation": "reimbursement_history",
        },
        [INBOUND, INBOUND_ITEM],
    ),
    ClaimType.REMOVAL_LOST: (
        2,
        {
            "removalOrderId": "RMV-0042",
            "shippedQuantity": 5,
            "quantityInShipmentRows": 3,
            "shipmentDate": "2026-01-12T00:00:00+00:00",
            "reimbursementIds": [],
            "unitValue": None,
            "valuation": "unknown",
        },
        [REMOVAL, REMOVAL_SHIPMENT],
    ),
    ClaimType.FEE_OVERCHARGE: (
        1,
        {
            "orderId": "111-2223334-5556667",
            "orderItemId": "OI-77",
            "postedDate": T.isoformat(),
            "sizeTier": "Small standard-size",
            "feeTableVersion": "2026-01-15",
            "chargedFeePerUnit": "4.75",
            "expectedFeePerUnit": "3.22",
        },
        [REFUND, SHIPMENT],
    ),
    ClaimType.UNDER_REIMBURSEMENT: (
        1,
        {
            "reimbursementIds": ["5544332211"],
            "reason": "Lost_Warehouse",
            "caseId": "CASE-998877",
            "orderId": "",
            "amountPerUnitPaid": "6.40",
            "unitValue": "9.00",
            "valuation": "seller_cost",
        },
        [REIMBURSEMENT],
    ),
}


def _claim(type_: str, marketplace: str) -> CaseClaim:
    quantity, evidence, _ = CASES[type_]
    unit = evidence.get("unitValue")
    amount = (
        None if unit is None and type_ != ClaimType.FEE_OVERCHARGE else Decimal(unit or "1.53") * quantity
    )
    return CaseClaim(
        type=type_,
        marketplace_id=marketplace,
        sku="MSKU-1",
        fnsku="X00FNSKU1",
        asin="B00ASIN001",
        quantity=quantity,
        amount=amount,
        currency="USD",
        event_date=date(2026, 3, 4),
        window_opens=date(2026, 3, 4),
        deadline=date(2026, 5, 3),
        unit_value=unit,
        evidence=evidence,
    )


def test_every_claim_type_has_a_case_text() -> None:
    assert set(CASES) == set(ClaimType)


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("type_", list(ClaimType))
def test_case_text_names_every_identifier_of_its_evidence(type_: str, lang: str) -> None:
    _, evidence, rows = CASES[type_]
    text = case_text(_claim(type_, US), rows, lang)
    assert text.language == lang and text.subject and "MSKU-1" in text.subject
    body = text.body
    for row in rows:
        for name in IDENTIFIER_FIELDS:
            if name in row:
                assert str(row[name]) in body, (type_, row["table"], name, row[name])
    for key in ("orderId", "shipmentId", "removalOrderId", "licensePlateNumber", "caseId"):
        if evidence.get(key):
            assert str(evidence[key]) in body, (type_, key)
    for rid in evidence.get("reimbursementIds") or []:
        assert rid in body
    for ref in evidence.get("ledgerReferenceIds") or []:
        assert ref in body
    # the quantity, the amount asked and how it was valued, the policy window
    claim = _claim(type_, US)
    assert str(claim.quantity) in body
    assert "2026-03-04" in body and "2026-05-03" in body
    if claim.amount is None:
        assert "0.00" not in body
    else:
        assert f"{claim.amount.quantize(Decimal('0.01'))} USD" in body
    assert "{" not in body and "–" not in text.subject


def test_language_follows_the_marketplace() -> None:
    assert language_for(DE) == "de" and language_for(US) == "en"
    claim = _claim(ClaimType.LOST_IN_WAREHOUSE, DE)
    assert case_text(claim, []).language == "de"
    assert "Antragsfrist" in case_text(claim, []).body
    assert case_text(claim, [], "en").language == "en"


def test_a_value_from_another_marketplace_is_labelled() -> None:
    claim = _claim(ClaimType.LOST_IN_WAREHOUSE, US)
    labelled = CaseClaim(**{**claim.__dict__, "valuation_label": "converted from EUR at 1.08"})
    assert "converted from EUR at 1.08" in case_text(labelled, []).body
