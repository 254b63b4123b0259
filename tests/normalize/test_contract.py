"""The normaliser contract: registry, record shapes, quarantine records, idempotent storage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sellersync.normalize import NORMALIZERS, REPORT_TYPES, Quarantine, Record
from sellersync.normalize.base import OccurrenceCounter, model_columns
from sellersync.store.models import AmazonConnection, Workspace
from sellersync.store.models.canonical import QuarantinedRow
from sellersync.store.upsert import upsert
from tests.conftest import Database
from tests.normalize.helpers import DE, ctx, load_json, run, tsv

CASES: list[tuple[str, Any]] = [
    ("orders", lambda: tsv("orders.tsv")),
    ("orders_api", lambda: load_json("orders_api.json")),
    ("fba_shipments", lambda: tsv("fba_shipments.tsv")),
    ("customer_returns", lambda: tsv("customer_returns.tsv")),
    ("reimbursements", lambda: tsv("reimbursements.tsv")),
    ("inventory_ledger", lambda: tsv("ledger.tsv")),
    ("removal_orders", lambda: tsv("removal_orders.tsv")),
    ("removal_shipments", lambda: tsv("removal_shipments.tsv")),
    ("settlements", lambda: tsv("settlement_us.tsv")),
    ("financial_events", lambda: [load_json("finances_page.json")]),
    ("inventory_summaries", lambda: load_json("inventory.json")),
    ("inbound_shipments", lambda: load_json("inbound.json")),
]


def test_registry_covers_every_stream() -> None:
    assert set(NORMALIZERS) == {name for name, _ in CASES}
    assert set(REPORT_TYPES) <= set(NORMALIZERS)
    assert REPORT_TYPES["inventory_ledger"] == "GET_LEDGER_DETAIL_VIEW_DATA"


def test_report_types_match_the_sync_streams() -> None:
    streams = pytest.importorskip("sellersync.sync.streams")
    declared = {s.name: s.report_type for s in streams.STREAMS if s.report_type}
    assert declared == REPORT_TYPES


@pytest.mark.parametrize(("stream", "rows"), CASES, ids=[c[0] for c in CASES])
def test_records_carry_exactly_the_model_columns(stream: str, rows: Any) -> None:
    for out in run(stream, rows()):
        record = out.to_record(ctx(stream)) if isinstance(out, Quarantine) else out
        assert record.values.keys() == model_columns(record.model)
        assert not {"id", "sync_id", "row_hash", "updated_at"} & record.values.keys()
        for column in record.model.__natural_key__:
            assert record.values[column] is not None, (record.model.__name__, column)
        for name, value in record.values.items():
            if hasattr(value, "tzinfo"):
                assert value.utcoffset().total_seconds() == 0, name


def test_record_rejects_wrong_columns() -> None:
    with pytest.raises(TypeError, match="missing"):
        Record(QuarantinedRow, {"connection_id": 1})


def test_quarantine_record_and_key() -> None:
    (q,) = [o for o in run("customer_returns", tsv("customer_returns.tsv")) if isinstance(o, Quarantine)]
    record = q.to_record(ctx("customer_returns"))
    assert record.model is QuarantinedRow
    assert record.values["stream"] == "customer_returns"
    assert record.values["row_key"] == q.row_key and len(q.row_key) == 40
    assert '"return-date": "yesterday"' in record.values["raw"]
    assert "return-date" in record.values["reason"]


def test_occurrence_counter() -> None:
    counter = OccurrenceCounter()
    a, b, c = counter.key("x", 1), counter.key("x", 1), counter.key("x", 2)
    assert len({a, b, c}) == 3
    again = OccurrenceCounter()
    assert [again.key("x", 1), again.key("x", 1), again.key("x", 2)] == [a, b, c]


def test_blank_rows_are_not_rows() -> None:
    assert run("orders", [{"amazon-order-id": "", "purchase-date": "  "}]) == []


def _connection(db: Database) -> int:
    with db.uow() as s:
        ws = Workspace(name="w")
        s.add(ws)
        s.flush()
        conn = AmazonConnection(workspace_id=ws.id, selling_partner_id="A1", region="NA")
        s.add(conn)
        s.flush()
        return conn.id


def _write(db: Database, connection_id: int, sync_id: str) -> int:
    written = 0
    contexts: Iterator[tuple[str, Any, Any]] = (
        (stream, rows, ctx(stream, connection_id=connection_id)) for stream, rows in CASES
    )
    extra = [
        (
            "settlements",
            lambda: tsv("settlement_de.tsv", "windows-1252"),
            ctx("settlements", DE, decimal_comma=True, connection_id=connection_id),
        )
    ]
    with db.uow() as s:
        for stream, rows, context in [*contexts, *extra]:
            by_model: dict[type, list[dict[str, Any]]] = {}
            for out in NORMALIZERS[stream].normalize(rows(), context):
                record = out.to_record(context) if isinstance(out, Quarantine) else out
                by_model.setdefault(record.model, []).append(record.values)
            for model, values in by_model.items():
                written += upsert(s, model, values, sync_id=sync_id).written
    return written


def test_normalised_cases_store_idempotently(db: Database) -> None:
    connection_id = _connection(db)
    first = _write(db, connection_id, "s1")
    assert first > 50
    assert _write(db, connection_id, "s2") == 0
