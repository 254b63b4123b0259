"""Run sellersync itself against a running emulator: settings, a dev connection, a live API server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sellersync.config import Settings
from sellersync.connections import add_connection, default_workspace
from sellersync.emulator.embedded import serve_in_thread
from sellersync.runtime import Runtime, build_runtime
from tests.support.emulator import RunningEmulator

API_KEY = "test-api-key"


def settings_for(database_url: str, emu: RunningEmulator, **overrides: Any) -> Settings:
    """Settings that point sellersync at the emulator, with short waits for fast tests."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "spapi_endpoint": emu.base_url,
        "lwa_endpoint": emu.token_url,
        "lwa_client_id": emu.client_id,
        "lwa_client_secret": emu.client_secret,
        "secret_key": "test-secret-key",
        "api_key": API_KEY,
        "report_poll_initial_seconds": 0.05,
        "report_fatal_backoff_seconds": 0.05,
        "lease_seconds": 6.0,
        "reaper_interval_seconds": 1.0,
        "sse_poll_seconds": 0.1,
        "sse_heartbeat_seconds": 1.0,
        "max_retries": 6,
        "retry_backoff_seconds": 0.02,
    }
    values.update(overrides)
    return Settings(**values)


def env_for(settings: Settings) -> dict[str, str]:
    """The same settings as SELLERSYNC_* environment variables, for a server subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLERSYNC_")}
    for name, value in settings.model_dump(mode="json").items():
        env[f"SELLERSYNC_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def connect(runtime: Runtime, emu: RunningEmulator, workspace: str = "Default") -> tuple[int, int]:
    """Register the emulator's seeded seller; returns (workspace id, connection id)."""
    with runtime.uow() as s:
        ws = default_workspace(s, workspace)
        conn = add_connection(
            s,
            runtime.box,
            workspace_id=ws.id,
            selling_partner_id=emu.seller_id,
            region=emu.world.region,
            refresh_token=emu.refresh_token,
        )
        return ws.id, conn.id


@contextmanager
def make_runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    try:
        yield rt
    finally:
        rt.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    base_url: str

    def client(self, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=timeout
        )


@contextmanager
def run_server(settings: Settings) -> Iterator[RunningServer]:
    """The real app under uvicorn in a background thread of this process."""
    from sellersync.api.app import create_app

    with serve_in_thread(create_app(settings)) as base_url:
        yield RunningServer(base_url)


@dataclass
class ServerProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, timeout: float = 30.0) -> httpx.Client:
        return RunningServer(self.base_url).client(timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no lease release: a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def spawn_server(
    settings: Settings, log: Path, port: int | None = None, log_level: str = "warning"
) -> Iterator[ServerProcess]:
    """``sellersync serve`` as a separate process (so it can be killed like a crashed server)."""
    port = port or free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sellersync.cli", "serve", "--port", str(port), "--log-level", log_level],
            env=env_for(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    try:
        yield ServerProcess(base, proc, log)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
