"""The ground truth: one streaming pass over the whole history computes what a correct sync must
reproduce (row counts and money sums per report type and API list), the current inventory, the
planted discrepancies with their claim windows, and the rows a parser must quarantine."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .apis import inventory_summary_json
from .calendar import claim_window
from .catalog import q2
from .finance import settlement_lines
from .formats import (
    ALL_ORDERS_BY_DATE,
    ALL_ORDERS_BY_UPDATE,
    LEDGER,
    REIMBURSEMENTS,
    REMOVAL_ORDERS,
    REMOVAL_SHIPMENTS,
    REPORT_DATE_COLUMN,
    RETURNS,
    SHIPMENTS,
)
from .plan import DISCREPANCY_TYPES, removal_fee
from .reports import removal_state

if TYPE_CHECKING:
    from .world import World


class Acc:
    """Row count, integer sums and money sums per currency, overall and per marketplace."""

    def __init__(self) -> None:
        self.rows = 0
        self.bad_rows = 0
        self.ints: dict[str, int] = defaultdict(int)
        self.money: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self.by_mkt: dict[str, Acc] = {}

    def add(
        self,
        mkt_id: str | None,
        rows: int = 1,
        ints: dict[str, int] | None = None,
        money: dict[str, tuple[str, Decimal]] | None = None,
    ) -> None:
        self.rows += rows
        for k, v in (ints or {}).items():
            self.ints[k] += v
        for k, (cur, amount) in (money or {}).items():
            self.money[k][cur] += amount
        if mkt_id is not None:
            self.by_mkt.setdefault(mkt_id, Acc()).add(None, rows, ints, money)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rows": self.rows}
        out.update(sorted(self.ints.items()))
        for k, per_cur in sorted(self.money.items()):
            out[k] = {cur: str(q2(v)) for cur, v in sorted(per_cur.items())}
        if self.by_mkt:
            out["bad_rows"] = self.bad_rows
            out["by_marketplace"] = {m: a.as_dict() for m, a in sorted(self.by_mkt.items())}
        return out


class TruthPass:
    def __init__(self, world: World) -> None:
        self.world = world
        anchor = world.anchor
        self.reports: dict[str, Acc] = {
            rt: Acc()
            for rt in REPORT_DATE_COLUMN
            if rt
            in (
                ALL_ORDERS_BY_UPDATE,
                ALL_ORDERS_BY_DATE,
                SHIPMENTS,
                RETURNS,
                REIMBURSEMENTS,
                LEDGER,
                REMOVAL_ORDERS,
                REMOVAL_SHIPMENTS,
            )
        }
        self.orders = Acc()
        self.finance: dict[str, Acc] = defaultdict(Acc)
        self.balances: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.last_move: dict[tuple[str, str], Any] = {}
        self.reserved: dict[tuple[str, str], int] = defaultdict(int)
        self.planted: list[dict[str, Any]] = []
        self.bad: list[dict[str, Any]] = []
        periods = world._settlement_periods()
        firsts: dict[str, list[tuple[Any, Any]]] = {}
        for meta, p in periods:
            firsts.setdefault(meta.marketplace_id, []).append((meta, p))
        self.settlement: dict[str, Acc] = {meta.settlement_id: Acc() for meta, _ in periods}
        for day in world.all_days():
            for o in day.orders:
                mid, cur = o.mkt.marketplace_id, o.mkt.currency
                self.orders.add(mid, ints={"order_items": len(o.items), f"status_{o.status}": 1})
                canceled = o.status == "Canceled"
                for it in o.items:
                    for rt in (ALL_ORDERS_BY_UPDATE, ALL_ORDERS_BY_DATE):
                        self.reports[rt].add(
                            mid,
                            ints={"quantity": 0 if canceled else it.quantity},
                            money={} if canceled else {"item_price_total": (cur, it.item_price)},
                        )
                    if o.channel == "AFN" and o.ship_time is not None:
                        self.reports[SHIPMENTS].add(
                            mid,
                            ints={"quantity_shipped": it.quantity},
                            money={"item_price_total": (cur, it.item_price)},
                        )
                    if o.channel == "AFN" and o.status == "Pending":
                        self.reserved[(mid, it.product.sku)] += it.quantity
            for ret in day.returns:
                if ret.time < anchor:
                    self.reports[RETURNS].add(ret.mkt.marketplace_id, ints={"quantity": ret.quantity})
            for rb in day.reimbursements:
                if rb.time < anchor:
                    self.reports[REIMBURSEMENTS].add(
                        rb.mkt.marketplace_id,
                        ints={"quantity_reimbursed_total": rb.qty_cash + rb.qty_inventory},
                        money={"amount_total": (rb.mkt.currency, rb.total)},
                    )
            for lg in day.ledger:
                if lg.time < anchor:
                    key = (lg.mkt.marketplace_id, lg.product.sku)
                    self.reports[LEDGER].add(key[0], ints={f"quantity_{lg.event_type}": lg.quantity})
                    self.balances[key][lg.disposition] += lg.quantity
                    self.last_move[key] = max(lg.time, self.last_move.get(key, lg.time))
            for ev in day.finance:
                if ev.time >= anchor:
                    continue
                lines = list(settlement_lines(ev))
                amount = sum((ln.amount for ln in lines), Decimal(0))
                mid, cur = ev.mkt.marketplace_id, ev.mkt.currency
                self.finance[ev.list_name].add(mid, money={"amount_total": (cur, amount)})
                for meta, p in firsts.get(mid, []):
                    if p.start <= ev.time < p.end:
                        self.settlement[meta.settlement_id].add(
                            mid, rows=len(lines), money={"total": (cur, amount)}
                        )
                        break
            for bad in day.bad:
                if bad.time < anchor:
                    acc = self.reports[bad.report_type]
                    acc.bad_rows += 1
                    acc.by_mkt.setdefault(bad.mkt.marketplace_id, Acc()).bad_rows += 1
                    self.bad.append(
                        {
                            "report_type": bad.report_type,
                            "marketplace_id": bad.mkt.marketplace_id,
                            "report_date": bad.time.isoformat(),
                            "column": bad.column,
                            "value": bad.cells.get(bad.column, ""),
                            "reason": bad.reason,
                            "cells": dict(bad.cells),
                        }
                    )
            self.planted.extend(day.planted)
        self._removals()
        self.inventory = self._inventory()

    def _removals(self) -> None:
        anchor = self.world.anchor
        for order in self.world.plan.removals:
            if order.requested >= anchor:
                continue
            status, _ = removal_state(order, anchor)
            mid, cur = order.mkt.marketplace_id, order.mkt.currency
            for line in order.lines:
                done = line.requested - line.cancelled if status == "Completed" else 0
                fee = removal_fee(line.product.tier) * done if status == "Completed" else Decimal(0)
                self.reports[REMOVAL_ORDERS].add(
                    mid, ints={"requested_quantity": line.requested}, money={"removal_fee_total": (cur, fee)}
                )
                shipped = done - line.lost
                if order.order_type == "Return" and status == "Completed" and shipped > 0:
                    self.reports[REMOVAL_SHIPMENTS].add(mid, ints={"quantity_shipped": shipped})

    def _inventory(self) -> dict[str, list[dict[str, Any]]]:
        w = self.world
        out: dict[str, list[dict[str, Any]]] = {}
        for mkt in w.marketplaces:
            mid = mkt.marketplace_id
            inbound: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for ship in w.plan.inbound:
                if ship.mkt != mkt or ship.created >= w.anchor:
                    continue
                status, _ = ship.status_at(w.anchor)
                for it in ship.items:
                    if status in ("WORKING", "SHIPPED"):
                        inbound[it.product.sku][status] += it.shipped
                    elif status == "RECEIVING":
                        inbound[it.product.sku][status] += it.shipped - ship.received_before(it, w.anchor)
            rows = []
            for p in sorted(w.plan.catalog, key=lambda p: p.sku):
                key = (mid, p.sku)
                rows.append(
                    inventory_summary_json(
                        p,
                        p.title,
                        dict(self.balances.get(key, {})),
                        self.reserved.get(key, 0),
                        dict(inbound.get(p.sku, {})),
                        self.last_move.get(key, w.history.start),
                    )
                )
            out[mid] = rows
        return out

    def manifest(self) -> dict[str, Any]:
        w = self.world
        discrepancies = []
        for d in self.planted:
            entry = dict(d)
            entry["amount"] = str(q2(Decimal(d["amount"])))
            entry["window"] = claim_window(d["type"], w.region, _date(d["event_date"]), w.anchor)
            discrepancies.append(entry)
        discrepancies.sort(key=lambda e: (e["type"], e["event_date"], e["marketplace_id"], e["sku"]))
        totals: dict[str, Any] = {rt: acc.as_dict() for rt, acc in self.reports.items()}
        totals["orders"] = _orders_dict(self.orders)
        totals["financial_events"] = {name: _events_dict(acc) for name, acc in sorted(self.finance.items())}
        settle = Acc()
        for meta in w.settlements():
            acc = self.settlement[meta.settlement_id]
            settle.add(
                meta.marketplace_id,
                rows=1,
                ints={"lines": acc.rows},
                money={
                    "total_amount": (
                        _currency(w, meta.marketplace_id),
                        sum(acc.money["total"].values(), Decimal(0)),
                    )
                },
            )
        sd = settle.as_dict()
        sd["settlements"] = sd.pop("rows")
        sd.pop("bad_rows", None)
        totals["settlements"] = sd
        totals["inventory"] = {
            mid: {
                "skus": len(rows),
                "fulfillable": sum(r["inventoryDetails"]["fulfillableQuantity"] for r in rows),
                "total": sum(r["totalQuantity"] for r in rows),
            }
            for mid, rows in sorted(self.inventory.items())
        }
        totals["inbound_shipments"] = _inbound_totals(w)
        counts = {t: sum(1 for d in discrepancies if d["type"] == t) for t in DISCREPANCY_TYPES}
        return {
            "world": {
                "seed": w.seed,
                "scenario": w.scenario,
                "size": w.size,
                "orders_total": w.plan.orders_total,
                "anchor": w.anchor.isoformat(),
                "history_start": w.history.start.isoformat(),
                "region": w.region,
                "seller_id": w.seller_id,
                "marketplaces": [
                    {
                        "marketplace_id": m.marketplace_id,
                        "country_code": m.country_code,
                        "currency": m.currency,
                        "name": m.name,
                        "date_style": m.date_style,
                        "decimal_comma": m.decimal_comma,
                        "charset": m.charset,
                    }
                    for m in w.marketplaces
                ],
            },
            "report_date_columns": dict(REPORT_DATE_COLUMN),
            "totals": totals,
            "discrepancy_counts": counts,
            "discrepancies": discrepancies,
            "bad_rows": self.bad,
        }


def _date(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


def _currency(w: World, marketplace_id: str) -> str:
    return next(m.currency for m in w.marketplaces if m.marketplace_id == marketplace_id)


def _orders_dict(acc: Acc) -> dict[str, Any]:
    d = acc.as_dict()
    d["orders"] = d.pop("rows")
    d.pop("bad_rows", None)
    for sub in d.get("by_marketplace", {}).values():
        sub["orders"] = sub.pop("rows")
    return d


def _events_dict(acc: Acc) -> dict[str, Any]:
    d = acc.as_dict()
    d["events"] = d.pop("rows")
    d.pop("bad_rows", None)
    for sub in d.get("by_marketplace", {}).values():
        sub["events"] = sub.pop("rows")
    return d


def _inbound_totals(w: World) -> dict[str, Any]:
    acc = Acc()
    for ship in w.plan.inbound:
        if ship.created >= w.anchor:
            continue
        received = sum(ship.received_before(it, w.anchor) for it in ship.items)
        acc.add(
            ship.mkt.marketplace_id,
            ints={
                "items": len(ship.items),
                "quantity_shipped": sum(it.shipped for it in ship.items),
                "quantity_received": received,
            },
        )
    d = acc.as_dict()
    d["shipments"] = d.pop("rows")
    d.pop("bad_rows", None)
    return d
