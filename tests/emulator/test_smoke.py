from __future__ import annotations

from tests.emulator.conftest import api
from tests.support.emulator import RunningEmulator


def test_orders_roundtrip(fake_emu: RunningEmulator) -> None:
    with api(fake_emu) as c:
        r = c.get(
            "/orders/v0/orders",
            params={
                "MarketplaceIds": "ATVPDKIKX0DER",
                "CreatedAfter": "2000-01-01T00:00:00Z",
                "MaxResultsPerPage": 100,
            },
        )
        assert r.status_code == 200, r.text
        assert r.headers["x-amzn-ratelimit-limit"]
        body = r.json()
        assert len(body["payload"]["Orders"]) == 100
        assert body["payload"]["NextToken"]
