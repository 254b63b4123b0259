"""Reading the world's report tables back the way a sync would (by header name)."""

from __future__ import annotations

from decimal import Decimal

from sellersync.emulator.world import World


def table(w: World, report_type: str, marketplace_ids: list[str] | None = None) -> list[dict[str, str]]:
    ids = marketplace_ids or [m.marketplace_id for m in w.marketplaces]
    t = w.report_table(report_type, ids, w.history.start, w.anchor)
    return [dict(zip(t.header, row, strict=True)) for row in t.rows]


def good(rows: list[dict[str, str]], bad_values: set[str] | None = None) -> list[dict[str, str]]:
    """Rows without the planted unparseable cells."""
    bad = bad_values or {"N/A", "one", "2025-02-31T25:61:00+00:00"}
    return [r for r in rows if not bad & set(r.values())]


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))
