"""Allocate resolutions (units found, reimbursements, reversals) to incidents (units lost or missing).

Amazon's reimbursement report does not say which ledger line a reimbursement settles; FACTS §8 says
to match "on FNSKU/quantity/date". Within one group (a marketplace and FNSKU), events are replayed in
time order:

- an incident opens its units;
- a resolution settles units of incidents that happened before it. Amazon's ledger marks each loss or
  damage with a Reconciled and an Unreconciled quantity; those marks choose *which* incidents a
  resolution settles (never how many units are open: that stays arithmetic, so stale marks cannot
  hide or invent units). Candidates, in order: incidents with reconciled units not yet settled, then
  unmarked incidents, then the rest (marked unreconciled); within each, first an open incident with
  exactly the resolution's quantity, else the nearest earlier ones (partial allocation). A
  reimbursement pays incidents whose claim window had opened (``payable_from``: Amazon reimburses an
  inbound or removal shortage after the shipment is reconciled) before the others;
- units found (or put back) while only incidents marked unreconciled are open, after an earlier
  reconciled incident was reimbursed, are that reimbursement's units coming back: they are held as
  credit for the reversal that follows instead of settling the unreconciled incident. Any other units
  with nothing open to settle are kept as credit too;
- a reversal (negative quantity) re-opens the units its original reimbursement settled (or the most
  recently settled units), and credit earned after that incident settles them again.

The result per incident: the units still open, and what settled the rest.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

PAID = ("reimbursed", "reversed")


@dataclass
class Incident:
    key: Hashable
    when: datetime
    quantity: int  # units missing (positive)
    settled: list[tuple[Hashable, int, str]] = field(default_factory=list)  # (resolution ref, units, kind)
    reconciled: int = 0  # the ledger's Reconciled Quantity (0 when not given)
    unreconciled: int = 0  # the ledger's Unreconciled Quantity (0 when not given)
    held: int = 0  # found units held as credit for a reversal of this incident's reimbursement
    payable_from: datetime | None = None  # when its claim window opens (Amazon pays after investigating)

    @property
    def remaining(self) -> int:
        return self.quantity - sum(q for _, q, _ in self.settled)

    @property
    def rank(self) -> int:
        """0: Amazon counts units of it reconciled that are not settled yet; 1: no marks; 2: the rest."""
        if self.reconciled > self.quantity - self.remaining:
            return 0
        return 1 if self.reconciled == 0 and self.unreconciled == 0 else 2

    @property
    def paid(self) -> int:
        return sum(q for _, q, k in self.settled if k in PAID)

    @property
    def settled_by(self) -> str:
        """``reimbursed`` if any reimbursement settles units of it, else ``resolved`` (found, returned)."""
        return "reimbursed" if self.paid > 0 else "resolved"


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
            left = _settle(seen, ev.when, ev.ref, ev.quantity, ev.kind, by_ref, ranks=(0, 1))
            if left and ev.kind not in PAID:
                held = _hold(seen, left)
                if held:
                    credit.append([ev.when, held, ev.ref, ev.kind])
                    left -= held
            left = _settle(seen, ev.when, ev.ref, left, ev.kind, by_ref, ranks=(2,))
            if left:
                credit.append([ev.when, left, ev.ref, ev.kind])
        elif ev.quantity < 0:
            _reopen(seen, ev, -ev.quantity, by_ref, credit)
    return items


def _settle(
    seen: list[Incident],
    when: datetime,
    ref: Hashable,
    units: int,
    kind: str,
    by_ref: dict[Hashable, list[Incident]],
    ranks: tuple[int, ...],
) -> int:
    """Settle up to ``units`` of open incidents of ``ranks`` (in that order); returns the units left."""
    tiers: list[list[Incident]] = []
    for rank in ranks:
        open_ = [i for i in reversed(seen) if i.remaining > 0 and i.rank == rank]  # nearest first
        if kind in PAID:  # a reimbursement pays incidents whose claim window had opened first
            tiers.append([i for i in open_ if i.payable_from is None or i.payable_from <= when])
            tiers.append([i for i in open_ if not (i.payable_from is None or i.payable_from <= when)])
        else:
            tiers.append(open_)
    for open_ in tiers:
        exact = [i for i in open_ if i.remaining == units]
        for inc in exact[:1] or open_:  # exactly its quantity, else the nearest earlier
            if units <= 0:
                break
            take = min(units, inc.remaining)
            inc.settled.append((ref, take, kind))
            by_ref.setdefault(ref, []).append(inc)
            units -= take
    return units


def _hold(seen: list[Incident], units: int) -> int:
    """Units found while only unreconciled incidents are open, held for the reversal of an earlier
    reimbursed incident Amazon counts as reconciled (nearest first); returns the units held."""
    held = 0
    for inc in reversed(seen):
        if units <= 0:
            break
        if inc.reconciled <= 0:
            continue
        take = min(units, inc.paid - inc.held)
        if take > 0:
            inc.held += take
            held += take
            units -= take
    return held


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
