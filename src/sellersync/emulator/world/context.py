"""The immutable parameters every generator shares, and the per-day builder with its id counters."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..contract import Marketplace
from .calendar import History
from .catalog import MARKET_WEIGHT, Product
from .ids import IdFactory, rng
from .plan import Plan
from .records import Day


@dataclass
class Context:
    seed: int
    scenario: str
    region: str
    marketplaces: tuple[Marketplace, ...]
    history: History
    ids: IdFactory
    plan: Plan
    market_weights: list[int] = field(init=False)
    product_weights: list[int] = field(init=False)
    _market_cum: list[int] = field(init=False, repr=False)
    _product_cum: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.market_weights = [MARKET_WEIGHT[m.marketplace_id] for m in self.marketplaces]
        self.product_weights = [p.demand_weight for p in self.plan.catalog]
        self._market_cum = list(itertools.accumulate(self.market_weights))
        self._product_cum = list(itertools.accumulate(self.product_weights))

    @property
    def anchor(self) -> datetime:
        return self.history.anchor

    @property
    def messy(self) -> bool:
        return self.scenario == "messy"

    def rng(self, *parts: object) -> random.Random:
        return rng(self.seed, *parts)

    def pick_market(self, r: random.Random) -> Marketplace:
        return r.choices(self.marketplaces, cum_weights=self._market_cum)[0]

    def pick_product(self, r: random.Random) -> Product:
        return r.choices(self.plan.catalog, cum_weights=self._product_cum)[0]


class DayBuilder:
    """Collects one day's records and hands out that day's unique serial numbers."""

    SERIALS_PER_DAY = 100_000

    def __init__(self, ctx: Context, index: int) -> None:
        self.ctx = ctx
        self.day = Day(index)
        self._counters: dict[str, int] = {}

    def serial(self, kind: str) -> int:
        n = self._counters.get(kind, 0)
        self._counters[kind] = n + 1
        return self.day.index * self.SERIALS_PER_DAY + n

    def plant(
        self,
        kind: str,
        mkt: Marketplace,
        product: Product,
        quantity: int,
        amount: Decimal,
        event: datetime,
        evidence: dict[str, Any],
    ) -> None:
        self.day.planted.append(
            {
                "type": kind,
                "marketplace_id": mkt.marketplace_id,
                "sku": product.sku,
                "fnsku": product.fnsku,
                "asin": product.asin,
                "quantity": quantity,
                "amount": str(amount),
                "currency": mkt.currency,
                "event_date": event.date().isoformat(),
                "evidence": evidence,
            }
        )
