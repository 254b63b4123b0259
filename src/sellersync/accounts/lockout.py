"""Sign-in lockout: 10 failed sign-ins for one (address, client) within 15 minutes lock that pair out.

Failures are rows of ``login_failures``, so every server process (and machine) behind a load balancer
counts the same attempts; the pair is stored as a digest, never the typed address.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sellersync.accounts.service import digest
from sellersync.store.models import LoginFailure
from sellersync.store.types import utcnow

LIMIT = 10
WINDOW = timedelta(minutes=15)


def failure_key(email: str, client: str) -> str:
    return digest(f"{email.strip().lower()}\x00{client}")


def locked_out(s: Session, key: str) -> bool:
    since = utcnow() - WINDOW
    recent = s.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.key_hash == key, LoginFailure.at > since)
    )
    return (recent or 0) >= LIMIT


def record_failure(s: Session, key: str) -> None:
    """Count one failure; failures older than the window (anyone's) are dropped on the way."""
    now = utcnow()
    s.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
    s.add(LoginFailure(key_hash=key, at=now))


def clear_failures(s: Session, key: str) -> None:
    s.execute(delete(LoginFailure).where(LoginFailure.key_hash == key))
