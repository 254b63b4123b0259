"""Migration 0004: order items gain a line number, and the rows already stored keep their data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from sellersync.store import migrate
from sellersync.store.engine import make_engine
from tests.conftest import PG_URL

BEFORE = "0003_merge"
NOW = "2026-01-01 00:00:00"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each dialect, migrated by the test itself."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    if not PG_URL:
        pytest.skip("SELLERSYNC_TEST_PG_URL is not set")
    name = f"sellersync_mig_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _item(engine: Engine, sku: str, quantity: int, line: int | None = None) -> None:
    cols = "amazon_order_id, sku, order_item_id, asin, item_status, quantity, currency, connection_id, "
    cols += "marketplace_id, sync_id, row_hash, updated_at"
    values = f"'111-1', '{sku}', '', '', 'Shipped', {quantity}, 'USD', 1, 'ATVPDKIKX0DER', 's', 'h', '{NOW}'"
    if line is not None:
        cols, values = cols + ", line", values + f", {line}"
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO order_items ({cols}) VALUES ({values})"))


def _rows(engine: Engine) -> list[tuple[str, int, int]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sku, line, quantity FROM order_items ORDER BY sku, line"))
        return [(r[0], r[1], r[2]) for r in rows]


def test_existing_rows_become_line_zero_and_a_second_line_of_the_sku_fits(fresh_url: str) -> None:
    migrate.upgrade(fresh_url, BEFORE)
    engine = make_engine(fresh_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"INSERT INTO workspaces (id, name, created_at) VALUES (1, 'w', '{NOW}')"))
            conn.execute(
                text(
                    "INSERT INTO amazon_connections (id, workspace_id, selling_partner_id, region, "
                    "marketplace_ids, status, schedule_enabled, schedule_interval_hours, created_at, "
                    f"updated_at) VALUES (1, 1, 'A1', 'NA', '[]', 'active', false, 6, '{NOW}', '{NOW}')"
                )
            )
        _item(engine, "SKU-A", 2)
        with pytest.raises(IntegrityError):  # the old key: one row per order and SKU
            _item(engine, "SKU-A", 1)

        migrate.upgrade(fresh_url)
        assert _rows(engine) == [("SKU-A", 0, 2)]
        _item(engine, "SKU-A", 1, line=1)
        assert _rows(engine) == [("SKU-A", 0, 2), ("SKU-A", 1, 1)]
        with pytest.raises(IntegrityError):
            _item(engine, "SKU-A", 5, line=1)

        migrate.downgrade(fresh_url, BEFORE)  # the narrower key keeps each SKU's first line
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT sku, quantity FROM order_items")).all()
        assert [(r[0], r[1]) for r in rows] == [("SKU-A", 2)]
    finally:
        engine.dispose()
