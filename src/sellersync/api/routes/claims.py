"""The claims API: run detection, list and read claims with their evidence, export them for filing.

- ``POST /api/claims/detect`` runs detection **synchronously** for a connection of the caller's workspace
  (detection is set-based and takes well under a second for a typical seller; seconds for a large one)
  and answers 200 with the run's result. The detection chained after each sync uses the same function.
- ``GET /api/claims`` pages claims (filters: type, status, window, sku, marketplace, connection) with
  totals by type, status and window over the filtered set.
- ``GET /api/claims/{id}`` one claim with its evidence rows read from the canonical tables.
- ``GET /api/claims/export?format=csv`` every claim of the filter as CSV (``format=parquet``: Parquet).
- ``GET /api/claims/runs`` / ``GET /api/claims/runs/{id}`` detection job records.
- ``GET``/``PUT /api/claims/products`` the seller's unit costs and dimensions used for valuation.

Every query is scoped to the caller's workspace: another workspace's claim or run is a 404.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from sellersync.api.deps import CurrentCaller, DbSession, RuntimeDep
from sellersync.api.errors import ApiError, not_found
from sellersync.api.routes.data import MAX_INT4, MAX_OFFSET, Text, row_view
from sellersync.api.routes.data import _json as to_json
from sellersync.detect.policy import CLAIM_TYPES, WINDOW_STATUSES
from sellersync.detect.products import seller_products, upsert_seller_products_in_batches
from sellersync.detect.service import DetectionFailed, latest_sync_id, run_detection
from sellersync.store.models import (
    AmazonConnection,
    CanonicalRow,
    Claim,
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
)

router = APIRouter(prefix="/api/claims", tags=["claims"])

MAX_LIMIT = 500
CLAIM_STATUSES = ("open", "reimbursed", "resolved", "dismissed")
ClaimType = Literal[
    "lost_in_warehouse",
    "damaged_in_warehouse",
    "refund_without_return",
    "return_not_restocked",
    "inbound_shortage",
    "removal_lost",
    "fee_overcharge",
    "under_reimbursement",
]
ClaimStatus = Literal["open", "reimbursed", "resolved", "dismissed"]
WindowStatus = Literal["not_yet_eligible", "open", "expired"]
assert set(ClaimType.__args__) == set(CLAIM_TYPES)  # type: ignore[attr-defined]
assert set(WindowStatus.__args__) == set(WINDOW_STATUSES)  # type: ignore[attr-defined]

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
    "event_date",
    "window_status",
    "window_opens",
    "deadline",
    "discovered_at",
    "reference",
    "unit_value",
    "valuation",
    "claim_key",
)


# ---------------------------------------------------------------- views


def _day(value: Any) -> str | None:
    return value.date().isoformat() if value is not None else None


def claim_view(c: Claim, *, evidence: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "claimKey": c.claim_key,
        "connectionId": c.connection_id,
        "type": c.type,
        "status": c.status,
        "marketplaceId": c.marketplace_id,
        "sku": c.sku,
        "fnsku": c.fnsku,
        "asin": c.asin,
        "quantity": c.quantity,
        "amount": to_json(Decimal(c.amount)),
        "currency": c.currency,
        "eventDate": _day(c.event_date),
        "window": {"status": c.window_status, "opens": _day(c.window_opens), "deadline": _day(c.deadline)},
        "discoveredAt": to_json(c.discovered_at),
        "updatedAt": to_json(c.updated_at),
        "resolvedAt": to_json(c.resolved_at) if c.resolved_at else None,
        "syncId": c.sync_id,
        "detectionRunId": c.detection_run_id,
    }
    if evidence:
        out["evidence"] = c.evidence
    return out


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


# ---------------------------------------------------------------- scoping and filters


def _check_connection(s: Session, workspace_id: int, connection_id: int | None) -> None:
    if connection_id is None:
        return
    found = s.scalar(
        select(AmazonConnection.id).where(
            AmazonConnection.id == connection_id, AmazonConnection.workspace_id == workspace_id
        )
    )
    if found is None:
        raise not_found("connection")


def _filters(
    workspace_id: int,
    type_: str | None,
    status: str | None,
    window: str | None,
    sku: str | None,
    marketplace_id: str | None,
    connection_id: int | None,
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Claim.workspace_id == workspace_id]
    for col, value in (
        (Claim.type, type_),
        (Claim.status, status),
        (Claim.window_status, window),
        (Claim.sku, sku),
        (Claim.marketplace_id, marketplace_id),
    ):
        if value:
            conds.append(col == value)
    if connection_id is not None:
        conds.append(Claim.connection_id == connection_id)
    return conds


def _totals(s: Session, where: ColumnElement[bool], column: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rows = s.execute(
        select(column, Claim.currency, func.count(), func.sum(Claim.amount))
        .where(where)
        .group_by(column, Claim.currency)
        .order_by(column, Claim.currency)
    )
    for key, currency, count, amount in rows:
        entry = out.setdefault(key, {"count": 0, "amount": {}})
        entry["count"] += count
        entry["amount"][currency] = to_json(Decimal(amount or 0).quantize(Decimal("0.01")))
    return out


class Filters:
    """The query parameters shared by the list and the export."""

    def __init__(
        self,
        type: Annotated[ClaimType | None, Query(description="Claim type.")] = None,
        status: Annotated[
            ClaimStatus | None, Query(description="open | reimbursed | resolved | dismissed")
        ] = None,
        window: Annotated[WindowStatus | None, Query(description="not_yet_eligible | open | expired")] = None,
        sku: Annotated[Text | None, Query(max_length=200)] = None,
        marketplace_id: Annotated[Text | None, Query(alias="marketplaceId", max_length=200)] = None,
        connection_id: Annotated[int | None, Query(alias="connectionId", ge=1, le=MAX_INT4)] = None,
    ) -> None:
        self.type, self.status, self.window = type, status, window
        self.sku, self.marketplace_id, self.connection_id = sku or None, marketplace_id or None, connection_id

    def where(self, s: Session, workspace_id: int) -> ColumnElement[bool]:
        _check_connection(s, workspace_id, self.connection_id)
        conds = _filters(
            workspace_id,
            self.type,
            self.status,
            self.window,
            self.sku,
            self.marketplace_id,
            self.connection_id,
        )
        return and_(*conds)


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
        q = select(AmazonConnection.id).where(AmazonConnection.workspace_id == caller.workspace_id)
        if body and body.connectionId is not None:
            q = q.where(AmazonConnection.id == body.connectionId)
        connection_id = s.scalar(q.order_by(AmazonConnection.id).limit(1))
        if connection_id is None:
            if body and body.connectionId is not None:
                raise not_found("connection")
            raise ApiError(400, "amazon_not_connected", "this workspace has no Amazon connection")
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
    where = DetectionRun.workspace_id == caller.workspace_id
    total = s.scalar(select(func.count()).select_from(DetectionRun).where(where)) or 0
    runs = s.scalars(
        select(DetectionRun)
        .where(where)
        .order_by(DetectionRun.created_at.desc(), DetectionRun.id)
        .limit(limit)
        .offset(offset)
    )
    return {"items": [run_view(r) for r in runs], "total": total, "limit": limit, "offset": offset}


@router.get("/runs/{run_id}")
def get_run(run_id: str, caller: CurrentCaller, s: DbSession) -> dict[str, Any]:
    try:
        uuid.UUID(run_id)
    except ValueError:
        raise not_found("detection run") from None
    run = s.get(DetectionRun, run_id)
    if run is None or run.workspace_id != caller.workspace_id:
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


def _connection_of(s: Session, workspace_id: int, connection_id: int | None) -> int:
    q = select(AmazonConnection.id).where(AmazonConnection.workspace_id == workspace_id)
    if connection_id is not None:
        q = q.where(AmazonConnection.id == connection_id)
    found = s.scalar(q.order_by(AmazonConnection.id).limit(1))
    if found is None:
        if connection_id is not None:
            raise not_found("connection")
        raise ApiError(400, "amazon_not_connected", "this workspace has no Amazon connection")
    return int(found)


@router.get("/products")
def get_products(
    caller: CurrentCaller,
    s: DbSession,
    connection_id: Annotated[int | None, Query(alias="connectionId", ge=1, le=MAX_INT4)] = None,
) -> dict[str, Any]:
    """The seller's unit costs and dimensions that valuation uses."""
    conn = _connection_of(s, caller.workspace_id, connection_id)
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

    Written in batches of 500 (each its own transaction, so SQLite's lock is never held long)."""
    with runtime.uow() as s:
        conn = _connection_of(s, caller.workspace_id, body.connectionId)
        caller.require_write("change product costs")
    n = upsert_seller_products_in_batches(
        runtime.uow,
        conn,
        [
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
        ],
    )
    return {"connectionId": conn, "received": n}


# ---------------------------------------------------------------- claims


@router.get("")
def list_claims(
    caller: CurrentCaller,
    s: DbSession,
    filters: Annotated[Filters, Depends()],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """A page of the workspace's claims (newest event first) and totals over the whole filtered set."""
    where = filters.where(s, caller.workspace_id)
    total = s.scalar(select(func.count()).select_from(Claim).where(where)) or 0
    rows = s.scalars(
        select(Claim)
        .where(where)
        .order_by(Claim.event_date.desc(), Claim.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [claim_view(c) for c in rows]
    recoverable: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in s.execute(
        select(Claim.currency, func.sum(Claim.amount))
        .where(where, Claim.status == "open", Claim.window_status != "expired")
        .group_by(Claim.currency)
    ):
        recoverable[currency] += Decimal(amount or 0)
    following = offset + len(items)
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "nextOffset": following if following < total and items else None,
        "totals": {
            "byType": _totals(s, where, Claim.type),
            "byStatus": _totals(s, where, Claim.status),
            "byWindow": _totals(s, where, Claim.window_status),
            "recoverable": {c: to_json(a.quantize(Decimal("0.01"))) for c, a in sorted(recoverable.items())},
        },
    }


def _export_rows(claims: Sequence[Claim]) -> Iterator[list[Any]]:
    for c in claims:
        ev = c.evidence or {}
        yield [
            c.id,
            c.type,
            c.status,
            c.marketplace_id,
            c.sku,
            c.fnsku,
            c.asin,
            c.quantity,
            to_json(Decimal(c.amount)),
            c.currency,
            _day(c.event_date),
            c.window_status,
            _day(c.window_opens),
            _day(c.deadline),
            to_json(c.discovered_at),
            _reference(ev),
            ev.get("unitValue") or "",
            ev.get("valuation") or "",
            c.claim_key,
        ]


@router.get("/export")
def export_claims(
    caller: CurrentCaller,
    s: DbSession,
    filters: Annotated[Filters, Depends()],
    format: Annotated[Literal["csv", "parquet"], Query(description="csv or parquet")] = "csv",
) -> Response:
    """Every claim of the filter, one row each, with the identifiers a Seller Central case asks for."""
    where = filters.where(s, caller.workspace_id)
    claims = list(s.scalars(select(Claim).where(where).order_by(Claim.type, Claim.event_date, Claim.id)))
    if format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = list(_export_rows(claims))
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
        for row in _export_rows(claims):
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


@router.get("/{claim_id}")
def get_claim(claim_id: str, caller: CurrentCaller, s: DbSession) -> dict[str, Any]:
    """One claim with the canonical rows its evidence names (read now from the store)."""
    if not (claim_id.isascii() and claim_id.isdigit()) or len(claim_id) > 10 or int(claim_id) > MAX_INT4:
        raise not_found("claim")
    claim = s.get(Claim, int(claim_id))
    if claim is None or claim.workspace_id != caller.workspace_id:
        raise not_found("claim")
    view = claim_view(claim)
    rows_of: dict[str, list[dict[str, Any]]] = {}
    named = (claim.evidence or {}).get("rows") or {}
    for table, ids in sorted(named.items()):
        model = EVIDENCE_TABLES.get(table)
        if model is None or not isinstance(ids, list):
            continue
        wanted = [i for i in ids if isinstance(i, int)]
        found = s.scalars(
            select(model)
            .where(model.connection_id == claim.connection_id, model.id.in_(wanted))
            .order_by(model.id)
        )
        rows_of[table] = [row_view(r) for r in found]
    view["evidenceRows"] = rows_of
    return view
