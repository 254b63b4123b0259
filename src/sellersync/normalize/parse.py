"""Cell parsers for the formats Amazon writes (FACTS §3): dates, money, integers.

Every parser raises :class:`RowError` with a reason naming the column (when given) and the value, so
the normaliser can quarantine the row and say why.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from sellersync.normalize.errors import RowError

# Time-zone suffixes seen in Amazon files. Abbreviations are fixed offsets: Amazon writes PST in winter
# and PDT in summer, so the suffix itself says which offset applies.
_ZONES: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "CST": -6,
    "CDT": -5,
    "EST": -5,
    "EDT": -4,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "JST": 9,
    "AEST": 10,
    "AEDT": 11,
}

_ZONE_SUFFIX = re.compile(r"^(?P<body>.*?\d)\s*(?P<zone>[A-Za-z]{1,4})$")
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}"  # date
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?"  # time
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?$"  # offset
)
_EU = re.compile(
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
    r"(?P<off>[+-]\d{2}:?\d{2})?$"
)


def _where(column: str) -> str:
    return f"column {column!r}: " if column else ""


def parse_datetime(text: object, *, column: str = "") -> datetime:
    """An aware UTC datetime from any date format Amazon uses.

    Accepted: ISO 8601 with ``T`` or space, optional fractional seconds, offset or ``Z``
    (``2025-03-14T08:12:45-07:00``); ``2025-03-14 08:12:45 UTC``; EU ``14.03.2025 08:12:45 UTC``;
    date-only ``2025-03-14`` / ``14.03.2025`` (midnight UTC); zone suffixes ``UTC``/``GMT``/``PST``/``PDT``
    and other fixed abbreviations. A time without zone is UTC.
    """
    if isinstance(text, datetime):
        value = text if text.tzinfo else text.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if not isinstance(text, str):
        raise RowError(f"{_where(column)}expected a date, got {text!r}")
    raw = text.strip()
    if not raw:
        raise RowError(f"{_where(column)}empty date")
    body, zone = raw, None
    match = _ZONE_SUFFIX.match(raw)
    if match and match.group("zone").upper() in _ZONES and match.group("zone") not in ("T",):
        body, zone = match.group("body").strip(), match.group("zone").upper()
    try:
        value = _parse_body(body)
    except (ValueError, OverflowError):
        raise RowError(f"{_where(column)}unparseable date {text!r}") from None
    if zone is not None:
        if value.tzinfo is not None and zone != "Z":
            raise RowError(f"{_where(column)}date {text!r} has both an offset and a zone name")
        value = value.replace(tzinfo=timezone(timedelta(hours=_ZONES[zone])))
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _parse_body(body: str) -> datetime:
    if _ISO.match(body):
        return datetime.fromisoformat(body.replace(",", "."))
    eu = _EU.match(body)
    if eu:
        value = datetime(
            int(eu["y"]),
            int(eu["m"]),
            int(eu["d"]),
            int(eu["H"] or 0),
            int(eu["M"] or 0),
            int(eu["S"] or 0),
        )
        if eu["off"]:
            off = eu["off"].replace(":", "")
            sign = -1 if off[0] == "-" else 1
            delta = timedelta(hours=int(off[1:3]), minutes=int(off[3:5]))
            value = value.replace(tzinfo=timezone(sign * delta))
        return value
    raise ValueError(body)


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_NUMBER = re.compile(r"^[0-9.,]+$")


def parse_money(text: object, *, decimal_comma: bool | None = None, column: str = "") -> Decimal | None:
    """A Decimal from an amount as Amazon writes it; ``None`` for an empty cell.

    ``decimal_comma``: True for marketplaces writing ``1.234,56``; False for ``1,234.56``; None to
    infer (the last of ``.``/``,`` is the decimal mark when both occur; a lone separator followed by
    exactly three digits is a thousands separator). A lone separator that cannot be a thousands
    separator (``12.34`` in a decimal-comma file) is read as the decimal mark. Negative amounts:
    ``-12.34``, ``12.34-`` or ``(12.34)``. JSON numbers are converted via ``str``, never float maths.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise RowError(f"{_where(column)}expected an amount, got {text!r}")
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise RowError(f"{_where(column)}unparseable amount {text!r}")
        return text
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        return parse_money(repr(text), decimal_comma=False, column=column)
    if not isinstance(text, str):
        raise RowError(f"{_where(column)}expected an amount, got {text!r}")
    raw = _SPACES.sub("", text)
    if not raw:
        return None
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1]
    if raw[:1] in "+-":
        negative, raw = negative ^ (raw[0] == "-"), raw[1:]
    elif raw.endswith("-"):
        negative, raw = not negative, raw[:-1]
    if "e" in raw.lower() and decimal_comma is not True:
        try:  # 1E+2, as str(float) may write
            value = Decimal(raw)
        except InvalidOperation:
            raise RowError(f"{_where(column)}unparseable amount {text!r}") from None
        if not value.is_finite():
            raise RowError(f"{_where(column)}unparseable amount {text!r}")
        return -value if negative else value
    if not raw or not _NUMBER.match(raw) or not any(c.isdigit() for c in raw):
        raise RowError(f"{_where(column)}unparseable amount {text!r}")
    try:
        integer, fraction = _split(raw, decimal_comma)
    except ValueError:
        raise RowError(f"{_where(column)}unparseable amount {text!r}") from None
    value = Decimal(f"{integer or '0'}.{fraction}" if fraction else (integer or "0"))
    return -value if negative else value


def _valid_grouping(integer: str, sep: str) -> bool:
    groups = integer.split(sep)
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _split(raw: str, decimal_comma: bool | None) -> tuple[str, str]:
    """(integer digits, fraction digits) of an unsigned amount with separators."""
    has_dot, has_comma = "." in raw, "," in raw
    if has_dot and has_comma:
        dec = "," if raw.rfind(",") > raw.rfind(".") else "."
        if decimal_comma is not None and dec != ("," if decimal_comma else "."):
            raise ValueError(raw)
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        preferred_dec = None if decimal_comma is None else ("," if decimal_comma else ".")
        integer, _, rest = raw.partition(sep)
        lone = raw.count(sep) == 1
        if sep == preferred_dec:
            dec = sep
        elif preferred_dec is not None:
            # the thousands separator of this marketplace, unless it cannot be one
            dec = "" if _valid_grouping(raw, sep) else (sep if lone else "")
        else:
            thousands = sep == "," and len(rest) == 3 and integer not in ("", "0")
            dec = sep if lone and not thousands else ""
    else:
        return raw, ""
    if dec:
        group = "," if dec == "." else "."
        integer, _, fraction = raw.rpartition(dec)
        if not fraction.isdigit() or (group in integer and not _valid_grouping(integer, group)):
            raise ValueError(raw)
        if dec in integer:
            raise ValueError(raw)
        return integer.replace(group, ""), fraction
    group = "." if has_dot else ","
    if not _valid_grouping(raw, group):
        raise ValueError(raw)
    return raw.replace(group, ""), ""


_INT = re.compile(r"^[+-]?\d+$")
MAX_INT_DIGITS = 40


def parse_int(text: object, *, column: str = "") -> int | None:
    """An integer quantity; ``None`` for an empty cell. ``3``, ``-2``, ``1,234``, ``3.0`` are accepted."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise RowError(f"{_where(column)}expected an integer, got {text!r}")
    if isinstance(text, int):
        return text
    if isinstance(text, float | Decimal):
        if not _whole(text):  # NaN, infinite or fractional
            raise RowError(f"{_where(column)}not an integer: {text!r}")
        return int(text)
    if not isinstance(text, str):
        raise RowError(f"{_where(column)}expected an integer, got {text!r}")
    raw = _SPACES.sub("", text)
    if not raw:
        return None
    if _INT.match(raw):
        if len(raw) > MAX_INT_DIGITS:  # no quantity has that many digits (and int() refuses ~4,300)
            raise RowError(f"{_where(column)}not an integer: {len(raw)} digits")
        return int(raw)
    try:
        value = parse_money(raw, column=column)
    except RowError:
        raise RowError(f"{_where(column)}not an integer: {text!r}") from None
    if value is None or not _whole(value) or value.adjusted() >= MAX_INT_DIGITS:
        raise RowError(f"{_where(column)}not an integer: {text!r}")
    return int(value)


def _whole(value: float | Decimal) -> bool:
    """Finite and without a fraction (``x % 1`` raises for a Decimal beyond the context's precision)."""
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf")) and value.is_integer()
    return value.is_finite() and value == value.to_integral_value()
