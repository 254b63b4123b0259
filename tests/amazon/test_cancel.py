from __future__ import annotations

import threading

import pytest

from sellersync.amazon import Cancelled, CancelToken


def test_wait_returns_normally_when_not_cancelled() -> None:
    token = CancelToken()
    token.wait(0.0)
    token.raise_if_cancelled()
    assert not token.cancelled


def test_cancelled_token_raises_at_once() -> None:
    token = CancelToken()
    token.cancel()
    assert token.cancelled
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()
    with pytest.raises(Cancelled):
        token.wait(3600.0)


def test_cancel_from_another_thread_ends_a_long_wait() -> None:
    token = CancelToken()
    entered = threading.Event()
    outcome: list[BaseException | str] = []

    def worker() -> None:
        entered.set()
        try:
            token.wait(3600.0)  # an hour: only cancellation can end it within the test
        except Cancelled as exc:
            outcome.append(exc)
        else:
            outcome.append("returned normally")

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert entered.wait(30)
    token.cancel()
    thread.join(30)  # a safety net for a broken implementation, not a timing assertion
    assert not thread.is_alive(), "wait() did not return after cancel()"
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
