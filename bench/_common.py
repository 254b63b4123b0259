"""What every benchmark in bench/ shares: the result table and the JSON record with the machine."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """The machine and the versions a figure depends on."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        with open("/proc/loadavg") as f:
            info["loadavg_at_start"] = f.read().split()[:3]
    except OSError:
        pass
    for dist in ("sellersync", "SQLAlchemy", "psycopg", "psycopg-binary"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = None
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["git_commit"] = None
    return info


def print_table(title: str, figures: list[dict[str, Any]]) -> None:
    """One line per figure: its value, its baseline, the ratio and the target."""
    print(f"\n{title}")
    head = f"{'figure':<46} {'value':>12} {'baseline':>30} {'ratio':>7} {'target':>10} {'met':>5}"
    print(head)
    print("-" * len(head))
    for f in figures:
        base = (
            f"{f['baseline_value']:,} ({f['baseline']})"
            if f.get("baseline_value") is not None
            else f["baseline"]
        )
        value = f"{f['value']:,}" if isinstance(f["value"], int) else str(f["value"])
        met = "" if f.get("met") is None else ("yes" if f["met"] else "NO")
        ratio = "" if f.get("ratio") is None else f"{f['ratio']}"
        print(f"{f['figure']:<46} {value:>12} {base:>30} {ratio:>7} {f['target']:>10} {met:>5}")


def write_result(name: str, data: dict[str, Any], label: str = "") -> Path:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / (f"{name}-{label}.json" if label else f"{name}.json")
    record = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": label,
        "machine": machine(),
        **data,
    }
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"wrote {out.relative_to(RESULTS.parent.parent)}")
    return out
