"""Fee overcharge: the fulfillment fee charged per unit above the tier table valid on the ship date."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.config import Settings
from sellersync.detect.policy import FEE_OVERCHARGE
from sellersync.detect.valuation import FeeSchedule, size_tier
from tests.conftest import Database
from tests.detect.conftest import Seller

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JAN = datetime(2026, 2, 1, 10, tzinfo=UTC)  # fee version 2026-01-15
PRICE, COMMISSION = Decimal("25.00"), Decimal("3.75")
SMALL, LARGE, BULKY = "Small standard-size", "Large standard-size", "Large bulky"


def test_size_tiers() -> None:
    assert size_tier(Decimal(10), Decimal(8), Decimal("0.5"), Decimal("0.8")) == SMALL
    assert size_tier(Decimal(17), Decimal(10), Decimal(5), Decimal(12)) == LARGE
    assert size_tier(Decimal(30), Decimal(10), Decimal(5), Decimal(12)) == BULKY


def test_fee_table_is_versioned_by_date() -> None:
    fees = FeeSchedule(Settings().detect_fee_tiers)
    assert fees.fee(LARGE, "USD", JAN.date()) == Decimal("5.21")
    assert fees.fee(LARGE, "USD", datetime(2025, 6, 1).date()) == Decimal("4.99")
    assert fees.fee(LARGE, "USD", datetime(2023, 6, 1).date()) == Decimal("4.75")  # before the first: first


def test_overcharge_against_the_tier_from_dimensions(seller: Seller) -> None:
    seller.product("G", dims=("10", "8", "0.5", "0.8"))  # small standard: 3.46 in 2026
    seller.sale("113-1", "G", JAN, 2, PRICE, COMMISSION, Decimal("5.21"))
    (claim,) = seller.detect(rules={FEE_OVERCHARGE}).findings
    assert (claim.quantity, claim.amount) == (2, Decimal("3.50"))
    assert claim.evidence["expectedFeePerUnit"] == "3.46" and claim.evidence["tierSource"] == "dimensions"


def test_tier_inferred_from_charge_history(seller: Seller) -> None:
    for n in range(5):
        seller.sale(f"113-{n}", "G", JAN, 1, PRICE, COMMISSION, Decimal("3.46"))
    seller.sale("113-9", "G", JAN, 3, PRICE, COMMISSION, Decimal("5.21"))
    (claim,) = seller.detect(rules={FEE_OVERCHARGE}).findings
    assert (claim.evidence["orderId"], claim.quantity, claim.amount) == ("113-9", 3, Decimal("5.25"))
    assert claim.evidence["tierSource"] == "charge_history"


def test_late_posting_uses_the_ship_date_version(seller: Seller) -> None:
    seller.product("G", dims=("10", "8", "0.5", "0.8"))
    shipped = datetime(2026, 1, 14, 22, tzinfo=UTC)  # still the 2025 table (3.31)
    seller.sale(
        "113-1", "G", datetime(2026, 1, 17, tzinfo=UTC), 1, PRICE, COMMISSION, Decimal("3.31"), ship=shipped
    )
    assert seller.detect(rules={FEE_OVERCHARGE}).findings == []


@FAST
@given(
    tier=st.sampled_from([SMALL, LARGE, BULKY]),
    extra=st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("1.50"), Decimal("2.37")]),
    qty=st.integers(1, 3),
)
def test_claim_is_units_times_overcharge(db: Database, tier: str, extra: Decimal, qty: int) -> None:
    dims = {SMALL: ("10", "8", "0.5", "0.8"), LARGE: ("17", "10", "5", "12"), BULKY: ("30", "10", "5", "12")}[
        tier
    ]
    seller = Seller(db)
    seller.product("G", dims=dims)
    table = FeeSchedule(Settings().detect_fee_tiers).fee(tier, "USD", JAN.date())
    assert table is not None
    seller.sale("113-5", "G", JAN, qty, PRICE, COMMISSION, table + extra)
    findings = seller.detect(rules={FEE_OVERCHARGE}).findings
    assert sum(f.amount for f in findings) == extra * qty
