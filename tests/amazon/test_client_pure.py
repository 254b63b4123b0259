from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellersync.amazon import (
    REGIONS,
    SpApiError,
    backoff_delay,
    format_datetime,
    marketplace_id,
    parse_datetime,
    region_for_marketplace,
)
from sellersync.amazon.errors import error_from_body


@given(
    attempt=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0.001, max_value=10.0),
    cap=st.floats(min_value=0.01, max_value=600.0),
    r=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_backoff_is_full_jitter_within_the_exponential_ceiling(
    attempt: int, base: float, cap: float, r: float
) -> None:
    delay = backoff_delay(attempt, base, cap, lambda: r)
    ceiling = min(cap, base * 2 ** (attempt - 1))
    assert 0.0 <= delay <= ceiling
    assert delay == pytest.approx(ceiling * r)


def test_backoff_schedule_ceilings() -> None:
    top = [backoff_delay(n, 1.0, 60.0, lambda: 1.0) for n in range(1, 9)]
    assert top == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert backoff_delay(0, 1.0, 60.0, lambda: 1.0) == 0.0
    assert backoff_delay(3, 1.0, 60.0, lambda: 0.0) == 0.0


def test_format_datetime_is_utc_with_z() -> None:
    assert format_datetime(datetime(2025, 3, 14, 8, 12, 45, tzinfo=UTC)) == "2025-03-14T08:12:45Z"
    cet = timezone(timedelta(hours=1))
    assert format_datetime(datetime(2025, 3, 14, 9, 12, 45, tzinfo=cet)) == "2025-03-14T08:12:45Z"
    assert format_datetime(datetime(2025, 3, 14, 8, 12, 45, 123456, tzinfo=UTC)) == "2025-03-14T08:12:45.123Z"
    with pytest.raises(ValueError):
        format_datetime(datetime(2025, 3, 14))


def test_parse_datetime_accepts_z_and_offsets() -> None:
    expected = datetime(2025, 3, 14, 8, 12, 45, tzinfo=UTC)
    assert parse_datetime("2025-03-14T08:12:45Z") == expected
    assert parse_datetime("2025-03-14T09:12:45+01:00") == expected
    assert parse_datetime("2025-03-14T08:12:45.000Z") == expected


def test_amazon_error_body_is_surfaced() -> None:
    body = {"errors": [{"code": "InvalidInput", "message": "bad id", "details": "x"}]}
    err = error_from_body(400, "getReport", body)
    assert isinstance(err, SpApiError)
    assert (err.status, err.code, err.message, err.operation) == (400, "InvalidInput", "bad id", "getReport")
    assert "InvalidInput" in str(err) and "bad id" in str(err)
    assert not err.retryable
    assert error_from_body(503, "getReport", None).code == "HTTP503"
    assert error_from_body(429, "getOrders", None).retryable


def test_regions() -> None:
    assert region_for_marketplace("A1PA6795UKMFR9").code == "EU"
    assert region_for_marketplace("ATVPDKIKX0DER").endpoint == "https://sellingpartnerapi-na.amazon.com"
    assert marketplace_id("GB") == "A1F83G8C2ARO7P"
    assert marketplace_id("jp") == "A1VC38T7YXB528"
    url = REGIONS["EU"].consent_url("app-1", "st@te", "https://x/cb", beta=True)
    assert url.startswith("https://sellercentral-europe.amazon.com/apps/authorize/consent?")
    assert "application_id=app-1" in url and "state=st%40te" in url and "version=beta" in url
    total = sum(len(r.marketplaces) for r in REGIONS.values())
    assert total == 23
