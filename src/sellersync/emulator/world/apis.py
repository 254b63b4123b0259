"""JSON objects of the Orders v0, FBA Inventory, Inbound v0 and Sellers APIs (shapes of the models)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ..contract import Marketplace
from .catalog import Product
from .finance import iso_z
from .plan import InboundShipment
from .records import Item, Order

SHIP_FROM = {
    "NA": {
        "Name": "Northwind Goods LLC",
        "AddressLine1": "1200 Industrial Way",
        "City": "Reno",
        "StateOrProvinceCode": "NV",
        "CountryCode": "US",
        "PostalCode": "89502",
    },
    "EU": {
        "Name": "Nordwind Waren GmbH",
        "AddressLine1": "Großmarktstraße 12",
        "City": "Nürnberg",
        "StateOrProvinceCode": "BY",
        "CountryCode": "DE",
        "PostalCode": "90411",
    },
}


def _money(currency: str, amount: Decimal) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": f"{amount:.2f}"}


def order_json(order: Order) -> dict[str, Any]:
    cur = order.mkt.currency
    shipped = order.status == "Shipped"
    units = sum(it.quantity for it in order.items)
    latest_ship = order.purchase + timedelta(days=2)
    data: dict[str, Any] = {
        "AmazonOrderId": order.order_id,
        "PurchaseDate": iso_z(order.purchase),
        "LastUpdateDate": iso_z(order.last_updated),
        "OrderStatus": order.status,
        "FulfillmentChannel": order.channel,
        "SalesChannel": order.mkt.name,
        "ShipServiceLevel": "Expedited" if order.channel == "AFN" else "Std Dom",
    }
    if order.status != "Canceled":
        total = sum((it.item_price + it.item_tax + it.shipping - it.promo for it in order.items), Decimal(0))
        data["OrderTotal"] = _money(cur, total)
    data.update(
        {
            "NumberOfItemsShipped": units if shipped else 0,
            "NumberOfItemsUnshipped": 0 if shipped or order.status == "Canceled" else units,
            "PaymentMethod": "Other",
            "PaymentMethodDetails": ["Standard"],
            "MarketplaceId": order.mkt.marketplace_id,
            "ShipmentServiceLevelCategory": "Expedited" if order.channel == "AFN" else "Standard",
            "OrderType": "StandardOrder",
            "EarliestShipDate": iso_z(order.purchase),
            "LatestShipDate": iso_z(latest_ship),
            "IsBusinessOrder": False,
            "IsPrime": order.channel == "AFN",
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsReplacementOrder": False,
            "IsSoldByAB": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "HasRegulatedItems": False,
            "ShippingAddress": {
                "City": order.city,
                "StateOrRegion": order.state,
                "PostalCode": order.postal,
                "CountryCode": order.mkt.country_code,
            },
        }
    )
    return data


def order_item_json(order: Order, it: Item) -> dict[str, Any]:
    cur = order.mkt.currency
    canceled = order.status == "Canceled"
    data: dict[str, Any] = {
        "ASIN": it.product.asin,
        "SellerSKU": it.product.sku,
        "OrderItemId": it.order_item_id,
        "Title": it.product.title,
        "QuantityOrdered": 0 if canceled else it.quantity,
        "QuantityShipped": it.quantity if order.status == "Shipped" else 0,
    }
    if not canceled:
        data.update(
            {
                "ItemPrice": _money(cur, it.item_price),
                "ShippingPrice": _money(cur, it.shipping),
                "ItemTax": _money(cur, it.item_tax),
                "ShippingTax": _money(cur, Decimal(0)),
                "ShippingDiscount": _money(cur, Decimal(0)),
                "ShippingDiscountTax": _money(cur, Decimal(0)),
                "PromotionDiscount": _money(cur, it.promo),
                "PromotionDiscountTax": _money(cur, Decimal(0)),
            }
        )
        if it.promo:
            data["PromotionIds"] = [it.promo_id]
    data.update(
        {
            "IsGift": "false",
            "ConditionId": "New",
            "ConditionSubtypeId": "New",
            "IsTransparency": False,
            "SerialNumberRequired": False,
        }
    )
    return data


UNFULFILLABLE_FIELDS = {
    "CUSTOMER_DAMAGED": "customerDamagedQuantity",
    "WAREHOUSE_DAMAGED": "warehouseDamagedQuantity",
    "DISTRIBUTOR_DAMAGED": "distributorDamagedQuantity",
    "CARRIER_DAMAGED": "carrierDamagedQuantity",
    "DEFECTIVE": "defectiveQuantity",
    "EXPIRED": "expiredQuantity",
}


def inventory_summary_json(
    product: Product,
    title: str,
    balances: dict[str, int],
    reserved: int,
    inbound: dict[str, int],
    updated: datetime,
) -> dict[str, Any]:
    """``balances``: ledger sum per disposition; SELLABLE includes the units reserved for orders."""
    unfulfillable = {field: balances.get(disp, 0) for disp, field in UNFULFILLABLE_FIELDS.items()}
    total_unfulfillable = sum(unfulfillable.values())
    fulfillable = balances.get("SELLABLE", 0) - reserved
    details = {
        "fulfillableQuantity": fulfillable,
        "inboundWorkingQuantity": inbound.get("WORKING", 0),
        "inboundShippedQuantity": inbound.get("SHIPPED", 0),
        "inboundReceivingQuantity": inbound.get("RECEIVING", 0),
        "reservedQuantity": {
            "totalReservedQuantity": reserved,
            "pendingCustomerOrderQuantity": reserved,
            "pendingTransshipmentQuantity": 0,
            "fcProcessingQuantity": 0,
        },
        "researchingQuantity": {"totalResearchingQuantity": 0, "researchingQuantityBreakdown": []},
        "unfulfillableQuantity": {"totalUnfulfillableQuantity": total_unfulfillable, **unfulfillable},
    }
    total = fulfillable + reserved + total_unfulfillable + sum(inbound.values())
    return {
        "asin": product.asin,
        "fnSku": product.fnsku,
        "sellerSku": product.sku,
        "condition": "NewItem",
        "inventoryDetails": details,
        "lastUpdatedTime": iso_z(updated),
        "productName": title,
        "totalQuantity": total,
    }


def inbound_shipment_json(ship: InboundShipment, status: str, region: str) -> dict[str, Any]:
    return {
        "ShipmentId": ship.shipment_id,
        "ShipmentName": f"FBA STA ({ship.created:%m/%d/%Y %H:%M})-{ship.fc}",
        "ShipFromAddress": dict(SHIP_FROM[region]),
        "DestinationFulfillmentCenterId": ship.fc,
        "ShipmentStatus": status,
        "LabelPrepType": "SELLER_LABEL",
        "AreCasesRequired": False,
        "BoxContentsSource": "FEED",
    }


def inbound_items_json(ship: InboundShipment, anchor: datetime) -> list[dict[str, Any]]:
    shipped = ship.shipped < anchor
    return [
        {
            "ShipmentId": ship.shipment_id,
            "SellerSKU": it.product.sku,
            "FulfillmentNetworkSKU": it.product.fnsku,
            "QuantityShipped": it.shipped,
            "QuantityReceived": ship.received_before(it, anchor) if shipped else 0,
            "QuantityInCase": 0,
        }
        for it in ship.items
    ]


def participation_json(mkt: Marketplace, store: str) -> dict[str, Any]:
    return {
        "marketplace": {
            "id": mkt.marketplace_id,
            "name": mkt.name,
            "countryCode": mkt.country_code,
            "defaultCurrencyCode": mkt.currency,
            "defaultLanguageCode": mkt.language,
            "domainName": mkt.domain,
        },
        "participation": {"isParticipating": True, "hasSuspendedListings": False},
        "storeName": store,
    }
