"""The contract between the emulator's seeded world (data) and its HTTP server (protocol).

The world generator (``sellersync.emulator.world``) implements :class:`WorldView`; the server
(``sellersync.emulator.app``) only talks to a world through it. All datetimes are timezone-aware UTC.
Everything a WorldView returns is a pure function of (seed, scenario, size, anchor): the same inputs
give byte-identical answers. The emulator imports nothing from the rest of sellersync.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str  # e.g. ATVPDKIKX0DER
    country_code: str  # US, DE, ...
    currency: str  # USD, EUR, ...
    name: str  # Amazon.com, Amazon.de
    domain: str  # www.amazon.com
    language: str  # en_US, de_DE
    date_style: str  # "iso" (2025-03-14T08:12:45+00:00), "utc" (2025-03-14 08:12:45 UTC) or "eu"
    decimal_comma: bool  # True when amounts are written 12,34 in this marketplace's flat files
    charset: str  # text encoding of its report documents: "UTF-8" or "windows-1252" / "ISO-8859-1"


@dataclass(frozen=True)
class ReportTable:
    """A flat-file report body: the header and the rows, every cell already formatted as Amazon writes it."""

    header: Sequence[str]
    rows: Iterator[Sequence[str]]  # lazily produced: a large report must not be materialised in memory
    charset: str  # the Content-Type charset the document is served with


@dataclass(frozen=True)
class SettlementMeta:
    settlement_id: str
    marketplace_id: str
    start: datetime
    end: datetime
    deposit_date: datetime
    created: datetime  # when Amazon "generated" the report (after ``end``)


class WorldView(Protocol):
    seed: int
    scenario: str  # clean | typical | messy
    anchor: datetime  # the world's "today" (UTC midnight); history covers ~19 months before it
    seller_id: str  # selling_partner_id, e.g. A2SELLER...
    region: str  # NA | EU | FE
    marketplaces: Sequence[Marketplace]
    refresh_token: str  # the long-lived refresh token of the seeded seller (for dev connections)

    # --- Reports API ------------------------------------------------------------------------------
    def report_table(
        self, report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> ReportTable:
        """Rows of ``report_type`` whose report date falls in [start, end) for those marketplaces.

        Raises KeyError for a report type the world does not produce. Settlement reports are served
        through :meth:`settlements` / :meth:`settlement_table` instead (they cannot be requested).
        """

    def settlements(self) -> Sequence[SettlementMeta]:
        """Every settlement period of the world, oldest first (the server shows only the last 90 days)."""

    def settlement_table(self, settlement_id: str) -> ReportTable:
        """The GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 body of one settlement (summary row first)."""

    # --- Orders API v0 ----------------------------------------------------------------------------
    def orders(
        self,
        marketplace_ids: Sequence[str],
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
    ) -> Sequence[dict[str, Any]]:
        """Order objects (ordersV0 ``Order`` JSON), sorted by (time filtered on, AmazonOrderId)."""

    def order_items(self, order_id: str) -> Sequence[dict[str, Any]] | None:
        """ordersV0 ``OrderItem`` JSON objects of one order, or None for an unknown order id."""

    def order(self, order_id: str) -> dict[str, Any] | None:
        """The ordersV0 ``Order`` JSON of one order, or None for an unknown order id."""

    # --- Finances API v0 --------------------------------------------------------------------------
    def financial_events(
        self, posted_after: datetime, posted_before: datetime
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """(list name, event JSON) pairs, e.g. ("ShipmentEventList", {...}), posted in [after, before),
        sorted by (PostedDate, a stable id). The server pages them and groups them into
        ``FinancialEvents`` objects."""

    # --- FBA Inventory API ------------------------------------------------------------------------
    def inventory_summaries(self, marketplace_id: str) -> Sequence[dict[str, Any]]:
        """fbaInventory ``InventorySummary`` JSON with ``inventoryDetails``, sorted by sellerSku."""

    # --- FBA Inbound v0 ---------------------------------------------------------------------------
    def inbound_shipments(
        self, marketplace_id: str, updated_after: datetime, updated_before: datetime
    ) -> Sequence[dict[str, Any]]:
        """fulfillmentInboundV0 ``InboundShipmentInfo`` JSON updated in the range, sorted by ShipmentId."""

    def inbound_shipment_items(self, shipment_id: str) -> Sequence[dict[str, Any]] | None:
        """``InboundShipmentItem`` JSON (QuantityShipped, QuantityReceived, ...) or None if unknown."""

    # --- Sellers API ------------------------------------------------------------------------------
    def marketplace_participations(self) -> Sequence[dict[str, Any]]:
        """sellers ``MarketplaceParticipation`` JSON objects."""

    # --- Ground truth -----------------------------------------------------------------------------
    def truth(self) -> dict[str, Any]:
        """The ground-truth manifest: the world's parameters, per-entity totals a correct sync must
        reproduce (counts, money sums per currency), and every planted discrepancy with what a correct
        detector should report. See docs/emulator.md for its shape."""
