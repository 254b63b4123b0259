"""Running the product in this process, for a person at a terminal: register a development connection,
run one sync in the foreground with progress bars. The CLI (``sellersync sync``, ``connections
add-dev``) and the demo both call these; neither imports the other.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

from rich.console import Console

from sellersync.config import Settings

if TYPE_CHECKING:
    from sellersync.amazon import CancelToken
    from sellersync.sync.job import SyncJob

console = Console()


class CliError(Exception):
    """Wrong input or environment: printed as one line naming the fix; the command exits 1."""


def add_dev_connection(
    settings: Settings, refresh_token: str, region: str, seller_id: str, workspace: str
) -> int:
    from sellersync.connections import add_connection, default_workspace
    from sellersync.runtime import build_runtime
    from sellersync.store import migrate

    migrate.upgrade(settings.database_url)
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            ws = default_workspace(s, workspace)
            sp_id = seller_id or "DEV" + hashlib.sha256(refresh_token.encode()).hexdigest()[:10].upper()
            conn = add_connection(
                s,
                rt.box,
                workspace_id=ws.id,
                selling_partner_id=sp_id,
                region=region,
                refresh_token=refresh_token,
            )
            return conn.id
    finally:
        rt.close()


def _resume_while_interrupted(
    settings: Settings, job: SyncJob, sync_id: str, token: CancelToken, status: str | None
) -> str | None:
    """The database went away mid-run (e.g. SQLite busy): resume from the checkpoints, a few times."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(settings.max_attempts):
        if status != "interrupted" and not (status is None and attempt > 0):
            return status
        delay = settings.retry_backoff_seconds * 2**attempt
        console.print(f"[yellow]sync {sync_id} was interrupted; resuming in {delay:.0f} s[/yellow]")
        time.sleep(delay)
        try:
            status = job.run(sync_id, token)
        except OperationalError:  # still unavailable: not even the run could be claimed
            status = "interrupted"
    return status


def run_sync_foreground(settings: Settings, connection_id: int, trigger: str = "cli") -> str:
    from sellersync.amazon import CancelToken
    from sellersync.cli_progress import RichProgress, summary_table
    from sellersync.runtime import build_runtime
    from sellersync.store import migrate
    from sellersync.store.models import AmazonConnection
    from sellersync.sync.report import summarize
    from sellersync.sync.service import SyncInProgress

    migrate.upgrade(settings.database_url)
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            conn = s.get(AmazonConnection, connection_id)
            if conn is None:
                raise CliError(f"no connection {connection_id}: `sellersync connections list` shows the ids")
            workspace_id = conn.workspace_id
        try:
            sync_id = rt.jobs.start(workspace_id=workspace_id, connection_id=connection_id, trigger=trigger)
            console.print(f"sync [bold]{sync_id}[/bold] started")
        except SyncInProgress as exc:
            sync_id = exc.sync_id  # resumed below if its worker died (expired lease)
            console.print(
                f"sync [bold]{sync_id}[/bold] is active for this connection; resuming it if orphaned"
            )
        token = CancelToken()
        job = rt.jobs.job()
        with RichProgress(console) as bars:
            job.progress = bars
            try:
                status = job.run(sync_id, token)
                status = _resume_while_interrupted(settings, job, sync_id, token, status)
            except KeyboardInterrupt:
                rt.jobs.cancel(sync_id)
                token.cancel()
                status = "cancelled"
        if status is None:
            console.print(f"[yellow]sync {sync_id} is running in another process[/yellow]")
            return "failed"
        with rt.uow() as s:
            summary = summarize(s, sync_id)
        for table in summary_table(summary, job.last_stats):
            console.print(table)
        if summary.error:
            console.print(f"[red]{summary.error}[/red]")
        return status or summary.status
    finally:
        rt.close()
