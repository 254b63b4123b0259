"""Bad documents and rows from Amazon: one bad cell costs one row, an unreadable document fails its unit.

The emulator serves the seeded world with some report documents altered the way Amazon's have been
seen to arrive: a NUL in a cell, a byte the declared charset cannot decode, an empty body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from sellersync.emulator.contract import ReportTable, WorldView
from sellersync.store.models import FbaShipment, QuarantinedRow, RemovalOrder, SyncRun, SyncUnit
from tests.conftest import Database
from tests.support.emulator import run_emulator, seeded_world
from tests.support.sellersync import connect, make_runtime, settings_for
from tests.sync.conftest import WHOLE_WORLD_DAYS, SyncEnv

REMOVALS = "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA"
SHIPMENTS = "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL"

Tamper = Callable[[ReportTable], ReportTable]


@dataclass
class TamperedWorld:
    """The seeded world, except that ``tamper[report_type]`` rewrites the documents of that type."""

    world: WorldView
    tamper: dict[str, Tamper] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)

    def report_table(
        self, report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> ReportTable:
        table = self.world.report_table(report_type, marketplace_ids, start, end)
        change = self.tamper.get(report_type)
        return table if change is None else change(table)


@dataclass
class BadRows:
    """Rewrites one cell of the first row of every document of a type; remembers each row it spoiled."""

    column: str
    spoil: Callable[[str], str]
    spoiled: set[tuple[str, ...]] = field(default_factory=set)

    def __call__(self, table: ReportTable) -> ReportTable:
        index = list(table.header).index(self.column)

        def rows() -> Iterator[Sequence[str]]:
            for i, row in enumerate(table.rows):
                if i == 0:
                    self.spoiled.add(tuple(row))
                    row = [*row[:index], self.spoil(row[index]), *row[index + 1 :]]
                yield row

        return ReportTable(table.header, rows(), table.charset)


def empty_document(table: ReportTable) -> ReportTable:
    """A DONE report whose body has no header row (blank lines only)."""
    return ReportTable([], iter([[]]), table.charset)


@pytest.fixture
def tampered(db: Database) -> Iterator[tuple[SyncEnv, TamperedWorld]]:
    world = TamperedWorld(seeded_world(7, "typical", "small", "NA", None))
    with run_emulator(world=cast(WorldView, world), speed=2000.0) as emu:
        settings = settings_for(
            db.url,
            emu,
            backfill_days=WHOLE_WORLD_DAYS,
            streams="orders,fba_shipments,removal_orders",
            detect_after_sync=False,
            unit_retries=1,
        )
        with make_runtime(settings) as rt:
            ws, conn = connect(rt, emu)
            yield SyncEnv(emu, settings, rt, ws, conn, db), world


def _count(env: SyncEnv, model: Any, *where: Any) -> int:
    with env.runtime.uow() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _rows_in_truth(env: SyncEnv, report_type: str) -> int:
    return int(env.emu.world.truth()["totals"][report_type]["rows"])


def test_a_nul_in_a_cell_quarantines_that_row_and_every_later_sync_completes(
    tampered: tuple[SyncEnv, TamperedWorld],
) -> None:
    env, world = tampered
    nul = BadRows("order-status", lambda v: v[:2] + "\x00" + v[2:])
    world.tamper[REMOVALS] = nul
    for _ in range(2):  # Amazon keeps sending the NUL: later syncs complete too, nothing doubles
        sync_id, status = env.sync()
        with env.runtime.uow() as s:
            assert status == "completed", s.get_one(SyncRun, sync_id).error
        assert nul.spoiled
        assert _count(env, RemovalOrder) == _rows_in_truth(env, REMOVALS) - len(nul.spoiled)
        with env.runtime.uow() as s:
            held = s.scalars(select(QuarantinedRow).where(QuarantinedRow.stream == "removal_orders")).all()
            assert len(held) == len(nul.spoiled)
            assert all("NUL" in q.reason and "order_status" in q.reason for q in held)
            assert all("\\u0000" in q.raw for q in held)  # the raw row is kept, its NUL escaped
    assert _count(env, FbaShipment) == _rows_in_truth(env, SHIPMENTS)


def test_one_undecodable_byte_quarantines_only_its_row_and_the_document_is_downloaded_once(
    tampered: tuple[SyncEnv, TamperedWorld],
) -> None:
    env, world = tampered
    bad = BadRows("carrier", lambda v: v + "\udcff")  # the raw byte 0xFF: never valid UTF-8
    world.tamper[SHIPMENTS] = bad
    sync_id, status = env.sync()
    with env.runtime.uow() as s:
        run = s.get_one(SyncRun, sync_id)
        assert status == "completed", run.error
        downloads = run.stats["api"]["downloadReportDocument"]
        units = s.scalars(select(SyncUnit).where(SyncUnit.sync_id == sync_id)).all()
        held = s.scalars(select(QuarantinedRow).where(QuarantinedRow.stream == "fba_shipments")).all()
    assert bad.spoiled and len(held) == len(bad.spoiled)
    assert all("cannot decode as utf-8: byte 0xff" in q.reason for q in held)
    assert all('"_bytes"' in q.raw for q in held)  # the line's raw bytes, base64
    assert _count(env, FbaShipment) == _rows_in_truth(env, SHIPMENTS) - len(bad.spoiled)
    # each document downloaded once: no download retry, no unit retry
    assert downloads["retries"] == 0 and downloads["errors"] == 0
    assert all(u.attempts == 1 for u in units)
    with_document = [u for u in units if u.outcome == "data" and u.report_id]
    assert downloads["calls"] == len(with_document)


def test_an_empty_document_fails_its_unit_and_the_run_is_partial_never_no_data(
    tampered: tuple[SyncEnv, TamperedWorld],
) -> None:
    env, world = tampered
    original = world.world.report_table
    spoiled: list[tuple[tuple[str, ...], datetime, datetime]] = []  # the one window served empty

    def report_table(
        report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> ReportTable:
        table = original(report_type, marketplace_ids, start, end)
        window = (tuple(marketplace_ids), start, end)
        if report_type != REMOVALS or (spoiled and spoiled[0] != window):
            return table
        rows = list(table.rows)
        if rows and not spoiled:
            spoiled.append(window)
        return empty_document(table) if spoiled else ReportTable(table.header, iter(rows), table.charset)

    world.report_table = report_table  # type: ignore[method-assign]
    sync_id, status = env.sync()
    with env.runtime.uow() as s:
        run = s.get_one(SyncRun, sync_id)
        failed = s.scalars(
            select(SyncUnit).where(SyncUnit.sync_id == sync_id, SyncUnit.status == "failed")
        ).all()
    assert status == "partial"
    assert [u.stream for u in failed] == ["removal_orders"]
    assert failed[0].error is not None and "no header row" in failed[0].error
    assert run.error is not None and "Removal orders" in run.error and "no header row" in run.error
    assert failed[0].attempts == 2  # retried as a unit (unit_retries=1), never taken for "no rows"
    assert _count(env, RemovalOrder) < _rows_in_truth(env, REMOVALS)

    world.report_table = original  # type: ignore[method-assign]  # Amazon serves it whole again
    _, status = env.sync()
    assert status == "completed"
    assert _count(env, RemovalOrder) == _rows_in_truth(env, REMOVALS)


def test_a_header_without_the_reports_columns_fails_its_unit(
    tampered: tuple[SyncEnv, TamperedWorld],
) -> None:
    env, world = tampered
    world.tamper[REMOVALS] = lambda t: ReportTable(
        [h.replace("order-id", "removal-id") for h in t.header], t.rows, t.charset
    )
    sync_id, status = env.sync()
    with env.runtime.uow() as s:
        failed = s.scalars(
            select(SyncUnit).where(SyncUnit.sync_id == sync_id, SyncUnit.status == "failed")
        ).all()
    assert status == "partial"
    assert {u.stream for u in failed} == {"removal_orders"}
    assert all(u.error and "'order-id'" in u.error for u in failed)
    assert _count(env, RemovalOrder) == 0 and _count(env, FbaShipment) == _rows_in_truth(env, SHIPMENTS)


def _refuse_canadian_removal_orders(env: SyncEnv, refuse: bool) -> None:
    """Make the database itself refuse some rows (a CHECK on PostgreSQL, a trigger on SQLite)."""
    if env.db.dialect == "postgresql":
        sql = (
            "ALTER TABLE removal_orders ADD CONSTRAINT test_refused "
            "CHECK (marketplace_id <> 'A2EUQ1WTGCTBG2')"
            if refuse
            else "ALTER TABLE removal_orders DROP CONSTRAINT test_refused"
        )
    else:
        sql = (
            "CREATE TRIGGER test_refused BEFORE INSERT ON removal_orders "
            "WHEN NEW.marketplace_id = 'A2EUQ1WTGCTBG2' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            if refuse
            else "DROP TRIGGER test_refused"
        )
    with env.db.engine.begin() as conn:
        conn.exec_driver_sql(sql)


def test_a_write_the_database_refuses_fails_its_unit_not_the_run(
    tampered: tuple[SyncEnv, TamperedWorld],
) -> None:
    env, _ = tampered
    _refuse_canadian_removal_orders(env, True)
    sync_id, status = env.sync()
    with env.runtime.uow() as s:
        run = s.get_one(SyncRun, sync_id)
        failed = s.scalars(
            select(SyncUnit).where(SyncUnit.sync_id == sync_id, SyncUnit.status == "failed")
        ).all()
    assert status == "partial", run.error
    assert failed and {(u.stream, u.marketplace_id) for u in failed} == {("removal_orders", "A2EUQ1WTGCTBG2")}
    assert all(u.attempts == 2 and "refused" in (u.error or "") for u in failed)  # retried, recorded
    assert all("INSERT" not in (u.error or "") for u in failed)  # the error, not the statement
    assert run.error is not None and "Removal orders A2EUQ1WTGCTBG2" in run.error
    assert _count(env, RemovalOrder, RemovalOrder.marketplace_id == "ATVPDKIKX0DER") > 0
    assert _count(env, FbaShipment) == _rows_in_truth(env, SHIPMENTS)

    _refuse_canadian_removal_orders(env, False)
    _, status = env.sync()
    assert status == "completed"
    assert _count(env, RemovalOrder) == _rows_in_truth(env, REMOVALS)
