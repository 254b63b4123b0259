"""What the store can hold: the limits of each column, checked before a value reaches the database.

PostgreSQL refuses a NUL character in text, any database driver refuses a lone surrogate (not valid
Unicode, so it cannot be encoded as UTF-8), ``VARCHAR(n)`` refuses more than n characters (SQLite
does not, but the same row must be accepted or refused alike on both), ``INTEGER`` holds 32 bits and
``NUMERIC(p, s)`` fewer than p − s integer digits. :func:`unstorable` names the first value a row
breaks these with, so the normaliser can quarantine that row instead of failing its unit's write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, Numeric, String, Table

# a NUL, or a UTF-16 surrogate code point (in a Python str it can only be a lone one)
_UNSTORABLE_CHARS = re.compile("[\x00\ud800-\udfff]")

Check = Callable[[Any], str | None]


def _text_problem(value: str) -> str | None:
    found = _UNSTORABLE_CHARS.search(value)
    if found is None:
        return None
    char = found.group()
    where = f"at character {found.start() + 1}"
    if char == "\x00":
        return f"contains a NUL character {where}"
    return f"contains an unpaired surrogate U+{ord(char):04X} {where} (not valid Unicode)"


def _string_check(length: int | None) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        if length is not None and len(value) > length:
            return f"{len(value)} characters, at most {length} fit"
        return _text_problem(value)

    return check


def _integer_check(bits: int) -> Check:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def check(value: Any) -> str | None:
        if isinstance(value, int) and not low <= value <= high:
            return f"{value} is out of range (a {bits}-bit integer)"
        return None

    return check


def _numeric_check(precision: int | None, scale: int | None) -> Check:
    digits = (precision or 38) - (scale or 0)
    bound = Decimal(10) ** digits

    def check(value: Any) -> str | None:
        if not isinstance(value, Decimal):
            return None
        if not value.is_finite():
            return f"{value} is not a finite amount"
        if abs(value) >= bound:
            return f"{value} is out of range (at most {digits} digits before the decimal point)"
        return None

    return check


def _check_for(column_type: Any) -> Check | None:
    if isinstance(column_type, String):  # Text is a String without a length
        return _string_check(column_type.length)
    if isinstance(column_type, BigInteger):
        return _integer_check(64)
    if isinstance(column_type, Integer):
        return _integer_check(32)
    if isinstance(column_type, Numeric):
        return _numeric_check(column_type.precision, column_type.scale)
    impl = getattr(column_type, "impl", None)  # a TypeDecorator checks as what it stores
    return _check_for(impl) if impl is not None and impl is not column_type else None


_CHECKS: dict[str, list[tuple[str, Check]]] = {}


def _checks(table: Table) -> list[tuple[str, Check]]:
    checks = _CHECKS.get(table.name)
    if checks is None:
        checks = []
        for column in table.columns:
            check = _check_for(column.type)
            if check is not None:
                checks.append((column.name, check))
        _CHECKS[table.name] = checks
    return checks


def unstorable(model: Any, values: Mapping[str, Any]) -> str | None:
    """Why the store cannot hold ``values`` as a row of ``model`` (the first reason), else None."""
    for name, check in _checks(model.__table__):
        if name in values:
            problem = check(values[name])
            if problem is not None:
                return f"column {name!r}: {problem}"
    return None


def storable_text(text: str) -> str:
    """``text`` with what no store can hold escaped: NUL as ``\\x00``, a lone surrogate as ``\\udcxx``."""
    if _UNSTORABLE_CHARS.search(text) is None:
        return text
    return _UNSTORABLE_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def store_rejections() -> tuple[type[Exception], ...]:
    """The exceptions of a write the database refused for its content (not for being unavailable).

    SQLAlchemy's statement errors other than ``OperationalError`` (DataError, IntegrityError, …),
    psycopg's own (the COPY path bypasses SQLAlchemy's wrapping) and a value a driver cannot encode.
    The caller handles ``OperationalError`` (the database is unavailable) before these.
    """
    import psycopg
    from sqlalchemy.exc import StatementError

    return (StatementError, psycopg.DataError, psycopg.IntegrityError, psycopg.InternalError, UnicodeError)
