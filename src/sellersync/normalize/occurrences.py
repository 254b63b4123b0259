"""Occurrence numbers of identical rows within one document, in bounded memory.

Rows Amazon gives no identifier (ledger lines, settlement lines, fee components) are keyed by a digest
of their fields plus how many identical rows came before them in the same document. Counting needs
every digest seen so far; the first ``memory_keys`` distinct digests are counted in a dict, the rest in
a private temporary SQLite database (on disk, deleted when closed), so a document of any size costs
the same memory. The numbers do not depend on where a digest is counted: the same document gives the
same keys.
"""

from __future__ import annotations

import sqlite3
from typing import Final

#: Distinct digests counted in memory per document (16-byte keys: about 100 bytes each).
MEMORY_KEYS: Final = 20_000


_COUNT = "INSERT INTO seen (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1 RETURNING n"


class Occurrences:
    """``next(digest)`` → 0 the first time a digest is seen in this document, then 1, 2, …"""

    def __init__(self, memory_keys: int = MEMORY_KEYS) -> None:
        self._memory_keys = memory_keys
        self._seen: dict[bytes, int] = {}
        self._spill: sqlite3.Connection | None = None

    def next(self, hex_digest: str) -> int:
        key = bytes.fromhex(hex_digest[:32])
        count = self._seen.get(key)
        if count is not None:
            self._seen[key] = count + 1
            return count
        if self._spill is None and len(self._seen) < self._memory_keys:
            self._seen[key] = 1
            return 0
        return self._spilled(key)

    def _spilled(self, key: bytes) -> int:
        if self._spill is None:
            # "" = a private temporary on-disk database, removed when the connection closes
            self._spill = sqlite3.connect("", check_same_thread=False, isolation_level=None)
            self._spill.execute("PRAGMA journal_mode=OFF")
            self._spill.execute("PRAGMA synchronous=OFF")
            self._spill.execute("PRAGMA cache_size=-1024")  # at most 1 MiB of pages in memory
            self._spill.execute("CREATE TABLE seen (k BLOB PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
        row = self._spill.execute(_COUNT, (key,)).fetchone()
        return int(row[0]) - 1

    @property
    def spilled(self) -> bool:
        return self._spill is not None

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def __del__(self) -> None:
        self.close()
