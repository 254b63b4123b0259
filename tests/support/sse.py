"""A minimal Server-Sent Events reader over httpx, for tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Event:
    id: int
    type: str
    data: dict[str, Any]


def read_events(response: httpx.Response) -> Iterator[Event]:
    """Parse an ``text/event-stream`` body into events (comments and pings skipped)."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line == "":
            if "data" in fields and "id" in fields:
                yield Event(int(fields["id"]), fields.get("event", "message"), json.loads(fields["data"]))
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value[1:] if value.startswith(" ") else value


def collect(
    client: httpx.Client,
    *,
    last_event_id: int | None = None,
    until: Callable[[Event], bool],
    limit: int = 100_000,
    timeout: float = 120.0,
) -> list[Event]:
    """Read the sync event stream until ``until(event)`` is true (inclusive)."""
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    out: list[Event] = []
    with client.stream("GET", "/api/sync/events", headers=headers, timeout=timeout) as response:
        response.raise_for_status()
        for event in read_events(response):
            out.append(event)
            if until(event) or len(out) >= limit:
                break
    return out
