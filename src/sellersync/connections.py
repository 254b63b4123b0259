"""Amazon connections: register, read the refresh token, mark for reconnection. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sellersync.secrets import SecretBox
from sellersync.store.models import AmazonConnection, Workspace


class ConnectionNotFound(LookupError):
    pass


def default_workspace(session: Session, name: str = "Default") -> Workspace:
    """The workspace used by development commands (created on first use)."""
    ws = session.scalars(select(Workspace).where(Workspace.name == name).order_by(Workspace.id)).first()
    if ws is None:
        ws = Workspace(name=name)
        session.add(ws)
        session.flush()
    return ws


def add_connection(
    session: Session,
    box: SecretBox,
    *,
    workspace_id: int,
    selling_partner_id: str,
    region: str,
    refresh_token: str,
    marketplace_ids: Sequence[str] = (),
) -> AmazonConnection:
    """Store (or re-authorize) a connection with its refresh token encrypted."""
    conn = session.scalars(
        select(AmazonConnection).where(
            AmazonConnection.selling_partner_id == selling_partner_id,
            AmazonConnection.region == region,
        )
    ).one_or_none()
    if conn is None:
        conn = AmazonConnection(
            workspace_id=workspace_id, selling_partner_id=selling_partner_id, region=region
        )
        session.add(conn)
    elif conn.workspace_id != workspace_id:
        raise PermissionError("this Amazon seller is already connected to another workspace")
    conn.refresh_token_encrypted = box.encrypt(refresh_token)
    conn.marketplace_ids = list(marketplace_ids)
    conn.status = "active"
    session.flush()
    return conn


def get_connection(session: Session, connection_id: int, workspace_id: int | None = None) -> AmazonConnection:
    conn = session.get(AmazonConnection, connection_id)
    if conn is None or (workspace_id is not None and conn.workspace_id != workspace_id):
        raise ConnectionNotFound(f"no Amazon connection {connection_id}")
    return conn


def refresh_token_of(conn: AmazonConnection, box: SecretBox) -> str:
    if not conn.refresh_token_encrypted:
        raise ConnectionNotFound(f"connection {conn.id} has no stored authorization")
    return box.decrypt(conn.refresh_token_encrypted)


def workspace_connection_id(
    session: Session, *, workspace_id: int, connection_id: int | None = None
) -> int | None:
    """``connection_id`` if it is a connection of the workspace, else None; without ``connection_id``,
    the workspace's first connection (None when it has none)."""
    q = select(AmazonConnection.id).where(AmazonConnection.workspace_id == workspace_id)
    if connection_id is not None:
        q = q.where(AmazonConnection.id == connection_id)
    found = session.scalar(q.order_by(AmazonConnection.id).limit(1))
    return None if found is None else int(found)
