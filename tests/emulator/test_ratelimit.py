"""Token buckets per (seller, operation): bursts beyond the bucket get 429, paced clients don't."""

from __future__ import annotations

import time
from typing import Any

from tests.emulator.conftest import CheckedApi
from tests.emulator.fakeworld import FakeWorld
from tests.support.emulator import run_emulator

US = "ATVPDKIKX0DER"
QUOTA = {
    "code": "QuotaExceeded",
    "message": "You exceeded your quota for the requested resource.",
    "details": "",
}


def test_burst_beyond_the_bucket_is_throttled(spapi_models: Any) -> None:
    with run_emulator(world=FakeWorld(), speed=1.0) as emu:
        a = CheckedApi(emu, spapi_models)
        params = {"MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z", "MaxResultsPerPage": 1}
        statuses = []
        for _ in range(25):
            res = a.call("getOrders", "GET", "/orders/v0/orders", expect=None, params=params)
            statuses.append(res.status_code)
            assert res.headers["x-amzn-ratelimit-limit"] == "0.0167"
            if res.status_code == 429:
                assert res.json() == {"errors": [QUOTA]}
        assert statuses[:20] == [200] * 20  # burst 20
        assert statuses[20:] == [429] * 5
        stats = emu.stats()["operations"]["getOrders"]
        assert stats == {"calls": 25, "throttled": 5, "errors": 0, "ok": 20}
        # buckets are per operation: another operation is unaffected
        a.get("getOrderItems", "/orders/v0/orders/111-0000001-0000001/orderItems")
        a.close()


def test_client_pacing_at_the_advertised_rate_is_never_throttled(spapi_models: Any) -> None:
    # getInventorySummaries: rate 2/s, burst 2; at speed 25 the advertised rate is 50/s
    with run_emulator(world=FakeWorld(), speed=25.0) as emu:
        a = CheckedApi(emu, spapi_models)
        params = {"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US}
        interval = None
        last = 0.0
        for _ in range(40):
            if interval is not None:
                time.sleep(max(0.0, last + interval - time.monotonic()))
            last = time.monotonic()
            res = a.call("getInventorySummaries", "GET", "/fba/inventory/v1/summaries", params=params)
            assert res.status_code == 200
            interval = 1.05 / float(res.headers["x-amzn-ratelimit-limit"])
        assert res.headers["x-amzn-ratelimit-limit"] == "50.0"
        assert emu.stats()["operations"]["getInventorySummaries"]["throttled"] == 0
        a.close()


def test_reset_limits_refills_the_buckets(spapi_models: Any) -> None:
    with run_emulator(world=FakeWorld(), speed=1.0) as emu:
        a = CheckedApi(emu, spapi_models)
        path = "/sellers/v1/marketplaceParticipations"
        for _ in range(15):
            a.get("getMarketplaceParticipations", path)
        a.get("getMarketplaceParticipations", path, expect=429)
        emu.reset_limits()
        a.get("getMarketplaceParticipations", path)
        a.close()
