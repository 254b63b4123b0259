"""The spool gives back every record, in order, across its pickled blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sellersync.store.models import LedgerEvent, Order
from sellersync.sync.spool import BLOCK, Spool


def test_records_come_back_in_order_across_blocks() -> None:
    n = 2 * BLOCK + 7  # two full blocks and a partial one
    written = [
        (
            Order if i % 3 else LedgerEvent,
            {"i": i, "at": datetime(2025, 1, 1, tzinfo=UTC), "x": Decimal(i) / 4},
        )
        for i in range(n)
    ]
    with Spool() as spool:
        for model, values in written:
            spool.add(model, values)
        assert spool.count == n
        assert list(spool) == written
        assert [len(b) for b in spool.blocks()] == [BLOCK, BLOCK, 7]


def test_an_empty_spool_yields_nothing() -> None:
    with Spool() as spool:
        assert list(spool) == []
