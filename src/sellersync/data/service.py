"""Queries over the canonical tables, one table-driven implementation for every entity.

``ENTITIES`` maps a URL name to its table, the date column that ``from``/``to`` filter and that
orders the answer (newest first, then ``id`` so the order is total and paging is stable), the
natural identifier of its single-object route, and the child rows it carries (order items, inbound
shipment items, settlement lines).

Every query is scoped to a workspace through ``amazon_connections.workspace_id``: a row of another
workspace is never listed nor found (DESIGN.md "Tenancy and secrets"). Plain functions with keyword
arguments over a session; the routes in ``api/routes/data.py`` parse the request, call one of these
and shape the answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import Session

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

Direction = Literal["asc", "desc"]


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


def end_before(end: Instant | None) -> datetime | None:
    """The exclusive bound of a ``to`` that is a date (None for a datetime, or no ``to``)."""
    return end.next_day() if end and end.whole_day else None


class Keyset(Protocol):
    """A position in ``(date NULLS LAST, id)`` order (``api.paging.Cursor``): the rows after it."""

    def after(self, date_col: Any, id_col: Any) -> ColumnElement[bool]: ...


@dataclass
class RowPage:
    rows: list[CanonicalRow]
    total: int  # rows of the whole filtered set
    more: bool  # a row follows the page
    #: children of the page's rows keyed by (connection id, parent key), when the entity embeds them in lists
    children: dict[tuple[int, str], list[CanonicalRow]] = field(default_factory=dict)


@dataclass
class RowDetail:
    row: CanonicalRow
    children_total: int = 0
    children: list[CanonicalRow] = field(default_factory=list)


def _workspace_connections(workspace_id: int) -> Select[Any]:
    return select(AmazonConnection.id).where(AmazonConnection.workspace_id == workspace_id)


def _scope(
    model: type[CanonicalRow], workspace_id: int, connection_id: int | None
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [model.connection_id.in_(_workspace_connections(workspace_id))]
    if connection_id is not None:
        conds.append(model.connection_id == connection_id)
    return conds


def _ordering(entity: Entity, direction: Direction) -> list[Any]:
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
) -> dict[tuple[int, str], list[CanonicalRow]]:
    """The children of a page of parents, in one query, keyed by (connection id, parent key)."""
    out: dict[tuple[int, str], list[CanonicalRow]] = defaultdict(list)
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
        out[(row.connection_id, getattr(row, kids.parent_key))].append(row)
    return out


def list_rows(
    s: Session,
    *,
    entity: Entity,
    workspace_id: int,
    connection_id: int | None = None,
    start: Instant | None = None,
    end: Instant | None = None,
    marketplace_id: str | None = None,
    sku: str | None = None,
    sync_id: str | None = None,
    order: Direction = "desc",
    after: Keyset | None = None,
    limit: int,
    offset: int = 0,
) -> RowPage:
    """A page of an entity's rows in a workspace (``connection_id`` must be one of it), ordered by
    its date field then id, with the count of the whole filtered set."""
    model = entity.model
    before = end_before(end)
    conds = _scope(model, workspace_id, connection_id)
    date_col = entity.column(entity.date_column)
    if start:
        conds.append(date_col >= start.at)
    if before:
        conds.append(date_col < before)
    elif end:
        conds.append(date_col.is_not(None) if end.whole_day else date_col <= end.at)
    if marketplace_id is not None:
        conds.append(model.marketplace_id == marketplace_id)
    if sku is not None:
        conds.append(_sku_condition(entity, sku))
    if sync_id is not None:
        conds.append(model.sync_id == sync_id)

    where = and_(*conds)
    total = s.scalar(select(func.count()).select_from(model).where(where)) or 0
    page = select(model).where(where)
    if after is not None:
        page = page.where(after.after(date_col, model.id))
    rows = list(s.scalars(page.order_by(*_ordering(entity, order)).limit(limit + 1).offset(offset)))
    more = len(rows) > limit
    rows = rows[:limit]
    kids = entity.children
    children = _children_of(s, kids, rows) if kids is not None and kids.in_list else {}
    return RowPage(rows, total, more, children)


def get_row(
    s: Session,
    *,
    entity: Entity,
    workspace_id: int,
    key: str,
    connection_id: int | None = None,
    limit: int,
    offset: int = 0,
) -> RowDetail | None:
    """One object by its natural key in a workspace (the oldest connection's when several have it),
    with a page of its children and their count; None when no connection of the workspace has it."""
    assert entity.key is not None
    model = entity.model
    row = s.scalars(
        select(model)
        .where(*_scope(model, workspace_id, connection_id), entity.column(entity.key) == key)
        .order_by(model.connection_id)
        .limit(1)
    ).first()
    if row is None:
        return None
    kids = entity.children
    if kids is None:
        return RowDetail(row)
    child = kids.model
    where = and_(child.connection_id == row.connection_id, getattr(child, kids.parent_key) == key)
    total = s.scalar(select(func.count()).select_from(child).where(where)) or 0
    rows = list(
        s.scalars(
            select(child)
            .where(where)
            .order_by(*(getattr(child, c).asc().nulls_last() for c in kids.order_by))
            .limit(limit)
            .offset(offset)
        )
    )
    return RowDetail(row, total, rows)
