"""The run's lease: taken when a worker claims the run, kept alive while it runs, handed back on exit.

``ledger.claim_lease`` takes it (one process wins); the ``LeaseKeeper`` thread renews it and turns a
cancel request (a column, so it works across processes) into the job's cancel token; ``hand_back`` lets
it lapse at once so the reaper resumes the run from its checkpoints under the same sync id.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from sellersync.amazon import CancelToken
from sellersync.store.models import SyncRun
from sellersync.store.uow import UnitOfWork
from sellersync.sync import ledger

log = logging.getLogger(__name__)


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


def hand_back(uow: UnitOfWork, sync_id: str, owner: str, message: str) -> None:
    """Let the run's lease lapse now so the reaper resumes it from its checkpoints (same sync id).

    If even this write fails, the lease simply expires on its own; committed units stay either way.
    """
    try:
        with uow() as s:
            run = s.get_one(SyncRun, sync_id)
            if run.lease_owner == owner:
                ledger.hand_back(s, run, message)
    except OperationalError:
        log.warning("could not hand the run back; its lease will expire", exc_info=True)
