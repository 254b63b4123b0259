"""The claim lifecycle: which status changes a person may make, and the audited change itself.

Stored statuses (``ClaimStatus``): ``open`` → ``filed`` (case id) → ``denied`` (reason) or
``reimbursed`` (detection only, when Amazon's payment arrives in a later sync); ``dismissed`` (reason)
from open, filed or denied; ``open`` again from filed, denied or dismissed (reopen). ``expired`` is never
stored: it is an open claim whose window has passed (``kinds.shown_status``). Every change writes a
``claim_events`` row (who, when, from, to, note) in the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sellersync.detect.kinds import DETECTION, ClaimStatus
from sellersync.store.models import Claim, ClaimEvent
from sellersync.store.types import utcnow

#: the changes a person may make: from -> allowed targets (``reimbursed`` is detection's alone)
PERSON_TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.OPEN: frozenset({ClaimStatus.FILED, ClaimStatus.DISMISSED}),
    ClaimStatus.FILED: frozenset({ClaimStatus.DENIED, ClaimStatus.DISMISSED, ClaimStatus.OPEN}),
    ClaimStatus.DENIED: frozenset({ClaimStatus.FILED, ClaimStatus.DISMISSED, ClaimStatus.OPEN}),
    ClaimStatus.DISMISSED: frozenset({ClaimStatus.OPEN}),
    ClaimStatus.REIMBURSED: frozenset(),
}

#: the note of a claim detection closed because its units were found or returned
FOUND_NOTE = "units found or returned (detection)"
GONE_NOTE = "no longer detected in the synced data (detection)"


class InvalidTransition(ValueError):
    """A status change the lifecycle does not allow (the API's 400 ``invalid_transition``)."""


def check_person_transition(current: str, target: str) -> None:
    """Raise :class:`InvalidTransition` unless a person may move a claim from ``current`` to ``target``."""
    if target == ClaimStatus.REIMBURSED:
        raise InvalidTransition("reimbursed is set by detection when Amazon's payment arrives")
    allowed = PERSON_TRANSITIONS.get(ClaimStatus(current), frozenset())
    if target not in allowed:
        names = ", ".join(sorted(allowed)) or "none"
        raise InvalidTransition(f"a {current} claim cannot become {target} (allowed: {names})")


def change_status(
    s: Session, claim: Claim, to: ClaimStatus, *, by: str, note: str = "", at: datetime | None = None
) -> ClaimEvent:
    """Set the claim's status and write its audit row. Filing records the case id (``note``)."""
    at = at or utcnow()
    event = ClaimEvent(
        claim_id=claim.id,
        workspace_id=claim.workspace_id,
        at=at,
        by=by,
        from_status=claim.status,
        to_status=str(to),
        note=note,
    )
    claim.status, claim.status_at, claim.status_by, claim.status_note = str(to), at, by, note
    if to == ClaimStatus.FILED:
        claim.case_id, claim.filed_at, claim.filed_by = note, at, by
        if claim.amount_claimed is None:
            claim.amount_claimed = claim.amount
    claim.resolved_at = None if to in (ClaimStatus.OPEN, ClaimStatus.FILED) else at
    claim.updated_at = at
    s.add(event)
    return event


def note_payment(s: Session, claim: Claim, note: str, *, at: datetime | None = None) -> None:
    """An audit row for a partial payment that leaves the status as it is (from = to)."""
    s.add(
        ClaimEvent(
            claim_id=claim.id,
            workspace_id=claim.workspace_id,
            at=at or utcnow(),
            by=DETECTION,
            from_status=claim.status,
            to_status=claim.status,
            note=note,
        )
    )
