"""Two lines of one SKU in one order stay two order items, with the same keys from both sources."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from sellersync.store.models import OrderItem
from sellersync.store.upsert import upsert
from tests.conftest import Database
from tests.normalize.helpers import load_json, records, run, tsv
from tests.store.test_upsert import _connection

ORDER = "111-0000001-0000001"


def _flat_rows() -> list[dict[str, str]]:
    """The case file's first order, with a second MUG-BLUE line (another promotion) between its lines."""
    rows = [r for r in tsv("orders.tsv") if r.get("amazon-order-id") == ORDER]
    second = dict(rows[0], quantity="1", **{"item-price": "14.99", "item-tax": "1.20"})
    second["item-promotion-discount"] = ""
    return [rows[0], second, rows[1]]


def _api_orders() -> list[dict[str, Any]]:
    """The same order as Orders v2026-01-01 lists it: the second MUG-BLUE line between the others."""
    order = copy.deepcopy(next(o for o in load_json("orders_api.json") if o["orderId"] == ORDER))
    blue, red = order["orderItems"]
    second = copy.deepcopy(blue)
    second.update(orderItemId="12345678901299", quantityOrdered=1)
    second["fulfillment"] = {"quantityFulfilled": 1, "quantityUnfulfilled": 0}
    breakdowns = {b["type"]: b for b in second["proceeds"]["breakdowns"]}
    breakdowns["ITEM"]["subtotal"]["amount"], breakdowns["TAX"]["subtotal"]["amount"] = "14.99", "1.20"
    second["proceeds"]["breakdowns"] = [b for b in breakdowns.values() if b["type"] != "DISCOUNT"]
    order["orderItems"] = [blue, second, red]
    return [order]


def _items(out: list[Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {r.natural_key: r.values for r in records(out, OrderItem)}


def test_a_second_line_of_a_sku_is_its_own_item_and_both_sources_agree() -> None:
    report, api = _items(run("orders", _flat_rows())), _items(run("orders_api", _api_orders()))
    assert sorted((v["sku"], v["line"], v["quantity"]) for v in report.values()) == [
        ("MUG-BLUE", 0, 2),
        ("MUG-BLUE", 1, 1),
        ("MUG-RED", 0, 1),
    ]
    assert report == api


def test_both_lines_are_stored_and_a_rerun_writes_nothing(db: Database) -> None:
    conn = _connection(db)
    values = [{**r.values, "connection_id": conn} for r in records(run("orders", _flat_rows()), OrderItem)]
    with db.uow() as s:
        first = upsert(s, OrderItem, values, sync_id="s1")
        again = upsert(s, OrderItem, values, sync_id="s2")
    assert (first.received, first.written, first.merged) == (3, 3, 0)
    assert again.written == 0
    with db.uow() as s:
        stored = s.execute(
            select(OrderItem.sku, OrderItem.line, OrderItem.quantity).order_by(OrderItem.sku, OrderItem.line)
        ).all()
    assert [tuple(r) for r in stored] == [("MUG-BLUE", 0, 2), ("MUG-BLUE", 1, 1), ("MUG-RED", 0, 1)]
