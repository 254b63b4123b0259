"""Lost in warehouse: ledger adjustments with a lost reason (M misplaced, 5 unrecoverable; settings
``detect_lost_reasons``), net of units found later (F, N; ``detect_found_reasons``) and of
``Lost_Warehouse`` reimbursements net of their reversals. Valued at unit cost (FACTS §8); the window
is 60 days from the ledger date."""

from __future__ import annotations

from sellersync.detect.common import RuleContext, RuleResult, codes
from sellersync.detect.policy import LOST
from sellersync.detect.rules._warehouse import warehouse_rule

REIMBURSEMENT_REASONS = ("Lost_Warehouse",)


def detect(ctx: RuleContext) -> RuleResult:
    return warehouse_rule(
        ctx,
        LOST,
        incident_reasons=codes(ctx.settings.detect_lost_reasons),
        restock_reasons=codes(ctx.settings.detect_found_reasons),
        restock_kind="found",
        reimbursement_reasons=REIMBURSEMENT_REASONS,
        sellable_only=False,
    )
