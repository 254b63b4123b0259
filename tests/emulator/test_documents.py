"""Report documents are built with bounded memory and are byte-stable."""

from __future__ import annotations

import gzip
import threading
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from sellersync.emulator.contract import ReportTable
from sellersync.emulator.documents import iter_gzip_table, write_gzip_table
from tests.emulator.conftest import api
from tests.emulator.fakeworld import FakeWorld
from tests.support.emulator import RunningEmulator, run_emulator


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


class _GatedWorld(FakeWorld):
    """A FakeWorld whose report rows stop after ``hold_at`` rows until the test opens the gate, so
    the test can look at the download while the document is still being generated."""

    def __init__(self, report_rows: int, hold_at: int) -> None:
        super().__init__(seed=3, n_orders=250, report_rows=report_rows)
        self.hold_at = hold_at
        self.gate = threading.Event()

    def report_table(
        self, report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> ReportTable:
        table = super().report_table(report_type, marketplace_ids, start, end)

        def rows() -> Iterator[Sequence[str]]:
            for i, row in enumerate(table.rows):
                if i == self.hold_at:
                    assert self.gate.wait(60), "the test never opened the gate"
                yield row

        return ReportTable(header=table.header, rows=rows(), charset=table.charset)


def _done_report_url(emu: RunningEmulator, world: FakeWorld) -> tuple[str, datetime, datetime]:
    end = world.anchor
    start = end - timedelta(days=30)
    with api(emu) as http:
        created = http.post(
            "/reports/2021-06-30/reports",
            json={
                "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                "marketplaceIds": [world.marketplaces[0].marketplace_id],
                "dataStartTime": start.isoformat(),
                "dataEndTime": end.isoformat(),
            },
        )
        assert created.status_code == 202, created.text
        report_id = created.json()["reportId"]
        deadline = time.monotonic() + 30
        while True:  # speed 1000: DONE within a fraction of a second
            answer = http.get(f"/reports/2021-06-30/reports/{report_id}")
            report = answer.json()
            if answer.status_code == 200 and report["processingStatus"] == "DONE":
                break
            assert time.monotonic() < deadline, report
            time.sleep(0.05)  # poll interval between observations
        doc = http.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    return str(doc["url"]), start, end


def test_a_document_streams_while_it_is_generated_with_the_same_bytes(tmp_path: Path) -> None:
    total, hold_at = 9000, 5000  # batches of 2000 rows: two are sent before the gate
    world = _GatedWorld(report_rows=total, hold_at=hold_at)
    with run_emulator(world=world, speed=1000.0) as emu:
        url, start, end = _done_report_url(emu, world)
        received = bytearray()
        with httpx.Client(timeout=30.0) as http, http.stream("GET", url) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/plain; charset=UTF-8"
            assert "content-length" not in response.headers  # sent as it is made
            chunks = response.iter_raw()
            received += next(chunks)
            generated = emu.stats()["counters"]["documents.rows_generated"]
            assert 0 < generated <= hold_at < total  # the first bytes arrived mid-generation
            world.gate.set()
            for chunk in chunks:
                received += chunk
        counters = emu.stats()["counters"]
        assert counters["documents.rows_generated"] == total
        assert counters["documents.streamed"] == 1

        # byte for byte what the whole-document builder writes for the same table
        reference = tmp_path / "whole.gz"
        ids = [world.marketplaces[0].marketplace_id]
        write_gzip_table(
            world.report_table("GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", ids, start, end),
            str(reference),
        )
        assert bytes(received) == reference.read_bytes()
        assert len(gzip.decompress(bytes(received)).decode("utf-8").splitlines()) == total + 1

        # the second download is served from the cache the first one left, with its length
        again = httpx.get(url, timeout=30.0)
        assert again.content == reference.read_bytes()
        assert again.headers["content-length"] == str(len(again.content))
        assert emu.stats()["counters"]["documents.rows_generated"] == total  # not generated again


def test_streamed_pieces_equal_the_whole_document_in_any_charset(tmp_path: Path) -> None:
    for charset in ("UTF-8", "windows-1252", "Shift_JIS"):
        whole = tmp_path / f"{charset}.gz"
        write_gzip_table(_table(7001, charset), str(whole))
        counted: list[int] = []
        streamed = b"".join(iter_gzip_table(_table(7001, charset), counted.append))
        assert streamed == whole.read_bytes()
        assert sum(counted) == 7001
