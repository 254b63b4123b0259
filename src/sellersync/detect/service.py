"""The detection job: one run over one connection's canonical tables, recorded in ``detection_runs``.

``run_detection`` is what the job service chains after each successful sync (and what the API and the
CLI call on demand). It:

1. records a ``detection_runs`` row (``running``) and commits it, so the run is visible at once;
2. loads the facts through the typed contract (one set-based SELECT each), runs every rule as of
   ``today`` (default: today's UTC date), and upserts the claims by their stable key: new findings are
   inserted, changed ones updated in place, unchanged ones left alone; an open or filed claim whose
   units Amazon paid becomes ``reimbursed`` (with the amount received), an open claim no rule reports
   any more becomes ``dismissed`` by detection (units found or returned), never deleted; a person's
   decision (filed, denied, dismissed) is never overwritten (``store_findings``, ``detect.lifecycle``);
3. completes the run row and writes a ``detection.completed`` sync event (the sync's workspace, the same
   sync id) and an ``agent_events`` row (agent ``claim_detection``), in the same transaction as the
   claims.

A failure marks the run ``failed`` with its error (and an ``agent_events`` row with outcome ``failed``)
and raises :class:`DetectionFailed`: never swallowed.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sellersync.config import Settings
from sellersync.detect import lifecycle
from sellersync.detect.common import Finding
from sellersync.detect.contract import Facts
from sellersync.detect.engine import adjustment_reasons, detect
from sellersync.detect.kinds import DETECTION, ClaimStatus
from sellersync.store.models import (
    AgentEvent,
    AmazonConnection,
    Claim,
    DetectionRun,
    Reimbursement,
    SyncEvent,
    SyncRun,
)
from sellersync.store.types import utcnow
from sellersync.store.uow import UnitOfWork

log = logging.getLogger(__name__)

AGENT = "claim_detection"


class DetectionFailed(RuntimeError):
    def __init__(self, result: DetectionResult) -> None:
        super().__init__(result.error or "detection failed")
        self.result = result


class ConnectionNotFound(LookupError):
    pass


@dataclass
class DetectionResult:
    detection_run_id: str
    status: str  # completed | failed
    connection_id: int
    sync_id: str
    today: str
    claims_found: int = 0  # findings of this run (open claims)
    written: int = 0  # claims inserted or changed
    closed: int = 0  # claims that became reimbursed / resolved in this run
    recoverable: dict[str, str] = field(default_factory=dict)  # not expired, per currency
    fileable_now: dict[str, str] = field(default_factory=dict)  # window open, per currency
    by_type: dict[str, int] = field(default_factory=dict)
    by_window: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {
            "detectionRunId": d["detection_run_id"],
            "status": d["status"],
            "connectionId": d["connection_id"],
            "syncId": d["sync_id"],
            "today": d["today"],
            "claimsFound": d["claims_found"],
            "claimsWritten": d["written"],
            "claimsClosed": d["closed"],
            "recoverable": d["recoverable"],
            "fileableNow": d["fileable_now"],
            "byType": d["by_type"],
            "byWindow": d["by_window"],
            "seconds": round(d["seconds"], 3),
            "error": d["error"],
        }


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _money(totals: dict[str, Decimal]) -> dict[str, str]:
    return {cur: f"{amount:.2f}" for cur, amount in sorted(totals.items())}


def _values(f: Finding) -> dict[str, Any]:
    return {
        "type": str(f.type),
        "marketplace_id": f.marketplace_id,
        "sku": f.sku,
        "fnsku": f.fnsku,
        "asin": f.asin,
        "quantity": f.quantity,
        "amount": f.amount,
        "needs_cost": f.amount is None,
        "currency": f.currency,
        "evidence": f.evidence,
        "event_date": f.event_date,
        "window_status": f.window.status,
        "window_opens": _midnight(f.window.opens),
        "deadline": _midnight(f.window.deadline),
    }


def _differs(claim: Claim, values: dict[str, Any]) -> bool:
    for k, v in values.items():
        current = getattr(claim, k)
        if isinstance(v, Decimal) and current is not None:
            if Decimal(current) != v:
                return True
        elif current != v:
            return True
    return False


class _Payments:
    """Sums of the reimbursements that paid a claim, read from the store on demand."""

    def __init__(self, s: Session, connection_id: int) -> None:
        self.s, self.connection_id = s, connection_id

    def total(self, ids: list[str], sku: str) -> Decimal:
        if not ids:
            return Decimal("0.00")
        q = select(func.sum(Reimbursement.amount_total)).where(
            Reimbursement.connection_id == self.connection_id, Reimbursement.reimbursement_id.in_(ids)
        )
        if sku:
            q = q.where(Reimbursement.sku == sku)
        return Decimal(self.s.scalar(q) or 0).quantize(Decimal("0.01"))


def _record_payment(
    s: Session,
    claim: Claim,
    paid_ids: list[str],
    *,
    complete: bool,
    claimed_before: Decimal | None,
    payments: _Payments,
    now: datetime,
) -> bool:
    """Record the reimbursements that paid the claim after it was found; True if that changed."""
    ids = sorted(set(paid_ids) - set(claim.baseline_ids or []))
    if not ids:
        return False
    if ids == sorted(claim.received_ids or []) and complete == claim.received_complete:
        return False
    if claim.amount_claimed is None:
        claim.amount_claimed = claimed_before
    claim.received_ids, claim.received_complete = ids, complete
    claim.amount_received = payments.total(ids, claim.sku)
    claim.updated_at = now
    if not complete:
        lifecycle.note_payment(
            s,
            claim,
            f"partial payment {claim.amount_received} {claim.currency} (reimbursement {', '.join(ids)})",
            at=now,
        )
    return True


def store_findings(
    s: Session,
    *,
    workspace_id: int,
    connection_id: int,
    run_id: str,
    sync_id: str,
    findings: list[Finding],
    settled: dict[str, str],
    paid: dict[str, list[str]] | None = None,
) -> tuple[int, int]:
    """Upsert claims by key and move them along their lifecycle. Returns (written, closed).

    A person's decision is never overwritten: a filed, denied or dismissed (by a person) claim keeps its
    status. Detection alone sets ``reimbursed`` (an open or filed claim whose units Amazon paid), moves an
    open claim it no longer finds to ``dismissed`` with the reason, and reopens a claim it had closed
    when the incident opens again (a reversed reimbursement). Payments after the claim was found are
    recorded (a partial one leaves the status as it is)."""
    now = utcnow()
    paid = paid or {}
    payments = _Payments(s, connection_id)
    existing = {c.claim_key: c for c in s.scalars(select(Claim).where(Claim.connection_id == connection_id))}
    written = closed = 0
    new: list[Claim] = []
    for f in findings:
        values = _values(f)
        claim = existing.get(f.key)
        if claim is None:
            new.append(
                Claim(
                    workspace_id=workspace_id,
                    connection_id=connection_id,
                    claim_key=f.key,
                    status=ClaimStatus.OPEN,
                    sync_id=sync_id,
                    detection_run_id=run_id,
                    discovered_at=now,
                    updated_at=now,
                    status_at=now,
                    status_by=DETECTION,
                    baseline_ids=list(f.evidence.get("reimbursementIds") or []),
                    received_ids=[],
                    **values,
                )
            )
            continue
        claimed_before = claim.amount
        changed = _differs(claim, values)
        if changed:
            for k, v in values.items():
                setattr(claim, k, v)
        closed_by_detection = claim.status == ClaimStatus.REIMBURSED or (
            claim.status == ClaimStatus.DISMISSED and claim.status_by == DETECTION
        )
        if closed_by_detection:  # e.g. a reimbursement was reversed
            lifecycle.change_status(s, claim, ClaimStatus.OPEN, by=DETECTION, note="found again", at=now)
            claim.received_complete = False
            changed = True
        rb_ids = [str(i) for i in f.evidence.get("reimbursementIds") or []]
        changed |= _record_payment(
            s, claim, rb_ids, complete=False, claimed_before=claimed_before, payments=payments, now=now
        )
        if changed:
            claim.sync_id, claim.detection_run_id, claim.updated_at = sync_id, run_id, now
            written += 1
    s.add_all(new)
    written += len(new)
    found = {f.key for f in findings}
    for key, claim in existing.items():
        if key in found or claim.status not in (ClaimStatus.OPEN, ClaimStatus.FILED):
            continue
        how = settled.get(key)
        if how == "reimbursed":
            _record_payment(
                s,
                claim,
                paid.get(key, []),
                complete=True,
                claimed_before=claim.amount,
                payments=payments,
                now=now,
            )
            claim.received_complete = True
            note = f"paid by Amazon (reimbursement {', '.join(claim.received_ids or []) or 'unknown'})"
            lifecycle.change_status(s, claim, ClaimStatus.REIMBURSED, by=DETECTION, note=note, at=now)
        elif claim.status == ClaimStatus.OPEN:
            note = lifecycle.FOUND_NOTE if how == "resolved" else lifecycle.GONE_NOTE
            lifecycle.change_status(s, claim, ClaimStatus.DISMISSED, by=DETECTION, note=note, at=now)
        else:  # a filed claim whose units were found: the person decides when Amazon answers the case
            continue
        claim.sync_id, claim.detection_run_id = sync_id, run_id
        closed += 1
    s.flush()
    return written, closed


def run_detection(
    uow: UnitOfWork,
    settings: Settings,
    *,
    connection_id: int,
    sync_id: str,
    today: date | None = None,
) -> DetectionResult:
    """Detect claims for one connection after sync ``sync_id``, as of ``today`` (default: UTC today)."""
    today = today or datetime.now(UTC).date()
    run_id = str(uuid.uuid4())
    with uow() as s:
        conn = s.get(AmazonConnection, connection_id)
        if conn is None:
            raise ConnectionNotFound(f"connection {connection_id} not found")
        workspace_id, region = conn.workspace_id, conn.region
        s.add(
            DetectionRun(
                id=run_id,
                workspace_id=workspace_id,
                connection_id=connection_id,
                sync_id=sync_id,
                status="running",
                today=_midnight(today),
                started_at=utcnow(),
            )
        )
    result = DetectionResult(run_id, "running", connection_id, sync_id, today.isoformat())
    t0 = time.perf_counter()
    try:
        with uow() as s:
            facts = Facts.load(s, connection_id, region, adjustment_reasons(settings))
            t_load = time.perf_counter() - t0
            detection = detect(facts, settings, today)
            written, closed = store_findings(
                s,
                workspace_id=workspace_id,
                connection_id=connection_id,
                run_id=run_id,
                sync_id=sync_id,
                findings=detection.findings,
                settled=detection.settled,
                paid=detection.paid,
            )
            recoverable: dict[str, Decimal] = defaultdict(Decimal)
            fileable: dict[str, Decimal] = defaultdict(Decimal)
            for f in detection.findings:
                if f.amount is None:  # needs the seller's unit cost: no money yet, never 0.00
                    continue
                if f.window.status != "expired":
                    recoverable[f.currency] += f.amount
                if f.window.status == "open":
                    fileable[f.currency] += f.amount
            result.status = "completed"
            result.claims_found = len(detection.findings)
            result.written, result.closed = written, closed
            result.recoverable, result.fileable_now = _money(recoverable), _money(fileable)
            result.by_type = dict(sorted(Counter(f.type for f in detection.findings).items()))
            result.by_window = dict(sorted(Counter(f.window.status for f in detection.findings).items()))
            result.seconds = time.perf_counter() - t0
            run = s.get_one(DetectionRun, run_id)
            run.status, run.completed_at = "completed", utcnow()
            run.claims_found, run.claims_written = result.claims_found, written
            run.recoverable = result.recoverable
            run.stats = {
                "byType": result.by_type,
                "byWindow": result.by_window,
                "fileableNow": result.fileable_now,
                "closed": closed,
                "rows": facts.sizes(),
                "seconds": {
                    "load": round(t_load, 4),
                    **{k: round(v, 4) for k, v in detection.seconds.items()},
                },
            }
            payload = {
                "detectionRunId": run_id,
                "connectionId": connection_id,
                "claims": result.claims_found,
                "recoverable": result.recoverable,
                "fileableNow": result.fileable_now,
                "byType": result.by_type,
                "byWindow": result.by_window,
            }
            _sync_event(s, workspace_id, sync_id, "detection.completed", payload)
            _refresh_sync_counts(s, sync_id, connection_id)
            s.add(_agent_event(workspace_id, connection_id, sync_id, "completed", payload))
    except Exception as exc:
        log.exception("detection failed", extra={"connection_id": connection_id, "sync_id": sync_id})
        result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
        result.seconds = time.perf_counter() - t0
        with uow() as s:
            run = s.get_one(DetectionRun, run_id)
            run.status, run.error, run.completed_at = "failed", result.error, utcnow()
            s.add(
                _agent_event(
                    workspace_id,
                    connection_id,
                    sync_id,
                    "failed",
                    {"detectionRunId": run_id, "error": result.error},
                )
            )
        raise DetectionFailed(result) from exc
    return result


def _refresh_sync_counts(s: Session, sync_id: str, connection_id: int) -> None:
    """A finished sync's stored counts include the claims its detection found, in the same commit.

    Committing the claims and the counts together means no reader sees the detection completed
    while the sync still shows the counts from before it.
    """
    from sellersync.sync.counts import canonical_counts
    from sellersync.sync.ledger import TERMINAL

    sync = s.get(SyncRun, sync_id)
    if sync is not None and sync.status in TERMINAL:
        s.flush()
        sync.stats = {**(sync.stats or {}), "counts": canonical_counts(s, connection_id)}


def _sync_event(s: Session, workspace_id: int, sync_id: str, type_: str, data: dict[str, Any]) -> None:
    sync = s.get(SyncRun, sync_id)
    if sync is not None:
        from sellersync.sync.ledger import add_event

        add_event(s, sync, type_, data)
    else:  # a sync id the ledger does not know (e.g. detection over bulk-loaded rows)
        s.add(
            SyncEvent(
                workspace_id=workspace_id, sync_id=sync_id, type=type_, data={"syncId": sync_id, **data}
            )
        )


def _agent_event(
    workspace_id: int, connection_id: int, sync_id: str, outcome: str, payload: dict[str, Any]
) -> AgentEvent:
    return AgentEvent(
        workspace_id=workspace_id,
        connection_id=connection_id,
        sync_id=sync_id,
        agent=AGENT,
        outcome=outcome,
        payload=payload,
    )


def latest_sync_id(s: Session, connection_id: int) -> str | None:
    """The newest completed (or partial) sync of a connection: what on-demand detection runs after."""
    return s.scalar(
        select(SyncRun.id)
        .where(SyncRun.connection_id == connection_id, SyncRun.status.in_(("completed", "partial")))
        .order_by(SyncRun.created_at.desc())
        .limit(1)
    )
