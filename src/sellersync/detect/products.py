"""The seller's product facts (``seller_products``): unit cost and package dimensions per SKU.

Amazon's reports do not carry a SKU's manufacturing cost (the value FACTS §8 gives a unit lost before a
customer order) nor, in the synced streams, its dimensions (which decide the fee tier). The seller
provides them (``PUT /api/claims/products``, or this function); detection falls back to values read
from the store when they are absent (docs/detection.md, "Valuation").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sellersync.store.models import SellerProduct
from sellersync.store.types import utcnow
from sellersync.store.uow import UnitOfWork

FIELDS = (
    "fnsku",
    "asin",
    "unit_cost",
    "currency",
    "length_in",
    "width_in",
    "height_in",
    "weight_lb",
    "source",
)


#: Rows written per transaction by :func:`upsert_seller_products_in_batches`: SQLite has one writer, and
#: a batch this size holds its lock for tens of milliseconds (10,000 rows in one went 8–9 s).
BATCH = 500
_DECIMALS = frozenset({"unit_cost", "length_in", "width_in", "height_in", "weight_lb"})
_KEY = ("connection_id", "marketplace_id", "sku")


def _values(connection_id: int, row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "connection_id": connection_id,
        "marketplace_id": str(row["marketplace_id"]),
        "sku": str(row["sku"]),
        "updated_at": now,
    }
    for f in FIELDS:
        if f in row and row[f] is not None:
            values[f] = Decimal(str(row[f])) if f in _DECIMALS else str(row[f])
    return values


def upsert_seller_products(session: Session, connection_id: int, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update products by (marketplace, SKU); fields a row leaves out keep their value.
    Returns the number of rows given. Never commits."""
    now = utcnow()
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    count = 0
    for row in rows:  # a SKU given twice: the later row's fields win (one statement may not touch it twice)
        count += 1
        values = _values(connection_id, row, now)
        merged.setdefault((values["marketplace_id"], values["sku"]), {}).update(values)
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for values in merged.values():
        shapes[tuple(sorted(values))].append(values)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for columns, same in shapes.items():
        for start in range(0, len(same), BATCH):
            stmt = insert(SellerProduct).values(same[start : start + BATCH])
            updates = {k: stmt.excluded[k] for k in columns if k not in _KEY}
            session.execute(stmt.on_conflict_do_update(index_elements=list(_KEY), set_=updates))
    return count


def upsert_seller_products_in_batches(
    uow: UnitOfWork, connection_id: int, rows: Sequence[Mapping[str, Any]], batch: int = BATCH
) -> int:
    """:func:`upsert_seller_products` committed ``batch`` rows at a time, so that a large upload never
    holds SQLite's write lock for long (syncs and sign-ins write meanwhile). Each batch is all or
    nothing; batches already committed stay if a later one fails."""
    for start in range(0, len(rows), batch):
        with uow() as s:
            upsert_seller_products(s, connection_id, rows[start : start + batch])
    return len(rows)


def seller_products(session: Session, connection_id: int) -> list[SellerProduct]:
    return list(
        session.scalars(
            select(SellerProduct)
            .where(SellerProduct.connection_id == connection_id)
            .order_by(SellerProduct.marketplace_id, SellerProduct.sku)
        )
    )
