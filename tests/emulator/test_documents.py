"""Report documents are built with bounded memory and are byte-stable."""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from sellersync.emulator.contract import ReportTable
from sellersync.emulator.documents import write_gzip_table


def _table(n: int, charset: str = "UTF-8") -> ReportTable:
    def rows() -> Iterator[list[str]]:
        for i in range(n):
            yield [
                f"114-{i:07d}-{i * 7 % 9999999:07d}",
                "2025-03-14T08:12:45+00:00",
                f"SKU-{i % 997}",
                str(i % 5 + 1),
                "Stra\u00dfe caf\u00e9",
            ]

    return ReportTable(header=["order-id", "date", "sku", "qty", "note"], rows=rows(), charset=charset)


@pytest.mark.slow
def test_large_document_is_written_with_bounded_memory(tmp_path: Path) -> None:
    n = 50_000  # about 4 MB of text
    out = tmp_path / "doc.gz"
    tracemalloc.start()
    try:
        write_gzip_table(_table(n), str(out))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024, peak
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == n + 1


def test_documents_are_byte_stable_and_encoded_in_their_charset(tmp_path: Path) -> None:
    a, b = tmp_path / "a.gz", tmp_path / "b.gz"
    write_gzip_table(_table(1000, "windows-1252"), str(a))
    write_gzip_table(_table(1000, "windows-1252"), str(b))
    assert a.read_bytes() == b.read_bytes()
    raw = gzip.decompress(a.read_bytes())
    assert "Stra\u00dfe caf\u00e9".encode("windows-1252") in raw
    assert raw.decode("windows-1252").splitlines()[0] == "order-id\tdate\tsku\tqty\tnote"
