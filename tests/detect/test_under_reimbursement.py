"""Under-reimbursement: paid per unit below the unit's value (cost before an order, price less fees after)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.detect.policy import LOST, UNDER_REIMBURSEMENT
from tests.conftest import Database
from tests.detect.conftest import Seller, day

COST = Decimal("21.12")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_half_paid_loss_is_an_under_reimbursement_not_a_loss(seller: Seller) -> None:
    seller.product("H", COST)
    seller.ledger(day(0), "H", -3, "M")
    seller.reimbursement(day(5), "Lost_Warehouse", "H", 3, Decimal("10.56"), rid="1486573807")
    (claim,) = seller.detect(rules={LOST, UNDER_REIMBURSEMENT}).findings
    assert (claim.type, claim.quantity, claim.amount) == (UNDER_REIMBURSEMENT, 3, Decimal("31.68"))
    assert claim.event_date == day(5) and claim.evidence["reimbursementIds"] == ["1486573807"]


def test_reference_cost_from_amazons_own_full_payments(seller: Seller) -> None:
    seller.reimbursement(day(0), "Lost_Inbound", "H", 2, COST)
    seller.reimbursement(day(9), "Lost_Warehouse", "H", 1, Decimal("15.00"))
    (claim,) = seller.detect(rules={UNDER_REIMBURSEMENT}).findings
    assert claim.amount == COST - Decimal("15.00") and claim.evidence["valuation"] == "reimbursement_history"


def test_after_order_units_are_valued_at_price_less_fees(seller: Seller) -> None:
    seller.sale("114-1", "H", day(0), 1, Decimal("40.00"), Decimal("6.00"), Decimal("4.99"))
    seller.reimbursement(day(60), "CustomerReturn", "H", 1, Decimal("20.00"), order_id="114-1")
    (claim,) = seller.detect(rules={UNDER_REIMBURSEMENT}).findings
    assert claim.amount == Decimal("9.01")


@FAST
@given(qty=st.integers(1, 4), paid=st.decimals("0.00", "25.00", places=2), reversed_=st.integers(0, 4))
def test_units_net_of_reversals_times_shortfall(
    db: Database, qty: int, paid: Decimal, reversed_: int
) -> None:
    seller = Seller(db)
    seller.product("H", COST)
    rid = seller.reimbursement(day(0), "Lost_Warehouse", "H", qty, paid)
    reversed_ = min(reversed_, qty)
    if reversed_:
        seller.reimbursement(
            day(10),
            "Reimbursement_Reversal",
            "H",
            -reversed_,
            paid,
            original=rid,
            original_type="Lost_Warehouse",
        )
    findings = seller.detect(rules={UNDER_REIMBURSEMENT}).findings
    shortfall = COST - paid
    expected = (qty - reversed_) * shortfall if shortfall >= Decimal("0.01") else Decimal(0)
    assert sum((f.amount for f in findings), Decimal(0)) == expected
