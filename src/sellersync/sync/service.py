"""The job service: the only way a sync starts, whatever the trigger (CLI, API, OAuth callback, schedule)."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sellersync.amazon import CancelToken
from sellersync.config import Settings
from sellersync.secrets import SecretBox
from sellersync.store.models import AmazonConnection, SyncRun
from sellersync.store.uow import UnitOfWork
from sellersync.sync import ledger, states
from sellersync.sync.amazon_api import AmazonApiFactory
from sellersync.sync.job import SyncJob
from sellersync.sync.progress import ProgressSink


class SyncInProgress(Exception):
    def __init__(self, sync_id: str) -> None:
        super().__init__(f"sync {sync_id} is already active for this connection")
        self.sync_id = sync_id


class NotConnected(Exception):
    """No usable Amazon connection (none, disconnected, or waiting for the seller to reconnect)."""


class SyncNotFound(LookupError):
    pass


class JobRunner(Protocol):
    """Runs queued syncs somewhere (in-process tasks now; distributed workers later)."""

    def submit(self, sync_id: str) -> None: ...


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobService:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        settings: Settings,
        api_factory: AmazonApiFactory | None = None,
        box: SecretBox | None = None,
        runner: JobRunner | None = None,
    ) -> None:
        self.uow = uow
        self.settings = settings
        self.api_factory = api_factory or AmazonApiFactory(settings)
        self.box = box or SecretBox.from_settings(settings)
        self.runner = runner
        self.owner = worker_id()

    def start(self, *, workspace_id: int, connection_id: int | None = None, trigger: str = "manual") -> str:
        """Queue a sync and return its id at once; at most one active sync per connection."""
        with self.uow() as s:
            query = select(AmazonConnection).where(AmazonConnection.workspace_id == workspace_id)
            if connection_id is not None:
                query = query.where(AmazonConnection.id == connection_id)
            conn = s.scalars(query.order_by(AmazonConnection.id)).first()
            if conn is None or conn.status != "active" or not conn.refresh_token_encrypted:
                raise NotConnected(
                    "no Amazon connection" if conn is None else f"Amazon connection is {conn.status}"
                )
            conn_id = conn.id
        sync_id = str(uuid.uuid4())
        try:
            with self.uow() as s:
                s.add(
                    states.new_run(
                        id=sync_id,
                        workspace_id=workspace_id,
                        connection_id=conn_id,
                        trigger=trigger,
                        message="queued",
                    )
                )
        except IntegrityError:
            with self.uow() as s:
                active = ledger.active_run(s, conn_id)
            if active is None:  # it finished between our insert and this read: try once more
                return self.start(workspace_id=workspace_id, connection_id=conn_id, trigger=trigger)
            raise SyncInProgress(active.id) from None
        if self.runner is not None:
            self.runner.submit(sync_id)
        return sync_id

    def cancel(self, sync_id: str, *, workspace_id: int | None = None) -> str:
        """Ask a sync to stop; a queued one is cancelled at once. Returns its status."""
        with self.uow() as s:
            run = s.get(SyncRun, sync_id)
            if run is None or (workspace_id is not None and run.workspace_id != workspace_id):
                raise SyncNotFound(sync_id)
            if run.status in ledger.TERMINAL:
                return run.status
            run.cancel_requested = True
            if states.cancel_queued(run):
                ledger.add_event(s, run, "sync.cancelled", {"status": "cancelled", "message": "cancelled"})
            return run.status

    def job(self, progress: ProgressSink | None = None) -> SyncJob:
        return SyncJob(
            uow=self.uow,
            settings=self.settings,
            api_factory=self.api_factory,
            box=self.box,
            owner=self.owner,
            progress=progress,
        )

    def run(
        self, sync_id: str, *, progress: ProgressSink | None = None, token: CancelToken | None = None
    ) -> str | None:
        """Run a queued (or orphaned) sync in this thread until it ends."""
        return self.job(progress).run(sync_id, token)
