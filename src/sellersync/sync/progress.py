"""Progress computed from work done (weighted share of units), and messages that state facts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sellersync.store.models import SyncUnit
from sellersync.sync.streams import BY_NAME, Source

UNIT_NOUN = {Source.REPORT: "windows", Source.FINANCES: "windows", Source.INBOUND: "windows"}
ROW_NOUN = {
    "orders": "order lines",
    "orders_api": "orders",
    "fba_shipments": "shipments",
    "customer_returns": "returns",
    "reimbursements": "reimbursements",
    "inventory_ledger": "events",
    "removal_orders": "removal lines",
    "removal_shipments": "removal shipments",
    "settlements": "settlement lines",
    "financial_events": "event pages",
    "inventory_summaries": "SKUs",
    "inbound_shipments": "shipments",
}


def percent(units: Sequence[SyncUnit]) -> float:
    total = sum(u.weight for u in units)
    if total <= 0:
        return 0.0
    done = sum(u.weight for u in units if u.status == "done")
    return round(100.0 * done / total, 1)


def stream_message(units: Sequence[SyncUnit], stream: str) -> str:
    mine = [u for u in units if u.stream == stream]
    s = BY_NAME[stream]
    done = sum(1 for u in mine if u.status == "done")
    rows = sum(u.rows for u in mine)
    noun = UNIT_NOUN.get(s.source, "parts")
    return f"{s.label}: {done} of {len(mine)} {noun}, {rows:,} {ROW_NOUN.get(stream, 'rows')}"


class ProgressSink(Protocol):
    """Where progress goes besides the store (the CLI's progress bars, the event bus)."""

    def unit_finished(self, units: Sequence[SyncUnit], unit: SyncUnit) -> None: ...

    def message(self, text: str) -> None: ...


class NullProgress:
    def unit_finished(self, units: Sequence[SyncUnit], unit: SyncUnit) -> None:
        return None

    def message(self, text: str) -> None:
        return None
