"""Read endpoints for the canonical tables: one table-driven implementation for every entity.

``ENTITIES`` maps a URL name to its table, the date column that ``from``/``to`` filter and that
orders the answer (newest first, then ``id`` so the order is total and paging is stable), the
natural identifier of its single-object route, and the child rows it carries (order items, inbound
shipment items, settlement lines).

Every query is scoped to the caller's workspace through ``amazon_connections.workspace_id``; a row of
another workspace is never listed, and its single-object route answers 404 (DESIGN.md "Tenancy and
secrets"). Items are JSON with camelCase keys, money as decimal strings, times as ISO 8601 UTC with Z.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AfterValidator
from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import Session

from sellersync.api.deps import CurrentCaller, DbSession
from sellersync.api.errors import ApiError, not_found
from sellersync.api.paging import BadCursor, Cursor
from sellersync.store.models import (
    AmazonConnection,
    CanonicalRow,
    CustomerReturn,
    FbaShipment,
    FinancialEvent,
    InboundShipment,
    InboundShipmentItem,
    InventorySummary,
    LedgerEvent,
    Order,
    OrderItem,
    QuarantinedRow,
    Reimbursement,
    RemovalOrder,
    RemovalShipment,
    Settlement,
    SettlementLine,
)

router = APIRouter(prefix="/api/data", tags=["data"])

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000
MAX_INT4 = 2**31 - 1
MAX_TEXT = 200
#: Columns that describe how a row was written, not what Amazon said: never served.
HIDDEN = frozenset({"row_hash"})


@dataclass(frozen=True)
class Children:
    """Rows that belong to a parent row through a shared identifier within one connection."""

    name: str  # key of the embedded list: "items" | "lines"
    model: type[CanonicalRow]
    parent_key: str  # column present on both parent and child
    order_by: tuple[str, ...]
    in_list: bool  # embedded in list answers too (small child sets only)


@dataclass(frozen=True)
class Entity:
    name: str
    model: type[CanonicalRow]
    date_column: str
    description: str
    key: str | None = None  # column of the single-object route /api/data/{entity}/{key}
    children: Children | None = None

    def column(self, name: str) -> Any:
        return getattr(self.model, name)

    @property
    def has_sku(self) -> bool:
        return "sku" in self.model.__table__.c or (  # type: ignore[attr-defined]
            self.children is not None and "sku" in self.children.model.__table__.c  # type: ignore[attr-defined]
        )


_ORDER_ITEMS = Children("items", OrderItem, "amazon_order_id", ("sku", "line", "id"), in_list=True)
_INBOUND_ITEMS = Children("items", InboundShipmentItem, "shipment_id", ("sku", "id"), in_list=True)
_SETTLEMENT_LINES = Children("lines", SettlementLine, "settlement_id", ("posted_date", "id"), in_list=False)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity("orders", Order, "purchase_date", "Orders with their items.", "amazon_order_id", _ORDER_ITEMS),
        Entity("order-items", OrderItem, "purchase_date", "Order lines (one per order, SKU and line)."),
        Entity("shipments", FbaShipment, "shipment_date", "Units shipped to customers by FBA."),
        Entity(
            "inbound-shipments",
            InboundShipment,
            "created_date",
            "Shipments sent to Amazon's fulfillment network, with their items.",
            "shipment_id",
            _INBOUND_ITEMS,
        ),
        Entity("inbound-shipment-items", InboundShipmentItem, "updated_at", "Items of inbound shipments."),
        Entity("returns", CustomerReturn, "return_date", "FBA customer returns."),
        Entity("reimbursements", Reimbursement, "approval_date", "Reimbursements and their reversals."),
        Entity("ledger", LedgerEvent, "event_date", "Inventory ledger events."),
        Entity("inventory", InventorySummary, "last_updated_time", "Current FBA stock per SKU."),
        Entity("removal-orders", RemovalOrder, "request_date", "Removal orders."),
        Entity("removal-shipments", RemovalShipment, "shipment_date", "Shipments of removal orders."),
        Entity(
            "settlements",
            Settlement,
            "settlement_end_date",
            "Settlements; the single-object route carries their lines.",
            "settlement_id",
            _SETTLEMENT_LINES,
        ),
        Entity("settlement-lines", SettlementLine, "posted_date", "Lines of settlement reports."),
        Entity("financial-events", FinancialEvent, "posted_date", "Money components of Finances events."),
        Entity("quarantine", QuarantinedRow, "updated_at", "Rows that could not be read, with the reason."),
    )
}


# ---------------------------------------------------------------- serialisation


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _money(value: Decimal) -> str:
    """A decimal string with at least two places and no exponent: 12.3400 → "12.34", 5 → "5.00"."""
    if not value.is_finite():
        return str(value)
    normal = value.normalize()
    if normal.as_tuple().exponent > -2:  # type: ignore[operator]
        normal = normal.quantize(Decimal("0.01"))
    return format(normal, "f")


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _money(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def _fields(model: type[CanonicalRow]) -> list[tuple[str, str]]:
    table = model.__table__  # type: ignore[attr-defined]
    return [(c.key, _camel(c.key)) for c in table.columns if c.key not in HIDDEN]


_FIELDS: dict[type[CanonicalRow], list[tuple[str, str]]] = {}


def row_view(row: CanonicalRow) -> dict[str, Any]:
    """A canonical row as JSON: camelCase keys, money as strings, UTC times with Z."""
    model = type(row)
    fields = _FIELDS.get(model)
    if fields is None:
        fields = _FIELDS[model] = _fields(model)
    return {camel: _json(getattr(row, attr)) for attr, camel in fields}


# ---------------------------------------------------------------- input


def _plain_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_plain_text)]
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        400,
        "invalid_request",
        f"{field}: {message}",
        details=[{"field": field, "message": message}],
    )


@dataclass(frozen=True)
class Instant:
    at: datetime  # UTC
    whole_day: bool  # a date without a time: ``to`` then covers the whole day

    def next_day(self) -> datetime | None:
        """The first instant after this date (None after 9999-12-31: the end of time needs no bound)."""
        try:
            return self.at + timedelta(days=1)
        except OverflowError:
            return None


def parse_instant(field: str, raw: str) -> Instant:
    """An ISO 8601 date or datetime; a datetime without an offset is UTC."""
    text = raw.strip()
    try:
        if _DATE_ONLY.fullmatch(text):
            d = date.fromisoformat(text)
            return Instant(datetime(d.year, d.month, d.day, tzinfo=UTC), whole_day=True)
        t = datetime.fromisoformat(text)
        t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid(field, f"{raw!r} is not an ISO 8601 date or datetime") from None
    return Instant(t, whole_day=False)


def _optional(value: str | None) -> str | None:
    """Absent and empty parameters are the same: no filter."""
    return value if value else None


# ---------------------------------------------------------------- queries


def _entity(name: str) -> Entity:
    entity = ENTITIES.get(name)
    if entity is None:
        raise ApiError(
            404,
            "not_found",
            f"unknown data entity {name[:MAX_TEXT]!r}; one of: {', '.join(ENTITIES)}",
            entities=list(ENTITIES),
        )
    return entity


def _workspace_connections(workspace_id: int) -> Select[Any]:
    return select(AmazonConnection.id).where(AmazonConnection.workspace_id == workspace_id)


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


def _scope(
    model: type[CanonicalRow], workspace_id: int, connection_id: int | None
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [model.connection_id.in_(_workspace_connections(workspace_id))]
    if connection_id is not None:
        conds.append(model.connection_id == connection_id)
    return conds


def _ordering(entity: Entity, direction: str) -> list[Any]:
    col, ident = entity.column(entity.date_column), entity.model.id
    if direction == "asc":
        return [col.asc().nulls_last(), ident.asc()]
    return [col.desc().nulls_last(), ident.desc()]


def _sku_condition(entity: Entity, sku: str) -> ColumnElement[bool]:
    table = entity.model.__table__  # type: ignore[attr-defined]
    if "sku" in table.c:
        return entity.column("sku") == sku
    kids = entity.children
    assert kids is not None  # has_sku was checked
    child = kids.model
    return exists().where(
        child.connection_id == entity.model.connection_id,
        getattr(child, kids.parent_key) == entity.column(kids.parent_key),
        child.sku == sku,  # type: ignore[attr-defined]
    )


def _children_of(
    s: Session, kids: Children, parents: Sequence[CanonicalRow]
) -> dict[tuple[int, str], list[dict[str, Any]]]:
    """The children of a page of parents, in one query, keyed by (connection id, parent key)."""
    out: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    if not parents:
        return out
    child = kids.model
    key_col = getattr(child, kids.parent_key)
    conn_ids = {p.connection_id for p in parents}
    keys = {getattr(p, kids.parent_key) for p in parents}
    rows = s.scalars(
        select(child)
        .where(child.connection_id.in_(conn_ids), key_col.in_(keys))
        .order_by(child.connection_id, key_col, *(getattr(child, c) for c in kids.order_by))
    )
    for row in rows:
        out[(row.connection_id, getattr(row, kids.parent_key))].append(row_view(row))
    return out


# ---------------------------------------------------------------- routes


@router.get("")
def list_entities(caller: CurrentCaller) -> dict[str, Any]:
    """The entities served under /api/data, with their date field and filters."""
    return {
        "entities": [
            {
                "name": e.name,
                "description": e.description,
                "dateField": _camel(e.date_column),
                "skuFilter": e.has_sku,
                "singleObjectKey": _camel(e.key) if e.key else None,
                "children": e.children.name if e.children else None,
            }
            for e in ENTITIES.values()
        ]
    }


@router.get("/{entity}")
def list_rows(
    entity: str,
    caller: CurrentCaller,
    s: DbSession,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")] = 0,
    from_: Annotated[
        str | None,
        Query(alias="from", max_length=64, description="ISO date or datetime (UTC if no offset), inclusive."),
    ] = None,
    to: Annotated[
        str | None,
        Query(max_length=64, description="ISO date (the whole day) or datetime, inclusive."),
    ] = None,
    marketplace_id: Annotated[Text | None, Query(alias="marketplaceId", max_length=MAX_TEXT)] = None,
    sku: Annotated[Text | None, Query(max_length=MAX_TEXT)] = None,
    connection_id: Annotated[int | None, Query(alias="connectionId", ge=1, le=MAX_INT4)] = None,
    sync_id: Annotated[
        Text | None, Query(alias="syncId", max_length=MAX_TEXT, description="Rows last written by this sync.")
    ] = None,
    order: Annotated[Literal["asc", "desc"], Query(description="By the date field, then id.")] = "desc",
    cursor: Annotated[
        str | None,
        Query(
            max_length=512,
            description="The previous answer's nextCursor: the page after it (stable while a sync writes).",
        ),
    ] = None,
) -> dict[str, Any]:
    """A page of an entity's rows in the caller's workspace, newest first by its date field.

    Page with ``cursor`` (each answer's ``nextCursor``) to walk every row once even while a sync
    writes; ``offset`` remains for jumping to a page.
    """
    ent = _entity(entity)
    cursor = _optional(cursor)
    after: Cursor | None = None
    if cursor is not None:
        if offset:
            raise _invalid("cursor", "give either cursor or offset, not both")
        try:
            after = Cursor.decode(cursor, ent.name, order)
        except BadCursor as exc:
            raise _invalid("cursor", f"not a cursor of this list ({exc})") from None
    model = ent.model
    start = parse_instant("from", from_) if from_ else None
    end = parse_instant("to", to) if to else None
    end_before = end.next_day() if end and end.whole_day else None  # exclusive bound of a date
    if start and end and (start.at >= end_before if end_before else start.at > end.at):
        raise _invalid("from", "must not be after 'to'")
    sku, marketplace_id, sync_id = _optional(sku), _optional(marketplace_id), _optional(sync_id)
    if sku is not None and not ent.has_sku:
        raise _invalid("sku", f"{ent.name} has no SKU to filter on")
    _check_connection(s, caller.workspace_id, connection_id)

    conds = _scope(model, caller.workspace_id, connection_id)
    date_col = ent.column(ent.date_column)
    if start:
        conds.append(date_col >= start.at)
    if end_before:
        conds.append(date_col < end_before)
    elif end:
        conds.append(date_col.is_not(None) if end.whole_day else date_col <= end.at)
    if marketplace_id is not None:
        conds.append(model.marketplace_id == marketplace_id)
    if sku is not None:
        conds.append(_sku_condition(ent, sku))
    if sync_id is not None:
        conds.append(model.sync_id == sync_id)

    where = and_(*conds)
    total = s.scalar(select(func.count()).select_from(model).where(where)) or 0
    page = select(model).where(where)
    if after is not None:
        page = page.where(after.after(date_col, model.id))
    rows = list(s.scalars(page.order_by(*_ordering(ent, order)).limit(limit + 1).offset(offset)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [row_view(r) for r in rows]
    kids = ent.children
    if kids is not None and kids.in_list:
        children = _children_of(s, kids, rows)
        for row, item in zip(rows, items, strict=True):
            item[kids.name] = children.get((row.connection_id, getattr(row, kids.parent_key)), [])
    last = rows[-1] if rows and more else None
    following = Cursor(ent.name, order, getattr(last, ent.date_column), last.id) if last else None
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "nextOffset": offset + len(items) if more and after is None else None,
        "nextCursor": following.encode() if following else None,
    }


@router.get("/{entity}/{key}")
def get_row(
    entity: str,
    key: str,
    caller: CurrentCaller,
    s: DbSession,
    connection_id: Annotated[int | None, Query(alias="connectionId", ge=1, le=MAX_INT4)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size of the child rows.")] = MAX_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Child rows to skip.")] = 0,
) -> dict[str, Any]:
    """One object by its Amazon identifier (orders, inbound-shipments, settlements), with its children.

    404 when no connection of the caller's workspace has it. If several connections of the workspace
    have the same identifier, ``connectionId`` chooses one (otherwise the oldest connection's).
    """
    ent = _entity(entity)
    if ent.key is None:
        raise ApiError(
            404,
            "not_found",
            f"{ent.name} has no single-object route; list it with filters instead",
            entities=[e.name for e in ENTITIES.values() if e.key],
        )
    what = ent.name.rstrip("s").replace("-", " ")
    if len(key) > MAX_TEXT or "\x00" in key:
        raise not_found(what)
    _check_connection(s, caller.workspace_id, connection_id)
    model = ent.model
    row = s.scalars(
        select(model)
        .where(*_scope(model, caller.workspace_id, connection_id), ent.column(ent.key) == key)
        .order_by(model.connection_id)
        .limit(1)
    ).first()
    if row is None:
        raise not_found(what)
    view = row_view(row)
    kids = ent.children
    if kids is not None:
        child = kids.model
        where = and_(child.connection_id == row.connection_id, getattr(child, kids.parent_key) == key)
        view[f"{kids.name}Total"] = s.scalar(select(func.count()).select_from(child).where(where)) or 0
        view[kids.name] = [
            row_view(c)
            for c in s.scalars(
                select(child)
                .where(where)
                .order_by(*(getattr(child, c).asc().nulls_last() for c in kids.order_by))
                .limit(limit)
                .offset(offset)
            )
        ]
    return view
