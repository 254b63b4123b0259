"""Shared by the rules that match incidents of a marketplace and FNSKU with their resolutions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

from sellersync.detect.contract import ReimbursementFact
from sellersync.detect.matching import Incident, Resolution, allocate


def reimbursement_resolutions(
    reimbursements: Iterable[ReimbursementFact], reasons: Collection[str]
) -> dict[tuple[str, str], list[Resolution]]:
    """Reimbursements of ``reasons`` (and reversals of them) per (marketplace, FNSKU)."""
    out: dict[tuple[str, str], list[Resolution]] = defaultdict(list)
    rows = list(reimbursements)
    originals = {r.reimbursement_id: r for r in rows if not r.is_reversal}
    for r in rows:
        group = (r.marketplace_id, r.fnsku)
        if r.is_reversal:
            original = originals.get(r.original_reimbursement_id)
            if r.original_reimbursement_type in reasons or (
                original is not None and original.reason in reasons
            ):
                reverses = (
                    None if original is None else ("reimbursement", original.reimbursement_id, original.id)
                )
                ref = ("reimbursement", r.reimbursement_id, r.id)
                out[group].append(
                    Resolution(ref, r.approval_date, -abs(r.quantity_total), "reversed", reverses=reverses)
                )
        elif r.reason in reasons and r.quantity_total > 0:
            out[group].append(
                Resolution(
                    ("reimbursement", r.reimbursement_id, r.id),
                    r.approval_date,
                    r.quantity_total,
                    "reimbursed",
                )
            )
    return out


def settle_groups(
    incidents: dict[tuple[str, str], list[Incident]], resolutions: dict[tuple[str, str], list[Resolution]]
) -> list[Incident]:
    out: list[Incident] = []
    for group, items in incidents.items():
        out += allocate(items, resolutions.get(group, []))
    return out


def settled_evidence(incident: Incident) -> tuple[list[str], list[int], list[int]]:
    """(reimbursement ids, reimbursement row ids, ledger row ids) that settle part of an incident."""
    rb_ids: list[str] = []
    rb_rows: list[int] = []
    ledger_rows: list[int] = []
    for ref, _, _ in incident.settled:
        if isinstance(ref, tuple) and ref and ref[0] == "reimbursement":
            rb_ids.append(str(ref[1]))
            rb_rows.append(int(ref[2]))
        elif isinstance(ref, tuple) and ref and ref[0] == "ledger":
            ledger_rows.append(int(ref[1]))
    return sorted(set(rb_ids)), sorted(set(rb_rows)), sorted(set(ledger_rows))


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
