"""Lost in warehouse: losses net of found units, reimbursements and their reversals."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.detect.policy import LOST
from tests.conftest import Database
from tests.detect.conftest import Seller, day

COST = Decimal("7.50")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_unresolved_loss_is_a_claim_at_unit_cost(seller: Seller) -> None:
    seller.product("A", COST)
    seller.ledger(day(0), "A", -3, "M", ref="1000000001")
    seller.ledger(day(10), "A", -1, "M", ref="1000000002")
    seller.ledger(day(15), "A", 1, "F")  # the second loss was found
    (claim,) = seller.detect(rules={LOST}).findings
    assert (claim.type, claim.quantity, claim.amount, claim.currency) == (LOST, 3, Decimal("22.50"), "USD")
    assert claim.evidence["ledgerReferenceIds"] == ["1000000001"]
    assert claim.window.status == "expired" and claim.evidence["valuation"] == "seller_cost"


def test_window_is_sixty_days_from_the_ledger_date(seller: Seller) -> None:
    seller.product("A", COST)
    seller.ledger(day(0), "A", -1, "5")
    (claim,) = seller.detect(today=day(60).date(), rules={LOST}).findings
    assert claim.window.status == "open" and claim.window.deadline == day(60).date()
    (claim,) = seller.detect(today=day(61).date(), rules={LOST}).findings
    assert claim.window.status == "expired"


def test_reversal_reopens_a_reimbursed_loss_until_units_are_found(seller: Seller) -> None:
    seller.product("A", COST)
    seller.ledger(day(0), "A", -2, "M")
    rid = seller.reimbursement(day(5), "Lost_Warehouse", "A", 2, COST)
    assert seller.detect(rules={LOST}).findings == []
    seller.reimbursement(
        day(20), "Reimbursement_Reversal", "A", -2, COST, original=rid, original_type="Lost_Warehouse"
    )
    (claim,) = seller.detect(rules={LOST}).findings
    assert claim.quantity == 2
    seller.ledger(day(15), "A", 2, "F")  # found before the reversal: the reversal was right
    assert seller.detect(rules={LOST}).findings == []


def test_units_found_after_a_reimbursement_wait_for_its_reversal(seller: Seller) -> None:
    """Two losses of one FNSKU; Amazon's ledger counts the first reconciled, the second unreconciled.
    The first is reimbursed, its units are found, the reimbursement is reversed: the found units belong
    to the first loss, so the second (unreconciled) one is the claim, and the first is settled."""
    seller.product("A", COST)
    seller.ledger(day(0), "A", -1, "M", ref="1000000001", reconciled=1)
    rid = seller.reimbursement(day(10), "Lost_Warehouse", "A", 1, COST)
    seller.ledger(day(12), "A", -1, "M", ref="1000000002", unreconciled=1)
    seller.ledger(day(20), "A", 1, "F")
    seller.reimbursement(
        day(24), "Reimbursement_Reversal", "A", -1, COST, original=rid, original_type="Lost_Warehouse"
    )
    det = seller.detect(rules={LOST})
    (claim,) = det.findings
    assert (claim.evidence["ledgerReferenceIds"], claim.quantity) == (["1000000002"], 1)
    assert claim.evidence["quantitySettled"] == 0 and claim.evidence["reimbursementIds"] == []
    assert list(det.settled.values()) == ["resolved"]  # the first: paid, reversed, found


def test_a_resolution_settles_the_loss_amazon_counts_as_reconciled(seller: Seller) -> None:
    """A later loss with the same open quantity is not what a reimbursement paid when the ledger says
    the earlier one is reconciled and the later one is not; marks only choose, arithmetic counts."""
    seller.product("A", COST)
    seller.ledger(day(0), "A", -3, "M", ref="1000000001", unreconciled=3)
    seller.ledger(day(2), "A", -2, "M", ref="1000000002", reconciled=2)
    seller.reimbursement(day(8), "Lost_Warehouse", "A", 1, COST)
    seller.ledger(day(9), "A", 1, "F")
    (claim,) = seller.detect(rules={LOST}).findings
    assert (claim.evidence["ledgerReferenceIds"], claim.quantity) == (["1000000001"], 3)
    seller.reimbursement(day(30), "Lost_Warehouse", "A", 3, COST)  # paid later (stale marks)
    assert seller.detect(rules={LOST}).findings == []


def test_settled_losses_are_reported_as_settled(seller: Seller) -> None:
    seller.product("A", COST)
    seller.ledger(day(0), "A", -2, "M")
    seller.ledger(day(30), "A", -1, "M")
    seller.reimbursement(day(5), "Lost_Warehouse", "A", 2, COST)
    seller.ledger(day(35), "A", 1, "F")
    det = seller.detect(rules={LOST})
    assert det.findings == [] and sorted(det.settled.values()) == ["reimbursed", "resolved"]


loss = st.tuples(
    st.integers(1, 4),  # units lost
    st.integers(0, 4),  # units found later
    st.integers(0, 4),  # units reimbursed later
    st.booleans(),  # the reimbursement is reversed
    st.booleans(),  # the reversed units are found after the reversal
    st.sampled_from(["M", "5"]),
)


@FAST
@given(losses=st.lists(loss, min_size=1, max_size=6), gap=st.integers(0, 40))
def test_open_units_are_losses_net_of_their_resolutions(db: Database, losses: list[tuple], gap: int) -> None:
    seller = Seller(db)
    seller.product("A", COST)
    expected = 0
    for n, (q, found, paid, reversed_, refound, reason) in enumerate(losses):
        t = n * gap
        found = min(found, q)
        paid = min(paid, q - found)
        seller.ledger(day(t), "A", -q, reason)
        if found:
            seller.ledger(day(t + 2), "A", found, "F")
        open_units = q - found
        if paid:
            rid = seller.reimbursement(day(t + 5), "Lost_Warehouse", "A", paid, COST)
            open_units -= paid
            if reversed_:
                seller.reimbursement(
                    day(t + 9),
                    "Reimbursement_Reversal",
                    "A",
                    -paid,
                    COST,
                    original=rid,
                    original_type="Lost_Warehouse",
                )
                open_units += paid
                if refound:
                    seller.ledger(day(t + 12), "A", paid, "N")
                    open_units -= paid
        expected += open_units
    findings = seller.detect(rules={LOST}).findings
    assert sum(f.quantity for f in findings) == expected
    assert sum(f.amount for f in findings) == COST * expected
    assert all(f.quantity > 0 and f.type == LOST for f in findings)
