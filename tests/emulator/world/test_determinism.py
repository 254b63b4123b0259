"""Same inputs, byte-identical outputs; another seed, other data."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sellersync.emulator.world import REPORT_TYPES, World, build_world

from .conftest import ANCHOR


def fingerprint(w: World) -> dict[str, str]:
    out: dict[str, str] = {}
    ids = [m.marketplace_id for m in w.marketplaces]
    for rt in REPORT_TYPES:
        table = w.report_table(rt, ids, w.history.start, w.anchor)
        h = hashlib.sha256("\t".join(table.header).encode())
        for row in table.rows:
            h.update(("\t".join(row) + "\n").encode(table.charset))
        out[rt] = h.hexdigest()
    for meta in w.settlements():
        h = hashlib.sha256()
        for row in w.settlement_table(meta.settlement_id).rows:
            h.update("\t".join(row).encode())
        out[meta.settlement_id] = h.hexdigest()

    def dump(value: Any) -> str:
        return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()

    out["orders"] = dump(w.orders(ids))
    out["items"] = dump([w.order_items(o["AmazonOrderId"]) for o in w.orders(ids)])
    out["finances"] = dump(w.financial_events(w.history.start, w.anchor))
    out["inventory"] = dump([w.inventory_summaries(i) for i in ids])
    inbound = [w.inbound_shipments(i, w.history.start, w.anchor) for i in ids]
    out["inbound"] = dump(inbound)
    out["inbound_items"] = dump(
        [w.inbound_shipment_items(s["ShipmentId"]) for ships in inbound for s in ships]
    )
    out["sellers"] = dump(w.marketplace_participations())
    out["truth"] = dump(w.truth())
    out["identity"] = dump([w.seller_id, w.refresh_token])
    return out


def test_same_inputs_give_identical_bytes() -> None:
    for scenario, region in (("messy", "NA"), ("typical", "EU")):
        a = build_world(seed=7, scenario=scenario, anchor=ANCHOR, region=region)
        b = build_world(seed=7, scenario=scenario, anchor=ANCHOR, region=region)
        assert fingerprint(a) == fingerprint(b)


def test_order_of_queries_does_not_matter() -> None:
    a = build_world(seed=3, scenario="messy", anchor=ANCHOR)
    b = build_world(seed=3, scenario="messy", anchor=ANCHOR)
    b.truth()  # warm b in another order: every day generated before any report
    ids = [m.marketplace_id for m in a.marketplaces]
    start = ANCHOR.replace(year=2026, month=5)
    ta = list(a.report_table(REPORT_TYPES[5], ids, start, ANCHOR).rows)
    tb = list(b.report_table(REPORT_TYPES[5], ids, start, ANCHOR).rows)
    assert ta == tb


def test_different_seed_gives_different_data() -> None:
    a = fingerprint(build_world(seed=1, anchor=ANCHOR))
    b = fingerprint(build_world(seed=2, anchor=ANCHOR))
    differing = [k for k in a if k in b and a[k] != b[k]]
    assert set(REPORT_TYPES) <= set(differing)
    assert {"orders", "finances", "inventory", "truth", "identity"} <= set(differing)


def test_anchor_defaults_to_today_utc_midnight() -> None:
    w = build_world(seed=1)
    assert w.anchor.hour == w.anchor.minute == w.anchor.second == 0
    assert w.anchor.utcoffset() is not None and w.anchor.utcoffset().total_seconds() == 0
