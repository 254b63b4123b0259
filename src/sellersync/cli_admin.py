"""Administration commands: connections add/list/remove, users list/reset-password, secrets rotate.

Each command fails like a tool: wrong input raises :class:`sellersync.cli.CliError` with one line
that names the fix (the app prints it and exits 1).
"""

from __future__ import annotations

import hashlib
import secrets as pysecrets
from typing import Annotated

import httpx
import typer
from sqlalchemy import delete, select

from sellersync.amazon.regions import REGIONS, marketplace_view, region_for_marketplace
from sellersync.cli import CliError, _migrate, _settings, app, connections_app, users_app
from sellersync.config import Settings

secrets_app = typer.Typer(help="Encryption of stored refresh tokens.", no_args_is_help=True)
app.add_typer(secrets_app, name="secrets")


def region_of(value: str, settings: Settings) -> str:
    code = value.strip().upper()
    if code not in REGIONS:
        raise CliError(f"unknown region {value!r}: use one of {', '.join(REGIONS)}")
    return code


def validate_refresh_token(settings: Settings, region: str, refresh_token: str) -> list[str]:
    """LWA refresh, then getMarketplaceParticipations in ``region``: the seller's marketplace ids there.

    Raises CliError (a bad token, an unreachable endpoint, no marketplace in the region).
    """
    from sellersync.amazon import AccessTokenCache, RateLimiter
    from sellersync.amazon.errors import AmazonError, LwaError
    from sellersync.sync.amazon_api import AmazonApiFactory

    settings = settings.model_copy(update={"max_retries": min(settings.max_retries, 2)})
    factory = AmazonApiFactory(settings)
    with httpx.Client(timeout=settings.http_timeout_seconds) as http:
        try:
            factory.lwa(http).refresh(refresh_token)
        except LwaError as exc:
            if exc.retryable:
                raise CliError(f"cannot reach Login with Amazon: {exc}") from None
            raise CliError(
                f"Amazon refused the refresh token ({exc.error}): copy it again from Seller Central "
                "(Apps and Services > Develop Apps > your app > Authorize); nothing was stored"
            ) from None
        client = factory.client(
            region, "validate", refresh_token, http, token_cache=AccessTokenCache(), limiter=RateLimiter()
        )
        try:
            participations = client.get_marketplace_participations()
        except AmazonError as exc:
            raise CliError(
                f"getMarketplaceParticipations in {region} at {settings.endpoint_for(region)} failed: {exc}; "
                "nothing was stored"
            ) from None
    ids: list[str] = []
    for p in participations:
        market = p.get("marketplace")
        mkt = market.get("id") if isinstance(market, dict) else None
        if not isinstance(mkt, str):
            continue
        try:
            if region_for_marketplace(mkt).code == region:
                ids.append(mkt)
        except KeyError:
            continue
    if not ids:
        raise CliError(
            f"the seller has no marketplace in region {region}: choose the region of the seller's "
            "marketplaces (--region NA, EU or FE); nothing was stored"
        )
    return sorted(set(ids))


@connections_app.command("add")
def connections_add(
    refresh_token: Annotated[str, typer.Option(help="The LWA refresh token of a self-authorized app.")],
    region: Annotated[str, typer.Option(help="NA, EU or FE: the region of the seller's marketplaces.")],
    seller_id: Annotated[
        str, typer.Option(help="The seller's merchant token (selling_partner_id); derived if absent.")
    ] = "",
    workspace: Annotated[str, typer.Option(help="Workspace name (created if new).")] = "Default",
) -> None:
    """Connect a seller from a refresh token, checked against Amazon first. Prints the id last."""
    from sellersync.connections import add_connection, default_workspace
    from sellersync.runtime import build_runtime

    settings = _settings()
    code = region_of(region, settings)
    if not refresh_token.strip():
        raise CliError("--refresh-token is empty: paste the refresh token Seller Central showed")
    _migrate(settings)
    markets = validate_refresh_token(settings, code, refresh_token.strip())
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            ws = default_workspace(s, workspace)
            sp_id = seller_id or "SELF" + hashlib.sha256(refresh_token.encode()).hexdigest()[:10].upper()
            try:
                conn = add_connection(
                    s,
                    rt.box,
                    workspace_id=ws.id,
                    selling_partner_id=sp_id,
                    region=code,
                    refresh_token=refresh_token.strip(),
                    marketplace_ids=markets,
                )
            except PermissionError:
                raise CliError(
                    f"seller {sp_id} ({code}) is connected to another workspace: remove it there first"
                ) from None
            names = ", ".join(str(marketplace_view(m)["name"] or m) for m in markets)
            typer.echo(f"connected seller {sp_id} in {code} ({names}) to workspace {ws.name}")
            typer.echo(conn.id)
    finally:
        rt.close()


@connections_app.command("list")
def connections_list() -> None:
    """Every connection: id, workspace, seller, region, status, marketplaces, last sync."""
    from sellersync.runtime import build_runtime
    from sellersync.store.models import AmazonConnection, Workspace

    settings = _settings()
    _migrate(settings)
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            rows = s.execute(
                select(AmazonConnection, Workspace.name)
                .join(Workspace, Workspace.id == AmazonConnection.workspace_id)
                .order_by(AmazonConnection.id)
            ).all()
            if not rows:
                typer.echo(
                    "no connections (add one with `sellersync connections add` or Connect in the dashboard)"
                )
            for conn, ws in rows:
                markets = ", ".join(
                    str(marketplace_view(m)["country"] or m) for m in conn.marketplace_ids or []
                )
                synced = conn.last_synced_at.isoformat(timespec="seconds") if conn.last_synced_at else "never"
                typer.echo(
                    f"{conn.id}\t{ws}\t{conn.selling_partner_id}\t{conn.region}\t{conn.status}\t"
                    f"{markets or '-'}\tlast synced {synced}"
                )
    finally:
        rt.close()


@connections_app.command("remove")
def connections_remove(
    connection: Annotated[int, typer.Argument(help="Connection id (see `sellersync connections list`).")],
) -> None:
    """Disconnect: delete the stored refresh token and stop its active sync; synced data stays."""
    from sellersync.runtime import build_runtime
    from sellersync.store.models import AmazonConnection
    from sellersync.sync import ledger

    settings = _settings()
    _migrate(settings)
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            conn = s.get(AmazonConnection, connection)
            if conn is None:
                raise CliError(f"no connection {connection}: `sellersync connections list` shows the ids")
            active = ledger.active_run(s, conn.id)
            conn.refresh_token_encrypted = None
            conn.status = "disconnected"
            active_id = active.id if active is not None else None
        if active_id is not None:
            rt.jobs.cancel(active_id)
        typer.echo(
            f"connection {connection} disconnected; its refresh token was deleted"
            + (f"; sync {active_id} cancelled" if active_id else "")
        )
    finally:
        rt.close()


@users_app.command("list")
def users_list() -> None:
    """Every user: id, e-mail, workspace, role."""
    from sellersync.runtime import build_runtime
    from sellersync.store.models import User, Workspace

    settings = _settings()
    _migrate(settings)
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            rows = s.execute(
                select(User, Workspace.name)
                .join(Workspace, Workspace.id == User.workspace_id)
                .order_by(User.id)
            ).all()
            if not rows:
                typer.echo("no users (create one with `sellersync users create`)")
            for user, ws in rows:
                typer.echo(f"{user.id}\t{user.email}\t{ws}\t{user.role}")
    finally:
        rt.close()


@users_app.command("reset-password")
def users_reset_password(
    email: Annotated[str, typer.Option(help="The user's e-mail address.")],
    password: Annotated[str, typer.Option(help="The new password; generated and printed if absent.")] = "",
) -> None:
    """Set a new password and sign the user out everywhere (API tokens stay valid)."""
    from sellersync.accounts.passwords import hash_password
    from sellersync.accounts.service import user_by_email
    from sellersync.runtime import build_runtime
    from sellersync.store.models import UserSession

    settings = _settings()
    _migrate(settings)
    new = password or pysecrets.token_urlsafe(12)
    try:
        hashed = hash_password(new)
    except ValueError as exc:
        raise CliError(f"{exc}: choose another --password") from None
    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            user = user_by_email(s, email)
            if user is None:
                raise CliError(f"no user with e-mail {email}: `sellersync users list` shows them")
            user.password_hash = hashed
            s.execute(delete(UserSession).where(UserSession.user_id == user.id))
            address = user.email
    finally:
        rt.close()
    typer.echo(f"password of {address} reset; every session signed out")
    if not password:
        typer.echo(f"new password: {new}")


@secrets_app.command("rotate")
def secrets_rotate(
    new_key: Annotated[
        str,
        typer.Option(envvar="SELLERSYNC_NEW_SECRET_KEY", help="The new key (or SELLERSYNC_NEW_SECRET_KEY)."),
    ],
) -> None:
    """Re-encrypt every stored refresh token from SELLERSYNC_SECRET_KEY (the old key) to the new key.

    All or nothing, in one transaction; tokens already under the new key are left as they are, so it
    can be run again. Afterwards set SELLERSYNC_SECRET_KEY to the new key and restart the server.
    """
    from sellersync.runtime import build_runtime
    from sellersync.secrets import SecretBox
    from sellersync.store.models import AmazonConnection

    settings = _settings()
    if not new_key.strip():
        raise CliError("the new key is empty: pass --new-key or set SELLERSYNC_NEW_SECRET_KEY")
    if new_key == settings.secret_key:
        raise CliError("the new key is the current SELLERSYNC_SECRET_KEY: generate a new one")
    _migrate(settings)
    rt = build_runtime(settings)
    old, new = rt.box, SecretBox(new_key)
    rotated = already = 0
    try:
        with rt.uow() as s:
            rows = s.scalars(
                select(AmazonConnection).where(AmazonConnection.refresh_token_encrypted.is_not(None))
            ).all()
            for conn in rows:
                assert conn.refresh_token_encrypted is not None
                try:
                    plain = old.decrypt(conn.refresh_token_encrypted)
                except ValueError:
                    try:
                        new.decrypt(conn.refresh_token_encrypted)
                    except ValueError:
                        raise CliError(
                            f"connection {conn.id}'s token opens with neither key: set "
                            "SELLERSYNC_SECRET_KEY to the key it was stored with; nothing was changed"
                        ) from None
                    already += 1
                    continue
                conn.refresh_token_encrypted = new.encrypt(plain)
                rotated += 1
    finally:
        rt.close()
    typer.echo(
        f"re-encrypted {rotated} refresh tokens ({already} already under the new key); "
        "now set SELLERSYNC_SECRET_KEY to the new key and restart the server"
    )
