"""Migration 0010: ServiceFeeEvent rows keyed by their old window are dropped and Finances re-read."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import insert, select

from sellersync.store import migrate
from sellersync.store.engine import make_engine
from sellersync.store.models import AmazonConnection, FinancialEvent, SyncCheckpoint, Workspace
from tests.store.test_migration_order_item_line import fresh_url  # noqa: F401 (the fixture)

BEFORE = "0005_login_failures"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _fee(row_key: str, event_list: str) -> dict[str, object]:
    return {
        "connection_id": 1,
        "marketplace_id": "ATVPDKIKX0DER",
        "sync_id": "s",
        "row_hash": "h",
        "updated_at": NOW,
        "row_key": row_key,
        "event_list": event_list,
        "event_type": "service_fee" if event_list == "ServiceFeeEventList" else "shipment",
        "posted_date": NOW,
        "amazon_order_id": "",
        "seller_order_id": "",
        "order_item_id": "",
        "adjustment_type": "",
        "sku": "",
        "fnsku": "",
        "asin": "",
        "quantity": 0,
        "component": "fee",
        "charge_type": "FBAStorageFee",
        "amount": Decimal("-716.94"),
        "currency": "USD",
        "marketplace_name": "",
    }


def test_service_fees_and_the_finances_cursor_go_everything_else_stays(fresh_url: str) -> None:  # noqa: F811
    migrate.upgrade(fresh_url, BEFORE)
    engine = make_engine(fresh_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Workspace).values(id=1, name="w", created_at=NOW))
            conn.execute(
                insert(AmazonConnection).values(
                    id=1,
                    workspace_id=1,
                    selling_partner_id="A1",
                    region="NA",
                    marketplace_ids=[],
                    status="active",
                    schedule_enabled=False,
                    schedule_interval_hours=6,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            conn.execute(
                insert(FinancialEvent), [_fee("a", "ServiceFeeEventList"), _fee("b", "ShipmentEventList")]
            )
            for stream in ("financial_events", "orders"):
                conn.execute(
                    insert(SyncCheckpoint).values(
                        connection_id=1,
                        stream=stream,
                        marketplace_id="",
                        cursor=NOW,
                        sync_id="s",
                        updated_at=NOW,
                    )
                )
        migrate.upgrade(fresh_url)
        with engine.connect() as conn:
            assert conn.scalars(select(FinancialEvent.row_key)).all() == ["b"]
            assert conn.scalars(select(SyncCheckpoint.stream)).all() == ["orders"]
        migrate.downgrade(fresh_url, BEFORE)  # nothing to restore: the next sync re-reads
    finally:
        engine.dispose()
