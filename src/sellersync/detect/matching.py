"""Allocate resolutions (units found, reimbursements, reversals) to incidents (units lost or missing).

Amazon's reimbursement report does not say which ledger line a reimbursement settles; FACTS §8 says
to match "on FNSKU/quantity/date". Within one group (a marketplace and FNSKU), events are replayed in
time order:

- an incident opens its units;
- a resolution settles units of incidents that happened before it: first an open incident with exactly
  its quantity, else the nearest earlier open incidents (partial allocation); units with nothing open
  to settle are kept as credit (e.g. units found after the loss they belonged to was reimbursed);
- a reversal (negative quantity) re-opens the units its original reimbursement settled (or the most
  recently settled units), and credit earned after that incident settles them again.

The result per incident: the units still open, and what settled the rest.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Incident:
    key: Hashable
    when: datetime
    quantity: int  # units missing (positive)
    settled: list[tuple[Hashable, int, str]] = field(default_factory=list)  # (resolution ref, units, kind)

    @property
    def remaining(self) -> int:
        return self.quantity - sum(q for _, q, _ in self.settled)

    @property
    def settled_by(self) -> str:
        """``reimbursed`` if any reimbursement settles units of it, else ``resolved`` (found, returned)."""
        paid = sum(q for _, q, k in self.settled if k in ("reimbursed", "reversed"))
        return "reimbursed" if paid > 0 else "resolved"


@dataclass(frozen=True)
class Resolution:
    ref: Hashable  # evidence: a reimbursement id, a ledger row id...
    when: datetime
    quantity: int  # units settled; negative for a reversal
    kind: str  # reimbursed | found | returned ...
    reverses: Hashable | None = None  # the ref a reversal undoes, when known


def allocate(incidents: Iterable[Incident], resolutions: Iterable[Resolution]) -> list[Incident]:
    """Settle ``incidents`` of one group with ``resolutions`` of the same group; returns the incidents."""
    items = sorted(incidents, key=lambda i: i.when)
    events: list[tuple[datetime, int, int, Incident | Resolution]] = [
        (i.when, 0, n, i) for n, i in enumerate(items)
    ]
    events += [(r.when, 1, n, r) for n, r in enumerate(resolutions)]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    seen: list[Incident] = []
    credit: list[list[object]] = []  # [when, units, ref, kind] not yet used
    by_ref: dict[Hashable, list[Incident]] = {}
    for _, _, _, ev in events:
        if isinstance(ev, Incident):
            seen.append(ev)
            continue
        if ev.quantity > 0:
            left = _settle(seen, ev.ref, ev.quantity, ev.kind, by_ref)
            if left:
                credit.append([ev.when, left, ev.ref, ev.kind])
        elif ev.quantity < 0:
            _reopen(seen, ev, -ev.quantity, by_ref, credit)
    return items


def _settle(
    seen: list[Incident], ref: Hashable, units: int, kind: str, by_ref: dict[Hashable, list[Incident]]
) -> int:
    open_ = [i for i in seen if i.remaining > 0]
    exact = [i for i in open_ if i.remaining == units]
    order = [exact[-1]] if exact else list(reversed(open_))
    for inc in order:
        if units <= 0:
            break
        take = min(units, inc.remaining)
        inc.settled.append((ref, take, kind))
        by_ref.setdefault(ref, []).append(inc)
        units -= take
    return units


def _reopen(
    seen: list[Incident],
    ev: Resolution,
    units: int,
    by_ref: dict[Hashable, list[Incident]],
    credit: list[list[object]],
) -> None:
    targets = by_ref.get(ev.reverses, []) if ev.reverses is not None else []
    if not targets:  # unknown original: the most recently settled incidents
        targets = [i for i in reversed(seen) if any(k == "reimbursed" and q > 0 for _, q, k in i.settled)]
    for inc in targets:
        if units <= 0:
            break
        undone = sum(
            q for r, q, k in inc.settled if (r == ev.reverses or ev.reverses is None) and k == "reimbursed"
        )
        take = min(units, undone)
        if take <= 0:
            continue
        inc.settled.append((ev.ref, -take, "reversed"))
        units -= take
        # credit earned after this incident (e.g. the units were found) settles the re-opened units
        for entry in credit:
            if take <= 0:
                break
            when, avail, ref, kind = entry
            assert isinstance(when, datetime) and isinstance(avail, int)
            if avail <= 0 or when < inc.when:
                continue
            use = min(avail, take)
            inc.settled.append((ref, use, str(kind)))
            entry[1] = avail - use
            take -= use
