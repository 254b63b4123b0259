"""Engines and session factories for SQLite and PostgreSQL from one URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, sqlite_busy_seconds: float = 30.0, **kwargs: Any) -> Engine:
    """An engine for ``url``; on SQLite a writer waits up to ``sqlite_busy_seconds`` for the lock."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # cached_statements=0: Python's sqlite3 keeps up to 128 prepared statements per connection, and
        # every multi-row INSERT … VALUES of a new length (SQLAlchemy's insertmanyvalues) is a new,
        # large one: +304 MB replaying 150,000 rows with the default cache, +11 MB without it, and
        # faster. Preparing a statement again costs microseconds (docs/performance.md).
        kwargs.setdefault(
            "connect_args",
            {"timeout": sqlite_busy_seconds, "check_same_thread": False, "cached_statements": 0},
        )
        engine = create_engine(url, **kwargs)
        busy_ms = max(0, int(sqlite_busy_seconds * 1000))

        def pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()

        event.listen(engine, "connect", pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
