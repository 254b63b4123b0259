"""The one exception normalisers raise for a row they cannot read."""

from __future__ import annotations


class RowError(ValueError):
    """A row (or cell) that cannot be read; ``reason`` says which column and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
