"""The dashboard, proved in a real browser (Debian's Chromium driven by Playwright) against the real
server syncing from the real emulator; plus plain HTTP checks of the pages (no browser).

Without /usr/bin/chromium the browser tests skip locally and FAIL when ``CI`` is set: CI must prove
the dashboard. Screenshots go to ``tests/web/artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sellersync.accounts import service as accounts
from sellersync.runtime import Runtime
from sellersync.store.models import AmazonConnection, SyncRun
from tests.conftest import Database
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.sellersync import connect, free_port, make_runtime, settings_for, spawn_server
from tests.sync.conftest import WHOLE_WORLD_DAYS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "correct horse battery"
EMAIL = "seller@example.com"
COUNT_KEYS = (
    "orders",
    "shipments",
    "returns",
    "settlements",
    "inventory",
    "fees",
    "reimbursements",
    "claims",
)
SYNC_TIMEOUT_MS = 180_000


# ---------------------------------------------------------------- fixtures


@dataclass
class Site:
    base_url: str
    runtime: Runtime  # direct store access: users, connections
    emu: RunningEmulator
    log: Path  # the server's output

    def user(self, email: str = EMAIL, role: str = "owner") -> int:
        with self.runtime.uow() as s:
            return accounts.create_user(s, email=email, password=PASSWORD, workspace="Default", role=role).id

    def connect(self) -> int:
        """The emulator's seller as a connection of the Default workspace (the user's)."""
        return connect(self.runtime, self.emu)[1]

    def set_status(self, connection_id: int, status: str) -> None:
        with self.runtime.uow() as s:
            conn = s.get(AmazonConnection, connection_id)
            assert conn is not None
            conn.status = status


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    with run_emulator(seed=7, speed=2000.0) as e:
        yield e


@pytest.fixture
def site(db: Database, emu: RunningEmulator, tmp_path: Path) -> Iterator[Site]:
    """``sellersync serve`` as a process, started as the README starts it (log level info: every log
    call the connect flow makes really runs), on a port chosen first, so it is the public URL (OAuth
    redirect_uri)."""
    port = free_port()
    settings = settings_for(
        db.url,
        emu,
        public_url=f"http://127.0.0.1:{port}",
        consent_url=emu.base_url,
        app_id="amzn1.sp.solution.test-app",
        backfill_days=WHOLE_WORLD_DAYS,
        schedule_check_seconds=3600,
    )
    log = tmp_path / "server.log"
    with make_runtime(settings) as rt, spawn_server(settings, log, port=port, log_level="info") as server:
        yield Site(server.base_url, rt, emu, log)
    text = log.read_text()
    assert "internal_error" not in text and "Traceback" not in text, text[-5000:]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must prove the dashboard in a real browser")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# ---------------------------------------------------------------- helpers


def sign_in(page: Page, site: Site, path: str = "/", email: str = EMAIL) -> None:
    """Open ``path`` signed out (it redirects to the sign-in page), sign in with the form."""
    page.goto(site.base_url + path)
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(site.base_url) + r"/(\?syncId=[0-9a-f-]+)?$"))
    expect(page.get_by_role("heading", name="Sync", exact=True)).to_be_visible()


def api(page: Page, path: str) -> Any:
    """The API's answer with the page's own session cookie."""
    res = page.context.request.get(page.url.split("/?")[0].rstrip("/") + path)
    assert res.ok, (path, res.status, res.text())
    return res.json()


def watch_progress(page: Page) -> None:
    """Record every aria-valuenow the progress bar takes (to see it move, not just end at 100)."""
    page.evaluate(
        """() => {
            window.__progress = [];
            const bar = document.getElementById('sync-progress');
            new MutationObserver(() => window.__progress.push(Number(bar.getAttribute('aria-valuenow'))))
                .observe(bar, {attributes: true, attributeFilter: ['aria-valuenow']});
        }"""
    )


def wait_completed(page: Page) -> None:
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#sync-status")).to_have_text("completed", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#detection-status")).to_contain_text("completed", timeout=60_000)


def assert_numbers_match_api(page: Page) -> dict[str, Any]:
    """Every number on the page is the API's: counts, detection, claims totals, history."""
    status = api(page, "/api/sync/status")
    last = status["lastSync"]
    assert last["status"] == "completed" and not status["hasActiveSync"]
    counts = last["counts"]
    assert set(counts) == set(COUNT_KEYS)
    assert counts["orders"] > 0 and counts["reimbursements"] > 0, counts
    for key in COUNT_KEYS:
        cell = page.locator(f'[data-count="{key}"]')
        expect(cell).to_have_attribute("data-value", str(counts[key]))
        expect(cell).to_have_text(f"{counts[key]:,}")
    expect(page.locator("#sync-id")).to_have_text(last["syncId"])
    expect(page.locator("#sync-message")).to_have_text(last["message"])

    detection = last["detection"]
    expect(page.locator("#claims-found")).to_have_text(f"{detection['claimsFound']:,}")

    # the detection card and the claims card show one recoverable figure: the claims API's
    claims = api(page, "/api/claims?limit=1")
    totals = claims["totals"]
    recoverable = [f"{cur} {amount}" for cur, amount in totals["recoverable"].items()]
    expect(page.locator("#recoverable li")).to_have_text(recoverable or ["–"])
    expect(page.locator("#money-recoverable")).to_have_text(" · ".join(recoverable) or "–")
    for key in ("filed", "recovered", "expired"):
        expect(page.locator(f"#money-{key}")).to_have_text(
            " · ".join(f"{c} {a}" for c, a in totals[key].items()) or "–"
        )
    nc = totals["needsCost"]
    expect(page.locator("#money-needs-cost")).to_have_text(
        f"{nc['count']:,} claims · {nc['units']:,} units" if nc["count"] else "none"
    )
    expect(page.locator("#claims-total")).to_have_text(f"{claims['total']:,}")
    by_type = totals["byType"]
    rows = page.locator("#claims-by-type tbody tr")
    expect(rows).to_have_count(len(by_type))
    for i, (kind, t) in enumerate(by_type.items()):
        amount = " · ".join(f"{c} {a}" for c, a in t["recoverable"].items()) or "–"
        expect(rows.nth(i).locator("td")).to_have_text([kind.replace("_", " "), f"{t['count']:,}", amount])
    # by type, recoverable follows the same rule as the total: the rows add up to it
    for cur, amount in totals["recoverable"].items():
        assert sum(Decimal(t["recoverable"].get(cur, "0")) for t in by_type.values()) == Decimal(amount)
    expect(page.get_by_role("link", name="Download all claims (CSV)")).to_have_attribute(
        "href", "/api/claims/export?format=csv"
    )

    history = api(page, "/api/sync/history?limit=10")["items"]
    expect(page.locator("#history-table tbody tr")).to_have_count(len(history))
    return last


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# ---------------------------------------------------------------- browser tests


@pytest.mark.slow
def test_sign_in_start_sync_live_progress_to_completed(page: Page, site: Site) -> None:
    site.user()
    site.connect()
    sign_in(page, site)
    expect(page.locator("#live")).to_have_text("Updates: live")  # the SSE stream is open
    expect(page.locator("#connections-table tbody tr")).to_have_count(1)
    expect(page.locator("#reconnect-banner")).to_be_hidden()
    watch_progress(page)

    page.get_by_role("button", name="Start sync").click()
    expect(page.locator("#notice")).to_have_text("Sync started.")
    expect(page.get_by_role("button", name="Cancel")).to_be_enabled()
    wait_completed(page)
    expect(page.locator("#notice")).to_be_hidden()  # it was about the sync starting: that is over
    expect(page.locator("#sync-finished-label")).to_have_text("Completed")
    expect(page.get_by_text("Inventory ledger events")).to_be_visible()
    expect(page.get_by_role("button", name="Start sync")).to_be_enabled()
    expect(page.get_by_role("button", name="Cancel")).to_be_disabled()

    seen: list[int] = page.evaluate("window.__progress")
    assert seen[-1] == 100 and any(0 < v < 100 for v in seen), seen  # it moved on the way
    assert seen == sorted(seen), seen
    last = assert_numbers_match_api(page)
    assert last["trigger"] == "manual"
    expect(page.locator("#live")).to_have_text("Updates: live")  # never fell back to polling
    screenshot(page, "dashboard-completed")


def test_connect_amazon_through_the_consent_page(page: Page, site: Site) -> None:
    """Connect Amazon on a fresh workspace: the browser goes to Amazon's consent page (the
    emulator's), back to our callback, and lands on the dashboard showing the first sync, which runs
    to completed; the server (log level info) logs the connection, and no error."""
    site.user()
    sign_in(page, site)
    expect(page.locator("#no-connections")).to_be_visible()
    visited: list[str] = []
    page.on("request", lambda r: visited.append(r.url) if r.is_navigation_request() else None)
    expect(page.get_by_label("Region")).to_have_value("NA")
    page.get_by_role("button", name="Connect Amazon").click()
    expect(page).to_have_url(re.compile(re.escape(site.base_url) + r"/\?syncId=[0-9a-f-]{36}$"))
    assert any(u.startswith(site.emu.base_url + "/apps/authorize/consent?") for u in visited), visited
    assert any(u.startswith(site.base_url + "/api/amazon/callback?") for u in visited), visited
    sync_id = parse_qs(urlsplit(page.url).query)["syncId"][0]
    expect(page.locator("#sync-id")).to_have_text(sync_id)
    wait_completed(page)
    expect(page.locator("#sync-kind")).to_contain_text("oauth")
    row = page.locator("#connections-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(site.emu.seller_id)
    expect(row).to_contain_text("active")
    assert assert_numbers_match_api(page)["syncId"] == sync_id
    assert '"event": "amazon connected"' in site.log.read_text()


@pytest.mark.slow
def test_reconnect_banner_and_the_oauth_return(page: Page, site: Site) -> None:
    """A ``reconnect_required`` connection shows the banner; Reconnect goes through Amazon's consent
    (the emulator's) and the callback's ``/?syncId=`` lands on the dashboard showing that sync."""
    site.user()
    conn = site.connect()
    site.set_status(conn, "reconnect_required")
    sign_in(page, site)
    banner = page.get_by_role("alert").filter(has_text="must be reconnected")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(site.emu.seller_id)
    expect(page.locator("#connections-table")).to_contain_text("reconnect required")
    screenshot(page, "dashboard-reconnect")

    banner.get_by_role("button", name="Reconnect Amazon").click()
    expect(page).to_have_url(re.compile(re.escape(site.base_url) + r"/\?syncId=[0-9a-f-]{36}$"))
    sync_id = parse_qs(urlsplit(page.url).query)["syncId"][0]
    expect(page.locator("#sync-id")).to_have_text(sync_id)
    wait_completed(page)
    expect(page.locator("#sync-kind")).to_contain_text("oauth")
    expect(page.locator("#reconnect-banner")).to_be_hidden()
    expect(page.locator("#connections-table")).to_contain_text("active")
    assert assert_numbers_match_api(page)["syncId"] == sync_id


@pytest.mark.slow
def test_not_connected_conflict_and_polling_fallback(page: Page, site: Site) -> None:
    """Without the SSE stream the page polls every 3 s; 400 amazon_not_connected points to Connect;
    a 409 shows the sync that is already running."""
    page.route("**/api/sync/events*", lambda route: route.abort())
    page.clock.install()  # the 3 s polling only runs when the test moves the clock
    site.user()
    sign_in(page, site)
    expect(page.locator("#live")).to_contain_text("polling every 3 s")
    expect(page.locator("#no-connections")).to_be_visible()

    page.get_by_role("button", name="Start sync").click()
    expect(page.locator("#notice")).to_contain_text("Connect Amazon")
    expect(page.locator("#connect")).to_be_focused()

    site.connect()
    started = page.context.request.post(site.base_url + "/api/sync/start", headers={"origin": site.base_url})
    assert started.status == 202, started.text()
    running_id = started.json()["syncId"]
    page.get_by_role("button", name="Start sync").click()  # the page has not polled yet: a 409
    expect(page.locator("#notice")).to_have_text("A sync is already running: it is shown below.")
    expect(page.locator("#sync-id")).to_have_text(running_id)

    deadline = time.monotonic() + SYNC_TIMEOUT_MS / 1000
    while page.locator("#sync-status").text_content() not in ("completed", "failed", "partial", "cancelled"):
        assert time.monotonic() < deadline, "the sync did not finish"
        page.clock.run_for(3000)  # one polling period
        page.wait_for_timeout(200)
    expect(page.locator("#sync-status")).to_have_text("completed")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    while "completed" not in (page.locator("#detection-status").text_content() or ""):
        assert time.monotonic() < deadline, "detection did not finish"
        page.clock.run_for(3000)
        page.wait_for_timeout(200)
    assert_numbers_match_api(page)
    screenshot(page, "dashboard-polling")


# ---------------------------------------------------------------- plain HTTP (no browser)


def test_pages_over_plain_http(site: Site) -> None:
    site.user()
    anonymous = httpx.Client(base_url=site.base_url, timeout=30)
    res = anonymous.get("/", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login"
    sync_id = "0b3f6a2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b"
    res = anonymous.get(f"/?syncId={sync_id}", follow_redirects=False)
    assert res.headers["location"] == f"/login?syncId={sync_id}"
    res = anonymous.get("/?syncId=%22%3E%3Cscript%3E", follow_redirects=False)
    assert res.headers["location"] == "/login"  # only a sync id is carried over

    anonymous.cookies.set("sellersync_session", "forged")
    assert anonymous.get("/", follow_redirects=False).status_code == 303
    # a bearer token or API key is for programs, not for the page
    keyed = httpx.Client(base_url=site.base_url, headers={"Authorization": "Bearer test-api-key"})
    assert keyed.get("/", follow_redirects=False).headers["location"] == "/login"

    login_page = httpx.get(site.base_url + "/login")
    assert login_page.status_code == 200 and "text/html" in login_page.headers["content-type"]
    assert '<label for="email">' in login_page.text and "/static/login.js" in login_page.text
    assert "script-src 'self'" in login_page.headers["content-security-policy"]

    browser = httpx.Client(base_url=site.base_url, timeout=30)
    assert browser.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD}).status_code == 200
    res = browser.get("/", follow_redirects=False)
    assert res.status_code == 200 and "text/html" in res.headers["content-type"]
    assert res.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in res.headers["content-security-policy"]
    assert 'role="progressbar"' in res.text and "Start sync" in res.text and EMAIL in res.text
    assert "<script>" not in res.text  # no inline script: everything is under /static
    assert browser.get("/login", follow_redirects=False).headers["location"] == "/"

    for name, kind in (("dashboard.js", "javascript"), ("login.js", "javascript"), ("dashboard.css", "css")):
        static = browser.get(f"/static/{name}")
        assert static.status_code == 200 and kind in static.headers["content-type"], name
        assert "innerHTML" not in static.text and "insertAdjacentHTML" not in static.text, name


def test_workspace_name_is_escaped(site: Site) -> None:
    """Server-rendered text (the workspace's name) is HTML-escaped."""
    with site.runtime.uow() as s:
        accounts.create_user(s, email="x@example.com", password=PASSWORD, workspace="<b>Evil & Co</b>")
    browser = httpx.Client(base_url=site.base_url, timeout=30)
    assert browser.post("/api/auth/login", json={"email": "x@example.com", "password": PASSWORD}).is_success
    text = browser.get("/").text
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in text and "<b>Evil" not in text


def test_read_only_user_sees_everything_but_cannot_act(page: Page, site: Site) -> None:
    site.user(role="read_only")
    site.connect()
    sign_in(page, site)
    expect(page.locator("#connections-table tbody tr")).to_have_count(1)
    for name in ("Start sync", "Cancel", "Connect another Amazon account"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
    expect(page.get_by_text("can read this workspace but not start syncs")).to_be_visible()


def test_a_cancelled_or_failed_sync_is_never_labelled_completed(page: Page, site: Site) -> None:
    """A cancelled sync reads "Cancelled", a failed one "Failed" (never "Completed"); a failure's
    exception text stays in the server log."""
    site.user()
    site.connect()
    sign_in(page, site)
    same_origin = {"origin": site.base_url}  # as the page's own fetch() sends it
    started = page.context.request.post(site.base_url + "/api/sync/start", headers=same_origin)
    assert started.status == 202, started.text()
    sync_id = started.json()["syncId"]
    cancelled = page.context.request.post(f"{site.base_url}/api/sync/cancel/{sync_id}", headers=same_origin)
    assert cancelled.ok, cancelled.text()
    expect(page.locator("#sync-id")).to_have_text(sync_id)
    expect(page.locator("#sync-status")).to_have_text("cancelled", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#sync-finished-label")).to_have_text("Cancelled")
    expect(page.locator("#detection-status")).to_have_text("No detection: the sync cancelled.")
    assert api(page, f"/api/sync/status/{sync_id}")["status"] == "cancelled"

    # a run that failed on an exception (the worker stores "TypeName: text"), as the page reads it
    with site.runtime.uow() as s:
        run = s.get(SyncRun, sync_id)
        assert run is not None
        run.status, run.error = "failed", "KeyError: 'internal detail of the worker'"
    page.reload()
    expect(page.locator("#sync-status")).to_have_text("failed")
    expect(page.locator("#sync-finished-label")).to_have_text("Failed")
    expect(page.locator("#sync-error")).to_have_text("The sync failed; the details are in the server log.")
    expect(page.locator("body")).not_to_contain_text("KeyError")
    expect(page.locator("body")).not_to_contain_text("internal detail")
