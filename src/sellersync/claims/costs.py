"""Unit costs from a CSV (``sku,cost,currency[,marketplace]``) and the re-valuation of claims they price.

Entering or importing a cost re-values the affected claims in the same transaction (``revalue``): a
claim valued at unit cost (lost, damaged, inbound, removal) gets ``cost × units`` and ``valuation:
seller_cost``, exactly what the next detection run computes, so no manual detection run is needed.
(An under-reimbursement that a new cost would reveal appears with the next detection run.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from sellersync.amazon.regions import marketplace_id
from sellersync.detect.kinds import ClaimType
from sellersync.detect.products import upsert_seller_products
from sellersync.normalize.marketplaces import CURRENCIES
from sellersync.store.models import Claim, LedgerEvent, SellerProduct
from sellersync.store.types import utcnow

#: claim types whose amount is units × unit cost
COST_VALUED = (
    ClaimType.LOST_IN_WAREHOUSE,
    ClaimType.DAMAGED_IN_WAREHOUSE,
    ClaimType.INBOUND_SHORTAGE,
    ClaimType.REMOVAL_LOST,
)
MAX_COST = Decimal("99999999")
MAX_LINES = 100_000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CostLine:
    line: int
    sku: str
    cost: Decimal
    currency: str
    marketplace_id: str | None  # None: every marketplace of the SKU in that currency


@dataclass
class ParsedCosts:
    lines: list[CostLine] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)


def _marketplace(value: str) -> str | None:
    v = value.strip()
    if v in CURRENCIES:
        return v
    try:  # a country code (``DE``, ``UK``/``GB``) for its marketplace
        return marketplace_id(v)
    except KeyError:
        return None


def parse_costs_csv(text: str) -> ParsedCosts:
    """Read ``sku,cost,currency[,marketplace]`` (a header line first); every bad line is an error with
    its line number and reason, never silently dropped. Pure."""
    out = ParsedCosts()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    names = [h.strip().lower() for h in header or []]
    missing = [c for c in ("sku", "cost", "currency") if c not in names]
    if missing:
        out.errors.append({"line": 1, "reason": f"header must name sku,cost,currency; missing {missing}"})
        return out
    col: dict[str, int] = {
        n: names.index(n) for n in ("sku", "cost", "currency", "marketplace") if n in names
    }
    for number, row in enumerate(reader, start=2):
        if number > MAX_LINES + 1:
            out.errors.append(
                {"line": number, "reason": f"more than {MAX_LINES} lines: the rest was not read"}
            )
            break
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        sku, raw_cost, currency, mkt = (
            cell("sku"),
            cell("cost"),
            cell("currency").upper(),
            cell("marketplace"),
        )
        reason = ""
        cost = Decimal(0)
        try:
            cost = Decimal(raw_cost)
        except InvalidOperation:
            reason = f"cost {raw_cost!r} is not a number"
        if not sku:
            reason = "sku is empty"
        elif len(sku) > 80:
            reason = "sku is longer than 80 characters"
        elif not reason and (not cost.is_finite() or cost < 0 or cost > MAX_COST):
            reason = f"cost {raw_cost!r} must be between 0 and {MAX_COST}"
        elif not reason and (len(currency) != 3 or not currency.isalpha()):
            reason = f"currency {currency!r} must be a 3-letter code"
        marketplace_id = _marketplace(mkt) if mkt else None
        if not reason and mkt and marketplace_id is None:
            reason = f"unknown marketplace {mkt!r} (use its id or country code)"
        if reason:
            out.errors.append({"line": number, "reason": reason})
            continue
        out.lines.append(CostLine(number, sku, cost.quantize(Decimal("0.0001")), currency, marketplace_id))
    return out


def _marketplaces_of(s: Session, connection_id: int, sku: str) -> set[str]:
    found: set[str] = set()
    for model in (Claim, SellerProduct, LedgerEvent):
        found |= set(
            s.scalars(
                select(model.marketplace_id)
                .where(model.connection_id == connection_id, model.sku == sku)
                .distinct()
            )
        )
    return found


def import_costs(
    s: Session, connection_id: int, parsed: ParsedCosts
) -> tuple[int, int, list[dict[str, object]]]:
    """Store the parsed costs and re-value the claims they price. Returns (imported, revalued, errors)."""
    errors = list(parsed.errors)
    rows: list[dict[str, object]] = []
    for line in parsed.lines:
        if line.marketplace_id is not None:
            targets = [line.marketplace_id]
        else:
            targets = sorted(
                m for m in _marketplaces_of(s, connection_id, line.sku) if CURRENCIES.get(m) == line.currency
            )
            if not targets:
                errors.append(
                    {
                        "line": line.line,
                        "reason": f"no marketplace of this connection sells {line.sku} in {line.currency}: "
                        "add a marketplace column",
                    }
                )
                continue
        rows += [
            {"marketplace_id": m, "sku": line.sku, "unit_cost": line.cost, "currency": line.currency}
            for m in targets
        ]
    upsert_seller_products(s, connection_id, rows)
    revalued = revalue(s, connection_id, {(str(r["marketplace_id"]), str(r["sku"])) for r in rows})
    errors.sort(key=lambda e: int(str(e["line"])))
    return len(rows), revalued, errors


def revalue(s: Session, connection_id: int, keys: Iterable[tuple[str, str]]) -> int:
    """Re-value the cost-valued claims of ``keys`` (marketplace, SKU) from the stored unit costs, the way
    detection values them. Returns the number of claims whose amount changed. Never commits."""
    wanted = set(keys)
    if not wanted:
        return 0
    skus = {sku for _, sku in wanted}
    products = {
        (p.marketplace_id, p.sku): p
        for p in s.scalars(
            select(SellerProduct).where(
                SellerProduct.connection_id == connection_id, SellerProduct.sku.in_(skus)
            )
        )
        if p.unit_cost is not None
    }
    changed = 0
    now = utcnow()
    claims = s.scalars(
        select(Claim).where(
            Claim.connection_id == connection_id,
            Claim.sku.in_(skus),
            Claim.type.in_([str(t) for t in COST_VALUED]),
        )
    )
    for claim in claims:
        key = (claim.marketplace_id, claim.sku)
        product = products.get(key)
        if key not in wanted or product is None or product.unit_cost is None:
            continue
        cost = Decimal(product.unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
        amount = (cost * claim.quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        currency = product.currency or claim.currency
        if claim.amount is not None and Decimal(claim.amount) == amount and claim.currency == currency:
            continue
        evidence = {k: v for k, v in (claim.evidence or {}).items() if k != "valuationLabel"}
        evidence.update(unitValue=str(cost), valuation="seller_cost")
        claim.amount, claim.currency, claim.needs_cost = amount, currency, False
        claim.evidence, claim.updated_at = evidence, now
        changed += 1
    s.flush()
    return changed
