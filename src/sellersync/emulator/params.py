"""Query-parameter parsing shared by the SP-API operations (errors are SP-API InvalidInput)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import QueryParams

from .errors import invalid_input


def parse_datetime(value: str, name: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_input(f"Invalid {name}: {value!r} is not an ISO 8601 date-time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def opt_datetime(q: QueryParams, name: str) -> datetime | None:
    value = q.get(name)
    return parse_datetime(value, name) if value else None


def fmt_iso(value: datetime) -> str:
    """``2024-03-11T13:47:20+00:00``: how the Reports API writes times."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


def fmt_z(value: datetime) -> str:
    """``2024-03-11T13:47:20Z``: how Orders and Finances write times."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_list(q: QueryParams, name: str) -> list[str]:
    """A list parameter, sent either comma-separated or repeated."""
    out: list[str] = []
    for raw in q.getlist(name):
        out.extend(part.strip() for part in raw.split(",") if part.strip())
    return out


def opt_int(q: QueryParams, name: str, default: int, lo: int, hi: int) -> int:
    value = q.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise invalid_input(f"Invalid {name}: {value!r} is not an integer.") from None
    if not lo <= number <= hi:
        raise invalid_input(f"Invalid {name}: must be between {lo} and {hi}.")
    return number


def opt_bool(q: QueryParams, name: str, default: bool = False) -> bool:
    value = q.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise invalid_input(f"Invalid {name}: {value!r} is not a boolean.")
