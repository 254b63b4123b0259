"""Hand-built canonical rows for rule tests: a seller with a connection, row builders, detection."""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sellersync.config import Settings
from sellersync.detect.contract import Facts
from sellersync.detect.engine import Detection, adjustment_reasons, detect
from sellersync.detect.products import upsert_seller_products
from sellersync.store.models import (
    AmazonConnection,
    CanonicalRow,
    CustomerReturn,
    FbaShipment,
    FinancialEvent,
    InboundShipment,
    InboundShipmentItem,
    LedgerEvent,
    Reimbursement,
    RemovalOrder,
    RemovalShipment,
    Workspace,
)
from sellersync.store.upsert import upsert
from tests.conftest import Database

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
TODAY = date(2026, 12, 31)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


class Seller:
    """One connection's canonical rows, built in memory and written with the real upsert."""

    def __init__(self, db: Database, region: str = "NA", workspace_id: int | None = None) -> None:
        self.db = db
        self.region = region
        with db.uow() as s:
            ws = s.get(Workspace, workspace_id) if workspace_id else None
            if ws is None:
                ws = Workspace(name=f"ws-{uuid.uuid4().hex[:8]}")
                s.add(ws)
                s.flush()
            conn = AmazonConnection(
                workspace_id=ws.id, selling_partner_id=f"A{uuid.uuid4().hex[:12].upper()}", region=region
            )
            s.add(conn)
            s.flush()
            self.workspace_id, self.connection_id = ws.id, conn.id
        self.rows: dict[type[CanonicalRow], list[dict[str, Any]]] = defaultdict(list)
        self.products: list[dict[str, Any]] = []
        self._n = itertools.count(1)

    def _add(self, model: type[CanonicalRow], mkt: str, **values: Any) -> None:
        self.rows[model].append({"connection_id": self.connection_id, "marketplace_id": mkt, **values})

    def key(self) -> str:
        return f"k{next(self._n):08d}"

    # --- builders
    def ledger(
        self,
        when: datetime,
        sku: str,
        quantity: int,
        reason: str = "",
        event_type: str = "Adjustments",
        ref: str = "",
        disposition: str = "SELLABLE",
        mkt: str = US,
        reconciled: int = 0,
        unreconciled: int = 0,
    ) -> None:
        self._add(
            LedgerEvent,
            mkt,
            row_key=self.key(),
            event_date=when,
            fnsku="X" + sku,
            sku=sku,
            event_type=event_type,
            reference_id=ref or self.key(),
            quantity=quantity,
            reason=reason,
            disposition=disposition,
            reconciled_quantity=reconciled,
            unreconciled_quantity=unreconciled,
        )

    def reimbursement(
        self,
        when: datetime,
        reason: str,
        sku: str,
        quantity: int,
        per_unit: Decimal,
        rid: str = "",
        order_id: str = "",
        original: str = "",
        original_type: str = "",
        mkt: str = US,
        currency: str = "USD",
    ) -> str:
        rid = rid or str(next(self._n))
        self._add(
            Reimbursement,
            mkt,
            reimbursement_id=rid,
            approval_date=when,
            amazon_order_id=order_id,
            reason=reason,
            sku=sku,
            fnsku="X" + sku,
            condition="New",
            currency=currency,
            amount_per_unit=per_unit,
            amount_total=per_unit * quantity,
            quantity_reimbursed_cash=quantity,
            quantity_reimbursed_total=quantity,
            original_reimbursement_id=original,
            original_reimbursement_type=original_type,
        )
        return rid

    def _fin(self, mkt: str, **values: Any) -> None:
        self._add(FinancialEvent, mkt, row_key=self.key(), currency="USD", **values)

    def sale(
        self,
        order_id: str,
        sku: str,
        when: datetime,
        quantity: int,
        unit_price: Decimal,
        commission: Decimal,
        fee: Decimal,
        mkt: str = US,
        ship: datetime | None = None,
    ) -> None:
        common = dict(
            event_list="ShipmentEventList",
            event_type="shipment",
            posted_date=when,
            amazon_order_id=order_id,
            order_item_id="OI" + order_id,
            sku=sku,
            quantity=quantity,
        )
        self._fin(mkt, component="charge", charge_type="Principal", amount=unit_price * quantity, **common)
        self._fin(mkt, component="fee", charge_type="Commission", amount=-commission * quantity, **common)
        if fee:
            self._fin(
                mkt, component="fee", charge_type="FBAPerUnitFulfillmentFee", amount=-fee * quantity, **common
            )
        self._add(
            FbaShipment,
            mkt,
            shipment_item_id="SI" + order_id + sku,
            shipment_id="D" + order_id,
            amazon_order_id=order_id,
            shipment_date=ship or when,
            sku=sku,
            quantity_shipped=quantity,
        )

    def refund(
        self, order_id: str, sku: str, when: datetime, quantity: int, unit_price: Decimal, mkt: str = US
    ) -> None:
        self._fin(
            mkt,
            event_list="RefundEventList",
            event_type="refund",
            posted_date=when,
            amazon_order_id=order_id,
            order_item_id="OI" + order_id,
            sku=sku,
            quantity=quantity,
            component="charge",
            charge_type="Principal",
            amount=-unit_price * quantity,
        )

    def customer_return(
        self,
        order_id: str,
        sku: str,
        when: datetime,
        quantity: int,
        lpn: str,
        received: bool,
        mkt: str = US,
        disposition: str = "SELLABLE",
        ledger_ref: str = "",
    ) -> None:
        """A returns-report row; ``received`` adds its ledger CustomerReturns line, whose reference id
        is ``ledger_ref`` (e.g. the order id) or else the LPN."""
        self._add(
            CustomerReturn,
            mkt,
            return_date=when,
            order_id=order_id,
            sku=sku,
            fnsku="X" + sku,
            quantity=quantity,
            detailed_disposition=disposition,
            license_plate_number=lpn,
        )
        if received:
            self.ledger(
                when,
                sku,
                quantity,
                event_type="CustomerReturns",
                ref=ledger_ref or lpn,
                disposition=disposition,
                mkt=mkt,
            )

    def inbound(
        self,
        shipment_id: str,
        sku: str,
        shipped: int,
        received: int,
        arrival: datetime,
        status: str = "CLOSED",
        mkt: str = US,
    ) -> None:
        self._add(
            InboundShipment,
            mkt,
            shipment_id=shipment_id,
            shipment_status=status,
            created_date=arrival - timedelta(days=10),
            last_updated_date=arrival + timedelta(hours=30),
        )
        self._add(
            InboundShipmentItem,
            mkt,
            shipment_id=shipment_id,
            sku=sku,
            fnsku="X" + sku,
            quantity_shipped=shipped,
            quantity_received=received,
        )
        if received:
            self.ledger(arrival, sku, received, event_type="Receipts", ref=shipment_id, mkt=mkt)

    def removal(
        self,
        order_id: str,
        sku: str,
        shipped: int,
        in_rows: int,
        when: datetime,
        mkt: str = US,
        status: str = "Completed",
    ) -> None:
        self._add(
            RemovalOrder,
            mkt,
            order_id=order_id,
            request_date=when - timedelta(days=3),
            order_type="Return",
            order_status=status,
            last_updated_date=when,
            sku=sku,
            fnsku="X" + sku,
            disposition="Sellable",
            requested_quantity=shipped,
            shipped_quantity=shipped,
            currency="USD",
        )
        self.ledger(when, sku, -shipped, event_type="VendorReturns", ref=order_id, mkt=mkt)
        if in_rows:
            self._add(
                RemovalShipment,
                mkt,
                row_key=self.key(),
                order_id=order_id,
                shipment_date=when,
                sku=sku,
                fnsku="X" + sku,
                quantity_shipped=in_rows,
            )

    def product(
        self,
        sku: str,
        cost: Decimal | None = None,
        dims: tuple[str, str, str, str] | None = None,
        mkt: str = US,
    ) -> None:
        row: dict[str, Any] = {
            "marketplace_id": mkt,
            "sku": sku,
            "fnsku": "X" + sku,
            "unit_cost": cost,
            "currency": "USD",
        }
        if dims:
            row.update(
                zip(
                    ("length_in", "width_in", "height_in", "weight_lb"),
                    (Decimal(d) for d in dims),
                    strict=True,
                )
            )
        self.products.append(row)

    # --- writing and detecting
    def flush(self) -> None:
        with self.db.uow() as s:
            for model, rows in self.rows.items():
                upsert(s, model, rows, sync_id="test-sync")
            if self.products:
                upsert_seller_products(s, self.connection_id, self.products)
        self.rows.clear()
        self.products.clear()

    def detect(
        self, today: date = TODAY, settings: Settings | None = None, rules: set[str] | None = None
    ) -> Detection:
        self.flush()
        settings = settings or Settings()
        with self.db.sessions() as s:
            facts = Facts.load(s, self.connection_id, self.region, adjustment_reasons(settings))
        return detect(facts, settings, today, rules=rules)


@pytest.fixture
def seller(db: Database) -> Seller:
    return Seller(db)


from tests.sync.conftest import sync_env  # noqa: E402,F401  (the emulator + sync fixture, reused)
