"""Pure detection: canonical facts in, findings out. No session, no clock: ``today`` is a parameter."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date

from sellersync.config import Settings
from sellersync.detect.common import Finding, RuleContext, codes
from sellersync.detect.contract import Facts
from sellersync.detect.rules import RULES


def adjustment_reasons(settings: Settings) -> frozenset[str]:
    """Every ledger adjustment reason a rule reads."""
    return (
        codes(settings.detect_lost_reasons)
        | codes(settings.detect_found_reasons)
        | codes(settings.detect_damaged_reasons)
    )


@dataclass
class Detection:
    findings: list[Finding] = field(default_factory=list)
    settled: dict[str, str] = field(default_factory=dict)  # claim key -> reimbursed | resolved
    paid: dict[str, list[str]] = field(default_factory=dict)  # settled claim key -> reimbursement ids
    seconds: dict[str, float] = field(default_factory=dict)  # per rule


def detect(facts: Facts, settings: Settings, today: date, rules: Collection[str] | None = None) -> Detection:
    """Run every rule (or those named in ``rules``) over ``facts`` as of ``today``."""
    ctx = RuleContext(settings=settings, today=today, region=facts.region, facts=facts)
    out = Detection()
    by_key: dict[str, Finding] = {}
    for name, rule in RULES.items():
        if rules is not None and name not in rules:
            continue
        t0 = time.perf_counter()
        result = rule(ctx)
        out.seconds[name] = time.perf_counter() - t0
        for f in result.findings:
            prev = by_key.get(f.key)
            if prev is None:
                by_key[f.key] = f
            else:  # the same incident twice (identical ledger lines): one claim with both quantities
                amount = None if prev.amount is None or f.amount is None else prev.amount + f.amount
                by_key[f.key] = replace(prev, quantity=prev.quantity + f.quantity, amount=amount)
        out.settled.update(result.settled)
        out.paid.update(result.paid)
    out.findings = sorted(
        by_key.values(), key=lambda f: (f.type, f.event_date, f.marketplace_id, f.sku, f.key)
    )
    for key in by_key:
        out.settled.pop(key, None)
        out.paid.pop(key, None)
    return out
