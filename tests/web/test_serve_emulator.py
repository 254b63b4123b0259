"""``sellersync serve --emulator`` from start to claims, in a real browser, exactly as a user runs it.

The server is the command ``make demo`` prints (``.venv/bin/sellersync serve --emulator``), started as a
process with nothing but its own SQLite database (``SELLERSYNC_DATABASE_URL``) and a free port: default
log level (info), no other ``SELLERSYNC_*`` setting. The user is made with ``sellersync users create`` as
the README documents. Then, in Chromium: sign in, Connect Amazon in Europe (the region select, the
emulator's consent page, our callback), the first sync reaching 100 % with its detection, Start sync
again, Connect another account in North America and Cancel its first sync, and the claims page showing
the claims with their amounts.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.sellersync import free_port
from tests.web.test_dashboard import browser, screenshot  # noqa: F401  (the module's browser)

EMAIL = "owner@shop.example"
PASSWORD = "correct horse battery"
SYNC_TIMEOUT_MS = 240_000
START_TIMEOUT_S = 90.0


def sellersync_command() -> list[str]:
    """The console script next to this interpreter (what ``make demo`` prints), else ``-m``."""
    script = Path(sys.executable).parent / "sellersync"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sellersync.cli"]


@dataclass
class UserServer:
    base_url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*sellersync_command(), *args], env=self.env, capture_output=True, text=True, timeout=120
        )


@contextmanager
def running(argv: list[str], env: dict[str, str], cwd: Path) -> Iterator[UserServer]:
    """``argv`` (a ``sellersync serve`` command line) as a process until the block ends; ready when
    its ``/health`` answers (observed, with a deadline that only fails the test)."""
    port = argv[argv.index("--port") + 1]
    log = cwd / f"server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{' '.join(argv)} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    try:
        yield UserServer(base, env, log, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    text = log.read_text()
    assert "internal_error" not in text and "Traceback" not in text, text[-5000:]


def user_env(**settings: str) -> dict[str, str]:
    """This environment without any ``SELLERSYNC_*`` setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLERSYNC_")}
    env.update(settings)
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserServer]:
    folder = tmp_path_factory.mktemp("serve-emulator")
    env = user_env(SELLERSYNC_DATABASE_URL=f"sqlite:///{folder / 'sellersync.db'}")
    argv = [*sellersync_command(), "serve", "--emulator", "--port", str(free_port())]
    with running(argv, env, folder) as srv:
        yield srv


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def api(page: Page, base_url: str, path: str) -> Any:
    """The API's answer with the page's own session cookie."""
    res = page.context.request.get(base_url + path)
    assert res.ok, (path, res.status, res.text())
    return res.json()


def connect_in(page: Page, server: UserServer, region: str, button: str) -> str:
    """Connect Amazon in ``region`` from the dashboard: the browser goes through the emulator's
    consent page (for that region) and our callback, and lands on ``/?syncId=``. Returns the sync id."""
    visited: list[str] = []
    page.on("request", lambda r: visited.append(r.url) if r.is_navigation_request() else None)
    page.get_by_label("Region").select_option(region)
    before = parse_qs(urlsplit(page.url).query).get("syncId", ["-"])[0]
    page.get_by_role("button", name=button).click()
    landed = re.escape(server.base_url) + rf"/\?syncId=(?!{re.escape(before)})[0-9a-f-]{{36}}$"
    expect(page).to_have_url(re.compile(landed))
    consent = [u for u in visited if "/apps/authorize/consent" in u]
    assert len(consent) == 1, visited
    assert f"/{region.lower()}/apps/authorize/consent" in consent[0]  # the region's consent page
    assert parse_qs(urlsplit(consent[0]).query)["redirect_uri"] == [server.base_url + "/api/amazon/callback"]
    assert any(u.startswith(server.base_url + "/api/amazon/callback?") for u in visited), visited
    return parse_qs(urlsplit(page.url).query)["syncId"][0]


def test_serve_emulator_from_sign_in_to_claims(page: Page, server: UserServer) -> None:
    # the user, as the README says
    made = server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD, "--workspace", "Shop")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().splitlines()[-1].isdigit(), made.stdout

    # sign in
    page.goto(server.base_url + "/")
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sync", exact=True)).to_be_visible()
    expect(page.locator("#no-connections")).to_be_visible()

    # Connect Amazon in Europe: the first sync the callback started runs to 100 %, then its detection
    first = connect_in(page, server, "EU", "Connect Amazon")
    expect(page.locator("#sync-id")).to_have_text(first)
    expect(page.locator("#sync-kind")).to_contain_text("oauth")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#sync-status")).to_have_text("completed", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#detection-status")).to_contain_text("completed", timeout=60_000)
    rows = page.locator("#connections-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("EU")
    expect(rows.first).to_contain_text("active")
    eu = api(page, server.base_url, "/api/amazon/connections")["items"]
    assert [c["region"] for c in eu] == ["EU"] and eu[0]["status"] == "active", eu
    status = api(page, server.base_url, f"/api/sync/status/{first}")
    assert status["status"] == "completed" and status["counts"]["orders"] > 0, status
    assert status["detection"]["claimsFound"] > 0, status["detection"]
    screenshot(page, "serve-emulator-first-sync")

    # Start sync again: an incremental sync from the checkpoints, to completed
    page.get_by_role("button", name="Start sync").click()
    expect(page.locator("#notice")).to_have_text("Sync started.")
    expect(page.locator("#sync-id")).not_to_have_text(first)
    second = page.locator("#sync-id").text_content()
    expect(page.locator("#sync-status")).to_have_text("completed", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#sync-kind")).to_contain_text("incremental")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert api(page, server.base_url, f"/api/sync/status/{second}")["trigger"] == "manual"

    # Connect another account, in North America, and Cancel its first (full, 18-month) sync
    third = connect_in(page, server, "NA", "Connect another Amazon account")
    expect(page.locator("#sync-id")).to_have_text(third)
    cancel = page.get_by_role("button", name="Cancel")
    expect(cancel).to_be_enabled()
    cancel.click()
    expect(page.locator("#sync-status")).to_have_text("cancelled", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#sync-finished-label")).to_have_text("Cancelled")
    expect(page.locator("#notice")).to_be_hidden()  # "Sync cancelling." was about a sync that has ended
    assert api(page, server.base_url, f"/api/sync/status/{third}")["status"] == "cancelled"
    expect(page.locator("#connections-table tbody tr")).to_have_count(2)
    regions = sorted(c["region"] for c in api(page, server.base_url, "/api/amazon/connections")["items"])
    assert regions == ["EU", "NA"]
    history = api(page, server.base_url, "/api/sync/history?limit=10")["items"]
    assert [(h["syncId"], h["status"]) for h in history] == [
        (third, "cancelled"),
        (second, "completed"),
        (first, "completed"),
    ]

    # the claims page: the claims detection found, with their amounts
    page.get_by_role("link", name="Claims", exact=True).click()
    expect(page).to_have_url(server.base_url + "/claims")
    claims = api(page, server.base_url, "/api/claims?limit=50")
    assert claims["total"] > 0 and claims["totals"]["recoverable"], claims["totals"]
    table = page.locator("#claims-table tbody tr")
    expect(table).to_have_count(len(claims["items"]))
    expect(page.locator("#t-count")).to_have_text(f"{claims['total']:,}")
    recoverable = " · ".join(f"{c} {a}" for c, a in claims["totals"]["recoverable"].items())
    expect(page.locator("#t-recoverable")).to_have_text(recoverable)
    valued = next(c for c in claims["items"] if not c["needsCost"])
    row = page.locator(f'#claims-table tbody tr[data-claim-id="{valued["id"]}"]')
    expect(row.locator("td").nth(5)).to_contain_text(f"{valued['currency']} {valued['amount']}")
    assert {c["marketplaceId"] for c in claims["items"]} <= set(eu[0]["marketplaceIds"])
    screenshot(page, "serve-emulator-claims")

    # at info level, connecting twice and syncing left no error in the server's log
    text = server.log.read_text()
    assert "amazon endpoints: SP-API NA http://127.0.0.1:" in text, text[:3000]
    assert "internal_error" not in text and "Traceback" not in text, text[-5000:]


def test_make_demo_then_its_printed_instructions_open_the_dashboard_on_its_data(
    page: Page, tmp_path: Path
) -> None:
    """``sellersync demo`` (what ``make demo`` runs) into its own database, then exactly what it prints:
    the ``serve --emulator`` command (on a free port, as the text offers when 8000 is taken), signing in
    with the printed e-mail and password: the dashboard shows the demo's seller and its sync, and the
    claims page the claims the demo reported."""
    env = user_env(SELLERSYNC_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}")
    demo = subprocess.run(
        [*sellersync_command(), "demo"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    out = demo.stdout
    seller = re.search(r"emulator: seller (\w+),", out)
    password = re.search(r"^sign in as (\S+) with password (\S+)$", out, re.M)
    found = re.search(r"^(\d+) claims \(completed\); recoverable, not expired: (.+)$", out, re.M)
    told = out.split("Open the dashboard on this data", 1)[-1].splitlines()
    assert seller and password and found and len(told) > 2, out[-3000:]
    words = shlex.split(told[1])
    assert words[-2:] == ["serve", "--emulator"], told
    assert told[2].strip().startswith(f"then browse http://127.0.0.1:8000/ and sign in as {password[1]}")
    settings = dict(w.split("=", 1) for w in words if re.match(r"SELLERSYNC_\w+=", w))
    argv = [w for w in words if not re.match(r"SELLERSYNC_\w+=", w)]
    assert settings == {"SELLERSYNC_DATABASE_URL": env["SELLERSYNC_DATABASE_URL"]}, told

    with running([*argv, "--port", str(free_port())], user_env(**settings), tmp_path) as srv:
        page.goto(srv.base_url + "/")
        page.get_by_label("E-mail address").fill(password[1])
        page.get_by_label("Password").fill(password[2])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Sync", exact=True)).to_be_visible()
        row = page.locator("#connections-table tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(seller[1])
        expect(row).to_contain_text("active")
        expect(page.locator("#sync-status")).to_have_text("completed")
        expect(page.locator("#sync-kind")).to_contain_text("trigger: cli")
        expect(page.locator("#claims-found")).to_have_text(f"{int(found[1]):,}")
        printed = {c: a for a, c in (m.split() for m in found[2].split(", "))}
        recoverable = [f"{c} {a}" for c, a in printed.items()]
        expect(page.locator("#recoverable li")).to_have_text(recoverable)
        screenshot(page, "demo-dashboard")

        page.get_by_role("link", name="Claims", exact=True).click()
        expect(page.locator("#t-count")).to_have_text(f"{int(found[1]):,}")
        expect(page.locator("#t-recoverable")).to_have_text(" · ".join(recoverable))
        expect(page.locator("#claims-table tbody tr")).to_have_count(int(found[1]))
        screenshot(page, "demo-claims")
