"""What the world decides once, at construction: order volume per day, inbound shipments, removal
orders and the planted discrepancies. Everything else is generated lazily per day (flows.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ..contract import Marketplace
from .calendar import DAY, History
from .catalog import (
    FULFILLMENT_CENTERS,
    LARGE_BULKY,
    MARKET_WEIGHT,
    SMALL_STANDARD,
    Product,
    build_catalog,
    catalog_size,
)
from .ids import IdFactory, rng

SIZES = {"small": 400, "medium": 20_000, "large": 1_200_000}
PLANT_COUNT = {"clean": 0, "typical": 3, "messy": 8}
ORDER_PLANTS = ("refund_without_return", "return_not_restocked", "fee_overcharge")
WAREHOUSE_PLANTS = ("lost_in_warehouse", "damaged_in_warehouse", "under_reimbursement")
DISCREPANCY_TYPES = (
    "lost_in_warehouse",
    "damaged_in_warehouse",
    "refund_without_return",
    "return_not_restocked",
    "inbound_shortage",
    "removal_lost",
    "fee_overcharge",
    "under_reimbursement",
)
PLANTED_SEQ = 90_000  # order sequence numbers of planted orders start here
INBOUND_CYCLE_DAYS = 28
REMOVAL_CYCLE_DAYS = 25
UNITS_PER_ORDER = Decimal("1.55")  # expectation of the order generator (items x quantity)
REMOVAL_FEE = {SMALL_STANDARD: Decimal("1.04"), LARGE_BULKY: Decimal("3.12")}


def removal_fee(tier: str) -> Decimal:
    return REMOVAL_FEE.get(tier, Decimal("1.53"))


@dataclass(frozen=True)
class Plant:
    kind: str
    index: int  # k-th plant of its kind
    day: int
    mkt: Marketplace


@dataclass
class InboundItem:
    product: Product
    shipped: int
    received: int
    reimbursed: int = 0  # units short that Amazon reimbursed (Lost_Inbound)
    reimbursed_at: datetime | None = None


@dataclass
class InboundShipment:
    serial: int
    shipment_id: str
    mkt: Marketplace
    fc: str
    arrival_day: int
    created: datetime
    shipped: datetime
    arrival: datetime
    items: list[InboundItem]
    planted: bool = False

    @property
    def closed(self) -> datetime:
        return self.arrival + timedelta(days=1, hours=6)

    def receipts(self) -> list[tuple[datetime, InboundItem, int]]:
        """Ledger Receipts of the shipment: (time, item, units); big lines arrive over two days."""
        out = []
        for i, item in enumerate(self.items):
            when = self.arrival + timedelta(seconds=37 * i)
            if item.received > 20:
                first = item.received * 7 // 10
                out.append((when, item, first))
                out.append((when + DAY, item, item.received - first))
            elif item.received > 0:
                out.append((when, item, item.received))
        return out

    def received_before(self, item: InboundItem, moment: datetime) -> int:
        return sum(q for t, it, q in self.receipts() if it is item and t < moment)

    def status_at(self, anchor: datetime) -> tuple[str, datetime]:
        """(ShipmentStatus, last updated) as of the anchor."""
        if self.closed < anchor:
            return "CLOSED", self.closed
        if self.arrival < anchor:
            return "RECEIVING", self.arrival
        if self.shipped < anchor:
            return "SHIPPED", self.shipped
        return "WORKING", self.created


@dataclass
class RemovalLine:
    product: Product
    requested: int
    cancelled: int = 0
    lost: int = 0  # units shipped but absent from the removal shipment rows (planted removal_lost)


@dataclass
class RemovalOrder:
    serial: int
    order_id: str
    mkt: Marketplace
    order_type: str  # Return | Disposal
    request_day: int
    requested: datetime
    done: datetime  # shipped (Return) or disposed (Disposal)
    lines: list[RemovalLine]
    fc: str
    planted: bool = False

    @property
    def completed(self) -> datetime:
        return self.done + timedelta(hours=30)


@dataclass
class Plan:
    orders_total: int
    day_counts: list[int]
    catalog: tuple[Product, ...]
    plants: list[Plant] = field(default_factory=list)
    inbound: list[InboundShipment] = field(default_factory=list)
    removals: list[RemovalOrder] = field(default_factory=list)
    bad_days: dict[int, list[tuple[str, Marketplace]]] = field(default_factory=dict)

    def plants_on(self, day: int) -> list[Plant]:
        return [p for p in self.plants if p.day == day]


def resolve_size(size: str | int) -> int:
    if isinstance(size, int):
        if size < 0:
            raise ValueError("size must be >= 0")
        return size
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; use one of {sorted(SIZES)} or an int")
    return SIZES[size]


def _day_weights(history: History) -> list[int]:
    weights = []
    for d in range(history.days):
        when = history.day_start(d)
        w = 100 + (60 * d) // history.days  # growth
        w += 25 if when.weekday() in (0, 6) else 0
        w += 60 if when.month in (11, 12) else 0
        w += 30 if (when.month, when.day) >= (7, 8) and (when.month, when.day) <= (7, 12) else 0
        weights.append(w)
    return weights


def distribute(total: int, weights: list[int]) -> list[int]:
    cum = [0]
    for w in weights:
        cum.append(cum[-1] + w)
    whole = cum[-1]
    return [total * cum[i + 1] // whole - total * cum[i] // whole for i in range(len(weights))]


def _ages(r_seed: int, kind: str, count: int) -> list[int]:
    """Days before the anchor of the plants of one kind: old ones, some in an open window, recent."""
    r = rng(r_seed, "plant-ages", kind)
    if count == 0:
        return []
    if count <= 3:
        return [r.randint(300, 540), r.randint(72, 108), r.randint(22, 44)][:count]
    ages = [r.randint(130, 560) for _ in range(count - 4)]
    return ages + [r.randint(65, 115), r.randint(70, 110), r.randint(18, 50), r.randint(25, 45)]


def build_plan(
    seed: int,
    scenario: str,
    size: str | int,
    region: str,
    marketplaces: tuple[Marketplace, ...],
    history: History,
    ids: IdFactory,
) -> Plan:
    total = resolve_size(size)
    catalog = build_catalog(seed, region, catalog_size(total))
    plants: list[Plant] = []
    n = PLANT_COUNT[scenario]
    for kind in ORDER_PLANTS + WAREHOUSE_PLANTS:
        for i, age in enumerate(_ages(seed, kind, n)):
            plants.append(Plant(kind, i, history.days - age, marketplaces[i % len(marketplaces)]))
    order_plants = sum(1 for p in plants if p.kind in ORDER_PLANTS)
    counts = distribute(max(0, total - order_plants), _day_weights(history))
    if max(counts, default=0) >= PLANTED_SEQ:
        raise ValueError("too many orders per day for this world")
    plan = Plan(total, counts, catalog, plants)
    _plan_inbound(seed, scenario, plan, marketplaces, history, ids)
    _plan_removals(seed, scenario, plan, marketplaces, history, ids)
    _plant_inbound_and_removals(seed, n, plan, marketplaces, history)
    if scenario == "messy":
        _plan_bad_rows(seed, plan, marketplaces, history)
    return plan


def expected_units(
    plan: Plan,
    mkt: Marketplace,
    product: Product,
    first: int,
    last: int,
    marketplaces: tuple[Marketplace, ...],
) -> Decimal:
    share = Decimal(MARKET_WEIGHT[mkt.marketplace_id]) / sum(
        MARKET_WEIGHT[m.marketplace_id] for m in marketplaces
    )
    weight = Decimal(product.demand_weight) / sum(p.demand_weight for p in plan.catalog)
    per_item = min(Decimal(1), weight * Decimal("1.3"))
    orders = sum(plan.day_counts[max(0, first) : max(0, min(last, len(plan.day_counts)))])
    return Decimal(orders) * share * per_item * UNITS_PER_ORDER / Decimal("1.3")


def _plan_inbound(
    seed: int,
    scenario: str,
    plan: Plan,
    marketplaces: tuple[Marketplace, ...],
    history: History,
    ids: IdFactory,
) -> None:
    serial = 0
    for m_index, mkt in enumerate(marketplaces):
        r = rng(seed, "inbound", mkt.marketplace_id)
        offset = r.randint(3, 10)
        cycle = 0
        while True:
            arrival_day = 0 if cycle == 0 else offset + cycle * INBOUND_CYCLE_DAYS
            next_day = offset + (cycle + 1) * INBOUND_CYCLE_DAYS
            arrival = history.day_start(arrival_day) + timedelta(minutes=r.randint(5, 40))
            shipped = arrival - timedelta(days=r.randint(6, 9), hours=r.randint(0, 12))
            if shipped >= history.anchor:
                break
            factor = Decimal("2.2") if cycle == 0 else Decimal("1.9")
            items = []
            for product in plan.catalog:
                need = expected_units(plan, mkt, product, arrival_day, next_day + 7, marketplaces)
                qty = int(math.ceil(need * factor)) + (8 if cycle == 0 else 4)
                items.append(InboundItem(product, qty, qty))
            if scenario != "clean" and cycle > 0 and r.random() < 0.2:
                item = r.choice(items)
                short = r.randint(1, 3)
                when = arrival + timedelta(days=r.randint(20, 40), hours=r.randint(1, 20))
                if when < history.anchor:  # natural shortages are always resolved by the anchor
                    item.received -= short
                    item.reimbursed = short
                    item.reimbursed_at = when
            plan.inbound.append(
                InboundShipment(
                    serial,
                    ids.inbound_shipment_id(serial * 8 + m_index),
                    mkt,
                    r.choice(FULFILLMENT_CENTERS[mkt.marketplace_id]),
                    arrival_day,
                    shipped - timedelta(days=r.randint(2, 5)),
                    shipped,
                    arrival,
                    items,
                )
            )
            serial += 1
            cycle += 1


def _plan_removals(
    seed: int,
    scenario: str,
    plan: Plan,
    marketplaces: tuple[Marketplace, ...],
    history: History,
    ids: IdFactory,
) -> None:
    serial = 0
    for mkt in marketplaces:
        r = rng(seed, "removals", mkt.marketplace_id)
        day = r.randint(20, 40)
        while day < history.days:
            requested = history.day_start(day) + timedelta(seconds=r.randint(0, 86_399))
            products = r.sample(plan.catalog, k=min(len(plan.catalog), r.choice((1, 1, 2))))
            lines = [RemovalLine(p, r.randint(1, 3)) for p in products]
            if scenario == "messy" and r.random() < 0.15:
                for line in lines:
                    line.cancelled = line.requested
            plan.removals.append(
                RemovalOrder(
                    serial,
                    ids.removal_order_id(serial),
                    mkt,
                    "Return" if r.random() < 0.6 else "Disposal",
                    day,
                    requested,
                    requested + timedelta(days=r.randint(3, 9), hours=r.randint(0, 12)),
                    lines,
                    r.choice(FULFILLMENT_CENTERS[mkt.marketplace_id]),
                )
            )
            serial += 1
            day += REMOVAL_CYCLE_DAYS + r.randint(-4, 4)


def _plant_inbound_and_removals(
    seed: int, n: int, plan: Plan, marketplaces: tuple[Marketplace, ...], history: History
) -> None:
    r = rng(seed, "plant-inbound-removal")
    anchor = history.anchor
    for i, age in enumerate(_ages(seed, "inbound_shortage", n)):
        target = anchor - age * DAY
        candidates = [
            s
            for s in plan.inbound
            if s.serial > 1
            and not s.planted
            and s.closed < anchor
            and all(it.reimbursed == 0 for it in s.items)
            and s.mkt == marketplaces[i % len(marketplaces)]
        ]
        if not candidates:
            continue
        ship = min(candidates, key=lambda s: (abs((s.arrival - target).days), s.serial))
        ship.planted = True
        item = r.choice(ship.items)
        item.received -= r.randint(1, 4)
        plan.plants.append(Plant("inbound_shortage", i, ship.arrival_day, ship.mkt))
    for i, age in enumerate(_ages(seed, "removal_lost", n)):
        target = anchor - age * DAY
        orders = [
            o
            for o in plan.removals
            if o.order_type == "Return"
            and not o.planted
            and o.completed < anchor
            and all(ln.cancelled == 0 for ln in o.lines)
            and o.mkt == marketplaces[i % len(marketplaces)]
        ]
        if not orders:
            continue
        order = min(orders, key=lambda o: (abs((o.done - target).days), o.serial))
        order.planted = True
        line = order.lines[0]
        line.lost = line.requested - 1 if line.requested > 1 else 1
        plan.plants.append(Plant("removal_lost", i, order.request_day, order.mkt))


BAD_ROW_REPORTS = (
    "GET_FBA_REIMBURSEMENTS_DATA",
    "GET_LEDGER_DETAIL_VIEW_DATA",
    "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
)


def _plan_bad_rows(seed: int, plan: Plan, marketplaces: tuple[Marketplace, ...], history: History) -> None:
    r = rng(seed, "bad-rows")
    for i, report_type in enumerate(BAD_ROW_REPORTS):
        day = r.randint(30, history.days - 10)
        plan.bad_days.setdefault(day, []).append((report_type, marketplaces[i % len(marketplaces)]))
