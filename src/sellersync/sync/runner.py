"""The embedded JobRunner: syncs run as asyncio tasks of the server process, each in a worker thread.

A reaper resumes syncs whose worker died (expired lease) or that nobody picked up (queued, e.g. after a
restart); the scheduler queues incremental syncs through the same job service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from sellersync.amazon import CancelToken
from sellersync.store.models import AmazonConnection, SyncRun
from sellersync.store.types import utcnow
from sellersync.sync import ledger
from sellersync.sync.progress import ProgressSink
from sellersync.sync.service import JobService, NotConnected, SyncInProgress

log = logging.getLogger(__name__)


class EmbeddedRunner:
    """Implements the ``JobRunner`` port with asyncio tasks and a concurrency bound."""

    def __init__(
        self, jobs: JobService, *, concurrency: int = 4, progress: Callable[[], ProgressSink] | None = None
    ) -> None:
        self.jobs = jobs
        self.concurrency = concurrency
        self._progress = progress
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sem: asyncio.Semaphore | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._tokens: dict[str, CancelToken] = {}
        self._background: list[asyncio.Task[None]] = []

    async def start(self, *, reaper_interval: float, schedule_interval: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._sem = asyncio.Semaphore(self.concurrency)
        self._background = [
            asyncio.create_task(self._every(reaper_interval, self.reap), name="sync-reaper"),
            asyncio.create_task(self._every(schedule_interval, self.schedule), name="sync-scheduler"),
        ]

    def add_periodic(self, name: str, seconds: float, fn: Callable[[], None]) -> None:
        """Also run ``fn`` in a worker thread every ``seconds`` until stop (e.g. the daily digest)."""
        self._background.append(asyncio.create_task(self._every(seconds, fn), name=name))

    async def stop(self, timeout: float = 30.0) -> None:
        for task in self._background:
            task.cancel()
        for token in self._tokens.values():
            token.cancel()  # the jobs hand their runs back (not cancelled): they resume on next start
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    # --- JobRunner port ---------------------------------------------------------------------------

    def submit(self, sync_id: str) -> None:
        """Thread-safe: run the sync soon (no-op if it already runs here)."""
        if self._loop is None:
            raise RuntimeError("runner not started")
        self._loop.call_soon_threadsafe(self._spawn, sync_id)

    def running(self) -> set[str]:
        return set(self._tasks)

    def _spawn(self, sync_id: str) -> None:
        if sync_id in self._tasks:
            return
        self._tasks[sync_id] = asyncio.create_task(self._run(sync_id), name=f"sync-{sync_id[:8]}")

    async def _run(self, sync_id: str) -> None:
        assert self._sem is not None
        try:
            async with self._sem:
                token = CancelToken()
                self._tokens[sync_id] = token
                progress = self._progress() if self._progress else None
                await asyncio.to_thread(self.jobs.run, sync_id, progress=progress, token=token)
        except Exception:
            log.exception("sync crashed", extra={"sync_id": sync_id})
        finally:
            self._tokens.pop(sync_id, None)
            self._tasks.pop(sync_id, None)

    def cancel_local(self, sync_id: str) -> None:
        token = self._tokens.get(sync_id)
        if token is not None:
            token.cancel()

    # --- periodic work ----------------------------------------------------------------------------

    async def _every(self, seconds: float, fn: Callable[[], None]) -> None:
        while True:
            try:
                await asyncio.to_thread(fn)
            except Exception:
                log.exception("periodic task failed", extra={"task": getattr(fn, "__name__", "?")})
            await asyncio.sleep(seconds)

    def reap(self) -> None:
        """Resume syncs whose lease expired, queued syncs nobody is running, and failed syncs due a retry."""
        now = utcnow()
        self.retry_due(now)
        with self.jobs.uow() as s:
            ids = list(
                s.scalars(
                    select(SyncRun.id).where(
                        or_(
                            SyncRun.status == "queued",
                            (SyncRun.status == "running")
                            & or_(SyncRun.lease_expires_at.is_(None), SyncRun.lease_expires_at < now),
                        )
                    )
                )
            )
        for sync_id in ids:
            if sync_id not in self._tasks:
                self.submit(sync_id)

    def retry_due(self, now: datetime) -> None:
        """Queue again, under the same id, the syncs that gave up and whose retry time has come."""
        with self.jobs.uow() as s:
            due = ledger.due_retries(s, now)
        for sync_id in due:
            try:
                with self.jobs.uow() as s:
                    ledger.requeue_for_retry(s, sync_id, now)
            except IntegrityError:  # another run of the connection is active: it does the work
                with self.jobs.uow() as s:
                    ledger.clear_retry(s, sync_id, "another sync of the connection is active")

    def schedule(self) -> None:
        """Queue an incremental sync for each connection whose schedule is due."""
        now = utcnow()
        with self.jobs.uow() as s:
            conns = list(
                s.execute(
                    select(
                        AmazonConnection.id,
                        AmazonConnection.workspace_id,
                        AmazonConnection.schedule_interval_hours,
                    ).where(AmazonConnection.schedule_enabled.is_(True), AmazonConnection.status == "active")
                )
            )
            due = []
            for conn_id, ws_id, hours in conns:
                last = s.scalar(
                    select(SyncRun.created_at)
                    .where(SyncRun.connection_id == conn_id)
                    .order_by(SyncRun.created_at.desc())
                    .limit(1)
                )
                # a connection never synced waits for its first (OAuth or manual) sync
                if last is not None and last < now - timedelta(hours=hours):
                    due.append((conn_id, ws_id))
        for conn_id, ws_id in due:
            try:
                self.jobs.start(workspace_id=ws_id, connection_id=conn_id, trigger="schedule")
            except (SyncInProgress, NotConnected):
                continue
