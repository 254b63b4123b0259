from __future__ import annotations

import threading

from sellersync.amazon import AccessTokenCache, AuthorizationRevoked, TokenGrant


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_cached_per_connection_and_refreshed_before_expiry() -> None:
    clock = FakeClock()
    cache = AccessTokenCache(clock=clock)
    cache.put("conn-a", "token-a", 3600)
    cache.put("conn-b", "token-b", 3600)
    assert cache.get("conn-a") == "token-a"
    assert cache.get("conn-b") == "token-b"
    clock.now = 3600 - 61
    assert cache.get("conn-a") == "token-a"
    clock.now = 3600 - 59  # within the 60 s margin: considered stale
    assert cache.get("conn-a") is None
    assert "conn-a" not in cache


def test_get_or_refresh_refreshes_once_per_connection() -> None:
    clock = FakeClock()
    cache = AccessTokenCache(clock=clock)
    calls: list[str] = []
    gate = threading.Event()

    def refresh() -> TokenGrant:
        gate.wait(5)
        calls.append("refresh")
        return TokenGrant(access_token="fresh-token", expires_in=3600)

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_refresh("c", refresh))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(30)
    assert results == ["fresh-token"] * 8
    assert calls == ["refresh"]


def test_invalidate_only_the_stale_token() -> None:
    cache = AccessTokenCache(clock=FakeClock())
    cache.put("c", "new", 3600)
    cache.invalidate("c", "old")  # someone else already replaced it
    assert cache.get("c") == "new"
    cache.invalidate("c")
    assert cache.get("c") is None


def test_tokens_never_in_reprs() -> None:
    grant = TokenGrant(access_token="Atza|SECRET", expires_in=3600, refresh_token="Atzr|SECRET")
    assert "SECRET" not in repr(grant)
    cache = AccessTokenCache(clock=FakeClock())
    cache.put("c", "Atza|SECRET", 3600)
    assert "SECRET" not in repr(cache)
    err = AuthorizationRevoked("The request has an invalid grant parameter", "c")
    assert err.connection_id == "c" and "SECRET" not in str(err)
