"""The claim vocabularies in one place: claim types, stored and shown statuses, window states."""

from __future__ import annotations

from enum import StrEnum


class ClaimType(StrEnum):
    LOST_IN_WAREHOUSE = "lost_in_warehouse"
    DAMAGED_IN_WAREHOUSE = "damaged_in_warehouse"
    REFUND_WITHOUT_RETURN = "refund_without_return"
    RETURN_NOT_RESTOCKED = "return_not_restocked"
    INBOUND_SHORTAGE = "inbound_shortage"
    REMOVAL_LOST = "removal_lost"
    FEE_OVERCHARGE = "fee_overcharge"
    UNDER_REIMBURSEMENT = "under_reimbursement"


class ClaimStatus(StrEnum):
    """What ``claims.status`` stores. ``reimbursed`` is set by detection only."""

    OPEN = "open"
    FILED = "filed"
    REIMBURSED = "reimbursed"
    DENIED = "denied"
    DISMISSED = "dismissed"


class ShownStatus(StrEnum):
    """What the API shows: the stored status, except an open claim past its deadline is ``expired``."""

    OPEN = "open"
    FILED = "filed"
    REIMBURSED = "reimbursed"
    DENIED = "denied"
    DISMISSED = "dismissed"
    EXPIRED = "expired"


class WindowStatus(StrEnum):
    NOT_YET_ELIGIBLE = "not_yet_eligible"
    OPEN = "open"
    EXPIRED = "expired"


#: who made a status change that no person made
DETECTION = "detection"


def shown_status(status: str, window_status: str) -> ShownStatus:
    if status == ClaimStatus.OPEN and window_status == WindowStatus.EXPIRED:
        return ShownStatus.EXPIRED
    return ShownStatus(status)
