"""Removal lost: units that left the FC on a removal order but are missing from its shipment rows."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.detect.policy import REMOVAL_LOST
from tests.conftest import Database
from tests.detect.conftest import Seller, day

COST = Decimal("13.76")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_missing_units_are_a_claim_from_the_removal_shipment(seller: Seller) -> None:
    seller.product("F", COST)
    seller.removal("6MGNVETRTZ", "F", shipped=3, in_rows=1, when=day(0))
    (claim,) = seller.detect(today=day(20).date(), rules={REMOVAL_LOST}).findings
    assert (claim.quantity, claim.amount, claim.window.status) == (2, COST * 2, "open")
    assert claim.window.deadline == day(75).date() and claim.evidence["removalOrderId"] == "6MGNVETRTZ"


def test_pending_removals_are_not_claims(seller: Seller) -> None:
    seller.product("F", COST)
    seller.removal("PENDING001", "F", shipped=3, in_rows=0, when=day(0), status="Pending")
    assert seller.detect(rules={REMOVAL_LOST}).findings == []


@FAST
@given(orders=st.lists(st.tuples(st.integers(1, 3), st.integers(0, 3)), min_size=1, max_size=5))
def test_open_units_are_shipped_minus_rows(db: Database, orders: list[tuple[int, int]]) -> None:
    seller = Seller(db)
    seller.product("F", COST)
    expected = 0
    for n, (shipped, lost) in enumerate(orders):
        lost = min(lost, shipped)
        seller.removal(f"RO{n:08d}", "F", shipped=shipped, in_rows=shipped - lost, when=day(n * 25))
        expected += lost
    findings = seller.detect(rules={REMOVAL_LOST}).findings
    assert sum(f.quantity for f in findings) == expected
    assert sum(f.amount for f in findings) == COST * expected
