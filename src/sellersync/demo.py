"""``sellersync demo``: the whole product on one machine, against the embedded emulator.

Starts a seeded emulator in a background thread, registers its seller as a connection, runs a sync
through the job service with progress bars, and prints what was stored. Running it again syncs
incrementally from the stored checkpoints.
"""

from __future__ import annotations

from rich.console import Console

from sellersync.config import Settings
from sellersync.emulator.app import create_app as create_emulator
from sellersync.emulator.embedded import serve_in_thread
from sellersync.emulator.server import build


def run_demo(
    settings: Settings, console: Console, *, seed: int, scenario: str, size: str, speed: float
) -> str:
    from sellersync.foreground import add_dev_connection, run_sync_foreground

    world = build(seed=seed, scenario=scenario, size=size)
    console.print(
        f"emulator: seller {world.seller_id}, {len(world.marketplaces)} marketplaces, "
        f"scenario {scenario!r}, size {size!r}, speed x{speed:g}",
        soft_wrap=True,
    )
    app = create_emulator(
        world, speed=speed, client_id=settings.lwa_client_id, client_secret=settings.lwa_client_secret
    )
    with serve_in_thread(app) as base_url:
        settings = settings.model_copy(
            update={
                "spapi_endpoint": base_url,
                "lwa_endpoint": base_url + "/auth/o2/token",
                # the emulator finishes reports in milliseconds at this speed: poll accordingly
                "report_poll_initial_seconds": min(settings.report_poll_initial_seconds, 0.05),
                "retry_backoff_seconds": min(settings.retry_backoff_seconds, 0.05),
            }
        )
        console.print(f"database: {settings.database_url}")
        connection_id = add_dev_connection(
            settings, world.refresh_token, world.region, world.seller_id, "Demo"
        )
        status = run_sync_foreground(settings, connection_id, trigger="cli")
    _print_claims(settings, connection_id, console)
    _demo_user(settings, console)
    console.print(f"demo finished: sync {status}.", highlight=False)
    _how_to_open(settings, console)
    return status


def _how_to_open(settings: Settings, console: Console) -> None:
    """The exact commands that open the dashboard on the data just synced (the venv is not on PATH)."""
    import os
    import shlex
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "sellersync"
    try:
        shown = os.path.relpath(exe)
        shown = shown if not shown.startswith("..") else str(exe)
    except ValueError:
        shown = str(exe)
    env = ""
    if os.environ.get("SELLERSYNC_DATABASE_URL"):
        env = f"SELLERSYNC_DATABASE_URL={shlex.quote(settings.database_url)} "
    console.print(
        "Open the dashboard on this data (Connect, Start sync and Cancel talk to the embedded emulator):\n"
        f"  {env}{shown} serve --emulator\n"
        f"  then browse http://127.0.0.1:8000/ and sign in as {DEMO_EMAIL} "
        f"(forgot the password? {shown} users reset-password --email {DEMO_EMAIL});\n"
        "  the claims are at http://127.0.0.1:8000/claims. Port 8000 taken? Add --port 8001 and browse "
        "that port instead.",
        highlight=False,
        soft_wrap=True,
    )


def _print_claims(settings: Settings, connection_id: int, console: Console) -> None:
    """What the detection job chained after the sync found."""
    from sqlalchemy import select

    from sellersync.cli_progress import claims_table
    from sellersync.runtime import build_runtime
    from sellersync.store.models import DetectionRun

    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            det = s.scalars(
                select(DetectionRun)
                .where(DetectionRun.connection_id == connection_id)
                .order_by(DetectionRun.created_at.desc())
            ).first()
            if det is None:
                console.print("no detection run yet")
                return
            console.print(claims_table(s, connection_id, title=f"Claims found by detection run {det.id}"))
            total = ", ".join(f"{v} {c}" for c, v in (det.recoverable or {}).items()) or "0"
            console.print(f"{det.claims_found} claims ({det.status}); recoverable, not expired: {total}")
    finally:
        rt.close()


DEMO_EMAIL = "demo@sellersync.local"


def _demo_user(settings: Settings, console: Console) -> None:
    """The demo workspace's own user, and an API token for programs (printed once)."""
    import secrets

    from sellersync.accounts.service import create_token, create_user, user_by_email
    from sellersync.runtime import build_runtime

    rt = build_runtime(settings)
    try:
        with rt.uow() as s:
            user = user_by_email(s, DEMO_EMAIL)
            password = None
            if user is None:
                password = secrets.token_urlsafe(12)
                user = create_user(s, email=DEMO_EMAIL, password=password, workspace="Demo")
            _, token = create_token(s, user.id, name="demo")
    finally:
        rt.close()
    # soft_wrap: a password or token is never broken across lines (it is copied from the terminal)
    if password:
        console.print(f"sign in as {DEMO_EMAIL} with password {password}", highlight=False, soft_wrap=True)
    console.print(f"API token for {DEMO_EMAIL}: {token}", highlight=False, soft_wrap=True)
