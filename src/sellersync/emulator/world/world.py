"""The seeded world: a lazily generated, internally consistent seller implementing ``WorldView``."""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from ..contract import Marketplace, ReportTable, SettlementMeta
from .apis import inbound_items_json, inbound_shipment_json, order_item_json, order_json, participation_json
from .calendar import HORIZON_DAYS, History, Period, settlement_periods, utc_midnight
from .catalog import REGIONS
from .context import Context
from .finance import settlement_lines
from .flows import generate_day
from .formats import (
    ALL_ORDERS_BY_DATE,
    ALL_ORDERS_BY_UPDATE,
    HEADERS,
    LEDGER,
    REIMBURSEMENTS,
    REMOVAL_ORDERS,
    REMOVAL_SHIPMENTS,
    RETURNS,
    SETTLEMENT,
    SHIPMENTS,
    Formatter,
)
from .ids import ALNUM, IdFactory, rng
from .plan import PLANT_COUNT, build_plan
from .records import Day, FinEvent, Order
from .reports import (
    bad_row,
    ledger_row,
    order_rows,
    reimbursement_row,
    removal_order_rows,
    removal_shipment_rows,
    removal_state,
    return_row,
    settlement_line,
    settlement_summary,
    shipment_rows,
)

T = TypeVar("T")
ORDER_LOOKBACK = 3  # an order's last update and shipment happen within 3 days of its purchase
RETURN_LOOKBACK = 40
REPORT_TYPES = (
    ALL_ORDERS_BY_UPDATE,
    ALL_ORDERS_BY_DATE,
    SHIPMENTS,
    RETURNS,
    REIMBURSEMENTS,
    LEDGER,
    REMOVAL_ORDERS,
    REMOVAL_SHIPMENTS,
)
CACHE_ORDER_BUDGET = 60_000  # orders kept in the day cache


class World:
    def __init__(
        self,
        seed: int = 1,
        scenario: str = "typical",
        size: str | int = "small",
        anchor: datetime | None = None,
        region: str = "NA",
    ) -> None:
        if scenario not in PLANT_COUNT:
            raise ValueError(f"unknown scenario {scenario!r}")
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}")
        self.seed = seed
        self.scenario = scenario
        self.size = size
        self.region = region
        self.anchor = utc_midnight(anchor)
        self.marketplaces: Sequence[Marketplace] = REGIONS[region]
        self.history = History(self.anchor)
        self.ids = IdFactory(seed)
        self.plan = build_plan(seed, scenario, size, region, self.marketplaces, self.history, self.ids)
        self.ctx = Context(seed, scenario, region, self.marketplaces, self.history, self.ids, self.plan)
        r = rng(seed, "seller")
        self.seller_id = "A" + "".join(r.choice(ALNUM) for _ in range(13))
        self.refresh_token = "Atzr|" + hashlib.sha256(f"refresh-{seed}".encode()).hexdigest()
        self.store_name = r.choice(("Northwind Home", "Lumora Living", "Kestrel Outfitters"))
        self.days_generated = 0
        per_day = max(1, max(self.plan.day_counts, default=1))
        self._cache_size = max(8, min(self.history.days, CACHE_ORDER_BUDGET // per_day))
        self._cache: OrderedDict[int, Day] = OrderedDict()
        self._truth: Any = None
        self._periods: list[tuple[SettlementMeta, Period]] | None = None

    # --- days -----------------------------------------------------------------------------------------
    def day(self, index: int) -> Day:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        day = generate_day(self.ctx, index)
        self.days_generated += 1
        self._cache[index] = day
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return day

    def all_days(self) -> Iterator[Day]:
        for index in range(self.history.days):
            yield self.day(index)

    def _merge(
        self,
        start: datetime,
        end: datetime,
        lookback: int,
        extract: Callable[[Day], Iterable[tuple[datetime, str, T]]],
    ) -> Iterator[T]:
        """Records with start <= time < min(end, anchor), sorted by (time, key), streamed."""
        end = min(end, self.anchor)
        if end <= start:
            return
        heap: list[tuple[datetime, str, int, T]] = []
        counter = itertools.count()
        for index in self.history.day_range(start, end, lookback):
            for when, key, rec in extract(self.day(index)):
                if start <= when < end:
                    heapq.heappush(heap, (when, key, next(counter), rec))
            boundary = self.history.day_start(index + 1)
            while heap and heap[0][0] < boundary:
                yield heapq.heappop(heap)[3]
        while heap:
            yield heapq.heappop(heap)[3]

    def _mkt(self, marketplace_id: str) -> Marketplace | None:
        return next((m for m in self.marketplaces if m.marketplace_id == marketplace_id), None)

    # --- Reports API --------------------------------------------------------------------------------
    def report_table(
        self, report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> ReportTable:
        if report_type not in REPORT_TYPES:
            raise KeyError(report_type)
        mkts = [m for m in (self._mkt(i) for i in marketplace_ids) if m is not None]
        doc_mkt = mkts[0] if mkts else self.marketplaces[0]
        wanted = {m.marketplace_id for m in mkts}
        rows = self._rows(report_type, wanted, Formatter(report_type, doc_mkt), start, end)
        return ReportTable(HEADERS[report_type], rows, doc_mkt.charset)

    def _rows(
        self, rt: str, wanted: set[str], f: Formatter, start: datetime, end: datetime
    ) -> Iterator[list[str]]:
        header = HEADERS[rt]

        def with_bad(day: Day) -> Iterator[tuple[datetime, str, Any]]:
            for bad in day.bad:
                if bad.report_type == rt and bad.mkt.marketplace_id in wanted:
                    yield bad.time, "~bad", bad

        if rt in (ALL_ORDERS_BY_UPDATE, ALL_ORDERS_BY_DATE, SHIPMENTS):

            def orders(day: Day) -> Iterator[tuple[datetime, str, Any]]:
                for o in day.orders:
                    if o.mkt.marketplace_id not in wanted:
                        continue
                    when = (
                        o.last_updated
                        if rt == ALL_ORDERS_BY_UPDATE
                        else o.purchase
                        if rt == ALL_ORDERS_BY_DATE
                        else o.ship_time
                    )
                    if when is not None and (rt != SHIPMENTS or o.channel == "AFN"):
                        yield when, o.order_id, o
                yield from with_bad(day)

            lookback = 0 if rt == ALL_ORDERS_BY_DATE else ORDER_LOOKBACK
            make = shipment_rows if rt == SHIPMENTS else order_rows
            for rec in self._merge(start, end, lookback, orders):
                if isinstance(rec, Order):
                    yield from make(f, rec)
                else:
                    yield bad_row(header, rec)
        elif rt in (RETURNS, REIMBURSEMENTS, LEDGER):

            def records(day: Day) -> Iterator[tuple[datetime, str, Any]]:
                if rt == RETURNS:
                    for ret in day.returns:
                        if ret.mkt.marketplace_id in wanted:
                            yield ret.time, ret.lpn, ret
                elif rt == REIMBURSEMENTS:
                    for rb in day.reimbursements:
                        if rb.mkt.marketplace_id in wanted:
                            yield rb.time, rb.reimbursement_id, rb
                else:
                    for lg in day.ledger:
                        if lg.mkt.marketplace_id in wanted:
                            yield lg.time, f"{lg.reference_id}|{lg.product.fnsku}|{lg.disposition}", lg
                yield from with_bad(day)

            lookback = RETURN_LOOKBACK if rt == RETURNS else HORIZON_DAYS
            fmt: Callable[[Formatter, Any], list[str]] = (
                return_row if rt == RETURNS else reimbursement_row if rt == REIMBURSEMENTS else ledger_row
            )
            for rec in self._merge(start, end, lookback, records):
                yield bad_row(header, rec) if hasattr(rec, "cells") else fmt(f, rec)
        else:
            yield from self._removal_rows(rt, wanted, f, start, end)

    def _removal_rows(
        self, rt: str, wanted: set[str], f: Formatter, start: datetime, end: datetime
    ) -> Iterator[list[str]]:
        end = min(end, self.anchor)
        keyed = []
        for order in self.plan.removals:
            if order.mkt.marketplace_id not in wanted or order.requested >= self.anchor:
                continue
            if rt == REMOVAL_ORDERS:
                _, when = removal_state(order, self.anchor)
            elif removal_state(order, self.anchor)[0] == "Completed":
                when = order.done
            else:
                continue
            if start <= when < end:
                keyed.append((when, order.order_id, order))
        for _, _, order in sorted(keyed, key=lambda k: (k[0], k[1])):
            if rt == REMOVAL_ORDERS:
                yield from removal_order_rows(f, order, self.anchor)
            else:
                yield from removal_shipment_rows(f, order, self.anchor, self.ids)

    # --- settlements ----------------------------------------------------------------------------------
    def _settlement_periods(self) -> list[tuple[SettlementMeta, Period]]:
        if self._periods is None:
            out = []
            for m_index, mkt in enumerate(self.marketplaces):
                offset = rng(self.seed, "settlement-offset", mkt.marketplace_id).randint(0, 86_399)
                for p in settlement_periods(self.history, mkt.marketplace_id, offset):
                    sid = self.ids.settlement_id(m_index * 10_000 + p.index)
                    out.append(
                        (
                            SettlementMeta(
                                sid, mkt.marketplace_id, p.start, p.end, p.deposit_date, p.created
                            ),
                            p,
                        )
                    )
            out.sort(key=lambda mp: (mp[0].start, mp[0].marketplace_id))
            self._periods = out
        return self._periods

    def settlements(self) -> Sequence[SettlementMeta]:
        return [meta for meta, _ in self._settlement_periods()]

    def settlement_events(self, meta: SettlementMeta) -> Iterator[FinEvent]:
        def fin(day: Day) -> Iterator[tuple[datetime, str, FinEvent]]:
            for ev in day.finance:
                if ev.mkt.marketplace_id == meta.marketplace_id:
                    yield ev.time, ev.sort_key, ev

        return self._merge(meta.start, meta.end, HORIZON_DAYS, fin)

    def settlement_table(self, settlement_id: str) -> ReportTable:
        meta = next((m for m in self.settlements() if m.settlement_id == settlement_id), None)
        if meta is None:
            raise KeyError(settlement_id)
        mkt = self._mkt(meta.marketplace_id)
        assert mkt is not None
        f = Formatter(SETTLEMENT, mkt)

        def rows() -> Iterator[list[str]]:
            total = sum(
                (line.amount for ev in self.settlement_events(meta) for line in settlement_lines(ev)),
                start=Decimal(0),
            )
            yield settlement_summary(
                f, meta.settlement_id, meta.start, meta.end, meta.deposit_date, total, mkt.currency
            )
            for ev in self.settlement_events(meta):
                for line in settlement_lines(ev):
                    yield settlement_line(f, meta.settlement_id, mkt.name, line, ev.time)

        return ReportTable(HEADERS[SETTLEMENT], rows(), mkt.charset)

    # --- Orders API -----------------------------------------------------------------------------------
    def orders(
        self,
        marketplace_ids: Sequence[str],
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
    ) -> Sequence[dict[str, Any]]:
        wanted = set(marketplace_ids)
        by_created = created_after is not None or created_before is not None
        lo = (created_after if by_created else last_updated_after) or self.history.start
        hi = (created_before if by_created else last_updated_before) or self.anchor

        def pick(day: Day) -> Iterator[tuple[datetime, str, Order]]:
            for o in day.orders:
                if o.mkt.marketplace_id not in wanted:
                    continue
                if by_created and last_updated_after and o.last_updated < last_updated_after:
                    continue
                if by_created and last_updated_before and o.last_updated >= last_updated_before:
                    continue
                yield (o.purchase if by_created else o.last_updated), o.order_id, o

        lookback = 0 if by_created else ORDER_LOOKBACK
        return [order_json(o) for o in self._merge(lo, hi, lookback, pick)]

    def order_items(self, order_id: str) -> Sequence[dict[str, Any]] | None:
        decoded = self.ids.order_day(order_id)
        if decoded is None or not 0 <= decoded[0] < self.history.days:
            return None
        for o in self.day(decoded[0]).orders:
            if o.order_id == order_id:
                return [order_item_json(o, it) for it in o.items]
        return None

    def order(self, order_id: str) -> dict[str, Any] | None:
        decoded = self.ids.order_day(order_id)
        if decoded is None or not 0 <= decoded[0] < self.history.days:
            return None
        for o in self.day(decoded[0]).orders:
            if o.order_id == order_id:
                return order_json(o)
        return None

    # --- Finances API ---------------------------------------------------------------------------------
    def financial_events(
        self, posted_after: datetime, posted_before: datetime
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        def fin(day: Day) -> Iterator[tuple[datetime, str, FinEvent]]:
            for ev in day.finance:
                yield ev.time, ev.sort_key, ev

        return [
            (ev.list_name, ev.payload) for ev in self._merge(posted_after, posted_before, HORIZON_DAYS, fin)
        ]

    # --- FBA Inventory, Inbound, Sellers --------------------------------------------------------------
    def inventory_summaries(self, marketplace_id: str) -> Sequence[dict[str, Any]]:
        return self.truth_pass().inventory.get(marketplace_id, [])

    def inbound_shipments(
        self, marketplace_id: str, updated_after: datetime, updated_before: datetime
    ) -> Sequence[dict[str, Any]]:
        out = []
        for ship in self.plan.inbound:
            if ship.mkt.marketplace_id != marketplace_id or ship.created >= self.anchor:
                continue
            status, updated = ship.status_at(self.anchor)
            if updated_after <= updated < updated_before:
                out.append(inbound_shipment_json(ship, status, self.region))
        return sorted(out, key=lambda s: s["ShipmentId"])

    def inbound_shipment_items(self, shipment_id: str) -> Sequence[dict[str, Any]] | None:
        for ship in self.plan.inbound:
            if ship.shipment_id == shipment_id and ship.created < self.anchor:
                return inbound_items_json(ship, self.anchor)
        return None

    def marketplace_participations(self) -> Sequence[dict[str, Any]]:
        return [participation_json(m, self.store_name) for m in self.marketplaces]

    # --- truth ----------------------------------------------------------------------------------------
    def truth_pass(self) -> Any:
        if self._truth is None:
            from .truth import TruthPass

            self._truth = TruthPass(self)
        return self._truth

    def truth(self) -> dict[str, Any]:
        return self.truth_pass().manifest()
