"""Benchmark: the emulator's time to first byte of a report document, small vs large (not a test).

    .venv/bin/python bench/document_bench.py [--quick] [--small N] [--large N] [--label before]

For a small and a large seeded world (N orders; ``--quick``: 2,000 and 50,000; default 2,000 and
400,000), an emulator process serves the world (``python -m sellersync.emulator --size N``, fast
clock). The script requests the inventory-ledger and all-orders reports over the world's whole
history, waits for them, calls ``getReportDocument`` and downloads the largest document twice:

- time to first byte and total time of the first download (generated while it is sent), and of the
  second (served from the emulator's cache);
- for comparison, what the first byte used to wait for: building the whole document in this
  process with the same world (``write_gzip_table``, the pre-streaming path).

Target (issue 13): first byte within a second at any size; the ratio large/small of time to first
byte is printed (a flat ratio means size no longer delays the first byte). Prints the table and
writes ``bench/results/documents.json``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _common import print_table, write_result
from memory_bench import emulator

REPORTS = ("GET_LEDGER_DETAIL_VIEW_DATA", "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL")


def _token(base: str, world: dict[str, Any]) -> str:
    res = httpx.post(
        base + "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": world["refresh_token"],
            "client_id": world["client_id"],
            "client_secret": world["client_secret"],
        },
    )
    res.raise_for_status()
    return str(res.json()["access_token"])


def _document_url(http: httpx.Client, report_type: str, mkt: str, start: datetime, end: datetime) -> str:
    res = http.post(
        "/reports/2021-06-30/reports",
        json={
            "reportType": report_type,
            "marketplaceIds": [mkt],
            "dataStartTime": start.isoformat(),
            "dataEndTime": end.isoformat(),
        },
    )
    res.raise_for_status()
    report_id = res.json()["reportId"]
    while True:
        got = http.get(f"/reports/2021-06-30/reports/{report_id}")
        if got.status_code == 200 and got.json()["processingStatus"] in ("DONE", "CANCELLED", "FATAL"):
            break
        time.sleep(0.05)
    report = got.json()
    if report["processingStatus"] != "DONE":
        raise RuntimeError(f"{report_type}: {report['processingStatus']}")
    doc = http.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    doc.raise_for_status()
    return str(doc.json()["url"])


def _download(url: str) -> dict[str, Any]:
    started = time.perf_counter()
    first: float | None = None
    size = 0
    with httpx.Client(timeout=600.0) as http, http.stream("GET", url) as res:
        res.raise_for_status()
        for chunk in res.iter_raw():
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
    return {
        "ttfb_s": round(first or 0.0, 3),
        "total_s": round(time.perf_counter() - started, 3),
        "bytes": size,
    }


def _whole_build_seconds(
    orders: int, world: dict[str, Any], report_type: str, start: datetime, end: datetime
) -> float:
    """The pre-streaming first-byte wait: the whole document built before anything is sent."""
    from sellersync.emulator.documents import write_gzip_table
    from sellersync.emulator.world import build_world

    anchor = datetime.fromisoformat(str(world["anchor"]))
    view = build_world(
        seed=int(world["seed"]),
        scenario=str(world["scenario"]),
        size=orders,
        anchor=anchor,
        region=str(world["region"]),
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_gzip_table(
            view.report_table(report_type, [world["marketplaces"][0]["marketplace_id"]], start, end),
            str(Path(tmp) / "d.gz"),
        )
        return round(time.perf_counter() - started, 3)


def _rows_generated(base: str) -> int:
    return int(httpx.get(base + "/_emulator/stats").json()["counters"].get("documents.rows_generated", 0))


def measure(orders: int, tmp: Path) -> dict[str, Any]:
    with emulator(orders, tmp / f"emulator-{orders}.log") as (base, world):
        mkt = world["marketplaces"][0]["marketplace_id"]
        end = datetime.fromisoformat(str(world["anchor"])).astimezone(UTC) - timedelta(days=1)
        start = end - timedelta(days=560)
        headers = {"x-amz-access-token": _token(base, world)}
        with httpx.Client(base_url=base, headers=headers, timeout=600.0) as http:
            urls = {rt: _document_url(http, rt, mkt, start, end) for rt in REPORTS}
        result: dict[str, Any] = {"orders": orders, "documents": {}}
        for rt, url in urls.items():
            before = _rows_generated(base)
            first = _download(url)
            first["rows"] = _rows_generated(base) - before
            second = _download(url)
            result["documents"][rt] = {"first": first, "cached": second}
        biggest = max(REPORTS, key=lambda rt: result["documents"][rt]["first"]["bytes"])
        result["largest"] = biggest
        result["whole_build_s"] = _whole_build_seconds(orders, world, biggest, start, end)
        return result


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="2,000 and 50,000 orders (default 2,000 and 400,000)"
    )
    ap.add_argument("--small", type=int, default=2000, help="orders of the small world")
    ap.add_argument("--large", type=int, default=None, help="orders of the large world")
    ap.add_argument("--label", default="", help="a note stored with the result (e.g. 'before')")
    args = ap.parse_args()
    large = args.large or (50_000 if args.quick else 400_000)
    with tempfile.TemporaryDirectory(prefix="sellersync-docbench-") as tmp:
        runs = [measure(args.small, Path(tmp)), measure(large, Path(tmp))]
    small_run, large_run = runs
    figures: list[dict[str, Any]] = []
    for run in runs:
        doc = run["documents"][run["largest"]]
        figures.append(
            {
                "figure": f"first byte, {doc['first']['rows']:,} rows ({doc['first']['bytes']:,} B gz), s",
                "value": doc["first"]["ttfb_s"],
                "baseline": "whole build",
                "baseline_value": run["whole_build_s"],
                "ratio": round(doc["first"]["ttfb_s"] / run["whole_build_s"], 3)
                if run["whole_build_s"]
                else None,
                "target": "< 1 s",
                "met": doc["first"]["ttfb_s"] < 1.0,
            }
        )
        figures.append(
            {
                "figure": f"whole download, {doc['first']['rows']:,} rows, s",
                "value": doc["first"]["total_s"],
                "baseline": "cached",
                "baseline_value": doc["cached"]["total_s"],
                "ratio": round(doc["first"]["total_s"] / doc["cached"]["total_s"], 2)
                if doc["cached"]["total_s"]
                else None,
                "target": "",
                "met": None,
            }
        )
    small_ttfb = small_run["documents"][small_run["largest"]]["first"]["ttfb_s"]
    large_ttfb = large_run["documents"][large_run["largest"]]["first"]["ttfb_s"]
    figures.append(
        {
            "figure": "first byte large/small",
            "value": large_ttfb,
            "baseline": "small",
            "baseline_value": small_ttfb,
            "ratio": round(large_ttfb / small_ttfb, 2) if small_ttfb else None,
            "target": "< 1 s",
            "met": large_ttfb < 1.0,
        }
    )
    print_table(f"document bench: worlds of {args.small:,} and {large:,} orders, largest document", figures)
    write_result("documents", {"args": vars(args), "runs": runs, "figures": figures}, args.label)


if __name__ == "__main__":
    main()
