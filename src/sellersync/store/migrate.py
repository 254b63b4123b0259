"""Run Alembic migrations programmatically (``sellersync db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from sellersync.store.engine import normalize_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> set[str]:
    """The revisions the database is at (one per branch)."""
    from alembic.runtime.migration import MigrationContext

    from sellersync.store.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        revs = set(MigrationContext.configure(conn).get_current_heads())
    engine.dispose()
    return revs


def heads() -> set[str]:
    """The newest revision of every branch in the migration scripts."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
