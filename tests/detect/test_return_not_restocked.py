"""Return not restocked: a return row whose LPN never reached the ledger, and no reimbursement."""

from __future__ import annotations

from decimal import Decimal

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
