"""Structured logs: JSON lines, and every line written during a sync carries its sync id."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from sellersync.logs import configure_logging


def test_log_lines_are_json_with_the_bound_sync_id(capfd: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("INFO")
        structlog.contextvars.bind_contextvars(sync_id="1b6f3c1e-sync")
        logging.getLogger("sellersync.amazon.client").warning("spapi retry", extra={"operation": "getOrders"})
        structlog.contextvars.unbind_contextvars("sync_id")
        logging.getLogger("sellersync.api").info("no sync here")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    retry, other = lines[-2], lines[-1]
    assert retry["event"] == "spapi retry" and retry["sync_id"] == "1b6f3c1e-sync"
    assert retry["operation"] == "getOrders" and retry["level"] == "warning"
    assert "sync_id" not in other
