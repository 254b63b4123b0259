"""Seed sweep of detection against the emulator's truth (not a test; its short form is one).

    .venv/bin/python bench/truth_sweep.py [--seeds 20] [--first 100] [--scenarios typical,messy]
                                          [--size small] [--json bench/results/truth_sweep.json]

For each scenario and each seed ``first .. first+seeds-1`` (seeds the tests do not use): the real
emulator serves the world over HTTP, the real sync copies it into a fresh SQLite database, detection
runs as of the world's anchor, first with Amazon's data alone and then with the seller's unit costs
entered, and every open claim is compared with the truth manifest (type, quantity, window, currency,
FNSKU, ASIN; amounts in the second run). Prints every mismatch and a table (seed, scenario, claims,
truth, mismatches); exits 1 when any world has a mismatch. Writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support (the emulator harness) and tests.detect (the comparison)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20, help="seeds per scenario")
    ap.add_argument("--first", type=int, default=100, help="first seed")
    ap.add_argument("--scenarios", default="typical,messy")
    ap.add_argument("--size", default="small", help="small|medium|large or an order count")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "truth_sweep.json"))
    args = ap.parse_args()
    size: str | int = int(args.size) if str(args.size).isdigit() else args.size

    from tests.detect.sweep import sweep_world

    t0 = time.perf_counter()
    results = []
    for scenario in args.scenarios.split(","):
        for seed in range(args.first, args.first + args.seeds):
            res = sweep_world(seed, scenario, size)
            results.append(res)
            flag = "ok" if not res.mismatches else f"{len(res.mismatches)} MISMATCH"
            print(
                f"{scenario:>8} seed {seed:>4}: {res.claims:>3} claims, {res.truth:>3} truth, {flag}"
                f" ({res.seconds:.1f}s)",
                flush=True,
            )
            for m in res.mismatches:
                print(f"    {m}", flush=True)
    total = time.perf_counter() - t0

    print()
    print(f"{'seed':>6} {'scenario':>9} {'claims':>7} {'truth':>6} {'mismatches':>11}")
    for r in results:
        print(f"{r.seed:>6} {r.scenario:>9} {r.claims:>7} {r.truth:>6} {len(r.mismatches):>11}")
    claims = sum(r.claims for r in results)
    truth = sum(r.truth for r in results)
    mismatches = sum(len(r.mismatches) for r in results)
    print(f"{'total':>6} {len(results):>9} {claims:>7} {truth:>6} {mismatches:>11}")
    print(f"{len(results)} worlds in {total:.0f}s")

    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "benchmark": "truth_sweep",
                "scenarios": args.scenarios.split(","),
                "seeds": [args.first, args.first + args.seeds - 1],
                "size": size,
                "worlds": len(results),
                "claims": claims,
                "truth": truth,
                "mismatches": mismatches,
                "seconds": round(total, 1),
                "python": platform.python_version(),
                "results": [
                    {
                        "seed": r.seed,
                        "scenario": r.scenario,
                        "claims": r.claims,
                        "truth": r.truth,
                        "mismatches": r.mismatches,
                    }
                    for r in results
                ],
            },
            indent=2,
        )
        + "\n"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
