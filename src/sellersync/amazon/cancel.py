"""Cooperative cancellation for sync work running in worker threads.

Every wait in this package (rate-limit pacing, retry backoff, report polling) goes through
:meth:`CancelToken.wait`, so cancelling a sync ends any of those waits at once.
"""

from __future__ import annotations

import threading


class Cancelled(Exception):
    """The work was cancelled through its :class:`CancelToken`."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class CancelToken:
    """A thread-safe, one-way cancellation flag (``threading.Event`` based)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Request cancellation; every current and future :meth:`wait` raises :class:`Cancelled`."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` unless cancelled first; raises :class:`Cancelled` when cancelled.

        Returns normally after the full duration when nobody cancelled.
        """
        if self._event.wait(max(0.0, seconds)):
            raise Cancelled()

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self.cancelled})"
