"""Keyset cursors for the data routes: a page continues after the last row the caller saw.

A cursor names the last row's position in the order ``(date field NULLS LAST, id)``; the next page is
the rows after it. Unlike an offset, rows written meanwhile (a sync running while a client pages)
neither shift a row onto two pages nor push one off all of them, and the database seeks instead of
counting past every skipped row.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, or_

Order = Literal["asc", "desc"]
#: Dates a cursor may carry: rows' dates lie well inside these years (year 1 or 9999 is a forged cursor).
MIN_YEAR, MAX_YEAR = 1900, 2999


class BadCursor(ValueError):
    """The cursor was not made by this server for this entity and order."""


@dataclass(frozen=True)
class Cursor:
    entity: str
    order: Order
    at: datetime | None  # the last row's date field (None: it had none)
    id: int

    def encode(self) -> str:
        at = self.at.astimezone(UTC).isoformat() if self.at else None
        raw = json.dumps({"e": self.entity, "o": self.order, "d": at, "i": self.id}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, entity: str, order: Order) -> Cursor:
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            at = datetime.fromisoformat(raw["d"]) if raw["d"] is not None else None
            ident = raw["i"]
            if not isinstance(ident, int) or isinstance(ident, bool) or not 0 <= ident < 2**63:
                raise BadCursor("not a row id")
            if raw["e"] != entity:
                raise BadCursor("not a cursor of this entity")
            made_for = raw["o"]
            if at is not None:
                at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError, OverflowError) as exc:
            raise BadCursor(str(exc) or "unreadable") from None
        if made_for != order:
            raise BadCursor(f"the cursor was made for order={str(made_for)[:10]}, not order={order}")
        if at is not None and not MIN_YEAR <= at.year <= MAX_YEAR:
            raise BadCursor("not a date of this service")
        return cls(entity, order, at, ident)

    def after(self, date_col: Any, id_col: Any) -> ColumnElement[bool]:
        """Rows after this position in ``(date_col NULLS LAST, id_col)`` sorted by ``order``."""
        later_id = id_col > self.id if self.order == "asc" else id_col < self.id
        if self.at is None:  # inside the trailing block of rows without a date
            return and_(date_col.is_(None), later_id)
        later_date = date_col > self.at if self.order == "asc" else date_col < self.at
        return or_(later_date, and_(date_col == self.at, later_id), date_col.is_(None))
