"""Inbound shortage: shipped minus received (API or later ledger receipts) minus Lost_Inbound."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.detect.policy import INBOUND_SHORTAGE
from tests.conftest import Database
from tests.detect.conftest import Seller, day

COST = Decimal("11.67")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_short_closed_shipment_is_a_claim_from_its_delivery(seller: Seller) -> None:
    seller.product("E", COST)
    seller.inbound("FBA15AAAAA", "E", shipped=6, received=2, arrival=day(0))
    (claim,) = seller.detect(today=day(10).date(), rules={INBOUND_SHORTAGE}).findings
    assert (claim.quantity, claim.amount) == (4, COST * 4)
    assert claim.window.status == "not_yet_eligible" and claim.window.opens == day(15).date()
    assert claim.evidence["shipmentId"] == "FBA15AAAAA"


def test_shipments_still_receiving_are_not_short_yet(seller: Seller) -> None:
    seller.product("E", COST)
    seller.inbound("FBA15BBBBB", "E", shipped=6, received=2, arrival=day(0), status="RECEIVING")
    assert seller.detect(today=day(5).date(), rules={INBOUND_SHORTAGE}).findings == []
    assert len(seller.detect(today=day(60).date(), rules={INBOUND_SHORTAGE}).findings) == 1


def test_later_ledger_receipts_count(seller: Seller) -> None:
    seller.product("E", COST)
    seller.inbound("FBA15CCCCC", "E", shipped=6, received=4, arrival=day(0))
    seller.ledger(day(1), "E", 2, event_type="Receipts", ref="FBA15CCCCC")
    assert seller.detect(rules={INBOUND_SHORTAGE}).findings == []


def test_a_reimbursement_pays_the_shipment_whose_window_had_opened(seller: Seller) -> None:
    """Two shipments short one unit each, 28 days apart; a Lost_Inbound reimbursement 35 days after the
    first: the second's window (15 days after its delivery) has not opened, so it pays the first."""
    seller.product("E", COST)
    seller.inbound("FBA15FIRST", "E", shipped=6, received=5, arrival=day(0))
    seller.inbound("FBA15SECND", "E", shipped=6, received=5, arrival=day(28))
    seller.reimbursement(day(35), "Lost_Inbound", "E", 1, COST)
    (claim,) = seller.detect(rules={INBOUND_SHORTAGE}).findings
    assert claim.evidence["shipmentId"] == "FBA15SECND"
    seller.reimbursement(day(50), "Lost_Inbound", "E", 1, COST)  # now both could be: the nearest
    assert seller.detect(rules={INBOUND_SHORTAGE}).findings == []


@FAST
@given(
    items=st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=4
    )
)
def test_open_units_are_shortage_net_of_reimbursement(
    db: Database, items: list[tuple[int, int, int]]
) -> None:
    seller = Seller(db)
    seller.product("E", COST)
    expected = 0
    for n, (shipped, short, paid) in enumerate(items):
        short = min(short, shipped)
        paid = min(paid, short)
        seller.inbound(f"FBA15{n:05d}", "E", shipped=shipped, received=shipped - short, arrival=day(n * 28))
        if paid:
            seller.reimbursement(day(n * 28 + 20), "Lost_Inbound", "E", paid, COST)
        expected += short - paid
    findings = seller.detect(rules={INBOUND_SHORTAGE}).findings
    assert sum(f.quantity for f in findings) == expected
    assert sum(f.amount for f in findings) == COST * expected
