"""The seller's product facts (``seller_products``): unit cost and package dimensions per SKU.

Amazon's reports do not carry a SKU's manufacturing cost (the value FACTS §8 gives a unit lost before a
customer order) nor, in the synced streams, its dimensions (which decide the fee tier). The seller
provides them (``PUT /api/claims/products``, or this function); detection falls back to values read
from the store when they are absent (docs/detection.md, "Valuation").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sellersync.store.models import SellerProduct
from sellersync.store.types import utcnow

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


def upsert_seller_products(session: Session, connection_id: int, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update products by (marketplace, SKU); fields a row leaves out keep their value.
    Returns the number of rows given. Never commits."""
    count = 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for row in rows:
        count += 1
        values: dict[str, Any] = {
            "connection_id": connection_id,
            "marketplace_id": str(row["marketplace_id"]),
            "sku": str(row["sku"]),
            "updated_at": utcnow(),
        }
        for f in FIELDS:
            if f in row and row[f] is not None:
                v = row[f]
                values[f] = (
                    Decimal(str(v))
                    if f in ("unit_cost", "length_in", "width_in", "height_in", "weight_lb")
                    else str(v)
                )
        stmt = insert(SellerProduct).values(values)
        updates = {k: stmt.excluded[k] for k in values if k not in ("connection_id", "marketplace_id", "sku")}
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["connection_id", "marketplace_id", "sku"], set_=updates
            )
        )
    return count


def seller_products(session: Session, connection_id: int) -> list[SellerProduct]:
    return list(
        session.scalars(
            select(SellerProduct)
            .where(SellerProduct.connection_id == connection_id)
            .order_by(SellerProduct.marketplace_id, SellerProduct.sku)
        )
    )
