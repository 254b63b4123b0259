"""The normaliser contract: context in, canonical records (or quarantined rows) out.

A normaliser is a pure function of its input rows and a :class:`Context`: no I/O, no clock, no
randomness, so the same document normalised twice gives identical records and row keys.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from sellersync.normalize.errors import RowError
from sellersync.normalize.marketplaces import default_currency
from sellersync.normalize.occurrences import MEMORY_KEYS, Occurrences
from sellersync.normalize.parse import parse_datetime, parse_int, parse_money
from sellersync.store.limits import storable_text, unstorable
from sellersync.store.models.canonical import CanonicalRow, QuarantinedRow

__all__ = [
    "Cells",
    "Context",
    "Normalizer",
    "OccurrenceCounter",
    "Quarantine",
    "Record",
    "RowError",
    "RowNormalizer",
    "digest",
    "model_columns",
]

#: Columns that describe a write, not a row: never produced by a normaliser.
BOOKKEEPING = frozenset({"id", "sync_id", "row_hash", "updated_at"})

#: Keys the flat-file parser adds to a row whose cell count does not match the header.
TSV_ERROR_KEY = "_error"
TSV_EXTRA_KEY = "_extra"


@dataclass(frozen=True)
class Context:
    """What a normaliser knows besides the rows: whose data, which marketplace, how it is written.

    ``decimal_comma``: how the marketplace writes amounts in flat files (None: infer per cell).
    ``currency``: the marketplace currency, used when a row names none.
    ``posted_fallback``: for Finances events that carry no ``PostedDate`` (ServiceFeeEvent has none in
    the model), the start of the posting month the queried window lies in (windows never cross a
    month and always start at its start, see ``sync.planner.posting_month``); without it such events
    are quarantined.
    """

    connection_id: int
    marketplace_id: str
    stream: str
    decimal_comma: bool | None = None
    currency: str = ""
    posted_fallback: datetime | None = None


_COLUMNS: dict[type[CanonicalRow], frozenset[str]] = {}


def model_columns(model: type[CanonicalRow]) -> frozenset[str]:
    """The columns a normaliser produces for ``model``: all of them except the bookkeeping ones."""
    columns = _COLUMNS.get(model)
    if columns is None:
        table = model.__table__  # type: ignore[attr-defined]
        columns = _COLUMNS[model] = frozenset(c.name for c in table.columns if c.name not in BOOKKEEPING)
    return columns


@dataclass(frozen=True)
class Record:
    """One canonical row: ``values`` holds exactly the model's columns (bookkeeping excluded)."""

    model: type[CanonicalRow]
    values: dict[str, Any]

    def __post_init__(self) -> None:
        expected = model_columns(self.model)
        if self.values.keys() != expected:
            missing = sorted(expected - self.values.keys())
            extra = sorted(self.values.keys() - expected)
            raise TypeError(f"{self.model.__name__} record: missing {missing}, unexpected {extra}")
        # the one check every normaliser passes through: a value the store cannot hold (NUL, a lone
        # surrogate, too long, out of range) makes the row a RowError, so it is quarantined, never
        # sent to the database where it would fail the whole unit
        problem = unstorable(self.model, self.values)
        if problem is not None:
            raise RowError(problem)

    @property
    def natural_key(self) -> tuple[Any, ...]:
        return tuple(self.values[c] for c in self.model.__natural_key__)


def _canon(value: Any) -> Any:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canon(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def digest(*parts: Any) -> str:
    """A 40-hex SHA-1 of canonicalised parts (Decimals normalised, datetimes in UTC ISO form)."""
    payload = json.dumps([_canon(p) for p in parts], sort_keys=True, ensure_ascii=False, default=str)
    # surrogatepass: a lone surrogate (a row about to be quarantined for it) still has a digest
    return hashlib.sha1(payload.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


class OccurrenceCounter:
    """Row keys for rows Amazon gives no identifier: a digest of the identifying fields plus the
    occurrence number of that combination within one document, so two identical rows get distinct
    keys and the same document normalised again gets the same keys. One counter per document; its
    memory is bounded (see :mod:`sellersync.normalize.occurrences`)."""

    def __init__(self, memory_keys: int = MEMORY_KEYS) -> None:
        self._occurrences = Occurrences(memory_keys)

    def key(self, *parts: Any) -> str:
        base = digest(*parts)
        occurrence = self._occurrences.next(base)
        return hashlib.sha1(f"{base}#{occurrence}".encode(), usedforsecurity=False).hexdigest()

    def occurrence(self, *parts: Any) -> int:
        """How many times this combination was seen before in the document (0 the first time)."""
        return self._occurrences.next(digest("occurrence", *parts))


@dataclass(frozen=True)
class Quarantine:
    """A row that could not be read, kept with its raw content and the reason."""

    stream: str
    raw: dict[str, Any] | str
    reason: str
    row_key: str

    @classmethod
    def of(
        cls, stream: str, raw: Mapping[str, Any] | str, reason: str, counter: OccurrenceCounter
    ) -> Quarantine:
        """Quarantine ``raw``; its key is a digest of the raw row and its occurrence in the document."""
        kept: dict[str, Any] | str = raw if isinstance(raw, str) else dict(raw)
        return cls(stream=stream, raw=kept, reason=reason, row_key=counter.key("quarantine", stream, kept))

    def to_record(self, ctx: Context) -> Record:
        raw = (
            self.raw
            if isinstance(self.raw, str)
            else json.dumps(_canon(self.raw), sort_keys=True, ensure_ascii=False)
        )
        # the raw row is what could not be stored: keep it in a form that can (NUL, surrogates escaped)
        raw, reason = storable_text(raw), storable_text(self.reason)
        return Record(
            QuarantinedRow,
            {
                "connection_id": ctx.connection_id,
                "marketplace_id": ctx.marketplace_id,
                "stream": self.stream,
                "row_key": self.row_key,
                "raw": raw,
                "reason": reason,
            },
        )


class Normalizer(Protocol):
    def normalize(self, rows: Iterable[Mapping[str, Any]], ctx: Context) -> Iterator[Record | Quarantine]:
        """Records for the rows of one document (or page set); unreadable rows become Quarantines."""
        ...


_HEADER_NOISE = re.compile(r"[\s_\-]+")


def _header_key(name: str) -> str:
    return _HEADER_NOISE.sub("-", name.strip().lower())


class Cells:
    """Typed access to one flat-file row by header name (never by position).

    Lookup is exact first, then forgiving of case and ``-``/``_``/space differences. A *required*
    column missing from the row raises RowError naming it; an optional one reads as empty.
    """

    def __init__(self, row: Mapping[str, Any], ctx: Context) -> None:
        self.row = row
        self.ctx = ctx
        self._loose: dict[str, str] | None = None

    def _lookup(self, column: str) -> tuple[bool, Any]:
        if column in self.row:
            return True, self.row[column]
        if self._loose is None:
            self._loose = {_header_key(str(k)): k for k in self.row}
        key = self._loose.get(_header_key(column))
        if key is None:
            return False, None
        return True, self.row[key]

    def has(self, column: str) -> bool:
        return self._lookup(column)[0]

    def raw(self, column: str, *, required: bool = False) -> Any:
        found, value = self._lookup(column)
        if not found:
            if required:
                raise RowError(f"missing column {column!r}")
            return None
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, column: str, *, required: bool = False) -> str:
        """The cell as text ('' when empty or absent)."""
        value = self.raw(column, required=required)
        return "" if value is None else str(value)

    def key(self, column: str) -> str:
        """A required, non-empty identifier."""
        value = self.text(column, required=True)
        if not value:
            raise RowError(f"column {column!r} is empty")
        return value

    def date(self, column: str, *, required: bool = False) -> datetime | None:
        value = self.raw(column, required=required)
        if value is None:
            if required:
                raise RowError(f"column {column!r} is empty")
            return None
        return parse_datetime(value, column=column)

    def required_date(self, column: str) -> datetime:
        value = self.date(column, required=True)
        assert value is not None
        return value

    def money(self, column: str, *, required: bool = False) -> Decimal | None:
        value = self.raw(column, required=required)
        amount = (
            None if value is None else parse_money(value, decimal_comma=self.ctx.decimal_comma, column=column)
        )
        if amount is None and required:
            raise RowError(f"column {column!r} is empty")
        return amount

    def required_money(self, column: str) -> Decimal:
        value = self.money(column, required=True)
        assert value is not None
        return value

    def int(self, column: str, *, required: bool = False, default: int = 0) -> int:
        value = parse_int(self.raw(column, required=required), column=column)
        if value is None:
            if required:
                raise RowError(f"column {column!r} is empty")
            return default
        return value

    def currency(self, *columns: str) -> str:
        """The first non-empty currency column, else the context's currency."""
        for column in columns:
            value = self.text(column)
            if value:
                return value.upper()
        return default_currency(self.ctx.currency, self.ctx.marketplace_id)


def is_blank(row: Mapping[str, Any]) -> bool:
    """A row with no content at all (a blank line): deliberately skipped, not a row."""
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row.values())


@dataclass
class RowNormalizer:
    """A flat-file normaliser: each row becomes zero or more records via ``convert``.

    A row the parser flagged (wrong cell count), or one ``convert`` rejects with RowError, is
    quarantined with the reason; the stream goes on.
    """

    convert: Callable[[Cells, OccurrenceCounter], list[Record]]
    name: str = field(default="")

    def normalize(self, rows: Iterable[Mapping[str, Any]], ctx: Context) -> Iterator[Record | Quarantine]:
        counter = OccurrenceCounter()
        quarantine_counter = OccurrenceCounter()
        for row in rows:
            if is_blank(row):
                continue
            error = row.get(TSV_ERROR_KEY)
            if error:
                yield Quarantine.of(ctx.stream, row, f"malformed row: {error}", quarantine_counter)
                continue
            try:
                records = self.convert(Cells(row, ctx), counter)
            except RowError as exc:
                yield Quarantine.of(ctx.stream, row, exc.reason, quarantine_counter)
                continue
            yield from records


def base_values(ctx: Context, marketplace_id: str | None = None) -> dict[str, Any]:
    return {"connection_id": ctx.connection_id, "marketplace_id": marketplace_id or ctx.marketplace_id}
