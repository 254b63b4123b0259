"""Sign-in lockout: 10 failed sign-ins for one (address, client) within 15 minutes lock that pair out.

Failures are rows of ``login_failures``, so every server process (and machine) behind a load balancer
counts the same attempts; the pair is stored as a digest, never the typed address.

An attempt is counted *before* its password is checked, by one statement that inserts a failure row
only while fewer than ``LIMIT`` are recent (:func:`reserve_attempt`); a correct password then clears
the pair's rows. Checking and counting in separate statements let 40 parallel wrong passwords be
checked 23 times: now at most ``LIMIT`` are, in any number of server processes. The statement is
atomic on SQLite because a write statement takes the database's write lock before it reads, and on
PostgreSQL because the transaction first takes an advisory lock on the pair.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from sellersync.accounts.service import digest
from sellersync.store.models import LoginFailure
from sellersync.store.types import UTCDateTime, utcnow

LIMIT = 10
WINDOW = timedelta(minutes=15)


def failure_key(email: str, client: str) -> str:
    return digest(f"{email.strip().lower()}\x00{client}")


def reserve_attempt(s: Session, key: str) -> bool:
    """Count one sign-in attempt as a failure, unless the pair is locked out (then False).

    Commit before checking the password, so that parallel attempts see this one."""
    now = utcnow()
    if s.get_bind().dialect.name == "postgresql":
        # Serialises the attempts of one pair until commit; 60 bits of the digest fit a bigint.
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(key[:15], 16)})
    s.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
    recent = (
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.key_hash == key, LoginFailure.at > now - WINDOW)
        .scalar_subquery()
    )
    counted = s.execute(
        insert(LoginFailure)
        .from_select(
            ["key_hash", "at"],
            select(literal(key), literal(now, UTCDateTime())).where(recent < LIMIT),
        )
        .returning(LoginFailure.id)
    )
    return counted.first() is not None


def clear_failures(s: Session, key: str) -> None:
    s.execute(delete(LoginFailure).where(LoginFailure.key_hash == key))
