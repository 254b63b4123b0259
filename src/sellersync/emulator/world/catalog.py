"""Marketplaces, the seller's catalog, and the FBA fee tables (fulfillment fee per size tier, referral fee).

The fee table here is the one docs/emulator.md publishes: the fee-overcharge detector must use the same
numbers. Money is ``Decimal``; amounts are per unit, in the marketplace currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..contract import Marketplace
from .ids import ALNUM, rng

CENT = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


US = Marketplace("ATVPDKIKX0DER", "US", "USD", "Amazon.com", "www.amazon.com", "en_US", "iso", False, "UTF-8")
CA = Marketplace("A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon.ca", "www.amazon.ca", "en_CA", "iso", False, "UTF-8")
UK = Marketplace(
    "A1F83G8C2ARO7P", "GB", "GBP", "Amazon.co.uk", "www.amazon.co.uk", "en_GB", "iso", False, "UTF-8"
)
DE = Marketplace(
    "A1PA6795UKMFR9", "DE", "EUR", "Amazon.de", "www.amazon.de", "de_DE", "eu", True, "windows-1252"
)

REGIONS: dict[str, tuple[Marketplace, ...]] = {"NA": (US, CA), "EU": (UK, DE)}
# share of orders per marketplace (integer weights)
MARKET_WEIGHT = {US.marketplace_id: 80, CA.marketplace_id: 20, UK.marketplace_id: 55, DE.marketplace_id: 45}
ORDER_PREFIX = {
    US.marketplace_id: ("111", "112", "113", "114"),
    CA.marketplace_id: ("701", "702"),
    UK.marketplace_id: ("202", "203", "204", "205"),
    DE.marketplace_id: ("302", "303", "304", "305", "306"),
}
FULFILLMENT_CENTERS = {
    US.marketplace_id: ("PHX7", "BFI4", "ONT8", "MDW2", "TPA1"),
    CA.marketplace_id: ("YYZ4", "YVR3", "YYC1"),
    UK.marketplace_id: ("LTN1", "MAN1", "BHX4"),
    DE.marketplace_id: ("FRA3", "DUS2", "MUC3", "LEJ1"),
}
# sales tax collected on top of the price (US/CA); UK/DE prices include VAT, so item-tax is 0
TAX_RATE = {
    US.marketplace_id: Decimal("0.07"),
    CA.marketplace_id: Decimal("0.13"),
    UK.marketplace_id: Decimal("0"),
    DE.marketplace_id: Decimal("0"),
}
# manufacturing cost and prices are drawn in USD and converted with these fixed rates
FX = {"USD": Decimal("1"), "CAD": Decimal("1.36"), "GBP": Decimal("0.79"), "EUR": Decimal("0.92")}
SHIPPING_CHARGE = {
    "USD": Decimal("4.99"),
    "CAD": Decimal("6.49"),
    "GBP": Decimal("3.99"),
    "EUR": Decimal("4.49"),
}
REFERRAL_RATE = Decimal("0.15")  # Commission = 15% of the unit price, rounded half-up to the cent

SMALL_STANDARD = "Small standard-size"
LARGE_STANDARD = "Large standard-size"
LARGE_BULKY = "Large bulky"
TIERS = (SMALL_STANDARD, LARGE_STANDARD, LARGE_BULKY)

# FBA fulfillment fee per unit, by size tier and currency, each version valid from its date on.
# Dates before the first version use the first version.
FEE_VERSIONS: tuple[tuple[date, dict[str, dict[str, str]]], ...] = (
    (
        date(2024, 1, 15),
        {
            SMALL_STANDARD: {"USD": "3.22", "CAD": "4.05", "GBP": "2.35", "EUR": "2.70"},
            LARGE_STANDARD: {"USD": "4.75", "CAD": "6.20", "GBP": "3.10", "EUR": "3.64"},
            LARGE_BULKY: {"USD": "9.61", "CAD": "12.40", "GBP": "6.90", "EUR": "7.55"},
        },
    ),
    (
        date(2025, 1, 15),
        {
            SMALL_STANDARD: {"USD": "3.31", "CAD": "4.15", "GBP": "2.41", "EUR": "2.78"},
            LARGE_STANDARD: {"USD": "4.99", "CAD": "6.45", "GBP": "3.22", "EUR": "3.78"},
            LARGE_BULKY: {"USD": "9.95", "CAD": "12.85", "GBP": "7.15", "EUR": "7.80"},
        },
    ),
    (
        date(2026, 1, 15),
        {
            SMALL_STANDARD: {"USD": "3.46", "CAD": "4.30", "GBP": "2.48", "EUR": "2.86"},
            LARGE_STANDARD: {"USD": "5.21", "CAD": "6.70", "GBP": "3.31", "EUR": "3.90"},
            LARGE_BULKY: {"USD": "10.30", "CAD": "13.30", "GBP": "7.40", "EUR": "8.05"},
        },
    ),
)


def fulfillment_fee(tier: str, currency: str, on: date) -> Decimal:
    """The correct FBAPerUnitFulfillmentFee per unit for a shipment on ``on``."""
    table = FEE_VERSIONS[0][1]
    for effective, version in FEE_VERSIONS:
        if effective <= on:
            table = version
    return Decimal(table[tier][currency])


def overcharged_tier(tier: str) -> str:
    """The tier Amazon wrongly bills in a planted fee overcharge (one tier up; bulky stays bulky)."""
    return TIERS[min(TIERS.index(tier) + 1, len(TIERS) - 1)]


def overcharged_fee(tier: str, currency: str, on: date) -> Decimal:
    if tier == LARGE_BULKY:
        return fulfillment_fee(tier, currency, on) + Decimal("1.50")
    return fulfillment_fee(overcharged_tier(tier), currency, on)


def commission(unit_price: Decimal) -> Decimal:
    return q2(unit_price * REFERRAL_RATE)


def size_tier(length_in: Decimal, width_in: Decimal, height_in: Decimal, weight_lb: Decimal) -> str:
    """Amazon's US rule, simplified to three tiers; used for every marketplace of the world."""
    dims = sorted((length_in, width_in, height_in), reverse=True)
    if dims[0] <= 15 and dims[1] <= 12 and dims[2] <= Decimal("0.75") and weight_lb <= 1:
        return SMALL_STANDARD
    if dims[0] <= 18 and dims[1] <= 14 and dims[2] <= 8 and weight_lb <= 20:
        return LARGE_STANDARD
    return LARGE_BULKY


@dataclass(frozen=True)
class Product:
    sku: str
    fnsku: str
    asin: str
    title: str
    length_in: Decimal
    width_in: Decimal
    height_in: Decimal
    weight_lb: Decimal
    tier: str
    demand_weight: int
    cost: dict[str, Decimal]  # manufacturing cost per currency
    price: dict[str, Decimal]  # list price per currency

    def __hash__(self) -> int:
        return hash(self.sku)


_NOUNS_EN = (
    "Kitchen Scale",
    "Garlic Press",
    "Yoga Mat",
    "Water Bottle",
    "Phone Stand",
    "LED Desk Lamp",
    "Bamboo Cutting Board",
    "Silicone Spatula Set",
    "Travel Pillow",
    "Dog Leash",
    "Bike Light",
    "Crème Brûlée Torch",
    "Notebook Set",
    "Camping Lantern",
    "Shower Caddy",
    "Cable Organizer",
    "Herb Grinder",
    "Tea Infuser",
    "Wall Clock",
    "Storage Bins",
)
_NOUNS_DE = (
    "Küchenwaage",
    "Knoblauchpresse",
    "Yogamatte",
    "Trinkflasche",
    "Handyhalter",
    "Schreibtischlampe",
    "Schneidebrett aus Bambus",
    "Silikon-Spatel Set",
    "Reisekissen",
    "Hundeleine",
    "Fahrradlicht",
    "Gemüsehobel",
    "Notizbuch-Set",
    "Campinglaterne",
    "Duschablage",
    "Kabelorganizer",
    "Gewürzmühle",
    "Teesieb",
    "Wanduhr",
    "Aufbewahrungsbox",
)
_ADJ_EN = ("Premium", "Compact", "Deluxe", "Eco", "Pro", "Classic", "Ultra", "Mini")
_ADJ_DE = ("Premium", "Kompakt", "Deluxe", "Öko", "Profi", "Klassisch", "Größe L", "Mini")
_BRAND = ("Northwind", "Lumora", "Kestrel", "Brightleaf", "Oakhaven", "Vireo")


def build_catalog(seed: int, region: str, count: int) -> tuple[Product, ...]:
    r = rng(seed, "catalog", region)
    german = region == "EU"
    brand = r.choice(_BRAND)
    products = []
    used_titles: set[str] = set()
    used_codes: set[str] = set()
    for i in range(count):
        tier = r.choices(TIERS, weights=(45, 45, 10))[0]
        if tier == SMALL_STANDARD:
            dims = [r.uniform(4, 14), r.uniform(3, 11), r.uniform(0.2, 0.7)]
            weight = r.uniform(0.1, 0.9)
        elif tier == LARGE_STANDARD:
            dims = [r.uniform(6, 17), r.uniform(4, 13), r.uniform(1, 7.5)]
            weight = r.uniform(0.5, 15)
        else:
            dims = [r.uniform(19, 40), r.uniform(10, 25), r.uniform(8, 20)]
            weight = r.uniform(10, 45)
        length, width, height = (Decimal(f"{d:.2f}") for d in dims)
        weight_lb = Decimal(f"{weight:.2f}")
        tier = size_tier(length, width, height, weight_lb)
        nouns, adjs = (_NOUNS_DE, _ADJ_DE) if german and r.random() < 0.6 else (_NOUNS_EN, _ADJ_EN)
        title = f"{brand} {r.choice(adjs)} {nouns[i % len(nouns)]}"
        while title in used_titles:
            title += f" {r.randint(2, 9)}er" if german else f" {r.randint(2, 9)}-Pack"
        used_titles.add(title)
        base_cost = Decimal(r.randint(150, 2500)) / 100
        markup = Decimal(r.randint(250, 400)) / 100
        cost = {cur: q2(base_cost * fx) for cur, fx in FX.items()}
        price = {
            cur: q2(base_cost * markup * fx).to_integral_value() - Decimal("0.01") for cur, fx in FX.items()
        }
        price = {cur: max(p, q2(cost[cur] * 2)) for cur, p in price.items()}
        code = "".join(r.choice(ALNUM) for _ in range(8))
        asin = "B0" + "".join(r.choice(ALNUM) for _ in range(8))
        while code[:7] in used_codes or asin in used_codes:
            code = "".join(r.choice(ALNUM) for _ in range(8))
            asin = "B0" + "".join(r.choice(ALNUM) for _ in range(8))
        used_codes.update((code[:7], asin))
        products.append(
            Product(
                sku=f"{brand[:3].upper()}-{i + 1:03d}-{code[:4]}",
                fnsku="X00" + code[:7],
                asin=asin,
                title=title,
                length_in=length,
                width_in=width,
                height_in=height,
                weight_lb=weight_lb,
                tier=tier,
                demand_weight=r.randint(1, 10),
                cost=cost,
                price=price,
            )
        )
    return tuple(products)


def catalog_size(orders_total: int) -> int:
    if orders_total <= 1000:
        return 12
    if orders_total <= 50_000:
        return 40
    return 150
