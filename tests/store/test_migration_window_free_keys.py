"""Migration 0008: ServiceFeeEvent rows keyed by their old window are dropped and Finances re-read.

Rows are written with explicit SQL of the schema as it was at 0005 (later migrations may add columns).
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from sellersync.store import migrate
from sellersync.store.engine import make_engine
from tests.store.test_migration_order_item_line import fresh_url  # noqa: F401 (the fixture)

BEFORE = "0007_claim_lifecycle"
NOW = "2026-01-01 00:00:00"


def _sql(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _fee(row_key: str, event_list: str) -> str:
    return (
        "INSERT INTO financial_events (connection_id, marketplace_id, sync_id, row_hash, updated_at, "
        "row_key, event_list, event_type, posted_date, amazon_order_id, seller_order_id, order_item_id, "
        "adjustment_type, sku, fnsku, asin, quantity, component, charge_type, amount, currency, "
        f"marketplace_name) VALUES (1, 'ATVPDKIKX0DER', 's', 'h', '{NOW}', '{row_key}', '{event_list}', "
        f"'x', '{NOW}', '', '', '', '', '', '', '', 0, 'fee', 'FBAStorageFee', -716.94, 'USD', '')"
    )


def _unit(unit_id: int, stream: str, status: str) -> str:
    return (
        "INSERT INTO sync_units (id, sync_id, stream, marketplace_id, window_start, window_end, weight, "
        f"status, rows, written, quarantined, attempts) VALUES ({unit_id}, 'r1', '{stream}', '', "
        f"'2025-0{unit_id}-01 00:00:00', '{NOW}', 1.0, '{status}', 0, 0, 0, 0)"
    )


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_service_fees_the_finances_cursor_and_undone_finance_units_go_everything_else_stays(
    fresh_url: str,  # noqa: F811
) -> None:
    migrate.upgrade(fresh_url, BEFORE)
    engine = make_engine(fresh_url)
    try:
        _sql(
            engine,
            f"INSERT INTO workspaces (id, name, created_at) VALUES (1, 'w', '{NOW}')",
            "INSERT INTO amazon_connections (id, workspace_id, selling_partner_id, region, "
            "marketplace_ids, status, schedule_enabled, schedule_interval_hours, created_at, "
            f"updated_at) VALUES (1, 1, 'A1', 'NA', '[]', 'active', false, 6, '{NOW}', '{NOW}')",
            _fee("a", "ServiceFeeEventList"),
            _fee("b", "ShipmentEventList"),
            *(
                "INSERT INTO sync_checkpoints (connection_id, stream, marketplace_id, cursor, sync_id, "
                f"updated_at) VALUES (1, '{stream}', '', '{NOW}', 's', '{NOW}')"
                for stream in ("financial_events", "orders")
            ),
            "INSERT INTO sync_runs (id, workspace_id, connection_id, trigger, kind, status, progress, "
            "message, warnings, attempt, cancel_requested, stats, created_at) VALUES ('r1', 1, 1, 'cli', "
            f"'full', 'running', 0, '', 0, 1, false, '{{}}', '{NOW}')",
            _unit(1, "financial_events", "done"),
            _unit(2, "financial_events", "pending"),
            _unit(3, "orders", "pending"),
        )
        migrate.upgrade(fresh_url)
        assert _rows(engine, "SELECT row_key FROM financial_events") == [("b",)]
        assert _rows(engine, "SELECT stream FROM sync_checkpoints") == [("orders",)]
        assert _rows(engine, "SELECT id FROM sync_units ORDER BY id") == [(1,), (3,)]
        migrate.downgrade(fresh_url, BEFORE)  # nothing to restore: the next sync re-reads
    finally:
        engine.dispose()
