"""schemathesis against a running server with a signed-in user: no 5xx, and every answer is one the
OpenAPI document names (status code, content type, schema).

The server is ``sellersync serve`` at info log level (as the README starts it), with a completed sync
from the emulator so that the data and claims routes have rows. Short in ``make test``; with
``SELLERSYNC_CHAOS=1`` a long run that prints a table (docs/reliability.md, "HTTP edges").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import update

from sellersync.accounts import service as accounts
from sellersync.connections import add_connection
from sellersync.store.models import AmazonConnection, ApiToken
from tests.conftest import Database
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.sellersync import make_runtime, settings_for, spawn_server

CHAOS = os.environ.get("SELLERSYNC_CHAOS") == "1"
SEED = int(os.environ.get("SELLERSYNC_FUZZ_SEED", "20261201"))
#: Test cases per operation: a few hundred requests in all in ``make test``, thousands under chaos.
EXAMPLES = 300 if CHAOS else 8
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
#: Ids no generator is likely to hit, so DELETE /api/tokens/{id} and /api/amazon/connection/{id}
#: exercise their 404s and leave the run's own credentials and connection alone.
TOKEN_ID = 7_654_321
CONNECTION_ID = 7_654_322
TERMINAL = {"completed", "partial", "failed", "cancelled"}


@dataclass
class Fuzzed:
    requests: int
    server_errors: int
    failures: dict[str, int]  # check name -> failing cases
    errors: int  # cases schemathesis could not run (network errors, timeouts)
    operations: int
    raw: str


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    with run_emulator(seed=7, speed=2000.0) as e:
        yield e


def _signed_in_token(db: Database, emu: RunningEmulator) -> str:
    """A user with an API token and a connection to the emulator's seller, at out-of-the-way ids."""
    settings = settings_for(db.url, emu)
    with make_runtime(settings) as rt, rt.uow() as s:
        user = accounts.create_user(
            s, email="fuzz@a.test", password="correct horse battery", workspace="Fuzz"
        )
        row, token = accounts.create_token(s, user.id, "schemathesis")
        s.flush()
        s.execute(update(ApiToken).where(ApiToken.id == row.id).values(id=TOKEN_ID))
        conn = add_connection(
            s,
            rt.box,
            workspace_id=user.workspace_id,
            selling_partner_id=emu.seller_id,
            region=emu.world.region,
            refresh_token=emu.refresh_token,
        )
        s.flush()
        s.execute(update(AmazonConnection).where(AmazonConnection.id == conn.id).values(id=CONNECTION_ID))
    return token


def _synced(base_url: str, token: str) -> None:
    """One completed sync (rows for the data and claims routes), observed through the API."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        started = c.post("/api/sync/start", json={"connectionId": CONNECTION_ID})
        assert started.status_code == 202, started.text
        sync_id = started.json()["syncId"]
        deadline = time.monotonic() + 240
        while (status := c.get(f"/api/sync/status/{sync_id}").json()["status"]) not in TERMINAL:
            assert time.monotonic() < deadline, "the sync did not finish"
            time.sleep(0.2)
        assert status == "completed"


def run_schemathesis(base_url: str, token: str, report: Path) -> Fuzzed:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is a dev dependency: make install"
    done = subprocess.run(
        [
            st,
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-redirects",
            "0",
            "--request-timeout",
            "30",
            "--exclude-path",
            "/api/sync/events",  # an endless stream: its edges are tests/api/test_edges.py's
            "--report",
            "har,junit",
            "--report-dir",
            str(report),
            "--no-shrink",
            "--warnings",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=report.parent,  # schemathesis keeps a cache under its working directory
    )
    return _read_reports(report, done.stdout + done.stderr)


#: The titles schemathesis gives a failed check in its report, by check.
TITLES = {
    "not_a_server_error": ("server error",),
    "status_code_conformance": ("undocumented status code",),
    "content_type_conformance": ("undocumented content-type", "missing content-type", "malformed media type"),
    "response_schema_conformance": ("response violates schema", "json deserialization error"),
}
_PROBLEM = re.compile(r"^- (ST\d+ )?(?P<title>.+)$", re.MULTILINE)


def _read_reports(report: Path, output: str) -> Fuzzed:
    har = json.loads(next(report.glob("har-*.json")).read_text())
    statuses = [e["response"]["status"] for e in har["log"]["entries"]]
    failures: dict[str, int] = {}
    errors = operations = 0
    for case in ElementTree.parse(next(report.glob("junit-*.xml"))).getroot().iter("testcase"):
        operations += 1
        errors += sum(1 for _ in case.iter("error"))
        for failure in case.iter("failure"):
            for problem in _PROBLEM.finditer(failure.text or ""):
                title = problem["title"].strip().lower()
                check = next((c for c, names in TITLES.items() if title.startswith(names)), title)
                failures[check] = failures.get(check, 0) + 1
    return Fuzzed(len(statuses), sum(1 for s in statuses if s >= 500), failures, errors, operations, output)


def table(f: Fuzzed) -> str:
    rows: list[tuple[str, Any]] = [
        ("operations", f.operations),
        ("requests", f.requests),
        ("5xx answers", f.server_errors),
        ("status-code failures", f.failures.get("status_code_conformance", 0)),
        ("content-type failures", f.failures.get("content_type_conformance", 0)),
        ("schema failures", f.failures.get("response_schema_conformance", 0)),
        ("server-error failures", f.failures.get("not_a_server_error", 0)),
        ("errors (not run)", f.errors),
        *((f"other failures: {k}", v) for k, v in f.failures.items() if k not in TITLES),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v:>7}" for k, v in rows)


@pytest.mark.chaos
def test_schemathesis_finds_no_5xx_and_no_undocumented_answer(
    db: Database, emu: RunningEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _signed_in_token(db, emu)
    settings = settings_for(db.url, emu, backfill_days=60, schedule_check_seconds=3600)
    with spawn_server(settings, tmp_path / "server.log", log_level="info") as server:
        _synced(server.base_url, token)
        fuzzed = run_schemathesis(server.base_url, token, tmp_path / "report")
    with capsys.disabled():
        print(f"\nschemathesis (seed {SEED}, {EXAMPLES} examples per operation):\n{table(fuzzed)}")
    assert fuzzed.requests >= (2000 if CHAOS else 200), fuzzed.raw[-3000:]
    assert fuzzed.server_errors == 0 and not fuzzed.failures and fuzzed.errors == 0, fuzzed.raw[-6000:]
