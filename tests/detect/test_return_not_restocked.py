"""Return not restocked: a return row no ledger CustomerReturns line received (by its LPN, or its order
id with the same FNSKU, on or after the return date), and no reimbursement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.detect.policy import REFUND_WITHOUT_RETURN, RETURN_NOT_RESTOCKED
from tests.conftest import Database
from tests.detect.conftest import Seller, day

PRICE, COMMISSION, FEE = Decimal("30.00"), Decimal("4.50"), Decimal("3.22")
VALUE = PRICE - COMMISSION - FEE
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BOTH = {REFUND_WITHOUT_RETURN, RETURN_NOT_RESTOCKED}


def test_return_never_received_is_one_claim_per_lpn(seller: Seller) -> None:
    seller.sale("112-1", "D", day(0), 2, PRICE, COMMISSION, FEE)
    seller.refund("112-1", "D", day(3), 2, PRICE)
    seller.customer_return("112-1", "D", day(8), 2, "LPNX1", received=False)
    (claim,) = seller.detect(rules=BOTH).findings
    assert (claim.type, claim.quantity, claim.amount) == (RETURN_NOT_RESTOCKED, 2, VALUE * 2)
    assert claim.evidence["licensePlateNumber"] == "LPNX1"
    assert claim.event_date == day(3)  # the window counts from the refund


def test_received_returns_are_not_claims(seller: Seller) -> None:
    seller.sale("112-1", "D", day(0), 1, PRICE, COMMISSION, FEE)
    seller.refund("112-1", "D", day(3), 1, PRICE)
    seller.customer_return("112-1", "D", day(8), 1, "LPNX1", received=True)
    assert seller.detect(rules=BOTH).findings == []


@pytest.mark.parametrize("disposition", ["SELLABLE", "CUSTOMER_DAMAGED", "DEFECTIVE"])
@pytest.mark.parametrize("ref", ["LPNX1", "112-1"])
def test_a_return_received_by_lpn_or_by_order_id_is_not_a_claim(
    seller: Seller, disposition: str, ref: str
) -> None:
    seller.sale("112-1", "D", day(0), 1, PRICE, COMMISSION, FEE)
    seller.refund("112-1", "D", day(3), 1, PRICE)
    seller.customer_return("112-1", "D", day(8), 1, "LPNX1", True, disposition=disposition, ledger_ref=ref)
    assert seller.detect(rules=BOTH).findings == []


def test_an_order_id_line_of_another_fnsku_or_before_the_return_does_not_restock(seller: Seller) -> None:
    for order, sku in (("112-1", "D"), ("112-2", "G")):
        seller.sale(order, sku, day(0), 1, PRICE, COMMISSION, FEE)
        seller.refund(order, sku, day(3), 1, PRICE)
        seller.customer_return(order, sku, day(8), 1, "LPN" + order, received=False)
    seller.ledger(day(9), "E", 1, event_type="CustomerReturns", ref="112-1")  # another FNSKU (XE)
    seller.ledger(day(7), "G", 1, event_type="CustomerReturns", ref="112-2")  # the day before the return
    claims = seller.detect(rules=BOTH).findings
    assert sorted(c.evidence["licensePlateNumber"] for c in claims) == ["LPN112-1", "LPN112-2"]
    assert all(c.type == RETURN_NOT_RESTOCKED and c.evidence["quantityRestocked"] == 0 for c in claims)


def test_an_order_id_line_restocks_each_unit_once_oldest_return_first(seller: Seller) -> None:
    seller.sale("112-1", "D", day(0), 2, PRICE, COMMISSION, FEE)
    seller.refund("112-1", "D", day(3), 2, PRICE)
    seller.customer_return("112-1", "D", day(8), 1, "LPNA", received=False)
    seller.customer_return("112-1", "D", day(9), 1, "LPNB", received=False)
    seller.ledger(day(10), "D", 1, event_type="CustomerReturns", ref="112-1")
    (claim,) = seller.detect(rules=BOTH).findings
    assert (claim.evidence["licensePlateNumber"], claim.quantity) == ("LPNB", 1)
    seller.ledger(day(10), "D", 1, event_type="CustomerReturns", ref="LPNB")  # B arrives by its LPN
    assert seller.detect(rules=BOTH).findings == []  # the order-id line goes to A: both came back


@FAST
@given(qty=st.integers(1, 3), received=st.booleans(), reimbursed=st.integers(0, 3))
def test_not_restocked_units_net_of_reimbursement(
    db: Database, qty: int, received: bool, reimbursed: int
) -> None:
    seller = Seller(db)
    seller.sale("112-2", "D", day(0), qty, PRICE, COMMISSION, FEE)
    seller.refund("112-2", "D", day(3), qty, PRICE)
    seller.customer_return("112-2", "D", day(8), qty, "LPNX2", received=received)
    if reimbursed:
        seller.reimbursement(day(40), "CustomerReturn", "D", reimbursed, VALUE, order_id="112-2")
    findings = seller.detect(rules=BOTH).findings
    expected = 0 if received else max(0, qty - reimbursed)
    assert [f.type for f in findings] == [RETURN_NOT_RESTOCKED] * (1 if expected else 0)
    assert sum(f.amount for f in findings) == VALUE * expected
