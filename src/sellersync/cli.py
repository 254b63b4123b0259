"""The ``sellersync`` command line: db, emulator, connections, sync, demo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from sellersync.config import Settings, UnsafeSettings, get_settings
from sellersync.foreground import CliError, add_dev_connection, console, run_sync_foreground

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def one_line(exc: BaseException) -> str:
    """The message a person can act on, for the errors the commands can meet (never a traceback)."""
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

    from sellersync.secrets import SecretKeyMissing

    if isinstance(exc, CliError):
        return str(exc)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        name = f"SELLERSYNC_{where.upper()}" if where else "the SELLERSYNC_* settings"
        return f"invalid configuration: {name}: {first.get('msg', exc)}; fix the environment variable"
    if isinstance(exc, SecretKeyMissing):
        return (
            "SELLERSYNC_SECRET_KEY must be set outside development: set it (see docs/going-live.md) "
            "or run with SELLERSYNC_ENV=development"
        )
    if isinstance(exc, OperationalError | ArgumentError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return (
            f"cannot use the database ({detail}): check SELLERSYNC_DATABASE_URL and that the database is up"
        )
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _App(typer.Typer):
    """A Typer app whose commands fail like a tool: one red line naming the fix, exit status 1."""

    def __call__(self, *args: object, **kwargs: object) -> object:
        import os
        import sys

        try:
            return super().__call__(*args, **kwargs)
        except (SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("SELLERSYNC_DEBUG"):
                raise
            typer.secho(f"error: {one_line(exc)}", fg="red", err=True)
            sys.exit(1)


def _fail(message: str) -> None:
    raise CliError(message)


def _settings() -> Settings:
    return get_settings()


def _migrate(settings: Settings) -> None:
    from sellersync.store import migrate

    migrate.upgrade(settings.database_url)


app = _App(
    help="sellersync: Amazon SP-API sync and FBA reimbursement detection.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
connections_app = typer.Typer(help="Amazon connections.", no_args_is_help=True)
costs_app = typer.Typer(help="Unit costs of the seller's products.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(connections_app, name="connections")
app.add_typer(costs_app, name="costs")


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
    from sellersync.cli_admin import region_of

    settings = _settings()
    connection_id = add_dev_connection(
        settings, refresh_token, region_of(region, settings), seller_id, workspace
    )
    typer.echo(connection_id)


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
    status = run_sync_foreground(_settings(), connection)
    raise typer.Exit(0 if status in ("completed", "partial") else 1)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "info",
    emulator: Annotated[
        bool,
        typer.Option(
            "--emulator",
            help="Development only: start the SP-API emulator (NA and EU worlds, seed 1) in this process "
            "and call it instead of Amazon (endpoints, consent page, LWA credentials).",
        ),
    ] = False,
    emulator_speed: Annotated[
        float, typer.Option(help="With --emulator: its speed (rate limits x, report times /).")
    ] = 200.0,
) -> None:
    """Run the HTTP API (and the embedded job runner) after applying migrations."""
    import logging
    from contextlib import ExitStack

    import uvicorn

    from sellersync.accounts.oauth import redirect_uri
    from sellersync.app import create_app
    from sellersync.logs import configure_logging

    settings = _settings()
    if emulator and settings.env != "development":
        _fail("--emulator is for development only: unset SELLERSYNC_ENV (or set it to development)")
    if settings.env != "development" and not settings.secret_key:
        _fail("SELLERSYNC_SECRET_KEY must be set outside development (see docs/going-live.md)")
    configure_logging(log_level.upper())
    _migrate(settings)
    if "public_url" not in settings.model_fields_set:
        # unset: this server's own address, so the OAuth redirect_uri comes back to it on any --port
        settings = settings.model_copy(update={"public_url": own_url(host, port)})
    with ExitStack() as stack:
        if emulator:
            settings = stack.enter_context(_embedded_emulator(settings, emulator_speed))
        log = logging.getLogger("sellersync.serve")
        log.info("amazon endpoints: " + describe_endpoints(settings))
        log.info(f"public URL {settings.public_url}; OAuth redirect_uri {redirect_uri(settings)}")
        try:
            app_ = create_app(settings)
        except UnsafeSettings as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        # Forwarded headers are read by the app, and only from SELLERSYNC_TRUSTED_PROXIES: uvicorn's own
        # default would believe X-Forwarded-For from 127.0.0.1.
        uvicorn.run(app_, host=host, port=port, log_level=log_level, log_config=None, proxy_headers=False)


def own_url(host: str, port: int) -> str:
    """``http://host:port`` of a server bound to ``host`` (a wildcard address: the loopback one)."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def describe_endpoints(settings: Settings) -> str:
    """``NA https://…, EU https://…; LWA https://…``: what this server will call, per region."""
    from sellersync.amazon.regions import REGIONS

    regions = [r for r in settings.region_list() if r in REGIONS]
    spapi = ", ".join(f"{r} {settings.endpoint_for(r)}" for r in regions)
    consent = ", ".join(
        f"{r} {settings.consent_base_for(r) or 'https://' + REGIONS[r].consent_host}" for r in regions
    )
    return f"SP-API {spapi}; LWA {settings.lwa_endpoint}; consent {consent}"


@contextmanager
def _embedded_emulator(settings: Settings, speed: float) -> Iterator[Settings]:
    """The emulator in a background thread; settings that point every Amazon call at it."""
    from sellersync.emulator.embedded import serve_in_thread
    from sellersync.emulator.lwa import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
    from sellersync.emulator.server import create_server_app

    app, worlds = create_server_app(
        seed=1,
        speed=speed,
        regions=["NA", "EU"],
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
    )
    with serve_in_thread(app) as url:
        endpoints = {code: f"{url}/{code.lower()}" for code in worlds}
        console.print(
            "emulator: "
            + ", ".join(f"{code} seller {w.seller_id} at {endpoints[code]}" for code, w in worlds.items()),
            highlight=False,
            soft_wrap=True,
        )
        yield settings.model_copy(
            update={
                "spapi_endpoint": "",
                "spapi_endpoints": endpoints,
                "consent_urls": endpoints,
                "consent_url": "",
                "lwa_endpoint": f"{url}/auth/o2/token",
                "lwa_client_id": DEFAULT_CLIENT_ID,
                "lwa_client_secret": DEFAULT_CLIENT_SECRET,
                "regions": ",".join(worlds),
                "report_poll_initial_seconds": min(settings.report_poll_initial_seconds, 0.1),
                "retry_backoff_seconds": min(settings.retry_backoff_seconds, 0.1),
            }
        )


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
    region: Annotated[
        list[str] | None,
        typer.Option(help="NA or EU; repeat (--region NA --region EU) to serve each under /<region>."),
    ] = None,
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
        region=region or ["NA"],
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
    from sellersync.store.models import AmazonConnection, SyncRun

    try:
        as_of = date.fromisoformat(today) if today else None
    except ValueError:
        raise CliError(f"--today {today!r} is not a date: use YYYY-MM-DD, e.g. 2025-06-01") from None
    settings = _settings()
    _migrate(settings)
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            if s.get(AmazonConnection, connection) is None:
                raise CliError(f"no connection {connection}: `sellersync connections list` shows the ids")
            run = s.get(SyncRun, sync_id) if sync_id else None
            if sync_id and (run is None or run.connection_id != connection):
                raise CliError(
                    f"no sync {sync_id} of connection {connection}: omit --sync-id to use the latest"
                )
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
                today=as_of,
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


digest_app = typer.Typer(help="The daily digest of claims (e-mail and/or webhook).", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("send")
def digest_send(
    workspace: Annotated[int | None, typer.Option("--workspace", help="Only this workspace id.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the digest; send and record nothing.")
    ] = False,
) -> None:
    """Send today's digest now (at most once a day per workspace and channel) and retry failed ones."""
    from sellersync.digest import render
    from sellersync.digest.schedule import compose_for, day_rows, enabled_channels, period_start, run_digests
    from sellersync.runtime import build_runtime
    from sellersync.store import migrate
    from sellersync.store.models import Workspace
    from sellersync.store.types import utcnow

    settings = get_settings()
    migrate.upgrade(settings.database_url)
    rt = build_runtime(settings)
    try:
        now = utcnow()
        if dry_run:
            with rt.uow() as s:
                ids = [workspace] if workspace is not None else [w.id for w in s.query(Workspace)]
                for ws in ids:
                    if s.get(Workspace, ws) is None:
                        console.print(f"[red]no workspace {ws}[/red]")
                        raise typer.Exit(1)
                    d = compose_for(s, settings, ws, period_start(s, ws, None, now), now)
                    typer.echo(f"Subject: {render.subject(d)}\n\n{render.text(d)}")
            return
        if not enabled_channels(settings):
            console.print(
                "[red]no digest channel is configured: set SELLERSYNC_DIGEST_SMTP_HOST and/or "
                "SELLERSYNC_DIGEST_WEBHOOK_URL[/red]"
            )
            raise typer.Exit(1)
        run_digests(rt.uow, settings, now=now, workspace_id=workspace)
        rows = day_rows(rt.uow, workspace, now.date())
        for r in rows:
            note = f" ({r.error})" if r.error else ""
            typer.echo(
                f"workspace {r.workspace_id} {r.day} {r.channel}: {r.status}, {r.attempts} attempts{note}"
            )
        if any(r.status in ("failed", "gave_up") for r in rows):
            raise typer.Exit(1)
    finally:
        rt.close()


@costs_app.command("import")
def costs_import_command(
    file: Annotated[str, typer.Argument(help="CSV with a header: sku,cost,currency[,marketplace]")],
    connection: Annotated[int, typer.Option("--connection", help="Connection id.")],
) -> None:
    """Import unit costs from a CSV and re-value the claims they price (no detection run needed)."""
    from pathlib import Path

    from sellersync.claims.costs import import_costs, parse_costs_csv
    from sellersync.runtime import build_runtime
    from sellersync.store import migrate
    from sellersync.store.models import AmazonConnection

    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]cannot read {file}: {exc}[/red]")
        raise typer.Exit(1) from None
    settings = get_settings()
    migrate.upgrade(settings.database_url)
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            if s.get(AmazonConnection, connection) is None:
                console.print(f"[red]connection {connection} not found[/red]")
                raise typer.Exit(1)
            imported, revalued, errors = import_costs(s, connection, parse_costs_csv(text))
    finally:
        rt.close()
    for e in errors:
        console.print(f"[yellow]line {e['line']}: {e['reason']}[/yellow]")
    console.print(
        f"imported {imported} unit costs; re-valued {revalued} claims; {len(errors)} lines with errors"
    )
    if errors and not imported:
        raise typer.Exit(1)


def _register_admin_commands() -> None:
    """connections add/list/remove, users list/reset-password, secrets rotate (in cli_admin)."""
    import sellersync.cli_admin  # noqa: F401


_register_admin_commands()

if __name__ == "__main__":
    # run as `python -m sellersync.cli`: the commands registered on the imported module's app
    from sellersync.cli import app as _app

    _app()
