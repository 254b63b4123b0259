"""Counts shown to people, computed from the store (never from memory or multiplied for show)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sellersync.store.models import (
    Claim,
    CustomerReturn,
    FbaShipment,
    FinancialEvent,
    InboundShipment,
    LedgerEvent,
    Order,
    Reimbursement,
    Settlement,
)
from sellersync.store.models.canonical import CanonicalRow

COUNTED: dict[str, tuple[type[CanonicalRow], ...]] = {
    "orders": (Order,),
    "shipments": (FbaShipment, InboundShipment),
    "returns": (CustomerReturn,),
    "settlements": (Settlement,),
    "inventory": (LedgerEvent,),
    "reimbursements": (Reimbursement,),
}


def canonical_counts(session: Session, connection_id: int) -> dict[str, int]:
    """The status ``counts`` object: rows stored for the connection, by category."""
    out: dict[str, int] = {}
    for name, models in COUNTED.items():
        out[name] = sum(
            int(session.scalar(select(func.count()).where(m.connection_id == connection_id)) or 0)
            for m in models
        )
    out["fees"] = int(
        session.scalar(
            select(func.count()).where(
                FinancialEvent.connection_id == connection_id, FinancialEvent.component == "fee"
            )
        )
        or 0
    )
    out["claims"] = int(session.scalar(select(func.count()).where(Claim.connection_id == connection_id)) or 0)
    return out
