"""``python -m sellersync.emulator`` starts a server and writes the truth manifest."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sellersync.emulator.server import parse_anchor, parse_throttle_bursts

pytest.importorskip("sellersync.emulator.world")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_module_entry_serves_and_writes_truth(tmp_path: Path) -> None:
    port = _free_port()
    truth = tmp_path / "truth.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sellersync.emulator",
            "--port",
            str(port),
            "--seed",
            "3",
            "--speed",
            "50",
            "--truth-file",
            str(truth),
            "--fault-429-burst",
            "getOrders=2",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                info = httpx.get(base + "/_emulator/world").json()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.05)
        else:
            raise AssertionError("the emulator did not start")
        assert info["seed"] == 3 and info["speed"] == 50.0
        assert json.loads(truth.read_text()) == httpx.get(base + "/_emulator/truth").json()
        faults = httpx.get(base + "/_emulator/faults").json()
        assert faults["throttle_bursts"] == {"getOrders": 2}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def test_flag_parsing() -> None:
    assert parse_throttle_bursts(["5"]) == {"*": 5}
    assert parse_throttle_bursts(["getOrders=3", "getReport=1"]) == {"getOrders": 3, "getReport": 1}
    assert parse_throttle_bursts(None) == {}
    anchor = parse_anchor("2025-06-01")
    assert anchor is not None and anchor.isoformat() == "2025-06-01T00:00:00+00:00"
    assert parse_anchor(None) is None
