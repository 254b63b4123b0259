"""Running one unit: extract its window from Amazon, normalise it into a spool, write it in one transaction.

A unit whose calls run out of retries is tried again later in the run (bounded), a window Amazon keeps
failing is split in two, and what still fails is failed on its own: one unit never fails the run. The
cancel token and a revoked authorization are raised for the job to end the run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session

from sellersync.amazon import AmazonError, AuthorizationRevoked, Cancelled, DocumentUnreadable, ReportFailed
from sellersync.config import Settings
from sellersync.normalize.base import Context, Quarantine
from sellersync.normalize.registry import NORMALIZERS
from sellersync.store.limits import storable_text, store_rejections
from sellersync.store.models import SyncRun, SyncUnit
from sellersync.store.models.canonical import CanonicalRow
from sellersync.store.types import utcnow
from sellersync.store.uow import UnitOfWork
from sellersync.store.upsert import upsert
from sellersync.sync import ledger, states
from sellersync.sync.amazon_api import AmazonApi
from sellersync.sync.extract import extract
from sellersync.sync.planner import posting_month
from sellersync.sync.progress import ProgressSink, percent, stream_message
from sellersync.sync.spool import Spool
from sellersync.sync.streams import BY_NAME, Source

log = logging.getLogger(__name__)

#: a write the database refused for its content: it fails the unit, never the run
STORE_REJECTIONS = store_rejections()

MIN_SPLIT = timedelta(days=1)


def unit_error(exc: BaseException) -> str:
    """What a failed unit records: the error's class and first line (a refused statement's SQL and
    parameters, which may be thousands of rows, are left out)."""
    cause = getattr(exc, "orig", None) if isinstance(exc, StatementError) else None
    shown = cause if isinstance(cause, BaseException) else exc
    text = str(shown).strip().splitlines()[0] if str(shown).strip() else ""
    if len(text) > 500:
        text = text[:500] + "…"
    return storable_text(f"{type(shown).__name__}: {text}")


def unreadable_reports(uow: UnitOfWork, connection_id: int) -> set[str]:
    """Reports of this connection whose document could not be read lately: never reused."""
    since = utcnow() - timedelta(days=2)  # Amazon's reports are reused for a day at most
    with uow() as s:
        found = s.scalars(
            select(SyncUnit.report_id)
            .join(SyncRun, SyncRun.id == SyncUnit.sync_id)
            .where(
                SyncRun.connection_id == connection_id,
                SyncUnit.report_id.is_not(None),
                SyncUnit.error.like(f"{DocumentUnreadable.__name__}%"),
                SyncUnit.started_at >= since,
            )
        ).all()
    return {r for r in found if r}


class UnitRunner:
    """Runs the units of one run, one at a time, each in its own transaction."""

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        settings: Settings,
        api: AmazonApi,
        sync_id: str,
        lease: timedelta,
        progress: ProgressSink,
        requested_ahead: set[int],
    ) -> None:
        self.uow = uow
        self.settings = settings
        self.api = api
        self.sync_id = sync_id
        self.lease = lease
        self.progress = progress
        #: units whose reports were already requested ahead (kept by the job across its attempts)
        self.requested_ahead = requested_ahead

    def next_unit(self) -> int | None:
        """The next pending unit of the run, in plan order (None: nothing left to run)."""
        with self.uow() as s:
            return s.scalar(
                select(SyncUnit.id)
                .where(SyncUnit.sync_id == self.sync_id, SyncUnit.status == states.UnitStatus.PENDING)
                .order_by(SyncUnit.id)
                .limit(1)
            )

    def request_ahead(self, unit_id: int) -> None:
        """Request the reports of the next units now, so Amazon prepares them while we read this one.

        Only while the createReport bucket has room (never waits for it), and reused when the unit
        runs, because the fetcher matches reports by type, marketplace and window.
        """
        if self.settings.report_prefetch <= 0:
            return
        report_streams = [s.name for s in BY_NAME.values() if s.source is Source.REPORT]
        with self.uow() as s:
            ahead = s.scalars(
                select(SyncUnit)
                .where(
                    SyncUnit.sync_id == self.sync_id,
                    SyncUnit.status == states.UnitStatus.PENDING,
                    SyncUnit.id > unit_id,
                    SyncUnit.stream.in_(report_streams),
                )
                .order_by(SyncUnit.id)
                .limit(self.settings.report_prefetch)
            ).all()
        for unit in ahead:
            if unit.id in self.requested_ahead:
                continue
            if self.api.client.limiter.tokens("createReport") < 1:
                return
            try:
                self.api.reports.find_or_create(
                    BY_NAME[unit.stream].report_type,
                    [unit.marketplace_id],
                    unit.window_start,
                    unit.window_end,
                )
            except AmazonError:
                return  # the unit will request it itself, with its own retries
            self.requested_ahead.add(unit.id)

    def run(self, unit_id: int) -> None:
        """Run one unit; a unit that fails is retried later, split or failed on its own, never the run.

        A cancel or a revoked authorization is raised for the job to end the run.
        """
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            states.start_unit(unit, utcnow())
        try:
            self._run_unit(unit_id)
        except ReportFailed as exc:
            if not self._split(unit_id, str(exc)):
                self._fail_unit(unit_id, exc)
        except (Cancelled, AuthorizationRevoked):
            with self.uow() as s:
                states.cancel_unit(s.get_one(SyncUnit, unit_id))
            raise
        except (AmazonError, OperationalError) as exc:  # OperationalError: e.g. SQLite busy past its timeout
            if not self._retry_unit(unit_id, exc):
                self._fail_unit(unit_id, exc)
        except STORE_REJECTIONS as exc:  # e.g. DataError: this unit's rows were refused, not the run's
            log.warning("the store refused a unit's rows", exc_info=True)
            if not self._retry_unit(unit_id, exc):
                self._fail_unit(unit_id, exc)

    def _retry_unit(self, unit_id: int, exc: Exception) -> bool:
        """Give a unit whose calls ran out of retries another go later in this run (bounded)."""
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            if unit.attempts > self.settings.unit_retries:
                return False
            states.retry_unit_later(unit)
            unit.error = unit_error(exc)
            _remember_unreadable(unit, exc)
            run = s.get_one(SyncRun, unit.sync_id)
            ledger.add_event(
                s,
                run,
                "sync.log",
                {"level": "warning", "message": f"{unit.stream}: retrying window after {unit.error}"},
            )
        return True

    def _fail_unit(self, unit_id: int, exc: Exception) -> None:
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            states.fail_unit(unit)
            unit.error = unit_error(exc)
            _remember_unreadable(unit, exc)
            run = s.get_one(SyncRun, self.sync_id)
            ledger.add_event(
                s, run, "sync.log", {"level": "error", "message": f"{unit.stream} failed: {unit.error}"}
            )

    def _split(self, unit_id: int, reason: str) -> bool:
        """A window Amazon keeps failing (FATAL) is split in two, down to one day."""
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            span = unit.window_end - unit.window_start
            if span <= MIN_SPLIT:
                return False
            mid = unit.window_start + timedelta(days=max(1, span.days // 2))
            s.add(
                states.new_unit(
                    sync_id=unit.sync_id,
                    stream=unit.stream,
                    marketplace_id=unit.marketplace_id,
                    window_start=mid,
                    window_end=unit.window_end,
                    weight=unit.weight / 2,
                )
            )
            unit.window_end = mid
            unit.weight /= 2
            states.split_unit(unit)
            run = s.get_one(SyncRun, unit.sync_id)
            ledger.add_event(
                s, run, "sync.log", {"level": "warning", "message": f"{unit.stream}: split window ({reason})"}
            )
        return True

    def _run_unit(self, unit_id: int) -> None:
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            run = s.get_one(SyncRun, self.sync_id)
            stream = BY_NAME[unit.stream]
            connection_id = run.connection_id
        extracted = extract(self.api, stream, unit)  # waits for the report outside any transaction
        ctx = Context(
            connection_id=connection_id,
            marketplace_id=unit.marketplace_id,
            stream=stream.name,
            posted_fallback=posting_month(unit.window_start) if stream.source is Source.FINANCES else None,
        )
        counter = _Counter(extracted.rows)
        with Spool() as spool:
            # every Amazon call and wait happens here, before the transaction opens
            quarantined = self._normalize(counter, ctx, spool)
            with self.uow() as s:
                written = self._write(s, spool)  # the lock is held for the upserts alone
                unit = s.get_one(SyncUnit, unit_id)
                run = s.get_one(SyncRun, self.sync_id)
                states.unit_done(unit)
                unit.outcome = "no_data" if extracted.no_data else "data"
                unit.rows = counter.count
                unit.written = written
                unit.quarantined = quarantined
                unit.report_id = extracted.report_id or unit.report_id
                unit.error = None
                unit.completed_at = utcnow()
                s.flush()
                if stream.source not in (Source.INVENTORY, Source.ORDERS_API):
                    ledger.advance_checkpoint(s, run, unit)
                units = ledger.units_of(s, self.sync_id)
                run.progress = percent(units)
                run.message = stream_message(units, unit.stream)
                run.warnings += quarantined
                run.lease_expires_at = utcnow() + self.lease
                data: dict[str, Any] = {
                    "progress": run.progress,
                    "message": run.message,
                    "stream": unit.stream,
                    "rows": unit.rows,
                }
                ledger.add_event(s, run, "sync.progress", data)
                if quarantined:
                    ledger.add_event(
                        s,
                        run,
                        "sync.log",
                        {
                            "level": "warning",
                            "message": f"{unit.stream}: {quarantined} row(s) quarantined",
                        },
                    )
        self.progress.unit_finished(units, unit)

    @staticmethod
    def _normalize(rows: Iterable[Mapping[str, Any]], ctx: Context, spool: Spool) -> int:
        """Normalise the unit's rows into the spool; returns how many were quarantined."""
        quarantined = 0
        for out in NORMALIZERS[ctx.stream].normalize(rows, ctx):
            if isinstance(out, Quarantine):
                record = out.to_record(ctx)
                quarantined += 1
                spool.add(record.model, record.values)
            else:
                spool.add(out.model, out.values)
        return quarantined

    def _write(self, s: Session, spool: Spool) -> int:
        """Upsert the spooled records in batches; returns the rows inserted or changed."""
        batches: dict[type[CanonicalRow], list[dict[str, Any]]] = defaultdict(list)
        written = 0
        size = self.settings.batch_size
        for model, values in spool:
            batch = batches[model]
            batch.append(values)
            if len(batch) >= size:
                written += upsert(s, model, batch, sync_id=self.sync_id).written
                batch.clear()
        for model, batch in batches.items():
            if batch:
                written += upsert(s, model, batch, sync_id=self.sync_id).written
        return written


def _remember_unreadable(unit: SyncUnit, exc: Exception) -> None:
    """Keep the report whose document could not be read on its unit, so no later sync reuses it."""
    if isinstance(exc, DocumentUnreadable) and exc.report_id and BY_NAME[unit.stream].source is Source.REPORT:
        unit.report_id = exc.report_id


class _Counter:
    """Counts the raw rows read from Amazon as they stream by."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for row in self._rows:
            self.count += 1
            yield row
