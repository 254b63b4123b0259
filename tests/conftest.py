"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when SELLERSYNC_TEST_PG_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from sellersync.store import migrate
from sellersync.store.base import Base
from sellersync.store.engine import make_engine, make_session_factory
from sellersync.store.uow import UnitOfWork

PG_URL = os.environ.get("SELLERSYNC_TEST_PG_URL", "")
DIALECTS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    uow: UnitOfWork

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throwaway PostgreSQL database, migrated once for the whole session, dropped at the end."""
    if not PG_URL:
        pytest.skip("SELLERSYNC_TEST_PG_URL is not set")
    name = f"sellersync_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=DIALECTS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database of each dialect under test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sellersync.db'}"
        migrate.upgrade(url)
    else:
        url = request.getfixturevalue("pg_database_url")
    engine = make_engine(url)
    if request.param == "postgresql":
        _truncate_all(engine)
    factory = make_session_factory(engine)
    yield Database(url=url, engine=engine, sessions=factory, uow=UnitOfWork(factory))
    engine.dispose()
