"""Run one sync: claim it, plan its units once, run each unit in its own transaction, finish it.

Every trigger ends here (through the job service). The run's state lives in SQL, so a crash costs
time, never data: the next claim resumes from the units that are not done. The steps live in their
own modules: ``lease`` (claim, keep, hand back), ``planning`` (the units, once), ``unit_runner`` (one
unit), ``finish`` (how the run ended); every status change is a named transition in ``states``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import structlog
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sellersync.amazon import AmazonError, AuthorizationRevoked, Cancelled, CancelToken
from sellersync.config import Settings
from sellersync.connections import refresh_token_of
from sellersync.secrets import SecretBox
from sellersync.store.models import AmazonConnection, SyncRun
from sellersync.store.uow import UnitOfWork
from sellersync.sync import ledger, states
from sellersync.sync.amazon_api import AmazonApi, AmazonApiFactory
from sellersync.sync.finish import finish_run, outcome
from sellersync.sync.lease import LeaseKeeper, hand_back
from sellersync.sync.planning import ensure_plan
from sellersync.sync.progress import NullProgress, ProgressSink
from sellersync.sync.states import RunStatus
from sellersync.sync.unit_runner import UnitRunner, unit_error, unreadable_reports

__all__ = ["LeaseKeeper", "SyncJob", "unit_error"]

log = logging.getLogger(__name__)


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
                why = f"gave up after {run.attempt - 1} failed attempts"
                self._finish(s, run, RunStatus.FAILED, why, retry=True)
                return RunStatus.FAILED
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
                self._finish(s, run, RunStatus.FAILED, f"connection cannot be used: {exc}")
                return RunStatus.FAILED
        keeper = LeaseKeeper(self.uow, sync_id, self.owner, self.lease, token)
        keeper.start()
        api = self.api_factory.for_connection(run.connection_id, refresh_token, token, region=region)
        api.reports.unreadable |= unreadable_reports(self.uow, run.connection_id)
        self._api, self._stats_saved = api, False
        structlog.contextvars.bind_contextvars(sync_id=sync_id)
        log.info("sync running", extra={"attempt": run.attempt})
        try:
            status = self._run(sync_id, api, token)
            log.info("sync ended", extra={"status": status})
            if status in (RunStatus.COMPLETED, RunStatus.PARTIAL) and self.settings.detect_after_sync:
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

    def _run(self, sync_id: str, api: AmazonApi, token: CancelToken) -> str:
        """Plan, run the pending units in order, finish; every way out of it ends or hands back the run."""
        units = UnitRunner(
            uow=self.uow,
            settings=self.settings,
            api=api,
            sync_id=sync_id,
            lease=self.lease,
            progress=self.progress,
            requested_ahead=self._requested_ahead,
        )
        try:
            ensure_plan(self.uow, self.settings, sync_id, api, self.progress)
            with self.uow() as s:
                states.reopen_unfinished(s, sync_id)
            while (unit_id := units.next_unit()) is not None:
                token.raise_if_cancelled()
                units.request_ahead(unit_id)
                units.run(unit_id)
        except Cancelled:
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                if run.lease_owner != self.owner:
                    return run.status  # someone else owns it now: leave it alone
                if not run.cancel_requested:
                    # this process is shutting down: hand the run back to be resumed, not cancelled
                    ledger.hand_back(s, run, "interrupted; it will resume")
                    return "interrupted"
            pending = api.reports.cancel_pending(sorted(api.reports.requested))
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                msg = "cancelled; committed units are kept"
                if pending:
                    msg += f"; {len(pending)} requested report(s) cancelled"
                self._finish(s, run, RunStatus.CANCELLED, None, message=msg)
            return RunStatus.CANCELLED
        except AuthorizationRevoked:
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                conn = s.get_one(AmazonConnection, run.connection_id)
                conn.status = "reconnect_required"
                why = "Amazon refused the stored authorization (invalid_grant): reconnect the seller account"
                self._finish(s, run, RunStatus.FAILED, why)
            return RunStatus.FAILED
        except AmazonError as exc:
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                self._finish(s, run, RunStatus.FAILED, f"{type(exc).__name__}: {exc}", retry=True)
            return RunStatus.FAILED
        except OperationalError as exc:  # the database is unavailable for now (SQLite busy, PG restarting)
            log.warning("database unavailable; the run is handed back to resume", exc_info=True)
            cause = type(exc.orig or exc).__name__
            hand_back(self.uow, sync_id, self.owner, f"database unavailable ({cause}); it will resume")
            return "interrupted"
        except Exception as exc:  # a bug or a broken database must end the run visibly, not leave it hanging
            log.exception("sync failed unexpectedly")
            with self.uow() as s:
                run = s.get_one(SyncRun, sync_id)
                why = f"internal error: {type(exc).__name__}: {exc}"
                self._finish(s, run, RunStatus.FAILED, why, retry=True)
            return RunStatus.FAILED
        with self.uow() as s:
            status, error = outcome(s, sync_id)
            self._finish(s, s.get_one(SyncRun, sync_id), status, error, retry=True)
        return status

    def _finish(
        self,
        s: Session,
        run: SyncRun,
        status: RunStatus,
        error: str | None,
        *,
        message: str | None = None,
        retry: bool = False,
    ) -> None:
        finish_run(
            s,
            run,
            status,
            error,
            settings=self.settings,
            merge_api_stats=self._merge_api_stats,
            message=message,
            retry=retry,
        )

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

    def _detect(self, sync_id: str, connection_id: int) -> None:
        """Chain the detection job on the data this sync left (its own run, status and event)."""
        from sellersync.detect.service import run_detection

        try:
            run_detection(self.uow, self.settings, connection_id=connection_id, sync_id=sync_id)
        except Exception:  # recorded on the detection run; the sync itself stays completed
            log.exception("detection after sync failed")
