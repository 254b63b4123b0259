"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when SELLERSYNC_TEST_PG_URL is set.

Migrations run once per test session into a template; every test gets its own copy of it:
on SQLite a file copy of the migrated template file, on PostgreSQL ``CREATE DATABASE … TEMPLATE``
(measured faster here than emptying one shared database with TRUNCATE, and every test starts from
exactly what the migrations built). Tests of the migrations themselves (``tests/store``) still run
them for real, on an empty database of their own (``fresh_db``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from sellersync.store import migrate
from sellersync.store.engine import make_engine, make_session_factory
from sellersync.store.uow import UnitOfWork

PG_URL = os.environ.get("SELLERSYNC_TEST_PG_URL", "")
DIALECTS = ["sqlite"] + (["postgresql"] if PG_URL else [])

#: ``copy(dest)`` puts a migrated SQLite database at ``dest`` and returns its URL.
CopyDatabase = Callable[[Path], str]


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    uow: UnitOfWork

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head for the whole session (copy it, never write to it)."""
    path = tmp_path_factory.mktemp("template") / "sellersync.db"
    migrate.upgrade(sqlite_url(path))
    with sqlite3.connect(path) as conn:  # fold the WAL into the file: one file is the whole database
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return path


@pytest.fixture(scope="session")
def migrated_sqlite(sqlite_template: Path) -> CopyDatabase:
    """``migrated_sqlite(dest)`` copies the migrated template to ``dest`` and returns its URL."""

    def copy(dest: Path) -> str:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template, dest)
        return sqlite_url(dest)

    return copy


def _pg_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip("SELLERSYNC_TEST_PG_URL is not set")
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


def _create_pg(admin: Engine, name: str, template: str | None = None) -> str:
    clause = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    return _pg_url(name)


def _drop_pg(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_template(pg_admin: Engine) -> Iterator[str]:
    """The name of a PostgreSQL database migrated once for the session, cloned by each test."""
    name = f"sellersync_tmpl_{uuid.uuid4().hex[:10]}"
    migrate.upgrade(_create_pg(pg_admin, name))  # alembic disposes its engine: no session stays on it
    yield name
    _drop_pg(pg_admin, name)


@pytest.fixture
def pg_database_url(pg_admin: Engine, pg_template: str) -> Iterator[str]:
    """A throwaway PostgreSQL database for one test, cloned from the migrated template."""
    name = f"sellersync_test_{uuid.uuid4().hex[:10]}"
    url = _create_pg(pg_admin, name, template=pg_template)
    yield url
    _drop_pg(pg_admin, name)


def _database(url: str) -> Database:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    return Database(url=url, engine=engine, sessions=factory, uow=UnitOfWork(factory))


@pytest.fixture(params=DIALECTS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database of each dialect under test (a copy of the session's template)."""
    if request.param == "sqlite":
        url = request.getfixturevalue("migrated_sqlite")(tmp_path / "sellersync.db")
    else:
        url = request.getfixturevalue("pg_database_url")
    database = _database(url)
    yield database
    database.engine.dispose()


@pytest.fixture(params=DIALECTS)
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of each dialect migrated from empty by this very test (for the migration tests)."""
    name = f"sellersync_fresh_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "fresh.db")
    else:
        url = _create_pg(request.getfixturevalue("pg_admin"), name)
    migrate.upgrade(url)
    database = _database(url)
    yield database
    database.engine.dispose()
    if request.param == "postgresql":
        _drop_pg(request.getfixturevalue("pg_admin"), name)
