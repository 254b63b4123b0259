from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellersync.normalize.errors import RowError
from sellersync.normalize.parse import parse_datetime, parse_int, parse_money

T = datetime(2025, 3, 14, 8, 12, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-14T08:12:45+00:00", T),
        ("2025-03-14T08:12:45Z", T),
        ("2025-03-14T08:12:45.000Z", T),
        ("2025-03-14T01:12:45-07:00", T),
        ("2025-03-14T09:12:45+0100", T),
        ("2025-03-14 08:12:45 UTC", T),
        ("2025-03-14 08:12:45 GMT", T),
        ("14.03.2025 08:12:45 UTC", T),
        ("2025-03-14 08:12:45", T),
        ("2025-03-14 01:12:45 PDT", T),
        ("2025-03-14T00:12:45 PST", T),
        ("2025-03-14", datetime(2025, 3, 14, tzinfo=UTC)),
        ("14.03.2025", datetime(2025, 3, 14, tzinfo=UTC)),
        ("  2025-03-14T08:12:45+00:00 ", T),
    ],
)
def test_parse_datetime_formats(text: str, expected: datetime) -> None:
    value = parse_datetime(text)
    assert value == expected
    assert value.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["", "N/A", "2025-02-30", "31.02.2025 08:00:00 UTC", "yesterday", "20250314", "2025-03-14 08:12 XYZ"],
)
def test_parse_datetime_rejects(text: str) -> None:
    with pytest.raises(RowError) as err:
        parse_datetime(text, column="purchase-date")
    assert "purchase-date" in err.value.reason
    assert repr(text) in err.value.reason or "empty" in err.value.reason


def test_parse_datetime_offset_and_zone_conflict() -> None:
    with pytest.raises(RowError):
        parse_datetime("2025-03-14T08:12:45+01:00 PST")


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("12.34", None, Decimal("12.34")),
        ("12,34", None, Decimal("12.34")),
        ("1,234.56", None, Decimal("1234.56")),
        ("1.234,56", None, Decimal("1234.56")),
        ("1,234", None, Decimal("1234")),
        ("1.234", None, Decimal("1.234")),
        ("-12.34", None, Decimal("-12.34")),
        ("12.34-", None, Decimal("-12.34")),
        ("(12.34)", None, Decimal("-12.34")),
        ("+5", None, Decimal("5")),
        ("0", None, Decimal("0")),
        ("1 234,56", True, Decimal("1234.56")),
        ("1.234", True, Decimal("1234")),
        ("12.34", True, Decimal("12.34")),  # a lone dot that cannot group thousands
        ("-1.019,99", True, Decimal("-1019.99")),
        ("19,99", True, Decimal("19.99")),
        ("1,234", False, Decimal("1234")),
        ("12,34", False, Decimal("12.34")),
        ("1,234,567.891", False, Decimal("1234567.891")),
        (25.37, None, Decimal("25.37")),
        (3, None, Decimal("3")),
        (Decimal("1.10"), None, Decimal("1.10")),
        ("1E+2", None, Decimal("100")),
    ],
)
def test_parse_money(text: object, decimal_comma: bool | None, expected: Decimal) -> None:
    assert parse_money(text, decimal_comma=decimal_comma) == expected


def test_parse_money_float_goes_through_text() -> None:
    value = parse_money(0.1)
    assert value == Decimal("0.1")
    assert str(value) == "0.1"


@pytest.mark.parametrize("text", ["", "  ", None])
def test_parse_money_empty_is_none(text: str | None) -> None:
    assert parse_money(text) is None


@pytest.mark.parametrize(
    ("text", "decimal_comma"),
    [
        ("N/A", None),
        ("12.34.56,7", None),
        ("1,2,3", None),
        ("abc", None),
        ("1.234,56", False),
        ("1,234.56", True),
        ("12..3", None),
        ("--1", None),
        ("NaN", None),
        ("-", None),
        (True, None),
    ],
)
def test_parse_money_rejects(text: object, decimal_comma: bool | None) -> None:
    with pytest.raises(RowError) as err:
        parse_money(text, decimal_comma=decimal_comma, column="amount")
    assert "amount" in err.value.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), ("-2", -2), ("1,234", 1234), ("3.0", 3), (4, 4), ("", None), (None, None)],
)
def test_parse_int(text: object, expected: int | None) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize("text", ["one", "1.5", "N/A", 2.5, True])
def test_parse_int_rejects(text: object) -> None:
    with pytest.raises(RowError) as err:
        parse_int(text, column="quantity")
    assert "quantity" in err.value.reason


# --- round trips: format a value in each Amazon style, parse it back -----------------------------------

amounts = st.decimals(
    min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2, allow_nan=False
)


def _group(digits: str, sep: str) -> str:
    parts = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return sep.join(parts)


def fmt(value: Decimal, style: str) -> str:
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):.2f}".partition(".")
    if style == "plain":
        return f"{sign}{integer}.{fraction}"
    if style == "us":
        return f"{sign}{_group(integer, ',')}.{fraction}"
    if style == "eu_plain":
        return f"{sign}{integer},{fraction}"
    if style == "eu":
        return f"{sign}{_group(integer, '.')},{fraction}"
    raise AssertionError(style)


@given(amounts, st.sampled_from(["plain", "us", "eu_plain", "eu"]))
def test_money_round_trip_with_marketplace_hint(value: Decimal, style: str) -> None:
    text = fmt(value, style)
    assert parse_money(text, decimal_comma=style.startswith("eu")) == value


@given(amounts, st.sampled_from(["plain", "us", "eu_plain", "eu"]))
def test_money_round_trip_inferred(value: Decimal, style: str) -> None:
    # two decimals are always written, so the decimal mark is unambiguous without a hint
    assert parse_money(fmt(value, style)) == value


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=4))
def test_money_round_trip_json_text(value: Decimal) -> None:
    assert parse_money(str(value)) == value


datetimes = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


@given(datetimes, offsets)
def test_datetime_round_trip_iso(value: datetime, tz: timezone) -> None:
    local = value.astimezone(tz)
    assert parse_datetime(local.isoformat()) == value
    assert parse_datetime(value.strftime("%Y-%m-%dT%H:%M:%SZ")) == value


@given(datetimes)
def test_datetime_round_trip_amazon_styles(value: datetime) -> None:
    assert parse_datetime(value.strftime("%Y-%m-%d %H:%M:%S UTC")) == value
    assert parse_datetime(value.strftime("%d.%m.%Y %H:%M:%S UTC")) == value
    pacific = value.astimezone(timezone(timedelta(hours=-7)))
    assert parse_datetime(pacific.strftime("%Y-%m-%d %H:%M:%S PDT")) == value
    winter = value.astimezone(timezone(timedelta(hours=-8)))
    assert parse_datetime(winter.strftime("%Y-%m-%dT%H:%M:%S PST")) == value


@given(datetimes)
def test_date_only_round_trip(value: datetime) -> None:
    midnight = value.replace(hour=0, minute=0, second=0)
    assert parse_datetime(value.strftime("%Y-%m-%d")) == midnight
    assert parse_datetime(value.strftime("%d.%m.%Y")) == midnight
