"""The world's time axis: history days, settlement periods and the claim windows of FACTS §8."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

HISTORY_DAYS = 580  # ~19 months of history before the anchor
HORIZON_DAYS = 75  # every downstream event of an origin day happens within this many days
SETTLEMENT_DAYS = 14
DAY = timedelta(days=1)


def utc_midnight(moment: datetime | None = None) -> datetime:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class History:
    anchor: datetime  # UTC midnight; nothing happens at or after it

    @property
    def start(self) -> datetime:
        return self.anchor - HISTORY_DAYS * DAY

    @property
    def days(self) -> int:
        return HISTORY_DAYS

    def day_start(self, day: int) -> datetime:
        return self.start + day * DAY

    def day_of(self, moment: datetime) -> int:
        """Day index of a moment (may be negative or >= days)."""
        return (moment - self.start) // DAY

    def day_range(self, start: datetime, end: datetime, lookback: int = 0) -> range:
        """Origin days whose events (up to ``lookback`` days later) may fall in [start, end)."""
        first = max(0, self.day_of(start) - lookback)
        last = min(self.days - 1, self.day_of(end - timedelta(microseconds=1)))
        return range(first, last + 1)


@dataclass(frozen=True)
class Period:
    index: int
    marketplace_id: str
    start: datetime
    end: datetime

    @property
    def created(self) -> datetime:
        return self.end + timedelta(hours=20)

    @property
    def deposit_date(self) -> datetime:
        return self.end + timedelta(days=2)


def settlement_periods(history: History, marketplace_id: str, offset_seconds: int) -> list[Period]:
    """Contiguous 14-day periods from the history start; only those Amazon has already reported."""
    periods: list[Period] = []
    first = history.start + timedelta(seconds=offset_seconds)
    i = 0
    while True:
        start = first + i * SETTLEMENT_DAYS * DAY
        end = start + SETTLEMENT_DAYS * DAY
        period = Period(i, marketplace_id, start, end)
        if period.created > history.anchor:
            return periods
        periods.append(period)
        i += 1


# --- claim windows (FACTS §8) ----------------------------------------------------------------------
# type -> (days after the event when filing opens, days after the event of the deadline)
WINDOWS_NA: dict[str, tuple[int, int]] = {
    "lost_in_warehouse": (0, 60),
    "damaged_in_warehouse": (0, 60),
    "refund_without_return": (60, 120),
    "return_not_restocked": (60, 120),
    "inbound_shortage": (15, 60),
    "removal_lost": (15, 75),
    "fee_overcharge": (0, 60),  # not in FACTS §8: emulator assumption, see docs/emulator.md
    "under_reimbursement": (0, 60),  # counted from the reimbursement's approval date
}
WINDOWS_EU = dict(WINDOWS_NA, refund_without_return=(45, 105), return_not_restocked=(45, 105))


def claim_window(kind: str, region: str, event_date: date, anchor: datetime) -> dict[str, str]:
    """{"status", "opens", "deadline"}: open on days opens..deadline inclusive (anchor's date)."""
    opens_after, deadline_after = (WINDOWS_EU if region == "EU" else WINDOWS_NA)[kind]
    opens = event_date + timedelta(days=opens_after)
    deadline = event_date + timedelta(days=deadline_after)
    today = anchor.date()
    if today < opens:
        status = "not_yet_eligible"
    elif today <= deadline:
        status = "open"
    else:
        status = "expired"
    return {"status": status, "opens": opens.isoformat(), "deadline": deadline.isoformat()}
