"""Users, sessions and API tokens. Functions take a session and never commit (the unit of work does).

Session cookies and API tokens are random strings shown once; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sellersync.accounts.passwords import dummy_check, hash_password, verify_password
from sellersync.store.models import ApiToken, User, UserSession, Workspace
from sellersync.store.types import utcnow

ROLES = ("owner", "member", "read_only")
WRITE_ROLES = frozenset({"owner", "member"})
TOKEN_PREFIX = "ss_"


class AccountError(ValueError):
    """A request about accounts that cannot be honoured (the message is safe to show)."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if "@" not in value or len(value) > 320 or any(c.isspace() for c in value):
        raise AccountError("not an e-mail address")
    return value


@dataclass(frozen=True)
class Principal:
    """Who a credential belongs to."""

    user_id: int
    workspace_id: int
    role: str
    email: str


def _principal(user: User) -> Principal:
    return Principal(user_id=user.id, workspace_id=user.workspace_id, role=user.role, email=user.email)


# ---------------------------------------------------------------- users and workspaces


def workspace_named(s: Session, name: str) -> Workspace:
    """The (oldest) workspace with this name, created if there is none."""
    ws = s.scalars(select(Workspace).where(Workspace.name == name).order_by(Workspace.id)).first()
    if ws is None:
        ws = Workspace(name=name)
        s.add(ws)
        s.flush()
    return ws


def create_user(s: Session, *, email: str, password: str, workspace: str, role: str = "owner") -> User:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    address = normalize_email(email)
    if s.scalar(select(User.id).where(User.email == address)) is not None:
        raise AccountError(f"a user with e-mail {address} exists")
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    user = User(workspace_id=workspace_named(s, workspace).id, email=address, password_hash=hashed, role=role)
    s.add(user)
    s.flush()
    return user


def user_by_email(s: Session, email: str) -> User | None:
    try:
        address = normalize_email(email)
    except AccountError:
        return None
    return s.scalars(select(User).where(User.email == address)).one_or_none()


def authenticate(s: Session, email: str, password: str) -> User | None:
    """The user whose e-mail and password these are, or None (taking the same time either way)."""
    user = user_by_email(s, email)
    if user is None:
        dummy_check()
        return None
    return user if verify_password(password, user.password_hash) else None


# ---------------------------------------------------------------- sessions


def open_session(s: Session, user: User, lifetime: timedelta) -> tuple[str, datetime]:
    """A new sign-in session: (cookie value, expiry). Expired sessions of the user are swept."""
    now = utcnow()
    s.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now))
    secret = secrets.token_urlsafe(32)
    expires = now + lifetime
    s.add(UserSession(id=digest(secret), user_id=user.id, expires_at=expires))
    s.flush()
    return secret, expires


def session_principal(s: Session, secret: str) -> Principal | None:
    if not secret or len(secret) > 200:
        return None
    row = s.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == digest(secret))
    ).one_or_none()
    if row is None or row[0].expires_at <= utcnow():
        return None
    return _principal(row[1])


def close_session(s: Session, secret: str) -> None:
    s.execute(delete(UserSession).where(UserSession.id == digest(secret)))


# ---------------------------------------------------------------- API tokens


def create_token(s: Session, user_id: int, name: str = "") -> tuple[ApiToken, str]:
    """A new API token: (row, the token itself, which is never stored and never shown again)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, name=name[:100], prefix=secret[:10], token_hash=digest(secret))
    s.add(row)
    s.flush()
    return row, secret


def token_principal(s: Session, secret: str) -> tuple[Principal, int] | None:
    """The owner of an API token and the token's id, or None; notes when it was last used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = s.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(secret))
    ).one_or_none()
    if row is None:
        return None
    token, user = row
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return _principal(user), token.id


def tokens_of(s: Session, user_id: int) -> list[ApiToken]:
    return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def revoke_token(s: Session, user_id: int, token_id: int) -> bool:
    """Delete one of the user's tokens; False if the user has no such token."""
    result = s.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def user_view(s: Session, user_id: int | None, workspace_id: int, role: str, via: str) -> dict[str, Any]:
    """Who a caller is, as the API and the pages show it: the user, the workspace, the role, how signed in."""
    user = s.get(User, user_id) if user_id is not None else None
    ws = s.get(Workspace, workspace_id)
    return {
        "user": {"id": user.id, "email": user.email, "role": user.role} if user else None,
        "workspace": {"id": workspace_id, "name": ws.name if ws else ""},
        "role": role,
        "via": via,
    }
