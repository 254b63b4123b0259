"""The upsert's content digest and its two write paths, on SQLite and PostgreSQL (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from sellersync.store.models import LedgerEvent, Order
from sellersync.store.upsert import upsert
from tests.conftest import Database
from tests.store.test_upsert import _connection, _order


def test_equal_decimals_and_instants_are_unchanged_content(db: Database) -> None:
    conn = _connection(db)
    est = timezone(timedelta(hours=-5))
    with db.uow() as s:
        upsert(s, Order, [_order(conn, "111-1", "1.50")], sync_id="s1")
    same = {**_order(conn, "111-1", "1.5"), "purchase_date": datetime(2025, 3, 14, 3, 12, 45, tzinfo=est)}
    with db.uow() as s:
        assert upsert(s, Order, [same], sync_id="s2").written == 0
    with db.uow() as s:
        row = s.scalars(select(Order)).one()
        assert (row.sync_id, row.purchase_date) == ("s1", datetime(2025, 3, 14, 8, 12, 45, tzinfo=UTC))


def test_a_column_left_to_its_default_hashes_like_the_default_given(db: Database) -> None:
    conn = _connection(db)
    with db.uow() as s:
        upsert(s, Order, [_order(conn, "111-1")], sync_id="s1")  # no merchant_order_id: default ''
    with db.uow() as s:
        assert (
            upsert(s, Order, [{**_order(conn, "111-1"), "merchant_order_id": ""}], sync_id="s2").written == 0
        )


def test_new_changed_and_unchanged_rows_in_one_batch(db: Database) -> None:
    conn = _connection(db)
    with db.uow() as s:
        upsert(s, Order, [_order(conn, "1"), _order(conn, "2", "2.00")], sync_id="s1")
    batch = [_order(conn, "1"), _order(conn, "2", "3.00"), _order(conn, "3")]
    with db.uow() as s:
        res = upsert(s, Order, batch, sync_id="s2")
    assert (res.received, res.written, res.merged) == (3, 2, 0)
    with db.uow() as s:
        got = {o.amazon_order_id: (o.order_total, o.sync_id) for o in s.scalars(select(Order))}
    assert got == {"1": (Decimal("10.00"), "s1"), "2": (Decimal("3.00"), "s2"), "3": (Decimal("10.00"), "s2")}


def test_a_changed_money_column_may_mix_python_types(db: Database) -> None:
    conn = _connection(db)
    with db.uow() as s:
        upsert(s, Order, [_order(conn, "1"), _order(conn, "2")], sync_id="s1")
    with db.uow() as s:
        rows = [{**_order(conn, "1"), "order_total": 7}, _order(conn, "2", "8.25")]
        assert upsert(s, Order, rows, sync_id="s2").written == 2
    with db.uow() as s:
        assert sorted(s.scalars(select(Order.order_total))) == [Decimal("7"), Decimal("8.25")]


def test_a_missing_key_column_is_refused(db: Database) -> None:
    conn = _connection(db)
    row = {k: v for k, v in _order(conn, "1").items() if k != "amazon_order_id"}
    with pytest.raises(ValueError, match="amazon_order_id"), db.uow() as s:
        upsert(s, Order, [row], sync_id="s1")


def test_a_naive_datetime_is_refused(db: Database) -> None:
    conn = _connection(db)
    with pytest.raises(ValueError, match="naive"), db.uow() as s:
        upsert(s, Order, [{**_order(conn, "1"), "purchase_date": datetime(2025, 1, 1)}], sync_id="s1")


def test_a_value_too_long_is_an_error_not_truncated(db: Database) -> None:
    if db.url.startswith("sqlite"):
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    conn = _connection(db)
    with db.uow() as s:
        upsert(s, Order, [_order(conn, "1")], sync_id="s1")
    for oid in ("x" * 41, "1"):  # the COPY path (new row) and the ON CONFLICT path (changed row)
        row = {**_order(conn, oid), "order_status": "y" * 41}
        with pytest.raises(DBAPIError), db.uow() as s:
            upsert(s, Order, [row], sync_id="s2")


def test_many_batches_of_ledger_rows_then_a_rerun_writes_nothing(db: Database) -> None:
    conn = _connection(db)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "connection_id": conn,
            "row_key": f"k{i:06d}",
            "event_date": t0 + timedelta(minutes=i),
            "fnsku": "X001",
            "event_type": "Shipments",
            "quantity": 1,
        }
        for i in range(2300)
    ]
    for sync_id, expected in (("s1", 2300), ("s2", 0)):
        with db.uow() as s:
            written = sum(
                upsert(s, LedgerEvent, rows[i : i + 1000], sync_id=sync_id).written
                for i in range(0, 2300, 1000)
            )
        assert written == expected
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEvent)) == 2300
        assert s.scalar(select(func.max(LedgerEvent.event_date))) == t0 + timedelta(minutes=2299)


def test_driver_errors_surface_as_sqlalchemy_errors(db: Database) -> None:
    """The rows go to the driver directly; its errors still arrive as sqlalchemy.exc types."""
    _connection(db)
    with pytest.raises(IntegrityError), db.uow() as s:  # no such connection: foreign key
        upsert(s, Order, [_order(999_999, "1")], sync_id="s1")
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0
