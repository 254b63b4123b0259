"""Rich progress bars per stream and the end-of-sync summary table for the CLI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sellersync.store.models import Claim, SyncUnit
from sellersync.sync.progress import stream_message
from sellersync.sync.report import SyncSummary
from sellersync.sync.streams import BY_NAME


class RichProgress:
    """A :class:`~sellersync.sync.progress.ProgressSink` drawing one bar per stream."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars = Progress(
            TextColumn("{task.fields[label]:<20}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def unit_finished(self, units: Sequence[SyncUnit], unit: SyncUnit) -> None:
        for stream in dict.fromkeys(u.stream for u in units):
            mine = [u for u in units if u.stream == stream]
            done = sum(1 for u in mine if u.status == "done")
            detail = stream_message(units, stream).split(", ", 1)[-1]
            if stream not in self.tasks:
                self.tasks[stream] = self.bars.add_task(
                    stream, total=len(mine), label=BY_NAME[stream].label, detail=detail
                )
            self.bars.update(self.tasks[stream], completed=done, total=len(mine), detail=detail)

    def message(self, text: str) -> None:
        self.console.print(f"[dim]{text}[/dim]")


def summary_table(summary: SyncSummary, api_stats: Mapping[str, Mapping[str, int]]) -> list[Table]:
    streams = Table(title=f"sync {summary.sync_id}: {summary.status}")
    for col in ("stream", "units", "rows read", "rows written", "quarantined"):
        streams.add_column(col, justify="left" if col == "stream" else "right")
    for s in summary.streams:
        streams.add_row(
            BY_NAME[s.stream].label,
            f"{s.done}/{s.units}",
            f"{s.rows:,}",
            f"{s.written:,}",
            f"{s.quarantined:,}",
        )
    duration = f"{summary.duration.total_seconds():.1f}s" if summary.duration else "-"
    streams.caption = f"warnings: {summary.warnings}   duration: {duration}"
    calls = Table(title="SP-API calls")
    for col in ("operation", "calls", "throttled (429)", "retries", "errors"):
        calls.add_column(col, justify="left" if col == "operation" else "right")
    for op, st in sorted(api_stats.items()):
        calls.add_row(op, str(st["calls"]), str(st["throttles"]), str(st["retries"]), str(st["errors"]))
    return [streams, calls]


def claims_table(session: Session, connection_id: int, *, title: str) -> Table:
    """Open claims by type and policy window, with the money still recoverable (not expired)."""
    windows = ("open", "not_yet_eligible", "expired")
    table = Table(title=title)
    for col in ("type", *windows, "amount (not expired)"):
        table.add_column(col, justify="left" if col == "type" else "right")
    rows = session.execute(
        select(Claim.type, Claim.window_status, Claim.currency, func.count(), func.sum(Claim.amount))
        .where(Claim.connection_id == connection_id, Claim.status == "open")
        .group_by(Claim.type, Claim.window_status, Claim.currency)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    money: dict[str, dict[str, Decimal]] = {}
    for type_, window, currency, n, amount in rows:
        counts.setdefault(type_, {}).setdefault(window, 0)
        counts[type_][window] += n
        if window != "expired":
            money.setdefault(type_, {}).setdefault(currency, Decimal(0))
            money[type_][currency] += Decimal(amount or 0)
    for type_ in sorted(counts):
        amounts = " ".join(f"{v:.2f} {c}" for c, v in sorted(money.get(type_, {}).items())) or "-"
        table.add_row(type_, *(str(counts[type_].get(w, 0)) for w in windows), amounts)
    return table
