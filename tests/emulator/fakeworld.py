"""A tiny hand-written WorldView for protocol tests that need precise control over the data."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sellersync.emulator.contract import Marketplace, ReportTable, SettlementMeta

US = Marketplace(
    marketplace_id="ATVPDKIKX0DER",
    country_code="US",
    currency="USD",
    name="Amazon.com",
    domain="www.amazon.com",
    language="en_US",
    date_style="iso",
    decimal_comma=False,
    charset="UTF-8",
)


class FakeWorld:
    """``n_orders`` orders one hour apart ending a day before ``anchor``; report rows likewise."""

    def __init__(self, seed: int = 1, n_orders: int = 250, report_rows: int = 1000) -> None:
        self.seed = seed
        self.scenario = "typical"
        self.anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.seller_id = f"A2FAKESELLER{seed:04d}"
        self.region = "NA"
        self.marketplaces: Sequence[Marketplace] = [US]
        self.refresh_token = f"Atzr|fake-refresh-{seed}"
        self.n_orders = n_orders
        self.report_rows = report_rows

    def _t(self, i: int) -> datetime:
        return self.anchor - timedelta(days=1) - timedelta(hours=self.n_orders - i)

    def report_table(
        self, report_type: str, marketplace_ids: Sequence[str], start: datetime, end: datetime
    ) -> ReportTable:
        if not report_type.startswith("GET_"):
            raise KeyError(report_type)
        header = ["amazon-order-id", "purchase-date", "sku", "quantity", "note"]

        def rows() -> Iterator[Sequence[str]]:
            for i in range(self.report_rows):
                when = self._t(i % self.n_orders)
                if start <= when < end:
                    yield [f"111-{self.seed:03d}-{i:07d}", when.isoformat(), f"SKU-{i % 7}", "1", "caf\u00e9"]

        return ReportTable(header=header, rows=rows(), charset="UTF-8")

    def settlements(self) -> Sequence[SettlementMeta]:
        end = self.anchor - timedelta(days=3)
        return [
            SettlementMeta(
                settlement_id=f"{1000 + k}",
                marketplace_id=US.marketplace_id,
                start=end - timedelta(days=14 * (k + 1)),
                end=end - timedelta(days=14 * k),
                deposit_date=end - timedelta(days=14 * k) + timedelta(days=1),
                created=end - timedelta(days=14 * k) + timedelta(hours=6),
            )
            for k in range(10)
        ][::-1]

    def settlement_table(self, settlement_id: str) -> ReportTable:
        header = ["settlement-id", "total-amount", "currency"]
        return ReportTable(header=header, rows=iter([[settlement_id, "12.34", "USD"]]), charset="UTF-8")

    def orders(
        self,
        marketplace_ids: Sequence[str],
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
    ) -> Sequence[dict[str, Any]]:
        out = []
        for i in range(self.n_orders):
            t = self._t(i)
            lo = created_after or last_updated_after
            hi = created_before or last_updated_before
            if (lo and t < lo) or (hi and t > hi):
                continue
            out.append(
                {
                    "AmazonOrderId": f"111-{self.seed:07d}-{i:07d}",
                    "PurchaseDate": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "LastUpdateDate": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "OrderStatus": "Shipped",
                    "FulfillmentChannel": "AFN",
                    "MarketplaceId": US.marketplace_id,
                    "OrderTotal": {"CurrencyCode": "USD", "Amount": f"{10 + i % 5}.99"},
                }
            )
        return out

    def order(self, order_id: str) -> dict[str, Any] | None:
        return next((o for o in self.orders([US.marketplace_id]) if o["AmazonOrderId"] == order_id), None)

    def order_items(self, order_id: str) -> Sequence[dict[str, Any]] | None:
        if not order_id.startswith(f"111-{self.seed:07d}-"):
            return None
        return [
            {
                "ASIN": "B000000001",
                "OrderItemId": order_id[-7:] + "01",
                "SellerSKU": "SKU-1",
                "QuantityOrdered": 1,
            }
        ]

    def financial_events(
        self, posted_after: datetime, posted_before: datetime
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        for i in range(self.n_orders):
            t = self._t(i)
            if posted_after <= t < posted_before:
                out.append(
                    (
                        "ShipmentEventList",
                        {
                            "AmazonOrderId": f"111-{self.seed:07d}-{i:07d}",
                            "PostedDate": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "MarketplaceName": "Amazon.com",
                        },
                    )
                )
                if i % 10 == 0:
                    out.append(
                        (
                            "AdjustmentEventList",
                            {
                                "AdjustmentType": "WAREHOUSE_LOST",
                                "PostedDate": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "AdjustmentAmount": {"CurrencyCode": "USD", "CurrencyAmount": 5.5},
                            },
                        )
                    )
        return out

    def inventory_summaries(self, marketplace_id: str) -> Sequence[dict[str, Any]]:
        return [
            {
                "asin": f"B{i:09d}",
                "fnSku": f"X{i:09d}",
                "sellerSku": f"SKU-{i:03d}",
                "condition": "NewItem",
                "inventoryDetails": {"fulfillableQuantity": i, "inboundWorkingQuantity": 0},
                "lastUpdatedTime": (self.anchor - timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "productName": f"Product {i}",
                "totalQuantity": i,
            }
            for i in range(120)
        ]

    def inbound_shipments(
        self, marketplace_id: str, updated_after: datetime, updated_before: datetime
    ) -> Sequence[dict[str, Any]]:
        return [
            {
                "ShipmentId": f"FBA{i:09d}",
                "ShipmentName": f"Shipment {i}",
                "ShipmentStatus": "CLOSED" if i % 2 else "RECEIVING",
                "DestinationFulfillmentCenterId": "PHX7",
                "AreCasesRequired": False,
                "ShipFromAddress": {
                    "Name": "Fake Seller",
                    "AddressLine1": "1 Main St",
                    "City": "Seattle",
                    "StateOrProvinceCode": "WA",
                    "CountryCode": "US",
                    "PostalCode": "98109",
                },
            }
            for i in range(60)
        ]

    def inbound_shipment_items(self, shipment_id: str) -> Sequence[dict[str, Any]] | None:
        if not shipment_id.startswith("FBA"):
            return None
        return [
            {
                "ShipmentId": shipment_id,
                "SellerSKU": "SKU-001",
                "FulfillmentNetworkSKU": "X000000001",
                "QuantityShipped": 10,
                "QuantityReceived": 9,
            }
        ]

    def marketplace_participations(self) -> Sequence[dict[str, Any]]:
        return [
            {
                "marketplace": {
                    "id": US.marketplace_id,
                    "countryCode": "US",
                    "name": US.name,
                    "defaultCurrencyCode": "USD",
                    "defaultLanguageCode": "en_US",
                    "domainName": US.domain,
                },
                "participation": {"isParticipating": True, "hasSuspendedListings": False},
                "storeName": "Fake Store",
            }
        ]

    def truth(self) -> dict[str, Any]:
        return {"seed": self.seed, "orders": self.n_orders}
