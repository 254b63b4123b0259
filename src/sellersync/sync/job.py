"""Run one sync: claim it, plan its units once, run each unit in its own transaction, finish it.

Every trigger ends here (through the job service). The run's state lives in SQL, so a crash costs
time, never data: the next claim resumes from the units that are not done.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session

from sellersync.amazon import (
    AmazonError,
    AuthorizationRevoked,
    Cancelled,
    CancelToken,
    DocumentUnreadable,
    ReportFailed,
    get_region,
    parse_datetime,
)
from sellersync.config import Settings
from sellersync.connections import refresh_token_of
from sellersync.normalize.base import Context, Quarantine
from sellersync.normalize.registry import NORMALIZERS
from sellersync.secrets import SecretBox
from sellersync.store.limits import storable_text, store_rejections
from sellersync.store.models import AmazonConnection, QuarantinedRow, SyncRun, SyncUnit
from sellersync.store.models.canonical import CanonicalRow
from sellersync.store.types import utcnow
from sellersync.store.uow import UnitOfWork
from sellersync.store.upsert import upsert
from sellersync.sync import ledger
from sellersync.sync.amazon_api import AmazonApi, AmazonApiFactory
from sellersync.sync.counts import canonical_counts
from sellersync.sync.extract import extract
from sellersync.sync.planner import PlanInputs, SettlementListing, plan, posting_month
from sellersync.sync.progress import NullProgress, ProgressSink, percent, stream_message
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


@dataclass
class UnitResult:
    rows: int
    written: int
    quarantined: int
    no_data: bool


class LeaseKeeper(threading.Thread):
    """Renews the run's lease and turns a cancel request (from any process) into the cancel token."""

    def __init__(self, uow: UnitOfWork, sync_id: str, owner: str, lease: timedelta, token: CancelToken):
        super().__init__(name=f"lease-{sync_id[:8]}", daemon=True)
        self._uow, self._sync_id, self._owner, self._lease, self._token = uow, sync_id, owner, lease, token
        self._stop = threading.Event()
        self.lost = False
        self.poll = min(1.0, lease.total_seconds() / 3)
        self._renew_every = lease.total_seconds() / 3

    def run(self) -> None:
        last_renew = 0.0
        elapsed = 0.0
        while not self._stop.wait(self.poll):
            elapsed += self.poll
            try:
                with self._uow() as s:
                    if elapsed - last_renew >= self._renew_every:
                        ours, cancel = ledger.renew_lease(s, self._sync_id, self._owner, self._lease)
                        last_renew = elapsed
                    else:
                        ours = True
                        cancel = bool(
                            s.scalar(select(SyncRun.cancel_requested).where(SyncRun.id == self._sync_id))
                        )
            except Exception:  # a busy database must not kill the heartbeat; try again
                log.warning("lease renewal failed; retrying", exc_info=True)
                continue
            if not ours:
                self.lost = True
                self._token.cancel()
                return
            if cancel:
                self._token.cancel()

    def stop(self) -> None:
        self._stop.set()


class SyncJob:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        settings: Settings,
        api_factory: AmazonApiFactory,
        box: SecretBox,
        owner: str,
        progress: ProgressSink | None = None,
    ) -> None:
        self.uow = uow
        self.settings = settings
        self.api_factory = api_factory
        self.box = box
        self.owner = owner
        self.progress = progress or NullProgress()
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.last_stats: dict[str, dict[str, int]] = {}
        self._requested_ahead: set[int] = set()
        self._api: AmazonApi | None = None
        self._stats_saved = False

    # --- the whole run ----------------------------------------------------------------------------

    def run(self, sync_id: str, token: CancelToken | None = None) -> str | None:
        """Run (or resume) a sync. Returns its final status, or None if it was not ours to run."""
        token = token or CancelToken()
        with self.uow() as s:
            run = ledger.claim_lease(
                s, sync_id, self.owner, self.lease, max_handbacks=self.settings.max_handbacks
            )
            if run is None:
                return None
            conn = s.get_one(AmazonConnection, run.connection_id)
            if run.attempt > self.settings.max_attempts:
                self._finish(s, run, "failed", f"gave up after {run.attempt - 1} failed attempts", retry=True)
                return "failed"
            if run.attempt == 1 and run.handbacks == 0 and run.retries == 0:
                ledger.add_event(s, run, "sync.started", {"connectionId": conn.id, "trigger": run.trigger})
            else:
                text = (
                    f"resumed (attempt {run.attempt}, {run.handbacks} hand-back(s), {run.retries} retry(ies))"
                )
                ledger.add_event(s, run, "sync.log", {"message": text})
            try:
                refresh_token = refresh_token_of(conn, self.box)
                region = conn.region
            except Exception as exc:
                self._finish(s, run, "failed", f"connection cannot be used: {exc}")
                return "failed"
        keeper = LeaseKeeper(self.uow, sync_id, self.owner, self.lease, token)
        keeper.start()
        api = self.api_factory.for_connection(run.connection_id, refresh_token, token, region=region)
        api.reports.unreadable |= self._unreadable_reports(run.connection_id)
        self._api, self._stats_saved = api, False
        structlog.contextvars.bind_contextvars(sync_id=sync_id)
        log.info("sync running", extra={"attempt": run.attempt})
        try:
            status = self._run(sync_id, api, token)
            log.info("sync ended", extra={"status": status})
            if status in ("completed", "partial") and self.settings.detect_after_sync:
                self._detect(sync_id, run.connection_id)
            return status
        finally:
            keeper.stop()
            api.close()
            if not self._stats_saved:  # interrupted: the attempt's calls still count
                try:
                    with self.uow() as s:
                        self._merge_api_stats(s.get_one(SyncRun, sync_id))
                except OperationalError:
                    log.warning("could not save this attempt's API call counts", exc_info=True)
            structlog.contextvars.unbind_contextvars("sync_id")

    def _unreadable_reports(self, connection_id: int) -> set[str]:
        """Reports of this connection whose document could not be read lately: never reused."""
        since = utcnow() - timedelta(days=2)  # Amazon's reports are reused for a day at most
        with self.uow() as s:
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

    def _detect(self, sync_id: str, connection_id: int) -> None:
        """Chain the detection job on the data this sync left (its own run, status and event)."""
        from sellersync.detect.service import run_detection

        try:
            run_detection(self.uow, self.settings, connection_id=connection_id, sync_id=sync_id)
        except Exception:  # recorded on the detection run; the sync itself stays completed
            log.exception("detection after sync failed")

    def _merge_api_stats(self, run: SyncRun) -> None:
        """Add this attempt's API calls to the run's stats (they add up across resumed attempts)."""
        if self._api is None:
            return
        self.last_stats = {
            op: {"calls": st.calls, "throttles": st.throttles, "retries": st.retries, "errors": st.errors}
            for op, st in self._api.stats.snapshot().items()
        }
        api: dict[str, dict[str, int]] = {k: dict(v) for k, v in (run.stats or {}).get("api", {}).items()}
        for op, counts in self.last_stats.items():
            mine = api.setdefault(op, {})
            for key, n in counts.items():
                mine[key] = mine.get(key, 0) + n
        run.stats = {**(run.stats or {}), "api": api}
        self._stats_saved = True

    def _run(self, sync_id: str, api: AmazonApi, token: CancelToken) -> str:
        try:
            self._ensure_plan(sync_id, api)
            with self.uow() as s:
                ledger.reopen_unfinished(s, sync_id)
            while (unit_id := self._next_unit(sync_id)) is not None:
                token.raise_if_cancelled()
                self._request_ahead(sync_id, unit_id, api)
                self._run_unit_guarded(sync_id, unit_id, api)
        except Cancelled:
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                if run.lease_owner != self.owner:
                    return run.status  # someone else owns it now: leave it alone
                if not run.cancel_requested:
                    # this process is shutting down: hand the run back to be resumed, not cancelled
                    ledger.hand_back(s, run, "interrupted; it will resume")
                    return "interrupted"
            pending = api.reports.cancel_pending(self._requested_reports(api))
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                msg = "cancelled; committed units are kept"
                if pending:
                    msg += f"; {len(pending)} requested report(s) cancelled"
                self._finish(s, run, "cancelled", None, message=msg)
            return "cancelled"
        except AuthorizationRevoked:
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                conn = s.get_one(AmazonConnection, run.connection_id)
                conn.status = "reconnect_required"
                self._finish(
                    s,
                    run,
                    "failed",
                    "Amazon refused the stored authorization (invalid_grant): reconnect the seller account",
                )
            return "failed"
        except AmazonError as exc:
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                self._finish(s, run, "failed", f"{type(exc).__name__}: {exc}", retry=True)
            return "failed"
        except OperationalError as exc:  # the database is unavailable for now (SQLite busy, PG restarting)
            log.warning("database unavailable; the run is handed back to resume", exc_info=True)
            cause = type(exc.orig or exc).__name__
            self._hand_back(sync_id, f"database unavailable ({cause}); it will resume")
            return "interrupted"
        except Exception as exc:  # a bug or a broken database must end the run visibly, not leave it hanging
            log.exception("sync failed unexpectedly")
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                self._finish(s, run, "failed", f"internal error: {type(exc).__name__}: {exc}", retry=True)
            return "failed"
        with self.uow() as s:
            run = s.get_one(SyncRun, sync_id)
            units = ledger.units_of(s, sync_id)
            missing = [u for u in units if u.status != "done"]
            if not missing:
                self._finish(s, run, "completed", None)
                return "completed"
            names = "; ".join(
                f"{BY_NAME[u.stream].label} {u.marketplace_id or 'all'} "
                f"{u.window_start:%Y-%m-%d}..{u.window_end:%Y-%m-%d} ({u.error})"
                for u in missing
            )
            status = "partial" if len(missing) < len(units) else "failed"
            self._finish(s, run, status, f"{len(missing)} unit(s) could not be fetched: {names}", retry=True)
            return status

    def _hand_back(self, sync_id: str, message: str) -> None:
        """Let the run's lease lapse now so the reaper resumes it from its checkpoints (same sync id).

        If even this write fails, the lease simply expires on its own; committed units stay either way.
        """
        try:
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                if run.lease_owner == self.owner:
                    ledger.hand_back(s, run, message)
        except OperationalError:
            log.warning("could not hand the run back; its lease will expire", exc_info=True)

    @staticmethod
    def _requested_reports(api: AmazonApi) -> list[str]:
        return sorted(api.reports.requested)

    # --- planning ---------------------------------------------------------------------------------

    def _ensure_plan(self, sync_id: str, api: AmazonApi) -> None:
        with self.uow() as s:
            if ledger.units_of(s, sync_id):
                return
            run = s.get_one(SyncRun, sync_id)
            conn = s.get_one(AmazonConnection, run.connection_id)
            checkpoints = ledger.checkpoints(s, conn.id)
            region = conn.region
        markets = self._marketplaces(api, region)
        streams = self._streams()
        now = utcnow()
        listings = [
            SettlementListing(
                report_id=str(r["reportId"]),
                document_id=str(r.get("reportDocumentId") or ""),
                marketplace_id=str((r.get("marketplaceIds") or [""])[0]),
                start=parse_datetime(str(r.get("dataStartTime"))),
                end=parse_datetime(str(r.get("dataEndTime"))),
            )
            for r in (
                api.reports.list_settlement_reports(now - timedelta(days=self.settings.backfill_days))
                if not streams or "settlements" in streams
                else []
            )
        ]
        planned = plan(
            PlanInputs(
                now=now,
                marketplace_ids=markets,
                backfill_days=self.settings.backfill_days,
                overlap=timedelta(hours=self.settings.incremental_overlap_hours),
                orders_api_hours=self.settings.orders_api_hours,
                checkpoints=checkpoints,
                settlements=[x for x in listings if x.marketplace_id in markets],
                streams=streams,
            )
        )
        with self.uow() as s:
            run = s.get_one(SyncRun, sync_id)
            conn = s.get_one(AmazonConnection, run.connection_id)
            conn.marketplace_ids = markets
            run.kind = "incremental" if checkpoints else "full"
            ledger.add_units(s, sync_id, planned)
            text = f"planned {len(planned)} units over {len(markets)} marketplace(s)"
            run.message = text
            ledger.add_event(s, run, "sync.log", {"message": text})
        self.progress.message(text)

    def _streams(self) -> list[str]:
        names = [n.strip() for n in self.settings.streams.split(",") if n.strip()]
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            raise ValueError(f"unknown stream(s) {unknown}; known: {sorted(BY_NAME)}")
        return names

    def _marketplaces(self, api: AmazonApi, region: str) -> list[str]:
        """All marketplaces of the connection's region that the seller participates in."""
        allowed = set(get_region(region).marketplaces.values())
        found = []
        for p in api.client.get_marketplace_participations():
            mkt = (p.get("marketplace") or {}).get("id")
            if mkt in allowed and (p.get("participation") or {}).get("isParticipating", True):
                found.append(str(mkt))
        return sorted(set(found))

    # --- units ------------------------------------------------------------------------------------

    def _next_unit(self, sync_id: str) -> int | None:
        with self.uow() as s:
            return s.scalar(
                select(SyncUnit.id)
                .where(SyncUnit.sync_id == sync_id, SyncUnit.status == "pending")
                .order_by(SyncUnit.id)
                .limit(1)
            )

    def _request_ahead(self, sync_id: str, unit_id: int, api: AmazonApi) -> None:
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
                    SyncUnit.sync_id == sync_id,
                    SyncUnit.status == "pending",
                    SyncUnit.id > unit_id,
                    SyncUnit.stream.in_(report_streams),
                )
                .order_by(SyncUnit.id)
                .limit(self.settings.report_prefetch)
            ).all()
        for unit in ahead:
            if unit.id in self._requested_ahead:
                continue
            if api.client.limiter.tokens("createReport") < 1:
                return
            try:
                api.reports.find_or_create(
                    BY_NAME[unit.stream].report_type,
                    [unit.marketplace_id],
                    unit.window_start,
                    unit.window_end,
                )
            except AmazonError:
                return  # the unit will request it itself, with its own retries
            self._requested_ahead.add(unit.id)

    def _run_unit_guarded(self, sync_id: str, unit_id: int, api: AmazonApi) -> None:
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            unit.status = "running"
            unit.attempts += 1
            unit.started_at = utcnow()
        try:
            self._run_unit(sync_id, unit_id, api)
        except ReportFailed as exc:
            if not self._split(unit_id, str(exc)):
                self._fail_unit(sync_id, unit_id, exc)
        except (Cancelled, AuthorizationRevoked):
            with self.uow() as s:
                s.get_one(SyncUnit, unit_id).status = "cancelled"
            raise
        except (AmazonError, OperationalError) as exc:  # OperationalError: e.g. SQLite busy past its timeout
            if not self._retry_unit(unit_id, exc):
                self._fail_unit(sync_id, unit_id, exc)
        except STORE_REJECTIONS as exc:  # e.g. DataError: this unit's rows were refused, not the run's
            log.warning("the store refused a unit's rows", exc_info=True)
            if not self._retry_unit(unit_id, exc):
                self._fail_unit(sync_id, unit_id, exc)

    def _retry_unit(self, unit_id: int, exc: Exception) -> bool:
        """Give a unit whose calls ran out of retries another go later in this run (bounded)."""
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            if unit.attempts > self.settings.unit_retries:
                return False
            unit.status = "pending"
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

    def _fail_unit(self, sync_id: str, unit_id: int, exc: Exception) -> None:
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            unit.status = "failed"
            unit.error = unit_error(exc)
            _remember_unreadable(unit, exc)
            run = s.get_one(SyncRun, sync_id)
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
                SyncUnit(
                    sync_id=unit.sync_id,
                    stream=unit.stream,
                    marketplace_id=unit.marketplace_id,
                    window_start=mid,
                    window_end=unit.window_end,
                    weight=unit.weight / 2,
                    status="pending",
                )
            )
            unit.window_end = mid
            unit.weight /= 2
            unit.status = "pending"
            unit.attempts = 0
            run = s.get_one(SyncRun, unit.sync_id)
            ledger.add_event(
                s, run, "sync.log", {"level": "warning", "message": f"{unit.stream}: split window ({reason})"}
            )
        return True

    def _run_unit(self, sync_id: str, unit_id: int, api: AmazonApi) -> None:
        with self.uow() as s:
            unit = s.get_one(SyncUnit, unit_id)
            run = s.get_one(SyncRun, sync_id)
            stream = BY_NAME[unit.stream]
            connection_id = run.connection_id
        extracted = extract(api, stream, unit)  # waits for the report outside any transaction
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
                written = self._write(s, spool, sync_id)  # the lock is held for the upserts alone
                unit = s.get_one(SyncUnit, unit_id)
                run = s.get_one(SyncRun, sync_id)
                unit.status = "done"
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
                units = ledger.units_of(s, sync_id)
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

    def _write(self, s: Session, spool: Spool, sync_id: str) -> int:
        """Upsert the spooled records in batches; returns the rows inserted or changed."""
        batches: dict[type[CanonicalRow], list[dict[str, Any]]] = defaultdict(list)
        written = 0
        size = self.settings.batch_size
        for model, values in spool:
            batch = batches[model]
            batch.append(values)
            if len(batch) >= size:
                written += upsert(s, model, batch, sync_id=sync_id).written
                batch.clear()
        for model, batch in batches.items():
            if batch:
                written += upsert(s, model, batch, sync_id=sync_id).written
        return written

    # --- the end ----------------------------------------------------------------------------------

    def _finish(
        self,
        s: Session,
        run: SyncRun,
        status: str,
        error: str | None,
        *,
        message: str | None = None,
        retry: bool = False,
    ) -> None:
        """End the run. ``retry``: a failed run may be queued again by the reaper later (bounded)."""
        units = ledger.units_of(s, run.id)
        run.status = status
        run.error = error
        run.completed_at = utcnow()
        run.lease_owner = None
        run.lease_expires_at = None
        run.progress = 100.0 if status == "completed" else percent(units)
        quarantined = s.scalar(
            select(func.count()).select_from(QuarantinedRow).where(QuarantinedRow.sync_id == run.id)
        )
        rows = sum(u.rows for u in units)
        run.message = message or {
            "completed": f"completed: {rows:,} rows read in {len(units)} units",
            "partial": "completed with missing units",
            "failed": "failed",
        }.get(status, status)
        if status == "failed" and retry:
            when = ledger.plan_retry(
                run,
                max_retries=self.settings.max_run_retries,
                backoff_seconds=self.settings.run_retry_backoff_seconds,
            )
            if when is not None:
                run.message += (
                    f"; retry {run.retries + 1} of {self.settings.max_run_retries} at {when:%H:%M:%S}Z"
                )
        self._merge_api_stats(run)
        run.stats = {
            **(run.stats or {}),
            "units": len(units),
            "rows": rows,
            "quarantined": int(quarantined or 0),
            "counts": canonical_counts(s, run.connection_id),
        }
        if status in ("completed", "partial"):
            conn = s.get_one(AmazonConnection, run.connection_id)
            conn.last_synced_at = run.completed_at
        data: dict[str, Any] = {"status": status, "progress": run.progress, "message": run.message}
        if error:
            data["error"] = error
        if run.next_retry_at is not None:
            data["nextRetryAt"] = run.next_retry_at.isoformat().replace("+00:00", "Z")
        ledger.add_event(
            s, run, f"sync.{'completed' if status in ('completed', 'partial') else status}", data
        )
        ledger.add_agent_event(s, run, status, {"rows": rows, "units": len(units), "error": error})


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
