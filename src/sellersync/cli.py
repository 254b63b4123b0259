"""The ``sellersync`` command line: db, emulator, connections, sync, demo."""

from __future__ import annotations

import hashlib
from typing import Annotated

import typer
from rich.console import Console

from sellersync.config import Settings, get_settings

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


@app.command("sync")
def sync_command(
    connection: Annotated[int, typer.Option("--connection", help="Connection id.")],
) -> None:
    """Run a sync of one connection in the foreground, with progress bars and a summary."""
    status = run_sync_foreground(get_settings(), connection)
    raise typer.Exit(0 if status in ("completed", "partial") else 1)


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
        latency_ms=latency_ms,
        truncate_documents_rate=truncate_documents_rate,
        fatal_reports_rate=fatal_reports_rate,
        cancelled_reports_rate=cancelled_reports_rate,
        revoke_refresh_tokens=revoke_refresh_tokens,
        deny_consent=deny_consent,
    )


if __name__ == "__main__":
    app()
