"""The claims page (``/claims``, ``/claims/{id}``), proved in a real browser (Debian's Chromium driven by
Playwright) against ``sellersync serve`` started as the README starts it (a process, log level info),
after a real sync from the real emulator and the detection chained after it.

One server and one synced database serve the whole module (a sync takes a while); the tests that
change claims (file one, value a SKU, import costs) each pick claims no other test relies on, and every
check compares the page with the API's answer at that moment, never with a number computed here.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from sellersync.accounts import service as accounts
from sellersync.emulator.contract import ReportTable
from sellersync.emulator.world.formats import REIMBURSEMENTS, Formatter
from sellersync.runtime import Runtime
from sellersync.store import migrate
from tests.support.emulator import RunningEmulator, run_emulator, seeded_world
from tests.support.sellersync import API_KEY, connect, free_port, make_runtime, settings_for, spawn_server
from tests.sync.conftest import WHOLE_WORLD_DAYS
from tests.web.test_dashboard import PASSWORD, browser, screenshot  # noqa: F401  (the module's browser)

OWNER = "owner@example.com"
READER = "reader@example.com"
SYNC_TIMEOUT_S = 240.0
PHONE: ViewportSize = {"width": 375, "height": 740}


class PayingWorld:
    """The seeded world, plus the reimbursements Amazon approves while the test runs: ``pay`` adds a
    row to the reimbursements report, so the next sync finds it (the emulator pays)."""

    def __init__(self, world: Any) -> None:
        self._world = world
        self._paid: list[tuple[datetime, str, list[str]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._world, name)

    def pay(self, claim: dict[str, Any], reason: str, rid: str) -> None:
        mkt = next(m for m in self._world.marketplaces if m.marketplace_id == claim["marketplaceId"])
        f = Formatter(REIMBURSEMENTS, mkt)
        # dated a little in the past: a sync reads reports up to a few minutes before now (planner)
        approved = datetime.now(UTC) - timedelta(minutes=10)
        units = int(claim["units"])
        per_unit = (Decimal(claim["amount"]) / units).quantize(Decimal("0.01"))
        row = {
            "approval-date": f.dt(approved),
            "reimbursement-id": rid,
            "reason": reason,
            "sku": claim["sku"],
            "fnsku": claim["fnsku"],
            "asin": claim["asin"] or "",
            "product-name": claim["sku"],
            "condition": "New",
            "currency-unit": mkt.currency,
            "amount-per-unit": f.amount(per_unit),
            "amount-total": f.amount(per_unit * units),
            "quantity-reimbursed-cash": str(units),
            "quantity-reimbursed-inventory": "0",
            "quantity-reimbursed-total": str(units),
        }
        header = self._world.report_table(REIMBURSEMENTS, [mkt.marketplace_id], approved, approved).header
        self._paid.append((approved, mkt.marketplace_id, [row.get(h, "") for h in header]))

    def report_table(
        self, report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> ReportTable:
        table = self._world.report_table(report_type, marketplace_ids, start, end)
        if report_type != REIMBURSEMENTS:
            return table
        extra = [r for t, m, r in self._paid if m in marketplace_ids and start <= t < end]
        return ReportTable(table.header, itertools.chain(table.rows, extra), table.charset)


@dataclass
class Served:
    base_url: str
    runtime: Runtime
    emu: RunningEmulator
    connection_id: int
    log: Path
    world: PayingWorld

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60
        )

    def api(self, path: str) -> Any:
        with self.client() as c:
            res = c.get(path)
        assert res.status_code == 200, (path, res.status_code, res.text)
        return res.json()


def wait_for_synced(served: Served) -> dict[str, Any]:
    """Start a sync over the API; wait until it and its detection have finished (observed, not slept)."""
    with served.client() as c:
        started = c.post("/api/sync/start", json={"connectionId": served.connection_id})
        assert started.status_code == 202, started.text
        sync_id = started.json()["syncId"]
        deadline = time.monotonic() + SYNC_TIMEOUT_S
        while True:
            body = c.get(f"/api/sync/status/{sync_id}").json()
            det = body.get("detection") or {}
            if body["status"] in ("failed", "cancelled"):
                pytest.fail(f"the sync ended {body['status']}: {body.get('error')}")
            if body["status"] in ("completed", "partial") and det.get("status") in ("completed", "failed"):
                assert det["status"] == "completed", det
                return body
            assert time.monotonic() < deadline, (
                f"the sync did not finish: {body['status']} {body['progress']}%"
            )
            time.sleep(0.2)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("claims-page")
    url = f"sqlite:///{folder / 'sellersync.db'}"
    migrate.upgrade(url)
    world = PayingWorld(seeded_world(7))
    with run_emulator(world=world, speed=2000.0) as emu:
        port = free_port()
        settings = settings_for(
            url,
            emu,
            public_url=f"http://127.0.0.1:{port}",
            backfill_days=WHOLE_WORLD_DAYS,
            schedule_check_seconds=3600,
        )
        with make_runtime(settings) as rt:
            with rt.uow() as s:
                accounts.create_user(s, email=OWNER, password=PASSWORD, workspace="Default", role="owner")
                accounts.create_user(
                    s, email=READER, password=PASSWORD, workspace="Default", role="read_only"
                )
            _, conn = connect(rt, emu)
            log = folder / "server.log"
            with spawn_server(settings, log, port=port, log_level="info") as server:
                site = Served(server.base_url, rt, emu, conn, log, world)
                wait_for_synced(site)
                yield site


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# ---------------------------------------------------------------- helpers


def sign_in(page: Page, served: Served, path: str = "/claims", email: str = OWNER) -> None:
    """Open ``path`` signed out: the sign-in page, then back to ``path``."""
    page.goto(served.base_url + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(served.base_url + path) + r"(\?.*)?$"))


def api(page: Page, path: str) -> Any:
    """The API's answer with the page's own session cookie."""
    base = re.match(r"https?://[^/]+", page.url)
    assert base
    res = page.context.request.get(base.group(0) + path)
    assert res.ok, (path, res.status, res.text())
    return res.json()


def money(amounts: dict[str, str] | None) -> str:
    parts = [f"{c} {a}" for c, a in (amounts or {}).items()]
    return " · ".join(parts) if parts else "–"


def words(code: str) -> str:
    return code.replace("_", " ")


def deadline_text(c: dict[str, Any]) -> str:
    w = c["window"]
    if w["status"] == "not_yet_eligible":
        return f"opens {(w['opens'] or '–')[:10]}"
    return (w["deadline"] or "–")[:10]


def amount_text(c: dict[str, Any]) -> str:
    if c["needsCost"]:
        return f"needs your unit cost ({c['units']:,} units)"
    return f"{c['currency']} {c['amount']}"


def assert_list_matches(page: Page, answer: dict[str, Any]) -> None:
    """The table shows the API's page in its order; every total is the API's."""
    rows = page.locator("#claims-table tbody tr")
    items = answer["items"]
    expect(rows).to_have_count(max(1, len(items)))
    if items:
        expect(rows.first).to_have_attribute("data-claim-id", str(items[0]["id"]))
        expect(rows.last).to_have_attribute("data-claim-id", str(items[-1]["id"]))
        ids = [rows.nth(i).get_attribute("data-claim-id") for i in range(len(items))]
        assert ids == [str(c["id"]) for c in items]
        for i in (0, len(items) - 1):
            cells = rows.nth(i).locator("td")
            expect(cells.nth(0)).to_have_text(deadline_text(items[i]))
            expect(cells.nth(1)).to_have_text(words(items[i]["type"]))
            expect(cells.nth(5)).to_contain_text(amount_text(items[i]))
    totals = answer["totals"]
    expect(page.locator("#t-count")).to_have_text(f"{totals['count']:,}")
    expect(page.locator("#t-recoverable")).to_have_text(money(totals["recoverable"]))
    expect(page.locator("#t-filed")).to_have_text(money(totals["filed"]))
    expect(page.locator("#t-recovered")).to_have_text(money(totals["recovered"]))
    expect(page.locator("#t-expired")).to_have_text(money(totals["expired"]))
    nc = totals["needsCost"]
    expect(page.locator("#t-needs-cost")).to_have_text(
        f"{nc['count']:,} claims · {nc['units']:,} units" if nc["count"] else "none"
    )
    by_type = page.locator("#t-by-type tbody tr")
    expect(by_type).to_have_count(max(1, len(totals["byType"])))
    for i, (kind, t) in enumerate(totals["byType"].items()):
        expect(by_type.nth(i).locator("td")).to_have_text(
            [words(kind), f"{t['count']:,}", money(t["recoverable"])]
        )
    by_status = page.locator("#t-by-status tbody tr")
    for i, (code, n) in enumerate(totals["byStatus"].items()):
        count = n if isinstance(n, int) else n["count"]
        expect(by_status.nth(i).locator("td")).to_have_text([words(code), f"{count:,}"])
    total, offset = answer["total"], answer["offset"]
    shown = f"{offset + 1:,}–{offset + len(items):,} of {total:,}" if items else f"0 of {total:,}"
    expect(page.locator("#page-range")).to_have_text(shown)


def no_horizontal_overflow(page: Page) -> None:
    """Nothing reaches past the phone's 375 px: the page does not scroll sideways (a wide table
    scrolls inside its own box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """(limit) => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > limit + 0.5 && !e.closest('.table-wrap > *'))
            .filter((e) => e.getClientRects().length)
            .slice(0, 5).map((e) => `${e.tagName}#${e.id}.${e.className}`)""",
        PHONE["width"],
    )
    assert width <= PHONE["width"] and not wide, f"{page.url}: {width}px wide; past the edge: {wide}"


# ---------------------------------------------------------------- tests


def test_filter_sort_page_and_totals_equal_the_api(page: Page, served: Served) -> None:
    sign_in(page, served)
    everything = api(page, "/api/claims?limit=50")
    assert everything["total"] > 0, "the seeded world has claims"
    assert_list_matches(page, everything)
    # default: deadline, soonest first
    deadlines = [c["window"]["deadline"] for c in everything["items"] if c["window"]["deadline"]]
    assert deadlines == sorted(deadlines)

    # filter by the most common type
    kind = max(everything["totals"]["byType"].items(), key=lambda kv: kv[1]["count"])[0]
    page.get_by_label("Type").select_option(kind)
    expect(page).to_have_url(re.compile(rf"[?&]type={kind}"))
    assert_list_matches(page, api(page, f"/api/claims?type={kind}&limit=50"))

    # another sort
    page.get_by_label("Sort").select_option("-amount")
    expect(page).to_have_url(re.compile(r"sort=-amount"))
    assert_list_matches(page, api(page, f"/api/claims?type={kind}&sort=-amount&limit=50"))

    # status and window filters together
    page.get_by_label("Status").select_option("open")
    page.get_by_label("Window").select_option("open")
    assert_list_matches(
        page, api(page, f"/api/claims?type={kind}&status=open&window=open&sort=-amount&limit=50")
    )

    # SKU or FNSKU: an FNSKU finds its claims
    page.get_by_role("button", name="Clear").click()
    fnsku = next(c["fnsku"] for c in everything["items"] if c["fnsku"])
    page.get_by_label("SKU or FNSKU").fill(fnsku)
    expect(page).to_have_url(re.compile(rf"sku={fnsku}"))
    by_fnsku = api(page, f"/api/claims?sku={fnsku}&limit=50")
    assert by_fnsku["total"] >= 1 and all(fnsku in (c["fnsku"], c["sku"]) for c in by_fnsku["items"])
    assert_list_matches(page, by_fnsku)

    # free text and marketplace
    page.get_by_role("button", name="Clear").click()
    market = everything["items"][0]["marketplaceId"]
    page.get_by_label("Marketplace").fill(market)
    page.get_by_label("Search", exact=True).fill(words(kind).split()[0])
    expect(page).to_have_url(re.compile(r"q="))
    q = words(kind).split()[0]
    assert_list_matches(page, api(page, f"/api/claims?marketplace={market}&q={q}&limit=50"))

    # paging: 25 a page, the second page
    page.get_by_role("button", name="Clear").click()
    page.get_by_label("Per page").select_option("25")
    assert_list_matches(page, api(page, "/api/claims?limit=25"))
    if everything["total"] > 25:
        page.get_by_role("button", name="Next →").click()
        assert_list_matches(page, api(page, "/api/claims?limit=25&offset=25"))
        page.get_by_role("button", name="← Previous").click()
        assert_list_matches(page, api(page, "/api/claims?limit=25"))
    screenshot(page, "claims-list")


def test_open_a_claim_copy_its_case_text_and_mark_it_filed(page: Page, served: Served) -> None:
    sign_in(page, served)
    listed = api(page, "/api/claims?status=open&window=open&needsCost=false&limit=50")["items"]
    assert listed, "the seeded world has open, valued claims"
    claim = listed[-1]
    page.locator(f'#claims-table a[data-claim-id="{claim["id"]}"]').click()
    expect(page).to_have_url(re.compile(rf"/claims/{claim['id']}(\?|$)"))
    detail = api(page, f"/api/claims/{claim['id']}")
    section = page.locator("#claim-detail")
    expect(section).to_be_visible()
    expect(page.locator("#d-type")).to_have_text(words(detail["type"]))
    expect(page.locator("#d-amount")).to_have_text(amount_text(detail))
    expect(page.locator("#d-fnsku")).to_have_text(detail["fnsku"] or "–")
    rows = detail["evidenceRows"]
    assert rows, "a claim names its evidence"
    expect(page.locator("#evidence-table tbody tr")).to_have_count(len(rows))
    for key in ("fnsku", "referenceId", "orderId", "shipmentId", "lpn", "fulfillmentCenter"):
        for r in rows:
            if r.get(key):
                expect(page.locator("#evidence-table tbody")).to_contain_text(str(r[key]))

    # the case text, in the marketplace's language, copied to the clipboard
    text = detail["caseText"]
    expect(page.locator("#case-subject")).to_have_value(text["subject"])
    expect(page.locator("#case-body")).to_have_value(text["body"])
    page.get_by_role("button", name="Copy case text").click()
    expect(page.locator("#copy-state")).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{text['subject']}\n\n{text['body']}"

    # the other language
    other = "de" if text["language"] == "en" else "en"
    page.get_by_role("button", name=other.upper(), exact=True).click()
    translated = api(page, f"/api/claims/{claim['id']}?lang={other}")["caseText"]
    assert translated["language"] == other and translated["subject"] != text["subject"]
    expect(page.locator("#case-subject")).to_have_value(translated["subject"])
    expect(page.get_by_role("button", name=other.upper(), exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    # mark it filed with a case id
    before = api(page, "/api/claims?limit=1")["totals"]
    page.get_by_label("Seller Central case id").fill("1234567890")
    page.get_by_role("button", name="Mark filed").click()
    expect(page.locator("#notice")).to_have_text("Marked filed under case 1234567890.")
    filed = api(page, f"/api/claims/{claim['id']}")
    assert filed["status"] == "filed" and filed["filing"]["caseId"] == "1234567890"
    assert filed["filing"]["filedBy"] == OWNER
    expect(page.locator("#d-status")).to_have_text("filed")
    expect(page.locator("#d-case")).to_contain_text("1234567890")
    expect(page.locator("#d-history li").last).to_contain_text(f"{OWNER}: open → filed")
    after = api(page, "/api/claims?limit=50")
    assert after["totals"]["filed"] != before["filed"]
    expect(page.locator("#t-filed")).to_have_text(money(after["totals"]["filed"]))
    expect(page.get_by_role("button", name="Mark filed")).to_be_hidden()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    screenshot(page, "claim-filed")

    # the deep link opens the same claim in a fresh page
    fresh = page.context.new_page()
    fresh.goto(f"{served.base_url}/claims/{claim['id']}")
    expect(fresh.locator("#d-case")).to_contain_text("1234567890")
    expect(fresh.locator("#claim-detail")).to_be_visible()
    fresh.close()

    # the filter by status finds it, and its total is the API's
    page.get_by_role("link", name="← All claims").click()
    page.get_by_label("Status").select_option("filed")
    assert_list_matches(page, api(page, "/api/claims?status=filed&limit=50"))
    expect(page.locator(f'#claims-table tr[data-claim-id="{claim["id"]}"]')).to_be_visible()


def test_a_unit_cost_gives_a_needs_cost_claim_its_amount(page: Page, served: Served) -> None:
    sign_in(page, served)
    waiting = api(page, "/api/claims?needsCost=true&limit=500")["items"]
    if not waiting:
        pytest.fail("the seeded world has claims whose units need the seller's cost")
    claim = waiting[0]
    sku = claim["sku"]
    same_sku = [c for c in waiting if c["sku"] == sku and c["marketplaceId"] == claim["marketplaceId"]]
    page.get_by_label("needs cost only").check()
    page.get_by_label("SKU or FNSKU").fill(sku)
    row = page.locator(f'#claims-table tr[data-claim-id="{claim["id"]}"]')
    expect(row.locator("td").nth(5)).to_contain_text(f"needs your unit cost ({claim['units']:,} units)")
    before = api(page, "/api/claims?limit=1")["totals"]["needsCost"]

    row.get_by_role("button", name=f"Enter the unit cost of {sku}").click()
    row.get_by_label(f"Unit cost of {sku}", exact=True).fill("12.50")
    row.get_by_label(f"Currency of the unit cost of {sku}").fill(claim["currency"])
    row.get_by_role("button", name="Save cost").click()
    expect(page.locator("#notice")).to_contain_text(f"Saved the unit cost of {sku}")

    valued = api(page, f"/api/claims/{claim['id']}")
    assert not valued["needsCost"] and valued["amount"] is not None
    assert Decimal(valued["amount"]) == Decimal("12.50") * valued["units"], valued
    after = api(page, "/api/claims?limit=1")["totals"]["needsCost"]
    assert after["count"] == before["count"] - len(same_sku)
    # the list (still filtered to "needs cost") no longer shows it; without that filter it has its amount
    expect(row).to_have_count(0)
    page.get_by_label("needs cost only").uncheck()
    expect(row.locator("td").nth(5)).to_have_text(f"{valued['currency']} {valued['amount']}")
    assert_list_matches(page, api(page, f"/api/claims?sku={sku}&limit=50"))
    row.get_by_role("link").click()
    expect(page.locator("#d-amount")).to_have_text(f"{valued['currency']} {valued['amount']}")
    expect(page.locator("#d-needs-cost")).to_be_hidden()
    expect(page.locator("#d-valuation")).to_contain_text(valued["valuation"]["label"])


def test_import_a_cost_csv(page: Page, served: Served, tmp_path: Path) -> None:
    sign_in(page, served)
    waiting = api(page, "/api/claims?needsCost=true&limit=500")["items"]
    assert waiting, "claims that still need a cost (the test above valued one SKU only)"
    skus = sorted({(c["sku"], c["currency"]) for c in waiting if c["sku"]})
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["sku", "cost", "currency"])
    for sku, cur in skus:
        w.writerow([sku, "7.25", cur])
    w.writerow(["", "x", "USD"])  # a bad line: reported, not fatal
    path = tmp_path / "costs.csv"
    path.write_text(out.getvalue())

    page.get_by_label("Cost CSV").set_input_files(str(path))
    page.get_by_role("button", name="Import costs").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text(f"Imported {len(skus):,} unit costs")
    expect(result.locator("li")).to_have_count(1)  # the bad line, with its line number
    expect(result.locator("li")).to_contain_text(f"line {len(skus) + 2}:")
    after = api(page, "/api/claims?limit=50")
    assert after["totals"]["needsCost"]["count"] == 0, after["totals"]["needsCost"]
    assert_list_matches(page, after)
    claim = api(page, f"/api/claims/{waiting[0]['id']}")
    assert Decimal(claim["amount"]) == Decimal("7.25") * claim["units"]


def test_money_over_time_charts_show_the_timeline(page: Page, served: Served) -> None:
    sign_in(page, served)
    timeline = api(page, "/api/claims/timeline")
    months = timeline["months"]
    assert months, "claims have months"
    # the currency picker is filled once the page has the timeline: wait for that state
    expect(page.locator("#chart-currency option")).not_to_have_count(0)
    currency = page.locator("#chart-currency").input_value()
    assert currency
    for m in months:
        for series in ("recoverable", "filed", "recovered"):
            bar = page.locator(f'#chart-money rect[data-month="{m["month"]}"][data-series="{series}"]')
            expect(bar).to_have_attribute("data-amount", (m[series] or {}).get(currency, "0.00"))
        for kind, amounts in (m.get("byType") or {}).items():
            bar = page.locator(f'#chart-types rect[data-month="{m["month"]}"][data-series="{kind}"]')
            expect(bar).to_have_attribute("data-amount", amounts.get(currency, "0.00"))
    expect(page.locator("#timeline-table tbody tr")).to_have_count(len(months))
    page.locator("#timeline").scroll_into_view_if_needed()
    screenshot(page, "claims-charts")

    # the charts follow the filters
    kind = max(timeline_types(months), key=lambda t: t[1])[0]
    page.get_by_label("Type").select_option(kind)
    filtered = api(page, f"/api/claims/timeline?type={kind}")["months"]
    assert filtered != months
    expect(page.locator("#timeline-table tbody tr")).to_have_count(len(filtered))
    for m in filtered:
        bar = page.locator(f'#chart-types rect[data-month="{m["month"]}"][data-series="{kind}"]')
        expect(bar).to_have_attribute("data-amount", (m["byType"].get(kind) or {}).get(currency, "0.00"))
    expect(page.locator("#chart-types rect[data-series]:not([data-series='" + kind + "'])")).to_have_count(0)


def timeline_types(months: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Claim types of the timeline with the number of months each has money in."""
    seen: dict[str, int] = {}
    for m in months:
        for kind in m.get("byType") or {}:
            seen[kind] = seen.get(kind, 0) + 1
    return sorted(seen.items())


def test_read_only_user_sees_no_write_controls(page: Page, served: Served) -> None:
    sign_in(page, served, email=READER)
    expect(page.get_by_text("can read the claims but not file")).to_be_visible()
    expect(page.locator("#claims-table tbody tr").first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Enter the unit cost"))).to_have_count(0)
    expect(page.get_by_role("button", name="Import costs")).to_be_hidden()
    page.locator("#claims-table a[data-claim-id]").first.click()
    expect(page.locator("#d-body")).to_be_visible()
    for name in ("Mark filed", "Dismiss", "Reopen", "Save cost"):
        expect(page.get_by_role("button", name=name)).to_be_hidden()
    expect(page.get_by_role("button", name="Copy case text")).to_be_visible()  # reading is not writing


def test_pages_fit_a_phone(browser: Browser, served: Served) -> None:  # noqa: F811
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, served)
        expect(page.locator("#claims-table tbody tr").first).to_be_visible()
        no_horizontal_overflow(page)
        page.locator("#claims-table a[data-claim-id]").first.click()
        expect(page.locator("#d-body")).to_be_visible()
        expect(page.locator("#evidence-table tbody tr").first).to_be_visible()
        no_horizontal_overflow(page)
        screenshot(page, "claim-phone")
        page.goto(served.base_url + "/")
        expect(page.locator("#history-table tbody tr").first).to_be_visible()
        expect(page.locator("#claims-by-type tbody tr").first).to_be_visible()
        no_horizontal_overflow(page)
        screenshot(page, "dashboard-phone")
    finally:
        context.close()


def test_api_docs_work_offline(page: Page, served: Served) -> None:
    """``/docs`` loads Swagger UI from this server only: every other origin is refused."""
    elsewhere: list[str] = []

    def only_ours(route: Any) -> None:
        if route.request.url.startswith(served.base_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_ours)
    page.goto(served.base_url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("sellersync")
    expect(page.locator(".opblock-summary-path", has_text="/api/claims").first).to_be_visible()
    assert not elsewhere, elsewhere


def test_a_claim_deep_link_signed_out_comes_back_after_sign_in(page: Page, served: Served) -> None:
    claim = served.api("/api/claims?limit=1")["items"][0]
    sign_in(page, served, path=f"/claims/{claim['id']}")
    expect(page.locator("#d-id")).to_have_text(str(claim["id"]))
    expect(page.locator("#d-body")).to_be_visible()
    page.goto(served.base_url + "/claims/999999")
    expect(page.locator("#d-loading")).to_have_text("This claim was not found in this workspace.")


def test_a_filed_claim_becomes_reimbursed_when_a_later_sync_brings_amazons_payment(
    page: Page, served: Served
) -> None:
    sign_in(page, served)
    open_lost = api(page, "/api/claims?type=lost_in_warehouse&status=open&needsCost=false&limit=500")["items"]
    assert open_lost, "the seeded world has an open, valued lost-in-warehouse claim"
    claim = open_lost[0]
    page.locator(f'#claims-table a[data-claim-id="{claim["id"]}"]').click()
    page.get_by_label("Seller Central case id").fill("9876543210")
    page.get_by_role("button", name="Mark filed").click()
    expect(page.locator("#d-status")).to_have_text("filed")

    # Amazon pays the case: the emulator's reimbursements report has the payment; a later sync
    served.world.pay(claim, "Lost_Warehouse", "9900000001")
    wait_for_synced(served)

    paid = api(page, f"/api/claims/{claim['id']}")
    assert paid["status"] == "reimbursed", paid
    assert paid["reimbursed"]["complete"] is True and "9900000001" in paid["reimbursed"]["reimbursementIds"]
    page.reload()
    expect(page.locator("#d-status")).to_have_text("reimbursed")
    received = paid["reimbursed"]
    expect(page.locator("#d-received")).to_have_text(
        f"{received['currency']} {received['amountReceived']} of {received['amountClaimed']} claimed"
    )
    expect(page.locator("#d-history li").last).to_contain_text("filed → reimbursed")
    expect(page.get_by_role("button", name="Mark filed")).to_be_hidden()
    assert_list_matches(page, api(page, "/api/claims?limit=50"))
    screenshot(page, "claim-reimbursed")


def test_claims_pages_over_plain_http(served: Served) -> None:
    """Signed out, a claims page sends to the sign-in page and remembers only a page of ours."""
    anonymous = httpx.Client(base_url=served.base_url, timeout=30)
    assert anonymous.get("/claims", follow_redirects=False).headers["location"] == "/login?next=/claims"
    assert anonymous.get("/claims/12", follow_redirects=False).headers["location"] == "/login?next=/claims/12"
    assert anonymous.get("/claims/1%3Cx", follow_redirects=False).headers["location"] == "/login?next=/claims"

    signed_in = httpx.Client(base_url=served.base_url, timeout=30)
    assert signed_in.post("/api/auth/login", json={"email": OWNER, "password": PASSWORD}).status_code == 200
    page = signed_in.get("/claims/12", follow_redirects=False)
    assert page.status_code == 200 and "/static/claims.js" in page.text and "<script>" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert signed_in.get("/login?next=/claims/12", follow_redirects=False).headers["location"] == "/claims/12"
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/claims/../api"):
        assert (
            signed_in.get("/login", params={"next": elsewhere}, follow_redirects=False).headers["location"]
            == "/"
        )
    script = signed_in.get("/static/claims.js")
    assert (
        script.status_code == 200
        and "innerHTML" not in script.text
        and "insertAdjacentHTML" not in script.text
    )

    docs = httpx.get(served.base_url + "/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
    assert not re.search(r"""(src|href)=["']?https?:""", docs.text), (
        "the docs page loads nothing from elsewhere"
    )
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert httpx.get(f"{served.base_url}/docs-assets/{asset}").status_code == 200


def test_dismiss_deny_and_reopen_with_their_reasons_in_the_history(page: Page, served: Served) -> None:
    sign_in(page, served)
    claim = api(page, "/api/claims?status=open&window=open&sort=-deadline&limit=1")["items"][0]
    page.goto(f"{served.base_url}/claims/{claim['id']}")
    expect(page.locator("#d-status")).to_have_text("open")

    page.get_by_label("Reason").fill("sold the units elsewhere")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#notice")).to_have_text("Marked dismissed.")
    expect(page.locator("#d-status")).to_have_text("dismissed")
    expect(page.locator("#d-reason")).to_contain_text("sold the units elsewhere")
    assert api(page, f"/api/claims/{claim['id']}")["resolution"]["reason"] == "sold the units elsewhere"
    expect(page.get_by_role("button", name="Dismiss")).to_be_hidden()

    page.get_by_role("button", name="Reopen").click()
    expect(page.locator("#notice")).to_have_text("Reopened.")
    expect(page.locator("#d-status")).to_have_text("open")

    page.get_by_label("Seller Central case id").fill("555")
    page.get_by_role("button", name="Mark filed").click()
    expect(page.locator("#d-status")).to_have_text("filed")
    page.get_by_label("Reason").fill("Amazon found the units")
    page.get_by_role("button", name="Amazon denied it").click()
    expect(page.locator("#d-status")).to_have_text("denied")
    history = api(page, f"/api/claims/{claim['id']}")["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        ("open", "dismissed"),
        ("dismissed", "open"),
        ("open", "filed"),
        ("filed", "denied"),
    ]
    expect(page.locator("#d-history li")).to_have_count(len(history))
    expect(page.locator("#d-history li").last).to_contain_text(f"{OWNER}: filed → denied")

    # a change the API refuses is said in the API's words, and nothing changes
    refused = page.context.request.patch(
        f"{served.base_url}/api/claims/{claim['id']}",
        data={"status": "reimbursed"},
        headers={"origin": served.base_url},  # as the page's own fetch() sends it
    )
    assert refused.status == 400
    assert api(page, f"/api/claims/{claim['id']}")["status"] == "denied"


def test_copy_falls_back_when_the_clipboard_api_is_missing(browser: Browser, served: Served) -> None:  # noqa: F811
    context = browser.new_context()
    context.add_init_script(
        """Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});
        document.addEventListener('copy', () => { window.__copied = String(document.getSelection()); });"""
    )
    page = context.new_page()
    try:
        claim = served.api("/api/claims?limit=1")["items"][0]
        sign_in(page, served, path=f"/claims/{claim['id']}")
        text = api(page, f"/api/claims/{claim['id']}")["caseText"]
        expect(page.locator("#case-subject")).to_have_value(text["subject"])
        page.get_by_role("button", name="Copy case text").click()
        expect(page.locator("#copy-state")).to_have_text("Copied.")
        assert page.evaluate("window.__copied") == f"{text['subject']}\n\n{text['body']}"
    finally:
        context.close()
