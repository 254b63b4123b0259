"""Claims as a seller works them: filter and sort, totals and timeline, detail with evidence rows,
case text and history, and the status changes a person makes. Plain functions over a session; the
routes in ``api/routes/claims.py`` parse the request, call one of these, and shape the answer.

Totals follow one rule everywhere: money is summed per currency over claims with an amount (a
``needs_cost`` claim is counted with its units, never as 0.00); ``recoverable`` is open claims whose
window has not expired; ``expired`` is open claims whose window has; ``filed`` is filed claims;
``recovered`` is what Amazon paid after the claims were found (``amount_received``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from sellersync.detect import lifecycle
from sellersync.detect.casetext import CaseClaim, CaseText, case_text, evidence_columns, evidence_row
from sellersync.detect.kinds import ClaimStatus, ShownStatus, WindowStatus, shown_status
from sellersync.store.models import (
    CanonicalRow,
    Claim,
    ClaimEvent,
    CustomerReturn,
    DetectionRun,
    FbaShipment,
    FinancialEvent,
    InboundShipment,
    InboundShipmentItem,
    LedgerEvent,
    Reimbursement,
    RemovalOrder,
    RemovalShipment,
    User,
)

CENT = Decimal("0.01")
SORTS = ("deadline", "-deadline", "amount", "-amount", "discovered", "-discovered")

#: evidence table name -> canonical model (``evidence["rows"]`` names rows by table and id)
EVIDENCE_TABLES: dict[str, type[CanonicalRow]] = {
    m.__tablename__: m
    for m in (
        LedgerEvent,
        Reimbursement,
        FinancialEvent,
        CustomerReturn,
        FbaShipment,
        InboundShipment,
        InboundShipmentItem,
        RemovalOrder,
        RemovalShipment,
    )
}


class ValidationFailed(ValueError):
    """A PATCH body the lifecycle cannot read (the API's 400 ``validation_error``)."""


@dataclass(frozen=True)
class ClaimFilter:
    workspace_id: int
    connection_id: int | None = None
    type: str | None = None
    status: str | None = None  # a shown status: open | filed | reimbursed | denied | dismissed | expired
    window: str | None = None
    marketplace_id: str | None = None
    sku: str | None = None  # matches the SKU or the FNSKU
    q: str | None = None  # free text over SKU, FNSKU, ASIN, type, case id
    needs_cost: bool | None = None

    def where(self) -> ColumnElement[bool]:
        conds: list[ColumnElement[bool]] = [Claim.workspace_id == self.workspace_id]
        if self.connection_id is not None:
            conds.append(Claim.connection_id == self.connection_id)
        if self.type:
            conds.append(Claim.type == self.type)
        if self.status == ShownStatus.EXPIRED:
            conds += [Claim.status == ClaimStatus.OPEN, Claim.window_status == WindowStatus.EXPIRED]
        elif self.status == ShownStatus.OPEN:
            conds += [Claim.status == ClaimStatus.OPEN, Claim.window_status != WindowStatus.EXPIRED]
        elif self.status:
            conds.append(Claim.status == self.status)
        if self.window:
            conds.append(Claim.window_status == self.window)
        if self.marketplace_id:
            conds.append(Claim.marketplace_id == self.marketplace_id)
        if self.sku:
            conds.append(or_(Claim.sku == self.sku, Claim.fnsku == self.sku))
        if self.q:
            text = self.q.lower()
            conds.append(
                or_(
                    *(
                        func.lower(col).contains(text, autoescape=True)
                        for col in (Claim.sku, Claim.fnsku, Claim.asin, Claim.type, Claim.case_id)
                    )
                )
            )
        if self.needs_cost is not None:
            conds.append(Claim.needs_cost.is_(self.needs_cost))
        return and_(*conds)


def _order(sort: str) -> list[Any]:
    desc = sort.startswith("-")
    col = {"deadline": Claim.deadline, "amount": Claim.amount, "discovered": Claim.discovered_at}[
        sort.lstrip("-")
    ]
    # nulls last either way (a needs_cost claim has no amount); the id breaks ties
    return [col.is_(None), col.desc() if desc else col.asc(), Claim.id.desc() if desc else Claim.id]


def list_claims(s: Session, f: ClaimFilter, *, sort: str, limit: int, offset: int) -> tuple[list[Claim], int]:
    where = f.where()
    total = s.scalar(select(func.count()).select_from(Claim).where(where)) or 0
    rows = list(s.scalars(select(Claim).where(where).order_by(*_order(sort)).limit(limit).offset(offset)))
    return rows, int(total)


def claims_for_export(s: Session, f: ClaimFilter, *, sort: str = "deadline") -> list[Claim]:
    return list(s.scalars(select(Claim).where(f.where()).order_by(*_order(sort))))


def _money(sums: dict[str, Decimal]) -> dict[str, str]:
    return {c: f"{a.quantize(CENT)}" for c, a in sorted(sums.items()) if c}


_TOTAL_COLUMNS = (
    Claim.type,
    Claim.status,
    Claim.window_status,
    Claim.currency,
    Claim.amount,
    Claim.needs_cost,
    Claim.quantity,
    Claim.amount_received,
    Claim.event_date,
)


def totals(s: Session, f: ClaimFilter) -> dict[str, Any]:
    """Totals over the whole filtered set (not just a page), one rule for every figure."""
    count = units = needs = 0
    recoverable: dict[str, Decimal] = defaultdict(Decimal)
    expired: dict[str, Decimal] = defaultdict(Decimal)
    filed: dict[str, Decimal] = defaultdict(Decimal)
    recovered: dict[str, Decimal] = defaultdict(Decimal)
    by_type: dict[str, dict[str, Any]] = {}
    by_type_money: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_status: dict[str, int] = defaultdict(int)
    by_window: dict[str, dict[str, Any]] = {}
    by_window_money: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for type_, status, window, currency, amount, needs_cost, quantity, received, _ in s.execute(
        select(*_TOTAL_COLUMNS).where(f.where())
    ):
        count += 1
        shown = shown_status(status, window)
        by_status[shown] += 1
        by_type.setdefault(type_, {"count": 0})["count"] += 1
        by_window.setdefault(window, {"count": 0})["count"] += 1
        if received is not None:
            recovered[currency] += Decimal(received)
        if needs_cost or amount is None:
            needs += 1
            units += quantity
            continue
        value = Decimal(amount)
        if shown == ShownStatus.OPEN:
            recoverable[currency] += value
            by_type_money[type_][currency] += value
        elif shown == ShownStatus.EXPIRED:
            expired[currency] += value
        elif shown == ShownStatus.FILED:
            filed[currency] += value
        by_window_money[window][currency] += value
    for type_, entry in by_type.items():
        entry["recoverable"] = _money(by_type_money[type_])
        entry["amount"] = entry["recoverable"]  # the same rule as the recoverable total
    for window, entry in by_window.items():
        entry["amount"] = _money(by_window_money[window])
    return {
        "count": count,
        "needsCost": {"count": needs, "units": units},
        "recoverable": _money(recoverable),
        "expired": _money(expired),
        "filed": _money(filed),
        "recovered": _money(recovered),
        "byType": dict(sorted(by_type.items())),
        "byStatus": dict(sorted(by_status.items())),
        "byWindow": dict(sorted(by_window.items())),
    }


def timeline(s: Session, f: ClaimFilter) -> list[dict[str, Any]]:
    """Per month of the claim's event date: recoverable, filed and recovered money, recoverable by type."""
    months: dict[str, dict[str, Any]] = {}
    for type_, status, window, currency, amount, needs_cost, _, received, event_date in s.execute(
        select(*_TOTAL_COLUMNS).where(f.where())
    ):
        month = event_date.strftime("%Y-%m")
        m = months.setdefault(
            month,
            {
                "recoverable": defaultdict(Decimal),
                "filed": defaultdict(Decimal),
                "recovered": defaultdict(Decimal),
                "byType": defaultdict(lambda: defaultdict(Decimal)),
            },
        )
        if received is not None:
            m["recovered"][currency] += Decimal(received)
        if needs_cost or amount is None:
            continue
        shown = shown_status(status, window)
        if shown == ShownStatus.OPEN:
            m["recoverable"][currency] += Decimal(amount)
            m["byType"][type_][currency] += Decimal(amount)
        elif shown == ShownStatus.FILED:
            m["filed"][currency] += Decimal(amount)
    return [
        {
            "month": month,
            "recoverable": _money(m["recoverable"]),
            "filed": _money(m["filed"]),
            "recovered": _money(m["recovered"]),
            "byType": {t: _money(v) for t, v in sorted(m["byType"].items())},
        }
        for month, m in sorted(months.items())
    ]


# ---------------------------------------------------------------- one claim


def find_claim(s: Session, workspace_id: int, claim_id: int) -> Claim | None:
    claim = s.get(Claim, claim_id)
    return claim if claim is not None and claim.workspace_id == workspace_id else None


def evidence_rows(s: Session, claim: Claim) -> list[dict[str, Any]]:
    """The canonical rows the claim's evidence names, as the identifiers Amazon asks for (read now)."""
    out: list[dict[str, Any]] = []
    named = (claim.evidence or {}).get("rows") or {}
    for table, ids in sorted(named.items()):
        model = EVIDENCE_TABLES.get(table)
        if model is None or not isinstance(ids, list):
            continue
        wanted = [i for i in ids if isinstance(i, int)]
        if not wanted:
            continue
        cols = evidence_columns(table)
        for row in s.scalars(
            select(model)
            .where(model.connection_id == claim.connection_id, model.id.in_(wanted))
            .order_by(model.id)
        ):
            out.append(evidence_row(table, row.id, {c: getattr(row, c, None) for c in cols}))
    return out


def case_claim(claim: Claim) -> CaseClaim:
    ev = claim.evidence or {}
    return CaseClaim(
        type=claim.type,
        marketplace_id=claim.marketplace_id,
        sku=claim.sku,
        fnsku=claim.fnsku,
        asin=claim.asin,
        quantity=claim.quantity,
        amount=None if claim.amount is None else Decimal(claim.amount),
        currency=claim.currency,
        event_date=claim.event_date.date(),
        window_opens=claim.window_opens.date() if claim.window_opens else None,
        deadline=claim.deadline.date() if claim.deadline else None,
        unit_value=ev.get("unitValue"),
        valuation_label=str(ev.get("valuationLabel") or ""),
        evidence=ev,
    )


def claim_case_text(claim: Claim, rows: Sequence[dict[str, Any]], lang: str | None = None) -> CaseText:
    return case_text(case_claim(claim), rows, lang)


def history(s: Session, claim: Claim) -> list[ClaimEvent]:
    return list(
        s.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.at, ClaimEvent.id)
        )
    )


def actor(s: Session, *, user_id: int | None) -> str:
    """How a claim's history names the person who changed it: their e-mail address."""
    if user_id is None:
        return "api-key"
    user = s.get(User, user_id)
    return user.email if user is not None else f"user {user_id}"


def change(s: Session, claim: Claim, body: dict[str, Any], *, by: str) -> None:
    """A person's status change (PATCH): validate the body, check the transition, write it with its audit."""
    status = body.get("status")
    try:
        target = ClaimStatus(str(status))
    except ValueError:
        names = ", ".join(c for c in ClaimStatus if c != ClaimStatus.REIMBURSED)
        raise ValidationFailed(f"status must be one of {names}") from None
    lifecycle.check_person_transition(claim.status, target)
    note = ""
    if target == ClaimStatus.FILED:
        note = _text(body, "caseId", 100)
    elif target in (ClaimStatus.DENIED, ClaimStatus.DISMISSED):
        note = _text(body, "reason", 2000)
    elif body.get("note") is not None:
        note = _text(body, "note", 2000)
    lifecycle.change_status(s, claim, target, by=by, note=note)
    s.flush()


def _text(body: dict[str, Any], key: str, max_length: int) -> str:
    value = body.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{key} is required (a non-empty string)")
    value = value.strip()
    if len(value) > max_length or "\x00" in value:
        raise ValidationFailed(f"{key} must be at most {max_length} characters of text")
    return value


# ---------------------------------------------------------------- detection runs


def list_runs(s: Session, *, workspace_id: int, limit: int, offset: int) -> tuple[list[DetectionRun], int]:
    """A page of the workspace's detection runs, newest first, and how many it has."""
    where = DetectionRun.workspace_id == workspace_id
    total = s.scalar(select(func.count()).select_from(DetectionRun).where(where)) or 0
    runs = s.scalars(
        select(DetectionRun)
        .where(where)
        .order_by(DetectionRun.created_at.desc(), DetectionRun.id)
        .limit(limit)
        .offset(offset)
    )
    return list(runs), total


def find_run(s: Session, *, workspace_id: int, run_id: str) -> DetectionRun | None:
    run = s.get(DetectionRun, run_id)
    return run if run is not None and run.workspace_id == workspace_id else None
