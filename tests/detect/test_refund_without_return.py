"""Refund without return: refunded FBA units with no return row and no reimbursement."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.detect.policy import REFUND_WITHOUT_RETURN
from tests.conftest import Database
from tests.detect.conftest import DE, Seller, day

PRICE, COMMISSION, FEE = Decimal("20.00"), Decimal("3.00"), Decimal("4.75")
VALUE = PRICE - COMMISSION - FEE
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_refunded_never_returned_is_valued_at_price_less_fees(seller: Seller) -> None:
    seller.sale("111-1", "C", day(0), 2, PRICE, COMMISSION, FEE)
    seller.refund("111-1", "C", day(5), 2, PRICE)
    (claim,) = seller.detect(today=day(70).date(), rules={REFUND_WITHOUT_RETURN}).findings
    assert (claim.quantity, claim.amount) == (2, VALUE * 2)
    assert claim.window.status == "open" and claim.window.opens == day(65).date()
    assert claim.evidence["orderId"] == "111-1" and claim.evidence["valuation"] == "sale_price_less_fees"


def test_before_day_60_it_is_not_yet_eligible(seller: Seller) -> None:
    seller.sale("111-1", "C", day(0), 1, PRICE, COMMISSION, FEE)
    seller.refund("111-1", "C", day(5), 1, PRICE)
    (claim,) = seller.detect(today=day(30).date(), rules={REFUND_WITHOUT_RETURN}).findings
    assert claim.window.status == "not_yet_eligible"


def test_eu_window_is_45_to_105_days(db: Database) -> None:
    seller = Seller(db, region="EU")
    seller.sale("302-1", "C", day(0), 1, PRICE, COMMISSION, FEE, mkt=DE)
    seller.refund("302-1", "C", day(5), 1, PRICE, mkt=DE)
    (claim,) = seller.detect(today=day(60).date(), rules={REFUND_WITHOUT_RETURN}).findings
    assert claim.window.opens == day(50).date() and claim.window.deadline == day(110).date()


def test_merchant_fulfilled_refunds_are_not_amazons(seller: Seller) -> None:
    seller.sale("111-1", "C", day(0), 1, PRICE, COMMISSION, Decimal(0))
    seller.rows.popitem()  # no FBA shipment row either
    seller.refund("111-1", "C", day(5), 1, PRICE)
    assert seller.detect(rules={REFUND_WITHOUT_RETURN}).findings == []


@FAST
@given(qty=st.integers(1, 3), returned=st.integers(0, 3), reimbursed=st.integers(-1, 3))
def test_missing_units_net_of_returns_and_reimbursements(
    db: Database, qty: int, returned: int, reimbursed: int
) -> None:
    seller = Seller(db)
    returned = min(returned, qty)
    seller.sale("111-9", "C", day(0), qty, PRICE, COMMISSION, FEE)
    seller.refund("111-9", "C", day(4), qty, PRICE)
    if returned:
        seller.customer_return("111-9", "C", day(6), returned, "LPN1", received=True)
    if reimbursed > 0:
        seller.reimbursement(day(50), "CustomerReturn", "C", reimbursed, VALUE, order_id="111-9")
    findings = seller.detect(rules={REFUND_WITHOUT_RETURN}).findings
    expected = max(0, qty - returned - max(0, reimbursed))
    assert sum(f.quantity for f in findings) == expected
    assert sum(f.amount for f in findings) == VALUE * expected
