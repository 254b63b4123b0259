"""Damaged in warehouse: ledger adjustments with an Amazon-fault damage reason (E, 6, 7, U, Q;
settings ``detect_damaged_reasons``; H and K are customer/manufacturer fault and left out) taking
units out of inventory, net of units put back into SELLABLE with a damage reason and of
``Damaged_Warehouse`` reimbursements net of their reversals. The ``P`` line that moves the same units
into WAREHOUSE_DAMAGED is a disposition move, not a recovery. Valued at unit cost; 60-day window."""

from __future__ import annotations

from sellersync.detect.common import RuleContext, RuleResult, codes
from sellersync.detect.policy import DAMAGED
from sellersync.detect.rules._warehouse import warehouse_rule

REIMBURSEMENT_REASONS = ("Damaged_Warehouse",)


def detect(ctx: RuleContext) -> RuleResult:
    damaged = codes(ctx.settings.detect_damaged_reasons)
    return warehouse_rule(
        ctx,
        DAMAGED,
        incident_reasons=damaged,
        restock_reasons=damaged,
        restock_kind="restocked",
        reimbursement_reasons=REIMBURSEMENT_REASONS,
        sellable_only=True,
    )
