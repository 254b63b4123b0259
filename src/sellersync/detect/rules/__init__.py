"""One module per claim rule; each exposes ``detect(ctx) -> RuleResult``."""

from __future__ import annotations

from sellersync.detect.common import Rule
from sellersync.detect.policy import (
    DAMAGED,
    FEE_OVERCHARGE,
    INBOUND_SHORTAGE,
    LOST,
    REFUND_WITHOUT_RETURN,
    REMOVAL_LOST,
    RETURN_NOT_RESTOCKED,
    UNDER_REIMBURSEMENT,
)
from sellersync.detect.rules import (
    damaged_in_warehouse,
    fee_overcharge,
    inbound_shortage,
    lost_in_warehouse,
    refund_without_return,
    removal_lost,
    return_not_restocked,
    under_reimbursement,
)

RULES: dict[str, Rule] = {
    LOST: lost_in_warehouse.detect,
    DAMAGED: damaged_in_warehouse.detect,
    REFUND_WITHOUT_RETURN: refund_without_return.detect,
    RETURN_NOT_RESTOCKED: return_not_restocked.detect,
    INBOUND_SHORTAGE: inbound_shortage.detect,
    REMOVAL_LOST: removal_lost.detect,
    FEE_OVERCHARGE: fee_overcharge.detect,
    UNDER_REIMBURSEMENT: under_reimbursement.detect,
}
