"""``python -m sellersync.emulator``: the SP-API emulator from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .lwa import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from .server import serve


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sellersync.emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scenario", default="typical", help="clean | typical | messy")
    p.add_argument("--size", default="small")
    p.add_argument("--speed", type=float, default=1.0, help="rate limits x, report time /")
    p.add_argument(
        "--region", action="append", default=None, help="NA | EU; repeat to serve several under /<region>"
    )
    p.add_argument("--anchor", default=None, help="the world's today (YYYY-MM-DD); default today")
    p.add_argument("--truth-file", default=None, help="write the truth manifest JSON here")
    p.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    p.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    f = p.add_argument_group("faults")
    f.add_argument("--fault-5xx-rate", type=float, default=0.0, dest="error_5xx_rate")
    f.add_argument(
        "--fault-429-burst",
        action="append",
        default=[],
        dest="throttle_bursts",
        metavar="[OP=]N",
        help="the next N calls (of OP, or of every operation) answer 429; repeatable",
    )
    f.add_argument("--fault-429-rate", type=float, default=0.0, dest="throttle_rate")
    f.add_argument("--fault-latency-ms", type=int, default=0, dest="latency_ms")
    f.add_argument("--fault-truncate-rate", type=float, default=0.0, dest="truncate_documents_rate")
    f.add_argument("--fault-fatal-rate", type=float, default=0.0, dest="fatal_reports_rate")
    f.add_argument("--fault-cancelled-rate", type=float, default=0.0, dest="cancelled_reports_rate")
    f.add_argument("--fault-revoke-tokens", action="store_true", dest="revoke_refresh_tokens")
    f.add_argument("--fault-deny-consent", action="store_true", dest="deny_consent")
    p.add_argument("--log-level", default="info")
    return p


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.region = args.region or ["NA"]
    serve(**vars(args))


if __name__ == "__main__":
    main()
