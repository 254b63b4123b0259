"""Amazon's reimbursement policy windows (FACTS §8) and the window status of a finding on a date.

A window is counted from the finding's ``event_date`` (the day the unit was reported lost or damaged,
the refund, the inbound delivery, the removal shipment...). Filing is possible from ``opens`` to
``deadline`` inclusive; before it the finding is ``not_yet_eligible`` (e.g. the customer may still
return the item), after it ``expired``: evidence, never money the seller can still recover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sellersync.detect.kinds import ClaimType, WindowStatus

LOST = ClaimType.LOST_IN_WAREHOUSE
DAMAGED = ClaimType.DAMAGED_IN_WAREHOUSE
REFUND_WITHOUT_RETURN = ClaimType.REFUND_WITHOUT_RETURN
RETURN_NOT_RESTOCKED = ClaimType.RETURN_NOT_RESTOCKED
INBOUND_SHORTAGE = ClaimType.INBOUND_SHORTAGE
REMOVAL_LOST = ClaimType.REMOVAL_LOST
FEE_OVERCHARGE = ClaimType.FEE_OVERCHARGE
UNDER_REIMBURSEMENT = ClaimType.UNDER_REIMBURSEMENT

CLAIM_TYPES = tuple(ClaimType)
WINDOW_STATUSES = tuple(WindowStatus)

#: claim type -> (days after the event when filing opens, days after the event of the deadline)
WINDOWS: dict[str, tuple[int, int]] = {
    LOST: (0, 60),  # "within 60 days of the date the unit was reported lost or damaged"
    DAMAGED: (0, 60),
    REFUND_WITHOUT_RETURN: (60, 120),  # "60 to 120 days after the refund" (EU 45 to 105)
    RETURN_NOT_RESTOCKED: (60, 120),
    INBOUND_SHORTAGE: (15, 60),  # "15 to 60 days after the shipment's delivery date"
    REMOVAL_LOST: (15, 75),  # "15 to 75 days after the shipment was created"
    FEE_OVERCHARGE: (0, 60),  # not in FACTS §8: the emulator's assumption (docs/emulator.md)
    UNDER_REIMBURSEMENT: (0, 60),  # counted from the reimbursement's approval date (same assumption)
}
WINDOWS_EU: dict[str, tuple[int, int]] = {
    **WINDOWS,
    REFUND_WITHOUT_RETURN: (45, 105),
    RETURN_NOT_RESTOCKED: (45, 105),
}


@dataclass(frozen=True)
class Window:
    status: str  # not_yet_eligible | open | expired
    opens: date
    deadline: date


def window_for(claim_type: str, region: str, event_date: date, today: date) -> Window:
    opens_after, deadline_after = (WINDOWS_EU if region.upper() == "EU" else WINDOWS)[claim_type]
    opens = event_date + timedelta(days=opens_after)
    deadline = event_date + timedelta(days=deadline_after)
    if today < opens:
        status = "not_yet_eligible"
    elif today <= deadline:
        status = "open"
    else:
        status = "expired"
    return Window(status, opens, deadline)
