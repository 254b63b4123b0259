"""Normalised records spooled to a private temporary file between Amazon and the store.

A unit first reads everything Amazon has for its window (report download, Finances pages, Orders
calls, with their rate-limit waits and retries) and normalises it into the spool, outside any database
transaction; only then does it open the transaction that upserts the records and moves the checkpoint.
So the write lock (SQLite's is database-wide) is held for the upserts alone, never across a wait on
Amazon, and memory stays flat: the spool is on disk, read back once.

Records are pickled in blocks of ``BLOCK`` (one ``pickle.dump`` per block, so the model class and the
column names are written once per block, not once per record) and read back a block at a time:
memory holds at most one block on each side.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from sellersync.store.models.canonical import CanonicalRow

Item = tuple[type[CanonicalRow], dict[str, Any]]  # (model, column values)


#: Records per pickled block: enough that pickling's per-call cost and the repeated model and column
#: names vanish, few enough that a block (~100 KB) stays small beside a batch of the job's upserts.
BLOCK = 200


class Spool:
    """Append records, then iterate them once in the same order. Close (or use ``with``) to delete."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="sellersync-spool-")  # noqa: SIM115 (closed by close())
        self._block: list[Item] = []
        self._blocks = 0
        self.count = 0

    def add(self, model: type[CanonicalRow], values: dict[str, Any]) -> None:
        self._block.append((model, values))
        self.count += 1
        if len(self._block) >= BLOCK:
            self._flush_block()

    def _flush_block(self) -> None:
        if self._block:
            # a fresh pickle (its own memo) per block: the spool keeps no reference to what it wrote
            pickle.dump(self._block, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._blocks += 1
            self._block = []

    def blocks(self) -> Iterator[list[Item]]:
        """The records in order, a block (a list of at most ``BLOCK``) at a time."""
        self._flush_block()
        self._file.flush()
        self._file.seek(0)
        for _ in range(self._blocks):
            yield pickle.load(self._file)

    def __iter__(self) -> Iterator[Item]:
        for block in self.blocks():
            yield from block

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
