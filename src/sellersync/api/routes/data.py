"""Read endpoints for the canonical tables: one table-driven route pair for every entity.

The entities and their queries live in ``sellersync.data.service``; this module parses the request,
calls one service function and shapes the answer. Every query is scoped to the caller's workspace; a
row of another workspace is never listed, and its single-object route answers 404 (DESIGN.md
"Tenancy and secrets"). Items are JSON with camelCase keys, money as decimal strings, times as ISO
8601 UTC with Z.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AfterValidator

from sellersync.api.deps import MAX_INT4, CallerConnection, CurrentCaller, DbSession
from sellersync.api.errors import ApiError, not_found
from sellersync.api.paging import BadCursor, Cursor
from sellersync.data import service
from sellersync.data.service import ENTITIES, Entity, Instant
from sellersync.store.models import CanonicalRow

__all__ = ["ENTITIES", "MAX_INT4", "MAX_OFFSET", "Text", "row_view"]

router = APIRouter(prefix="/api/data", tags=["data"])

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000
MAX_TEXT = 200
#: Columns that describe how a row was written, not what Amazon said: never served.
HIDDEN = frozenset({"row_hash"})


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


# ---------------------------------------------------------------- lookup


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


def _views(rows: Sequence[CanonicalRow]) -> list[dict[str, Any]]:
    return [row_view(r) for r in rows]


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
    connection_id: CallerConnection,
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
    start = parse_instant("from", from_) if from_ else None
    end = parse_instant("to", to) if to else None
    end_before = service.end_before(end)
    if start and end and (start.at >= end_before if end_before else start.at > end.at):
        raise _invalid("from", "must not be after 'to'")
    sku, marketplace_id, sync_id = _optional(sku), _optional(marketplace_id), _optional(sync_id)
    if sku is not None and not ent.has_sku:
        raise _invalid("sku", f"{ent.name} has no SKU to filter on")

    found = service.list_rows(
        s,
        entity=ent,
        workspace_id=caller.workspace_id,
        connection_id=connection_id,
        start=start,
        end=end,
        marketplace_id=marketplace_id,
        sku=sku,
        sync_id=sync_id,
        order=order,
        after=after,
        limit=limit,
        offset=offset,
    )
    rows = found.rows
    items = _views(rows)
    kids = ent.children
    if kids is not None and kids.in_list:
        for row, item in zip(rows, items, strict=True):
            item[kids.name] = _views(
                found.children.get((row.connection_id, getattr(row, kids.parent_key)), [])
            )
    last = rows[-1] if rows and found.more else None
    following = Cursor(ent.name, order, getattr(last, ent.date_column), last.id) if last else None
    return {
        "items": items,
        "total": found.total,
        "limit": limit,
        "offset": offset,
        "nextOffset": offset + len(items) if found.more and after is None else None,
        "nextCursor": following.encode() if following else None,
    }


@router.get("/{entity}/{key}")
def get_row(
    entity: str,
    key: str,
    caller: CurrentCaller,
    s: DbSession,
    connection_id: CallerConnection,
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
    found = service.get_row(
        s,
        entity=ent,
        workspace_id=caller.workspace_id,
        key=key,
        connection_id=connection_id,
        limit=limit,
        offset=offset,
    )
    if found is None:
        raise not_found(what)
    view = row_view(found.row)
    kids = ent.children
    if kids is not None:
        view[f"{kids.name}Total"] = found.children_total
        view[kids.name] = _views(found.children)
    return view
