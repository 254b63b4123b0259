"""The claims API: run detection, list and work claims, read their evidence and case text, export them.

- ``POST /api/claims/detect`` runs detection **synchronously** for a connection of the caller's workspace
  (detection is set-based and takes well under a second for a typical seller; seconds for a large one)
  and answers 200 with the run's result. The detection chained after each sync uses the same function.
- ``GET /api/claims`` pages claims (filters, sort) with totals over the whole filtered set.
- ``GET /api/claims/timeline`` money per month of the claims' event dates.
- ``GET /api/claims/{id}`` one claim with its evidence rows, case text and status history.
- ``PATCH /api/claims/{id}`` a person's status change (filed with a case id, denied, dismissed, reopened).
- ``GET /api/claims/export?format=csv`` every claim of the filter as CSV (``format=parquet``: Parquet).
- ``GET /api/claims/runs`` / ``GET /api/claims/runs/{id}`` detection job records.
- ``GET``/``PUT /api/claims/products`` the seller's unit costs and dimensions used for valuation;
  ``POST /api/claims/costs/import`` unit costs from CSV. Both re-value the claims they price at once.

The query and lifecycle logic lives in ``sellersync.claims``; this module parses and shapes. Every query
is scoped to the caller's workspace: another workspace's claim or run is a 404 (docs/api.md, "Claims").
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from sellersync.api.deps import (
    MAX_INT4,
    Caller,
    CallerConnection,
    CallerFirstConnection,
    CurrentCaller,
    DbSession,
    RuntimeDep,
    own_connection,
)
from sellersync.api.errors import ApiError, not_found
from sellersync.api.routes.data import MAX_OFFSET, Text
from sellersync.api.routes.data import _json as to_json
from sellersync.claims import service
from sellersync.claims.costs import import_costs, parse_costs_csv, revalue
from sellersync.detect.kinds import ClaimType, ShownStatus, WindowStatus, shown_status
from sellersync.detect.lifecycle import InvalidTransition
from sellersync.detect.products import seller_products, upsert_seller_products_in_batches
from sellersync.detect.service import DetectionFailed, latest_sync_id, run_detection
from sellersync.store.models import Claim, ClaimEvent, DetectionRun

router = APIRouter(prefix="/api/claims", tags=["claims"])

MAX_LIMIT = 500
MAX_CSV_BYTES = 5_000_000
Sort = Literal["deadline", "-deadline", "amount", "-amount", "discovered", "-discovered"]
EXPORT_COLUMNS = (
    "claim_id",
    "type",
    "status",
    "marketplace_id",
    "sku",
    "fnsku",
    "asin",
    "quantity",
    "amount",
    "currency",
    "needs_cost",
    "event_date",
    "window_status",
    "window_opens",
    "deadline",
    "discovered_at",
    "reference",
    "unit_value",
    "valuation",
    "case_id",
    "amount_received",
    "case_subject",
    "case_text",
    "claim_key",
)
#: evidence valuation source -> the API's valuation method
VALUATION_METHODS = {
    "seller_cost": "seller_cost",
    "reimbursement_history": "amazon_paid",
    "amazon_paid_other_marketplace": "amazon_paid_other_marketplace",
    "sale_price_less_fees": "sale_price_less_fees",
    "unknown": "unknown",
}
VALUATION_LABELS = {
    "seller_cost": "your unit cost",
    "amazon_paid": "what Amazon paid for this SKU before",
    "amazon_paid_other_marketplace": "what Amazon paid for this SKU in another marketplace",
    "sale_price_less_fees": "the sale price less fees",
    "fee_difference": "the fee charged minus the fee due",
    "unknown": "unit cost unknown: enter it to value this claim",
}


# ---------------------------------------------------------------- views


def _day(value: Any) -> str | None:
    return value.date().isoformat() if value is not None else None


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value).quantize(Decimal('0.01'))}"


def valuation_view(c: Claim) -> dict[str, Any]:
    ev = c.evidence or {}
    if c.type == ClaimType.FEE_OVERCHARGE:
        method, unit = "fee_difference", None
        if ev.get("chargedFeePerUnit") and ev.get("expectedFeePerUnit"):
            unit = f"{Decimal(ev['chargedFeePerUnit']) - Decimal(ev['expectedFeePerUnit'])}"
    else:
        method = VALUATION_METHODS.get(str(ev.get("valuation") or "unknown"), str(ev.get("valuation")))
        unit = ev.get("unitValue")
    if c.needs_cost:
        method, unit = "unknown", None
    label = VALUATION_LABELS.get(method, method)
    if ev.get("valuationLabel") and not c.needs_cost:
        label = f"{label}: {ev['valuationLabel']}"
    return {"method": method, "unitValue": unit, "currency": c.currency, "label": label}


def claim_view(c: Claim) -> dict[str, Any]:
    status = shown_status(c.status, c.window_status)
    return {
        "id": c.id,
        "claimKey": c.claim_key,
        "connectionId": c.connection_id,
        "type": c.type,
        "status": status,
        "marketplaceId": c.marketplace_id,
        "sku": c.sku,
        "fnsku": c.fnsku,
        "asin": c.asin,
        "quantity": c.quantity,
        "units": c.quantity,
        "amount": None if c.needs_cost else _amount(c.amount),
        "needsCost": bool(c.needs_cost or c.amount is None),
        "currency": c.currency,
        "valuation": valuation_view(c),
        "eventDate": _day(c.event_date),
        "window": {"status": c.window_status, "opens": _day(c.window_opens), "deadline": _day(c.deadline)},
        "discoveredAt": to_json(c.discovered_at),
        "updatedAt": to_json(c.updated_at),
        "resolvedAt": to_json(c.resolved_at) if c.resolved_at else None,
        "filing": (
            {"caseId": c.case_id, "filedAt": to_json(c.filed_at), "filedBy": c.filed_by}
            if c.case_id
            else None
        ),
        "resolution": (
            {"reason": c.status_note, "at": to_json(c.status_at), "by": c.status_by}
            if status in (ShownStatus.DENIED, ShownStatus.DISMISSED)
            else None
        ),
        "reimbursed": (
            {
                "amountReceived": _amount(c.amount_received),
                "currency": c.currency,
                "amountClaimed": _amount(c.amount_claimed if c.amount_claimed is not None else c.amount),
                "complete": bool(c.received_complete),
                "reimbursementIds": list(c.received_ids or []),
            }
            if c.amount_received is not None
            else None
        ),
        "syncId": c.sync_id,
        "detectionRunId": c.detection_run_id,
    }


def event_view(e: ClaimEvent) -> dict[str, Any]:
    return {"at": to_json(e.at), "by": e.by, "from": e.from_status, "to": e.to_status, "note": e.note}


def run_view(r: DetectionRun) -> dict[str, Any]:
    return {
        "detectionRunId": r.id,
        "connectionId": r.connection_id,
        "syncId": r.sync_id,
        "status": r.status,
        "today": _day(r.today),
        "claimsFound": r.claims_found,
        "claimsWritten": r.claims_written,
        "recoverable": r.recoverable,
        "stats": r.stats,
        "error": r.error,
        "createdAt": to_json(r.created_at),
        "startedAt": to_json(r.started_at) if r.started_at else None,
        "completedAt": to_json(r.completed_at) if r.completed_at else None,
    }


def _reference(evidence: dict[str, Any]) -> str:
    """The Amazon identifiers a Seller Central case asks for, as one cell."""
    parts = []
    for key in (
        "ledgerReferenceIds",
        "orderId",
        "licensePlateNumber",
        "shipmentId",
        "removalOrderId",
        "reimbursementIds",
    ):
        value = evidence.get(key)
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        if value:
            parts.append(f"{key}={value}")
    return "; ".join(parts)


class Filters:
    """The query parameters shared by the list, the totals, the timeline and the export."""

    def __init__(
        self,
        connection_id: CallerConnection,
        type: Annotated[ClaimType | None, Query(description="Claim type.")] = None,
        status: Annotated[
            ShownStatus | None,
            Query(
                description="open, filed, reimbursed, denied, dismissed, expired (open, past its deadline)"
            ),
        ] = None,
        window: Annotated[WindowStatus | None, Query(description="not_yet_eligible | open | expired")] = None,
        sku: Annotated[Text | None, Query(max_length=200, description="The SKU or the FNSKU.")] = None,
        marketplace_id: Annotated[Text | None, Query(alias="marketplaceId", max_length=200)] = None,
        marketplace: Annotated[
            Text | None, Query(max_length=200, description="Same as marketplaceId.")
        ] = None,
        q: Annotated[
            Text | None, Query(max_length=200, description="Free text over SKU, FNSKU, ASIN, type, case id.")
        ] = None,
        needs_cost: Annotated[bool | None, Query(alias="needsCost")] = None,
    ) -> None:
        self.values = dict(
            type=type,
            status=status,
            window=window,
            sku=sku or None,
            marketplace_id=marketplace_id or marketplace or None,
            q=q or None,
            needs_cost=needs_cost,
            connection_id=connection_id,
        )

    def of(self, workspace_id: int) -> service.ClaimFilter:
        return service.ClaimFilter(workspace_id=workspace_id, **self.values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- detection


class DetectRequest(BaseModel):
    connectionId: int | None = Field(
        None, ge=1, le=MAX_INT4, description="Defaults to the workspace's first Amazon connection."
    )
    today: date | None = Field(
        None, description="Evaluate policy windows as of this date (default: today, UTC)."
    )


@router.post("/detect")
def detect_claims(
    caller: CurrentCaller,
    runtime: RuntimeDep,
    body: Annotated[DetectRequest | None, Body()] = None,
) -> JSONResponse:
    """Run detection now, synchronously, after the connection's latest completed sync; 200 with the result.

    400 ``amazon_not_connected`` without a connection; 409 ``no_completed_sync`` before the first sync.
    """
    with runtime.uow() as s:
        connection_id = own_connection(s, caller, body.connectionId if body else None, first=True)
        assert connection_id is not None
        caller.require_write("run claim detection")
        sync_id = latest_sync_id(s, connection_id)
    if sync_id is None:
        raise ApiError(409, "no_completed_sync", "detection runs on synced data: sync this connection first")
    try:
        result = run_detection(
            runtime.uow,
            runtime.settings,
            connection_id=connection_id,
            sync_id=sync_id,
            today=body.today if body else None,
        )
    except DetectionFailed as exc:
        return JSONResponse(
            {
                "error": "detection_failed",
                "message": exc.result.error or "detection failed",
                "detectionRunId": exc.result.detection_run_id,
            },
            status_code=500,
        )
    return JSONResponse(result.as_json(), status_code=200)


@router.get("/runs")
def list_runs(
    caller: CurrentCaller,
    s: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Detection runs of the workspace, newest first."""
    runs, total = service.list_runs(s, workspace_id=caller.workspace_id, limit=limit, offset=offset)
    return {"items": [run_view(r) for r in runs], "total": total, "limit": limit, "offset": offset}


@router.get("/runs/{run_id}")
def get_run(run_id: str, caller: CurrentCaller, s: DbSession) -> dict[str, Any]:
    try:
        uuid.UUID(run_id)
    except ValueError:
        raise not_found("detection run") from None
    run = service.find_run(s, workspace_id=caller.workspace_id, run_id=run_id)
    if run is None:
        raise not_found("detection run")
    return run_view(run)


# ---------------------------------------------------------------- seller products


class ProductIn(BaseModel):
    marketplaceId: str = Field(min_length=1, max_length=20)
    sku: str = Field(min_length=1, max_length=80)
    fnsku: str | None = Field(None, max_length=20)
    asin: str | None = Field(None, max_length=20)
    unitCost: Decimal | None = Field(None, ge=0, le=Decimal("99999999"), decimal_places=4)
    currency: str | None = Field(None, min_length=3, max_length=3)
    lengthIn: Decimal | None = Field(None, ge=0, le=Decimal("100000"), decimal_places=4)
    widthIn: Decimal | None = Field(None, ge=0, le=Decimal("100000"), decimal_places=4)
    heightIn: Decimal | None = Field(None, ge=0, le=Decimal("100000"), decimal_places=4)
    weightLb: Decimal | None = Field(None, ge=0, le=Decimal("100000"), decimal_places=4)


class ProductsIn(BaseModel):
    connectionId: int | None = Field(None, ge=1, le=MAX_INT4)
    products: list[ProductIn] = Field(max_length=10_000)


@router.get("/products")
def get_products(
    s: DbSession,
    conn: CallerFirstConnection,
) -> dict[str, Any]:
    """The seller's unit costs and dimensions that valuation uses."""
    return {
        "connectionId": conn,
        "items": [
            {
                "marketplaceId": p.marketplace_id,
                "sku": p.sku,
                "fnsku": p.fnsku,
                "asin": p.asin,
                "unitCost": to_json(Decimal(p.unit_cost)) if p.unit_cost is not None else None,
                "currency": p.currency,
                "lengthIn": to_json(Decimal(p.length_in)) if p.length_in is not None else None,
                "widthIn": to_json(Decimal(p.width_in)) if p.width_in is not None else None,
                "heightIn": to_json(Decimal(p.height_in)) if p.height_in is not None else None,
                "weightLb": to_json(Decimal(p.weight_lb)) if p.weight_lb is not None else None,
                "updatedAt": to_json(p.updated_at),
            }
            for p in seller_products(s, conn)
        ],
    }


@router.put("/products")
def put_products(caller: CurrentCaller, runtime: RuntimeDep, body: ProductsIn) -> dict[str, Any]:
    """Insert or update products by (marketplace, SKU); omitted fields keep their stored value.
    The claims a new unit cost prices are re-valued at once (``revalued``: how many changed)."""
    with runtime.uow() as s:
        conn = own_connection(s, caller, body.connectionId, first=True)
        assert conn is not None
        caller.require_write("change product costs")
        rows = [
            {
                "marketplace_id": p.marketplaceId,
                "sku": p.sku,
                "fnsku": p.fnsku,
                "asin": p.asin,
                "unit_cost": p.unitCost,
                "currency": p.currency.upper() if p.currency else None,
                "length_in": p.lengthIn,
                "width_in": p.widthIn,
                "height_in": p.heightIn,
                "weight_lb": p.weightLb,
            }
            for p in body.products
        ]
    n = upsert_seller_products_in_batches(runtime.uow, conn, rows)
    with runtime.uow() as s:
        revalued = revalue(
            s, conn, {(str(r["marketplace_id"]), str(r["sku"])) for r in rows if r["unit_cost"] is not None}
        )
    return {"connectionId": conn, "received": n, "revalued": revalued}


# ---------------------------------------------------------------- claims


@router.get("")
def list_claims(
    caller: CurrentCaller,
    s: DbSession,
    filters: Annotated[Filters, Depends()],
    sort: Annotated[
        Sort,
        Query(description="deadline (soonest first; default), amount, discovered; - for descending"),
    ] = "deadline",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """A page of the workspace's claims and totals over the whole filtered set."""
    f = filters.of(caller.workspace_id)
    claims, total = service.list_claims(s, f, sort=sort, limit=limit, offset=offset)
    following = offset + len(claims)
    return {
        "items": [claim_view(c) for c in claims],
        "total": total,
        "limit": limit,
        "offset": offset,
        "nextOffset": following if following < total and claims else None,
        "totals": service.totals(s, f),
    }


@router.get("/timeline")
def claims_timeline(
    caller: CurrentCaller, s: DbSession, filters: Annotated[Filters, Depends()]
) -> dict[str, Any]:
    """Recoverable, filed and recovered money per month of the claims' event dates, and by type."""
    return {"months": service.timeline(s, filters.of(caller.workspace_id))}


def _export_rows(s: Session, claims: Sequence[Claim]) -> Iterator[list[Any]]:
    for c in claims:
        ev = c.evidence or {}
        text = service.claim_case_text(c, service.evidence_rows(s, c))
        view = claim_view(c)
        yield [
            c.id,
            c.type,
            view["status"],
            c.marketplace_id,
            c.sku,
            c.fnsku,
            c.asin,
            c.quantity,
            view["amount"] or "",
            c.currency,
            "true" if view["needsCost"] else "false",
            _day(c.event_date),
            c.window_status,
            _day(c.window_opens),
            _day(c.deadline),
            to_json(c.discovered_at),
            _reference(ev),
            view["valuation"]["unitValue"] or "",
            view["valuation"]["method"],
            c.case_id,
            _amount(c.amount_received) or "",
            text.subject,
            text.body,
            c.claim_key,
        ]


@router.get("/export")
def export_claims(
    caller: CurrentCaller,
    s: DbSession,
    filters: Annotated[Filters, Depends()],
    format: Annotated[Literal["csv", "parquet"], Query(description="csv or parquet")] = "csv",
) -> Response:
    """Every claim of the filter, one row each, with the identifiers and the case text to file it."""
    claims = service.claims_for_export(s, filters.of(caller.workspace_id))
    rows = list(_export_rows(s, claims))
    if format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({col: [r[i] for r in rows] for i, col in enumerate(EXPORT_COLUMNS)})
        buf = io.BytesIO()
        pq.write_table(table, buf)
        return Response(
            buf.getvalue(),
            media_type="application/vnd.apache.parquet",
            headers={"Content-Disposition": 'attachment; filename="claims.parquet"'},
        )

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow(row)
            if out.tell() > 64_000:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="claims.csv"'},
    )


@router.post("/costs/import")
async def import_unit_costs(
    request: Request,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    conn: CallerFirstConnection,
) -> dict[str, Any]:
    """Unit costs from a CSV body (``sku,cost,currency[,marketplace]``); re-values the claims they price.
    A bad line is reported in ``errors`` with its line number; the good lines are imported."""
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise ApiError(413, "payload_too_large", f"a cost CSV may have at most {MAX_CSV_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "validation_error", "the CSV must be UTF-8 text") from None
    parsed = parse_costs_csv(text)
    with runtime.uow() as s:
        caller.require_write("import product costs")
        imported, revalued, errors = import_costs(s, conn, parsed)
    return {"connectionId": conn, "imported": imported, "revalued": revalued, "errors": errors}


def _claim_of(s: Session, caller: Caller, claim_id: str) -> Claim:
    if not (claim_id.isascii() and claim_id.isdigit()) or len(claim_id) > 10 or int(claim_id) > MAX_INT4:
        raise not_found("claim")
    claim = service.find_claim(s, caller.workspace_id, int(claim_id))
    if claim is None:
        raise not_found("claim")
    return claim


def detail_view(s: Session, claim: Claim, lang: str | None) -> dict[str, Any]:
    view = claim_view(claim)
    rows = service.evidence_rows(s, claim)
    view["evidence"] = claim.evidence
    view["evidenceRows"] = rows
    view["caseText"] = service.claim_case_text(claim, rows, lang).as_json()
    view["history"] = [event_view(e) for e in service.history(s, claim)]
    return view


@router.get("/{claim_id}")
def get_claim(
    claim_id: str,
    caller: CurrentCaller,
    s: DbSession,
    lang: Annotated[
        Literal["en", "de"] | None, Query(description="Case text language (default: by marketplace).")
    ] = None,
) -> dict[str, Any]:
    """One claim with its evidence rows (read now from the store), case text and status history."""
    return detail_view(s, _claim_of(s, caller, claim_id), lang)


@router.patch("/{claim_id}")
def change_claim(
    claim_id: str,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """A person's status change: ``{"status":"filed","caseId":…}``, ``denied``/``dismissed`` with a
    ``reason``, or ``open`` to reopen. 400 ``invalid_transition`` / ``validation_error``; 403 read-only."""
    with runtime.uow() as s:
        claim = _claim_of(s, caller, claim_id)
        caller.require_write("change a claim")
        try:
            service.change(s, claim, body, by=service.actor(s, user_id=caller.user_id))
        except InvalidTransition as exc:
            raise ApiError(400, "invalid_transition", str(exc), detail=str(exc)) from None
        except service.ValidationFailed as exc:
            raise ApiError(400, "validation_error", str(exc), detail=str(exc)) from None
        return detail_view(s, claim, None)
