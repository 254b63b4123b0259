"""What a workspace's digest says, read from the store: new claims, deadlines soon, money received.

The result is a plain JSON-ready dict: it is stored in the delivery row (a retry sends the same
message), posted as the webhook body, and rendered into the e-mail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from sellersync.store.models import AmazonConnection, Claim, Reimbursement, Workspace

#: Items listed per section; the counts and totals always cover every item.
LIST_LIMIT = 50
#: Statuses of a claim nobody has acted on yet (a claim whose value is unknown is open with
#: ``needs_cost`` set: listed, never counted as money).
ACTIONABLE = ("open",)
SECTIONS = ("newClaims", "closingSoon", "reimbursements", "reimbursedClaims")


def _iso_day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value is not None else None


def _totals(pairs: Iterable[tuple[Decimal | None, str]]) -> dict[str, str]:
    """Amounts summed per currency; an unknown amount is left out (never counted as zero)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in pairs:
        if amount is not None:
            sums[currency] += Decimal(amount)
    return {cur: f"{total:.2f}" for cur, total in sorted(sums.items())}


def _section(items: list[dict[str, Any]], totals: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"count": len(items), "totals": totals, "items": items[:LIST_LIMIT], **extra}


def _claim_item(c: Claim, public_url: str, now: datetime) -> dict[str, Any]:
    return {
        "id": c.id,
        "url": f"{public_url}/claims/{c.id}",
        "type": c.type,
        "status": c.status,
        "marketplaceId": c.marketplace_id,
        "sku": c.sku,
        "fnsku": c.fnsku,
        "asin": c.asin,
        "quantity": c.quantity,
        "amount": f"{c.amount:.2f}" if c.amount is not None else None,
        "currency": c.currency,
        "window": c.window_status,
        "deadline": _iso_day(c.deadline),
        "daysLeft": (c.deadline - now).days if c.deadline is not None else None,
    }


def _claims(s: Session, *where: Any) -> list[Claim]:
    return list(s.scalars(select(Claim).where(*where).order_by(Claim.deadline, Claim.id)))


def compose_digest(
    s: Session,
    *,
    workspace_id: int,
    day: date,
    since: datetime,
    until: datetime,
    public_url: str,
    deadline_days: int,
) -> dict[str, Any]:
    """The digest of ``workspace_id`` for the period ``(since, until]``, deadlines as of ``until``."""
    base = public_url.rstrip("/")
    ws = s.get_one(Workspace, workspace_id)
    in_ws = Claim.workspace_id == workspace_id
    new = _claims(s, in_ws, Claim.discovered_at > since, Claim.discovered_at <= until)
    soon = _claims(
        s,
        in_ws,
        Claim.status.in_(ACTIONABLE),
        Claim.deadline > until,
        Claim.deadline <= until + timedelta(days=deadline_days),
        or_(Claim.window_opens.is_(None), Claim.window_opens <= until),
    )
    paid = _claims(
        s, in_ws, Claim.status == "reimbursed", Claim.resolved_at > since, Claim.resolved_at <= until
    )
    # a reimbursement row counts when it reached the store in the period (updated_at is set when a
    # row is inserted or its content changes), whatever its approval date: late reports are not lost
    rows = list(
        s.scalars(
            select(Reimbursement)
            .join(AmazonConnection, AmazonConnection.id == Reimbursement.connection_id)
            .where(
                and_(
                    AmazonConnection.workspace_id == workspace_id,
                    Reimbursement.updated_at > since,
                    Reimbursement.updated_at <= until,
                )
            )
            .order_by(Reimbursement.approval_date, Reimbursement.id)
        )
    )
    # what is still to be claimed: acted-on or expired claims are listed, not counted as recoverable
    recoverable = [c for c in new if c.status in ACTIONABLE and (c.deadline is None or c.deadline > until)]
    return {
        "type": "sellersync.digest",
        "workspace": {"id": ws.id, "name": ws.name},
        "day": day.isoformat(),
        "periodStart": since.isoformat(),
        "periodEnd": until.isoformat(),
        "claimsUrl": f"{base}/claims",
        "newClaims": _section(
            [_claim_item(c, base, until) for c in new],
            _totals((c.amount, c.currency) for c in recoverable),
        ),
        "closingSoon": _section(
            [_claim_item(c, base, until) for c in soon],
            _totals((c.amount, c.currency) for c in soon),
            days=deadline_days,
        ),
        "reimbursements": _section(
            [_reimbursement_item(r) for r in rows], _totals((r.amount_total, r.currency) for r in rows)
        ),
        "reimbursedClaims": _section(
            [_claim_item(c, base, until) for c in paid],
            _totals((c.amount_received, c.currency) for c in paid),
        ),
    }


def _reimbursement_item(r: Reimbursement) -> dict[str, Any]:
    return {
        "reimbursementId": r.reimbursement_id,
        "approvalDate": _iso_day(r.approval_date),
        "reason": r.reason,
        "marketplaceId": r.marketplace_id,
        "sku": r.sku,
        "fnsku": r.fnsku,
        "caseId": r.case_id,
        "amazonOrderId": r.amazon_order_id,
        "quantity": r.quantity_reimbursed_total,
        "amount": f"{r.amount_total:.2f}",
        "currency": r.currency,
    }


def is_empty(digest: dict[str, Any]) -> bool:
    return all(digest[name]["count"] == 0 for name in SECTIONS)
