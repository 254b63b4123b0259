"""Run sellersync itself against a running emulator: settings, a dev connection, a live API server."""

from __future__ import annotations

import inspect
import json
import logging
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
from sellersync.emulator.embedded import bound_socket
from sellersync.logs import configure_logging
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


def serve_log_level() -> str:
    """``sellersync serve``'s default ``--log-level`` (the README starts it without one)."""
    from sellersync.cli import serve_command

    return str(inspect.signature(serve_command).parameters["log_level"].default)


@contextmanager
def logging_like_serve() -> Iterator[str]:
    """This process logs as ``sellersync serve`` does (``configure_logging`` at its default level)
    until the block ends. pytest's own capture handlers stay attached; the level is put back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    serve_level = serve_log_level()
    configure_logging(serve_level.upper())
    ours = [h for h in root.handlers if h not in handlers]
    root.handlers[:] = handlers + ours
    try:
        yield serve_level
    finally:
        for handler in ours:
            root.removeHandler(handler)
        root.setLevel(level)


@contextmanager
def serve_app(app: Any, sock: socket.socket | None = None) -> Iterator[str]:
    """``app`` under uvicorn in a background thread, configured as ``sellersync serve`` runs it
    (``uvicorn.run(app, log_level=<serve's default>, log_config=None)`` after ``configure_logging``).
    ``sock``: an already bound socket (default: a free port). Yields the base URL."""
    import threading

    import uvicorn

    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    with logging_like_serve() as level:
        # The one difference from `sellersync serve`: open requests (a browser's event stream) are
        # cancelled 2 s into shutdown. `serve` ends its streams on Ctrl+C (sse-starlette hooks the
        # signal), which a server in a thread never receives; it would wait for the page to close.
        config = uvicorn.Config(
            app, log_level=level, log_config=None, timeout_graceful_shutdown=2, proxy_headers=False
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"sellersync-{port}", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError("the server did not start")
            time.sleep(0.01)  # polling an observed state: uvicorn's ``started`` flag
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            sock.close()


@contextmanager
def run_server(settings: Settings) -> Iterator[RunningServer]:
    """The real app under uvicorn in a background thread of this process, logging as
    ``sellersync serve`` does."""
    from sellersync.app import create_app

    with serve_app(create_app(settings)) as base_url:
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
    settings: Settings, log: Path, port: int | None = None, log_level: str | None = None
) -> Iterator[ServerProcess]:
    """``sellersync serve`` as a separate process (so it can be killed like a crashed server)."""
    port = port or free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sellersync.cli", "serve", "--port", str(port)]  # as the README
            + (["--log-level", log_level] if log_level else []),
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
