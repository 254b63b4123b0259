"""SP-API regions: endpoints, Seller Central consent hosts and marketplace ids (FACTS §1, §7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Region:
    code: str  # NA | EU | FE
    endpoint: str
    sandbox_endpoint: str
    consent_host: str
    marketplaces: Mapping[str, str]  # country code -> marketplace id

    def consent_url(
        self,
        application_id: str,
        state: str,
        redirect_uri: str | None = None,
        *,
        beta: bool = False,
        host: str | None = None,
    ) -> str:
        """The Seller Central URL that starts the website authorization workflow."""
        params = {"application_id": application_id, "state": state}
        if redirect_uri:
            params["redirect_uri"] = redirect_uri
        if beta:
            params["version"] = "beta"
        base = host or f"https://{self.consent_host}"
        return f"{base.rstrip('/')}/apps/authorize/consent?{urlencode(params)}"


REGIONS: Mapping[str, Region] = {
    "NA": Region(
        code="NA",
        endpoint="https://sellingpartnerapi-na.amazon.com",
        sandbox_endpoint="https://sandbox.sellingpartnerapi-na.amazon.com",
        consent_host="sellercentral.amazon.com",
        marketplaces={
            "US": "ATVPDKIKX0DER",
            "CA": "A2EUQ1WTGCTBG2",
            "MX": "A1AM78C64UM0Y8",
            "BR": "A2Q3Y263D00KWC",
        },
    ),
    "EU": Region(
        code="EU",
        endpoint="https://sellingpartnerapi-eu.amazon.com",
        sandbox_endpoint="https://sandbox.sellingpartnerapi-eu.amazon.com",
        consent_host="sellercentral-europe.amazon.com",
        marketplaces={
            "UK": "A1F83G8C2ARO7P",
            "DE": "A1PA6795UKMFR9",
            "FR": "A13V1IB3VIYZZH",
            "IT": "APJ6JRA9NG5V4",
            "ES": "A1RKKUPIHCS9HS",
            "NL": "A1805IZSGTT6HS",
            "SE": "A2NODRKZP88ZB9",
            "PL": "A1C3SOZRARQ6R3",
            "BE": "AMEN7PMS3EDWL",
            "TR": "A33AVAJ2PDY3EV",
            "AE": "A2VIGQ35RCS4UG",
            "SA": "A17E79C6D8DWNP",
            "EG": "ARBP9OOSHTCHU",
            "IN": "A21TJRUUN4KGV",
            "IE": "A28R8C7NBKEWEA",
            "ZA": "AE08WJ6YKNBMC",
        },
    ),
    "FE": Region(
        code="FE",
        endpoint="https://sellingpartnerapi-fe.amazon.com",
        sandbox_endpoint="https://sandbox.sellingpartnerapi-fe.amazon.com",
        consent_host="sellercentral-japan.amazon.co.jp",
        marketplaces={
            "JP": "A1VC38T7YXB528",
            "AU": "A39IBJ37TRP1C6",
            "SG": "A19VAU5U5O7RUS",
        },
    ),
}

#: Marketplace id -> (country code, Amazon site, currency), for people reading a list of marketplaces.
MARKETPLACE_INFO: Mapping[str, tuple[str, str, str]] = {
    "ATVPDKIKX0DER": ("US", "Amazon.com", "USD"),
    "A2EUQ1WTGCTBG2": ("CA", "Amazon.ca", "CAD"),
    "A1AM78C64UM0Y8": ("MX", "Amazon.com.mx", "MXN"),
    "A2Q3Y263D00KWC": ("BR", "Amazon.com.br", "BRL"),
    "A1F83G8C2ARO7P": ("GB", "Amazon.co.uk", "GBP"),
    "A1PA6795UKMFR9": ("DE", "Amazon.de", "EUR"),
    "A13V1IB3VIYZZH": ("FR", "Amazon.fr", "EUR"),
    "APJ6JRA9NG5V4": ("IT", "Amazon.it", "EUR"),
    "A1RKKUPIHCS9HS": ("ES", "Amazon.es", "EUR"),
    "A1805IZSGTT6HS": ("NL", "Amazon.nl", "EUR"),
    "A2NODRKZP88ZB9": ("SE", "Amazon.se", "SEK"),
    "A1C3SOZRARQ6R3": ("PL", "Amazon.pl", "PLN"),
    "AMEN7PMS3EDWL": ("BE", "Amazon.com.be", "EUR"),
    "A33AVAJ2PDY3EV": ("TR", "Amazon.com.tr", "TRY"),
    "A2VIGQ35RCS4UG": ("AE", "Amazon.ae", "AED"),
    "A17E79C6D8DWNP": ("SA", "Amazon.sa", "SAR"),
    "ARBP9OOSHTCHU": ("EG", "Amazon.eg", "EGP"),
    "A21TJRUUN4KGV": ("IN", "Amazon.in", "INR"),
    "A28R8C7NBKEWEA": ("IE", "Amazon.ie", "EUR"),
    "AE08WJ6YKNBMC": ("ZA", "Amazon.co.za", "ZAR"),
    "A1VC38T7YXB528": ("JP", "Amazon.co.jp", "JPY"),
    "A39IBJ37TRP1C6": ("AU", "Amazon.com.au", "AUD"),
    "A19VAU5U5O7RUS": ("SG", "Amazon.sg", "SGD"),
}


def marketplace_view(marketplace_id: str) -> dict[str, str | None]:
    """``{"id", "country", "name", "currency"}`` of a marketplace id (None parts for an unknown id)."""
    country, name, currency = MARKETPLACE_INFO.get(marketplace_id, (None, None, None))
    return {"id": marketplace_id, "country": country, "name": name, "currency": currency}


_REGION_BY_MARKETPLACE = {mid: region for region in REGIONS.values() for mid in region.marketplaces.values()}


def get_region(code: str) -> Region:
    """The region for ``NA``, ``EU`` or ``FE`` (case-insensitive); KeyError otherwise."""
    return REGIONS[code.upper()]


def region_for_marketplace(marketplace_id: str) -> Region:
    """The region serving a marketplace id; KeyError for an unknown id."""
    return _REGION_BY_MARKETPLACE[marketplace_id]


def marketplace_id(country_code: str) -> str:
    """The marketplace id of a country code (``UK`` and ``GB`` both mean Amazon.co.uk)."""
    country = country_code.upper()
    if country == "GB":
        country = "UK"
    for region in REGIONS.values():
        if country in region.marketplaces:
            return region.marketplaces[country]
    raise KeyError(country_code)
