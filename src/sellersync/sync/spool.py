"""Normalised records spooled to a private temporary file between Amazon and the store.

A unit first reads everything Amazon has for its window (report download, Finances pages, Orders
calls, with their rate-limit waits and retries) and normalises it into the spool, outside any database
transaction; only then does it open the transaction that upserts the records and moves the checkpoint.
So the write lock (SQLite's is database-wide) is held for the upserts alone, never across a wait on
Amazon, and memory stays flat: the spool is on disk, read back once, record by record.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from sellersync.store.models.canonical import CanonicalRow

Item = tuple[type[CanonicalRow], dict[str, Any]]  # (model, column values)


class Spool:
    """Append records, then iterate them once in the same order. Close (or use ``with``) to delete."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="sellersync-spool-")  # noqa: SIM115 (closed by close())
        self.count = 0

    def add(self, model: type[CanonicalRow], values: dict[str, Any]) -> None:
        # one pickle per record (its own memo): the spool keeps no reference to what it wrote
        pickle.dump((model, values), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __iter__(self) -> Iterator[Item]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self._file)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
