"""The ``sellersync`` command line: db, emulator, connections, sync, demo."""

from __future__ import annotations

import typer

from sellersync.config import get_settings

app = typer.Typer(help="sellersync: Amazon SP-API sync and FBA reimbursement detection.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply Alembic migrations to SELLERSYNC_DATABASE_URL."""
    from sellersync.store import migrate

    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {migrate.current(get_settings().database_url)}")


if __name__ == "__main__":
    app()
