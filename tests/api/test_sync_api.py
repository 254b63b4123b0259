"""The sync API over a running server and the emulator (DESIGN.md "The sync API")."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sellersync.store.models import SyncEvent, SyncRun, SyncUnit
from sellersync.sync.counts import canonical_counts
from tests.api.conftest import ApiEnv
from tests.support.sellersync import spawn_server
from tests.support.sse import collect
from tests.support.units import done_units, wait_for_done_units
from tests.sync.conftest import SyncEnv
from tests.sync.test_sync_emulator import assert_matches_world

TERMINAL = ("sync.completed", "sync.failed", "sync.cancelled")


def _wait_until(
    client: httpx.Client, sync_id: str, done: Callable[[dict[str, Any]], bool], timeout: float = 120.0
) -> dict[str, Any]:
    """The sync's status once ``done`` holds for it (or the last one read at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/sync/status/{sync_id}").json()
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def _wait_status(
    client: httpx.Client, sync_id: str, want: set[str], timeout: float = 120.0
) -> dict[str, Any]:
    return _wait_until(client, sync_id, lambda body: body["status"] in want, timeout)


def _wait_detection(client: httpx.Client, sync_id: str) -> dict[str, Any]:
    def finished(body: dict[str, Any]) -> bool:
        return (body.get("detection") or {}).get("status") in ("completed", "failed")

    return _wait_until(client, sync_id, finished)


def _as_sync_env(env: ApiEnv) -> SyncEnv:
    return SyncEnv(env.emu, env.settings, env.runtime, env.workspace_id, env.connection_id, env.db)


def test_start_streams_progress_to_completed_and_status_matches_the_store(api_env: ApiEnv) -> None:
    with api_env.server.client() as client:
        assert client.get("/api/sync/status").json() == {"hasActiveSync": False, "lastSync": None}
        started = client.post("/api/sync/start")
        assert started.status_code == 202
        sync_id = started.json()["syncId"]
        assert started.json()["status"] == "queued"
        events = collect(client, last_event_id=0, until=lambda e: e.type in TERMINAL)
        mine = [e for e in events if e.data.get("syncId") == sync_id]
        types = [e.type for e in mine]
        assert types[0] == "sync.started" and types[-1] == "sync.completed"
        progress = [e.data["progress"] for e in mine if e.type == "sync.progress"]
        assert progress == sorted(progress) and progress[-1] == 100.0
        assert [e.id for e in events] == sorted({e.id for e in events})  # ids increase, none repeated
        status = client.get("/api/sync/status").json()
        assert status["hasActiveSync"] is False
        last = status["lastSync"]
        assert last["syncId"] == sync_id and last["status"] == "completed" and last["progress"] == 100.0
        # the chained detection commits its claims and the sync's refreshed counts together
        last = _wait_detection(client, sync_id)
        assert last["detection"]["status"] == "completed"
        with api_env.runtime.uow() as s:
            assert last["counts"] == canonical_counts(s, api_env.connection_id)
        assert last["counts"]["orders"] > 0
        one = client.get(f"/api/sync/status/{sync_id}").json()
        assert one["units"] and all(u["status"] == "done" for u in one["units"])
        history = client.get("/api/sync/history").json()
        assert [h["syncId"] for h in history["items"]] == [sync_id] and history["total"] == 1
    assert_matches_world(_as_sync_env(api_env))


def test_twenty_concurrent_starts_give_exactly_one_202(api_env: ApiEnv) -> None:
    with api_env.server.client() as client, ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: client.post("/api/sync/start"), range(20)))
        codes = sorted(a.status_code for a in answers)
        assert codes == [202] + [409] * 19
        winner = next(a.json()["syncId"] for a in answers if a.status_code == 202)
        assert {a.json()["syncId"] for a in answers if a.status_code == 409} == {winner}
        assert all(a.json()["error"] == "sync_in_progress" for a in answers if a.status_code == 409)
        _wait_status(client, winner, {"completed"})


@pytest.mark.slow
@pytest.mark.parametrize("api_env", [{"speed": 300.0}], indirect=True)
def test_cancel_mid_sync_then_a_new_sync_completes_without_refetching(api_env: ApiEnv) -> None:
    with api_env.server.client() as client:
        sync_id = client.post("/api/sync/start").json()["syncId"]
        deadline = time.monotonic() + 60
        while client.get(f"/api/sync/status/{sync_id}").json()["progress"] <= 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        answer = client.post(f"/api/sync/cancel/{sync_id}")
        assert answer.status_code == 200
        asked = time.monotonic()
        body = _wait_status(client, sync_id, {"cancelled"}, timeout=15)
        assert body["status"] == "cancelled"
        assert time.monotonic() - asked < 15
        done_before = {
            (u["stream"], u["marketplaceId"], u["windowStart"])
            for u in body["units"]
            if u["status"] == "done"
        }
        assert done_before
        second = client.post("/api/sync/start")
        assert second.status_code == 202
        body2 = _wait_status(client, second.json()["syncId"], {"completed"})
        assert body2["status"] == "completed"
        # committed windows are not fetched again: the new sync starts from the checkpoints
        again = {(u["stream"], u["marketplaceId"], u["windowStart"]) for u in body2["units"]}
        windowed = {
            k for k in done_before if k[0] not in ("inventory_summaries", "orders_api", "settlements")
        }
        assert not (windowed & again)
    assert_matches_world(_as_sync_env(api_env))


def test_bad_input_is_a_clear_4xx(api_env: ApiEnv) -> None:
    with api_env.server.client() as client:
        assert client.get("/api/sync/status/not-a-uuid").status_code == 404
        assert (
            client.get("/api/sync/status/00000000-0000-4000-8000-000000000000").json()["error"] == "not_found"
        )
        assert client.post("/api/sync/cancel/nope").status_code == 404
        assert client.get("/api/sync/history?limit=0").status_code == 400
        assert client.get("/api/sync/history?offset=-1").status_code == 400
        assert client.post("/api/sync/start", json={"connectionId": "x"}).status_code == 400
        unknown = client.post("/api/sync/start", json={"connectionId": 999})
        assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
        bad = client.get("/api/sync/events", headers={"Last-Event-ID": "abc"})
        assert bad.status_code == 400
        assert httpx.get(api_env.server.base_url + "/api/sync/status").status_code == 401
        assert client.get("/health").json()["status"] == "ok"


def test_sse_reconnect_with_last_event_id_loses_nothing(api_env: ApiEnv) -> None:
    with api_env.server.client() as client:
        sync_id = client.post("/api/sync/start").json()["syncId"]
        first = collect(client, last_event_id=0, until=lambda e: False, limit=3)
        assert len(first) == 3
        rest = collect(client, last_event_id=first[-1].id, until=lambda e: e.type in TERMINAL)
        seen = [e.id for e in first + rest]
        assert len(seen) == len(set(seen))
        _wait_status(client, sync_id, {"completed"})
    with api_env.runtime.uow() as s:
        stored = list(s.scalars(select(SyncEvent.id).where(SyncEvent.id <= seen[-1]).order_by(SyncEvent.id)))
    assert seen == stored  # every stored event up to the end, in order, once


def test_metrics_report_syncs_units_and_api_calls(api_env: ApiEnv) -> None:
    with api_env.server.client() as client:
        sync_id = client.post("/api/sync/start").json()["syncId"]
        _wait_status(client, sync_id, {"completed"})
        text = client.get("/metrics").text
    assert 'sellersync_syncs{status="completed"} 1.0' in text
    assert 'sellersync_rows_written_total{stream="orders"}' in text
    assert 'sellersync_api_calls_total{operation="createReport"}' in text


@pytest.mark.slow
@pytest.mark.parametrize("api_env", [{"speed": 300.0, "settings": {"lease_seconds": 2.0}}], indirect=True)
def test_server_killed_mid_sync_resumes_the_same_sync_after_restart(api_env: ApiEnv, tmp_path: Path) -> None:
    """SIGKILL the server twice, each time after it committed more units (`make chaos` part b, short)."""
    log = tmp_path / "server.log"
    sync_id = ""
    for more in (3, 2):
        with spawn_server(api_env.settings, log) as proc, proc.client() as client:
            sync_id = sync_id or client.post("/api/sync/start").json()["syncId"]
            wait_for_done_units(api_env.runtime, sync_id, done_units(api_env.runtime, sync_id) + more)
            proc.kill()
    with spawn_server(api_env.settings, log) as proc, proc.client() as client:
        body = _wait_status(client, sync_id, {"completed", "failed", "partial"}, timeout=180)
        assert body["status"] == "completed", log.read_text()[-2000:]
        # killed after committing units: hand-backs, not failed attempts (the fixture's own server
        # may be the one that resumed it)
        assert body["attempt"] == 1 and body["handbacks"] >= 1
    with api_env.runtime.uow() as s:
        assert [r.id for r in s.scalars(select(SyncRun))] == [sync_id]
        assert all(u.status == "done" for u in s.scalars(select(SyncUnit)))
    assert_matches_world(_as_sync_env(api_env))


@pytest.mark.parametrize("api_env", [{"speed": 1.0}], indirect=True)
def test_cancel_during_amazons_report_wait_stops_within_seconds(api_env: ApiEnv) -> None:
    """At Amazon's real pace a report takes a minute or more: cancel must not wait for it."""
    with api_env.server.client() as client:
        sync_id = client.post("/api/sync/start").json()["syncId"]
        deadline = time.monotonic() + 30
        while not api_env.emu.stats()["operations"].get("createReport", {}).get("calls"):
            assert time.monotonic() < deadline, "the sync never requested a report"
            time.sleep(0.05)
        client.post(f"/api/sync/cancel/{sync_id}")
        body = _wait_status(client, sync_id, {"cancelled"}, timeout=10)  # not the minute Amazon takes
        assert body["status"] == "cancelled", body
        assert not any(u["status"] == "done" for u in body["units"] if u["stream"] == "orders")
    # the reports it had requested were cancelled at Amazon, not left to run
    assert api_env.emu.stats()["operations"]["cancelReport"]["calls"] >= 1
