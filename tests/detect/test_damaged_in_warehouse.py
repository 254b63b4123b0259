"""Damaged in warehouse: Amazon-fault damage net of units back in sellable and reimbursements."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.detect.policy import DAMAGED
from tests.conftest import Database
from tests.detect.conftest import Seller, day

COST = Decimal("4.20")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_damage_with_its_disposition_move_is_one_claim(seller: Seller) -> None:
    seller.product("B", COST)
    seller.ledger(day(0), "B", -2, "E", ref="2000000001")
    seller.ledger(day(0), "B", 2, "P", ref="2000000001", disposition="WAREHOUSE_DAMAGED")
    (claim,) = seller.detect(rules={DAMAGED}).findings
    assert (claim.quantity, claim.amount, claim.evidence["reason"]) == (2, Decimal("8.40"), "E")


def test_customer_fault_codes_are_not_claims(seller: Seller) -> None:
    seller.product("B", COST)
    seller.ledger(day(0), "B", -1, "H")
    seller.ledger(day(1), "B", -1, "K")
    assert seller.detect(rules={DAMAGED}).findings == []


@FAST
@given(
    events=st.lists(
        st.tuples(st.integers(1, 3), st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=5
    ),
)
def test_open_units_are_damage_net_of_restock_and_reimbursement(
    db: Database, events: list[tuple[int, int, int]]
) -> None:
    seller = Seller(db)
    seller.product("B", COST)
    expected = 0
    for n, (q, restocked, paid) in enumerate(events):
        restocked = min(restocked, q)
        paid = min(paid, q - restocked)
        seller.ledger(day(n * 30), "B", -q, "E")
        seller.ledger(day(n * 30), "B", q, "P", disposition="WAREHOUSE_DAMAGED")
        if restocked:
            seller.ledger(day(n * 30 + 3), "B", restocked, "E")
        if paid:
            seller.reimbursement(day(n * 30 + 6), "Damaged_Warehouse", "B", paid, COST)
        expected += q - restocked - paid
    findings = seller.detect(rules={DAMAGED}).findings
    assert sum(f.quantity for f in findings) == expected
    assert sum(f.amount for f in findings) == COST * expected
