"""The ``sellersync`` command line: db, emulator, connections, sync, demo."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from sellersync.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sellersync.amazon import CancelToken
    from sellersync.sync.job import SyncJob

app = typer.Typer(
    help="sellersync: Amazon SP-API sync and FBA reimbursement detection.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
connections_app = typer.Typer(help="Amazon connections.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(connections_app, name="connections")
console = Console()


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads")) -> None:
    """Apply Alembic migrations to SELLERSYNC_DATABASE_URL."""
    from sellersync.store import migrate

    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {', '.join(sorted(migrate.current(get_settings().database_url)))}")


@connections_app.command("add-dev")
def connections_add_dev(
    refresh_token: Annotated[str, typer.Option(help="An LWA refresh token (e.g. the emulator's).")],
    region: Annotated[str, typer.Option(help="NA, EU or FE.")] = "NA",
    seller_id: Annotated[
        str, typer.Option(help="selling_partner_id; derived from the token if absent.")
    ] = "",
    workspace: Annotated[str, typer.Option(help="Workspace name.")] = "Default",
) -> None:
    """Register a connection from a refresh token, for development. Prints its id on the last line."""
    connection_id = add_dev_connection(get_settings(), refresh_token, region.upper(), seller_id, workspace)
    typer.echo(connection_id)


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


users_app = typer.Typer(help="Users of the dashboard and the API.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens of users.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="E-mail address (the sign-in name).")],
    password: Annotated[str, typer.Option(help="Password (8 characters or more).")],
    workspace: Annotated[str, typer.Option(help="Workspace name (created if new).")] = "Default",
    role: Annotated[str, typer.Option(help="owner, member or read_only.")] = "owner",
) -> None:
    """Create a user in a workspace. Prints the user id on the last line."""
    from sellersync.accounts import service as accounts

    def create(s: Session) -> str:
        return str(accounts.create_user(s, email=email, password=password, workspace=workspace, role=role).id)

    typer.echo(_accounts_call(create))


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Option(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="A label for the token.")] = "cli",
) -> None:
    """Create an API token for a user. Prints the token (shown only once) on the last line."""
    from sellersync.accounts import service as accounts

    def create(s: Session) -> str:
        user = accounts.user_by_email(s, email)
        if user is None:
            raise accounts.AccountError(f"no user with e-mail {email}")
        return accounts.create_token(s, user.id, name)[1]

    typer.echo(_accounts_call(create))


def _accounts_call(action: Callable[[Session], str]) -> str:
    from sellersync.accounts.service import AccountError
    from sellersync.store import migrate
    from sellersync.store.engine import make_engine, make_session_factory
    from sellersync.store.uow import UnitOfWork

    settings = get_settings()
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(make_session_factory(engine))() as s:
            return action(s)
    except AccountError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@app.command("sync")
def sync_command(
    connection: Annotated[int, typer.Option("--connection", help="Connection id.")],
) -> None:
    """Run a sync of one connection in the foreground, with progress bars and a summary."""
    status = run_sync_foreground(get_settings(), connection)
    raise typer.Exit(0 if status in ("completed", "partial") else 1)


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
                console.print(f"[red]no connection {connection_id}[/red]")
                return "failed"
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


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "info",
) -> None:
    """Run the HTTP API (and the embedded job runner) after applying migrations."""
    import uvicorn

    from sellersync.api.app import create_app
    from sellersync.logs import configure_logging
    from sellersync.store import migrate

    settings = get_settings()
    configure_logging(log_level.upper())
    migrate.upgrade(settings.database_url)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, log_config=None)


@app.command("demo")
def demo_command(
    seed: Annotated[int, typer.Option(help="World seed.")] = 1,
    scenario: Annotated[str, typer.Option(help="clean, typical or messy.")] = "typical",
    size: Annotated[str, typer.Option(help="small, medium, large or a number of orders.")] = "small",
    speed: Annotated[float, typer.Option(help="Emulator speed (rate limits and report times).")] = 2000.0,
) -> None:
    """Sync a seeded seller from the embedded emulator into the configured database, and report."""
    from sellersync.demo import run_demo

    status = run_demo(get_settings(), console, seed=seed, scenario=scenario, size=size, speed=speed)
    raise typer.Exit(0 if status in ("completed", "partial") else 1)


@app.command("emulator")
def emulator_command(
    port: int = 8100,
    host: str = "127.0.0.1",
    seed: int = 1,
    scenario: str = "typical",
    size: str = "small",
    speed: float = 1.0,
    region: str = "NA",
    anchor: str = "",
    truth_file: str = "",
    error_5xx_rate: float = 0.0,
    throttle_bursts: str = "",
    throttle_rate: float = 0.0,
    latency_ms: int = 0,
    truncate_documents_rate: float = 0.0,
    fatal_reports_rate: float = 0.0,
    cancelled_reports_rate: float = 0.0,
    revoke_refresh_tokens: bool = False,
    deny_consent: bool = False,
) -> None:
    """Run the SP-API emulator (LWA, Orders, Reports, Finances, FBA Inventory, Inbound, Sellers)."""
    from sellersync.emulator.server import serve

    serve(
        host=host,
        port=port,
        seed=seed,
        scenario=scenario,
        size=size,
        speed=speed,
        region=region,
        anchor=anchor or None,
        truth_file=truth_file or None,
        error_5xx_rate=error_5xx_rate,
        throttle_bursts=throttle_bursts or None,
        throttle_rate=throttle_rate,
        latency_ms=latency_ms,
        truncate_documents_rate=truncate_documents_rate,
        fatal_reports_rate=fatal_reports_rate,
        cancelled_reports_rate=cancelled_reports_rate,
        revoke_refresh_tokens=revoke_refresh_tokens,
        deny_consent=deny_consent,
    )


@app.command("detect")
def detect_command(
    connection: Annotated[int, typer.Option("--connection", help="Connection id.")],
    today: Annotated[
        str, typer.Option(help="Evaluate policy windows as of this date (YYYY-MM-DD); default today (UTC).")
    ] = "",
    sync_id: Annotated[str, typer.Option("--sync-id", help="Defaults to the latest completed sync.")] = "",
) -> None:
    """Run claim detection for a connection; print its claims by type and window and the recoverable total."""
    from datetime import date

    from sellersync.cli_progress import claims_table
    from sellersync.detect.service import ConnectionNotFound, DetectionFailed, latest_sync_id, run_detection
    from sellersync.runtime import build_runtime
    from sellersync.store import migrate

    settings = get_settings()
    migrate.upgrade(settings.database_url)
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            sid = sync_id or latest_sync_id(s, connection)
        if not sid:
            console.print(
                f"[red]connection {connection} has no completed sync: run `sellersync sync` first[/red]"
            )
            raise typer.Exit(1)
        try:
            result = run_detection(
                rt.uow,
                settings,
                connection_id=connection,
                sync_id=sid,
                today=date.fromisoformat(today) if today else None,
            )
        except (ConnectionNotFound, DetectionFailed) as exc:
            console.print(f"[red]detection failed: {exc}[/red]")
            raise typer.Exit(1) from None
        with rt.uow() as s:
            table = claims_table(
                s, connection, title=f"Claims of connection {connection} (as of {result.today})"
            )
        console.print(table)
        total = ", ".join(f"{v} {c}" for c, v in result.recoverable.items()) or "0"
        now = ", ".join(f"{v} {c}" for c, v in result.fileable_now.items()) or "0"
        console.print(
            f"{result.claims_found} claims; recoverable (not expired): {total}; fileable now: {now}; "
            f"detection run {result.detection_run_id}"
        )
    finally:
        rt.close()


if __name__ == "__main__":
    app()
