"""Structured logs: JSON lines, and every line written during a sync carries its sync id."""

from __future__ import annotations

import ast
import json
import logging
from pathlib import Path

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


# ------------------------------------------------ no log call can overwrite a LogRecord attribute

SRC = Path(__file__).resolve().parents[1] / "src" / "sellersync"
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
#: What ``Logger.makeRecord`` refuses in ``extra`` (KeyError "Attempt to overwrite ... in LogRecord").
RESERVED = set(logging.LogRecord("n", logging.INFO, "p", 1, "m", None, None).__dict__) | {
    "message",
    "asctime",
}


def extra_problems(source: str, filename: str) -> tuple[int, list[str]]:
    """(log calls with ``extra=`` seen, the problems): a reserved key, or keys the scan cannot read."""
    seen, problems = 0, list[str]()
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in LOG_METHODS:
            continue
        for kw in node.keywords:
            where = f"{filename}:{node.lineno}"
            if kw.arg is None:
                problems.append(f"{where}: **kwargs in a log call (extra cannot be checked)")
            if kw.arg != "extra":
                continue
            seen += 1
            if not isinstance(kw.value, ast.Dict) or not all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in kw.value.keys
            ):
                problems.append(f"{where}: extra= must be a dict literal with string keys")
                continue
            keys = {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
            problems += [
                f"{where}: extra key {key!r} is a reserved LogRecord attribute" for key in keys & RESERVED
            ]
    return seen, problems


def test_the_scan_finds_a_reserved_extra_key() -> None:
    planted = 'log.info("amazon connected", extra={"sync_id": s, "created": True})\nx(extra={"created": 1})'
    assert extra_problems(planted, "planted.py") == (
        1,
        ["planted.py:1: extra key 'created' is a reserved LogRecord attribute"],
    )
    with pytest.raises(KeyError, match="created"):  # what the scan prevents
        logging.getLogger("x").makeRecord("x", logging.INFO, "f", 1, "m", (), None, extra={"created": 1})


def test_no_log_call_in_src_can_collide_with_a_reserved_logrecord_attribute() -> None:
    total, problems = 0, list[str]()
    for path in sorted(SRC.rglob("*.py")):
        seen, found = extra_problems(path.read_text(), str(path.relative_to(SRC.parent)))
        total, problems = total + seen, problems + found
    assert problems == []
    assert total >= 10  # the scan really sees the code's log calls (there are more than ten today)
