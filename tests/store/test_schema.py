"""The migrations build exactly the models' schema, on every dialect (run here from empty, not copied)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from sellersync.store import migrate
from sellersync.store.base import Base
from tests.conftest import Database


def test_migrations_match_models(fresh_db: Database) -> None:
    with fresh_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_at_head(fresh_db: Database) -> None:
    assert migrate.current(fresh_db.url) == migrate.heads()


def test_every_entity_table_exists(fresh_db: Database) -> None:
    names = set(inspect(fresh_db.engine).get_table_names())
    for table in (
        "workspaces",
        "users",
        "amazon_connections",
        "sync_runs",
        "sync_units",
        "sync_checkpoints",
        "sync_events",
        "orders",
        "order_items",
        "fba_shipments",
        "inbound_shipments",
        "customer_returns",
        "reimbursements",
        "inventory_ledger",
        "inventory_summaries",
        "removal_orders",
        "removal_shipments",
        "settlements",
        "settlement_lines",
        "financial_events",
        "quarantined_rows",
        "agent_events",
        "claims",
    ):
        assert table in names, table
