"""Typed access to JSON objects from the SP-API, mirroring :class:`~sellersync.normalize.base.Cells`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sellersync.normalize.errors import RowError
from sellersync.normalize.parse import parse_datetime, parse_int


class Fields:
    """Fields of one JSON object; missing required fields raise RowError naming them."""

    def __init__(self, obj: Mapping[str, Any], where: str = "") -> None:
        if not isinstance(obj, Mapping):
            raise RowError(f"{where or 'row'}: expected an object, got {type(obj).__name__}")
        self.obj = obj
        self.where = where

    def _name(self, field: str) -> str:
        return f"{self.where}.{field}" if self.where else field

    def text(self, field: str) -> str:
        value = self.obj.get(field)
        return "" if value is None else str(value).strip()

    def key(self, field: str) -> str:
        if field not in self.obj:
            raise RowError(f"missing field {self._name(field)!r}")
        value = self.text(field)
        if not value:
            raise RowError(f"field {self._name(field)!r} is empty")
        return value

    def int(self, field: str) -> int:
        return parse_int(self.obj.get(field), column=self._name(field)) or 0

    def date(self, field: str) -> datetime | None:
        value = self.obj.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse_datetime(value, column=self._name(field))

    def sub(self, field: str) -> Fields:
        value = self.obj.get(field)
        return Fields(value if isinstance(value, Mapping) else {}, self._name(field))
