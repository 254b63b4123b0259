"""Compare stored claims with the emulator world's planted discrepancies, and say what differs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sellersync.detect.products import upsert_seller_products
from sellersync.store.models import Claim


def identity(t: str, mkt: str, sku: str, event_date: str) -> tuple[str, str, str, str]:
    return (t, mkt, sku, event_date)


def compare(truth: list[dict[str, Any]], claims: list[Claim], *, amounts: bool = True) -> list[str]:
    """Readable differences: missed plants, extra claims, and wrong fields of matched ones."""
    want = {identity(d["type"], d["marketplace_id"], d["sku"], d["event_date"]): d for d in truth}
    got: dict[tuple[str, str, str, str], Claim] = {}
    problems = []
    for c in claims:
        key = identity(c.type, c.marketplace_id, c.sku, c.event_date.date().isoformat())
        if key in got:
            problems.append(f"DUPLICATE {key}")
        got[key] = c
    for key in sorted(set(want) | set(got)):
        w, c = want.get(key), got.get(key)
        if w is None and c is not None:
            problems.append(f"EXTRA {key} quantity={c.quantity} amount={c.amount} evidence={c.evidence}")
        elif c is None and w is not None:
            problems.append(
                f"MISSED {key} quantity={w['quantity']} amount={w['amount']} evidence={w['evidence']}"
            )
        elif w is not None and c is not None:
            fields = {
                "quantity": (w["quantity"], c.quantity),
                "currency": (w["currency"], c.currency),
                "fnsku": (w["fnsku"], c.fnsku),
                "asin": (w["asin"], c.asin),
                "window": (
                    (w["window"]["status"], w["window"]["opens"], w["window"]["deadline"]),
                    (c.window_status, _d(c.window_opens), _d(c.deadline)),
                ),
            }
            if amounts:
                fields["amount"] = (Decimal(w["amount"]), Decimal(c.amount).quantize(Decimal("0.01")))
            for name, (expected, actual) in fields.items():
                if expected != actual:
                    problems.append(f"WRONG {name} of {key}: truth {expected!r}, claim {actual!r}")
    return problems


def _d(value: Any) -> str | None:
    return value.date().isoformat() if value is not None else None


def open_claims(s: Session, connection_id: int) -> list[Claim]:
    return list(
        s.scalars(
            select(Claim)
            .where(Claim.connection_id == connection_id, Claim.status == "open")
            .order_by(Claim.id)
        )
    )


def seller_products_from_world(s: Session, connection_id: int, world: Any) -> None:
    """The seller's own product facts (manufacturing cost, dimensions), as the seller would enter them."""
    rows = [
        {
            "marketplace_id": m.marketplace_id,
            "sku": p.sku,
            "fnsku": p.fnsku,
            "asin": p.asin,
            "unit_cost": p.cost[m.currency],
            "currency": m.currency,
            "length_in": p.length_in,
            "width_in": p.width_in,
            "height_in": p.height_in,
            "weight_lb": p.weight_lb,
        }
        for p in world.plan.catalog
        for m in world.marketplaces
    ]
    upsert_seller_products(s, connection_id, rows)
