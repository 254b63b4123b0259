"""The CLI as a user runs it (subprocesses of `python -m sellersync.cli`): admin commands and failures.

Amazon is the emulator over real HTTP (an NA and an EU world on one server); the database is a real
SQLite file. Every failure is one line on stderr naming the fix, exit status 1, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sellersync.emulator.embedded import serve_in_thread
from sellersync.emulator.server import create_server_app
from sellersync.secrets import SecretBox
from sellersync.store.engine import make_engine
from sellersync.store.models import AmazonConnection


@pytest.fixture(scope="module")
def amazon() -> Iterator[tuple[str, dict[str, Any]]]:
    app, worlds = create_server_app(seed=21, speed=2000.0, regions=["NA", "EU"])
    with serve_in_thread(app) as url:
        yield url, worlds


def run(tmp_path: Path, url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SELLERSYNC_")}
    base.update(
        {
            "SELLERSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "SELLERSYNC_SPAPI_ENDPOINTS": f'{{"NA": "{url}/na", "EU": "{url}/eu"}}',
            "SELLERSYNC_LWA_ENDPOINT": f"{url}/auth/o2/token",
            "SELLERSYNC_SECRET_KEY": "old-key",
            "SELLERSYNC_RETRY_BACKOFF_SECONDS": "0.01",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "sellersync.cli", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def one_line_failure(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def stored(tmp_path: Path) -> list[AmazonConnection]:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(AmazonConnection).order_by(AmazonConnection.id)).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_connections_add_validates_against_amazon_in_the_region(
    tmp_path: Path, amazon: tuple[str, dict[str, Any]]
) -> None:
    url, worlds = amazon
    eu = worlds["EU"]
    bad = run(tmp_path, url, "connections", "add", "--refresh-token", "Atzr|nope", "--region", "EU")
    one_line_failure(bad, "refused the refresh token", "nothing was stored")
    unknown = run(tmp_path, url, "connections", "add", "--refresh-token", eu.refresh_token, "--region", "XX")
    one_line_failure(unknown, "unknown region 'XX'", "NA, EU, FE")
    # the EU seller's token in NA: LWA accepts it, but the NA endpoint does not know the seller
    wrong = run(tmp_path, url, "connections", "add", "--refresh-token", eu.refresh_token, "--region", "NA")
    one_line_failure(wrong, "getMarketplaceParticipations in NA", f"{url}/na", "nothing was stored")
    assert stored(tmp_path) == []

    ok = run(
        tmp_path, url, "connections", "add", "--refresh-token", eu.refresh_token, "--region", "eu",
        "--seller-id", eu.seller_id,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "Amazon.co.uk" in ok.stdout and "Amazon.de" in ok.stdout
    (row,) = stored(tmp_path)
    assert (row.id, row.region, row.status, row.selling_partner_id) == (
        int(ok.stdout.split()[-1]), "EU", "active", eu.seller_id,
    )  # fmt: skip
    assert sorted(row.marketplace_ids) == sorted(m.marketplace_id for m in eu.marketplaces)
    assert SecretBox("old-key").decrypt(row.refresh_token_encrypted) == eu.refresh_token
    log = httpx.get(url + "/_emulator/requests").json()
    assert any(e["path"] == "/eu/sellers/v1/marketplaceParticipations" and e["status"] == 200 for e in log)

    listed = run(tmp_path, url, "connections", "list")
    assert listed.returncode == 0
    assert f"{row.id}\tDefault\t{eu.seller_id}\tEU\tactive\tGB, DE" in listed.stdout

    # rotate the key: every stored token re-encrypted; running it again changes nothing
    rotated = run(tmp_path, url, "secrets", "rotate", SELLERSYNC_NEW_SECRET_KEY="new-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 1 refresh tokens" in rotated.stdout
    (row,) = stored(tmp_path)
    assert SecretBox("new-key").decrypt(row.refresh_token_encrypted) == eu.refresh_token
    with pytest.raises(ValueError):
        SecretBox("old-key").decrypt(row.refresh_token_encrypted)
    again = run(tmp_path, url, "secrets", "rotate", SELLERSYNC_NEW_SECRET_KEY="new-key")
    assert "re-encrypted 0 refresh tokens (1 already under the new key)" in again.stdout
    wrong_key = run(
        tmp_path, url, "secrets", "rotate", SELLERSYNC_SECRET_KEY="other", SELLERSYNC_NEW_SECRET_KEY="x"
    )
    one_line_failure(wrong_key, "opens with neither key", "nothing was changed")
    # the sync reads the token with the new key
    synced = run(
        tmp_path, url, "sync", "--connection", str(row.id),
        SELLERSYNC_SECRET_KEY="new-key", SELLERSYNC_BACKFILL_DAYS="30",
        SELLERSYNC_REPORT_POLL_INITIAL_SECONDS="0.05",
    )  # fmt: skip
    assert synced.returncode == 0, synced.stdout[-2000:] + synced.stderr[-2000:]

    removed = run(tmp_path, url, "connections", "remove", str(row.id))
    assert removed.returncode == 0 and "disconnected" in removed.stdout
    (row,) = stored(tmp_path)
    assert (row.status, row.refresh_token_encrypted) == ("disconnected", None)


def test_wrong_input_is_one_line_naming_the_fix(tmp_path: Path, amazon: tuple[str, dict[str, Any]]) -> None:
    url, _ = amazon
    one_line_failure(run(tmp_path, url, "sync", "--connection", "42"), "no connection 42", "connections list")
    one_line_failure(run(tmp_path, url, "detect", "--connection", "42"), "no connection 42")
    one_line_failure(run(tmp_path, url, "detect", "--connection", "1", "--today", "2025-02-30"), "YYYY-MM-DD")
    one_line_failure(run(tmp_path, url, "connections", "remove", "7"), "no connection 7")
    one_line_failure(
        run(tmp_path, url, "connections", "add-dev", "--refresh-token", "t", "--region", "MARS"),
        "unknown region 'MARS'",
    )
    one_line_failure(
        run(tmp_path, url, "users", "reset-password", "--email", "ghost@example.com"), "no user", "users list"
    )
    one_line_failure(
        run(tmp_path, url, "connections", "list", SELLERSYNC_DATABASE_URL="postgresql://x@127.0.0.1:1/db"),
        "cannot use the database",
        "SELLERSYNC_DATABASE_URL",
    )
    one_line_failure(
        run(tmp_path, url, "serve", SELLERSYNC_ENV="production", SELLERSYNC_SECRET_KEY=""),
        "SELLERSYNC_SECRET_KEY must be set",
    )
    one_line_failure(
        run(tmp_path, url, "serve", "--emulator", SELLERSYNC_ENV="production"), "development only"
    )
    one_line_failure(
        run(tmp_path, url, "connections", "list", SELLERSYNC_SPAPI_ENDPOINTS='{"MOON": "http://x"}'),
        "SELLERSYNC_SPAPI_ENDPOINTS",
        "MOON",
    )


def test_users_list_and_reset_password(tmp_path: Path, amazon: tuple[str, dict[str, Any]]) -> None:
    url, _ = amazon
    created = run(
        tmp_path, url, "users", "create", "--email", "ann@example.com", "--password", "first password",
        "--workspace", "Shop",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    listed = run(tmp_path, url, "users", "list")
    assert f"{created.stdout.split()[-1]}\tann@example.com\tShop\towner" in listed.stdout
    reset = run(tmp_path, url, "users", "reset-password", "--email", "ANN@example.com")
    assert reset.returncode == 0, reset.stderr
    new = reset.stdout.split("new password: ")[1].strip()

    from sellersync.accounts.service import authenticate
    from sellersync.store.engine import make_session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with make_session_factory(engine)() as s:
            assert authenticate(s, "ann@example.com", new) is not None
            assert authenticate(s, "ann@example.com", "first password") is None
    finally:
        engine.dispose()
    short = run(tmp_path, url, "users", "reset-password", "--email", "ann@example.com", "--password", "x")
    one_line_failure(short, "--password")
