"""Marketplace names as Amazon writes them (``Amazon.de``, sales channels) → ids (FACTS §7)."""

from __future__ import annotations

MARKETPLACE_IDS: dict[str, str] = {
    "amazon.com": "ATVPDKIKX0DER",
    "amazon.ca": "A2EUQ1WTGCTBG2",
    "amazon.com.mx": "A1AM78C64UM0Y8",
    "amazon.com.br": "A2Q3Y263D00KWC",
    "amazon.co.uk": "A1F83G8C2ARO7P",
    "amazon.de": "A1PA6795UKMFR9",
    "amazon.fr": "A13V1IB3VIYZZH",
    "amazon.it": "APJ6JRA9NG5V4",
    "amazon.es": "A1RKKUPIHCS9HS",
    "amazon.nl": "A1805IZSGTT6HS",
    "amazon.se": "A2NODRKZP88ZB9",
    "amazon.pl": "A1C3SOZRARQ6R3",
    "amazon.com.be": "AMEN7PMS3EDWL",
    "amazon.com.tr": "A33AVAJ2PDY3EV",
    "amazon.ae": "A2VIGQ35RCS4UG",
    "amazon.sa": "A17E79C6D8DWNP",
    "amazon.eg": "ARBP9OOSHTCHU",
    "amazon.in": "A21TJRUUN4KGV",
    "amazon.ie": "A28R8C7NBKEWEA",
    "amazon.co.za": "AE08WJ6YKNBMC",
    "amazon.co.jp": "A1VC38T7YXB528",
    "amazon.com.au": "A39IBJ37TRP1C6",
    "amazon.sg": "A19VAU5U5O7RUS",
}


def marketplace_id_for(name: str, default: str) -> str:
    """The id of a marketplace named ``Amazon.de`` / ``www.amazon.de`` / ``amazon.de``, else ``default``."""
    key = name.strip().lower()
    if key.startswith("www."):
        key = key[4:]
    return MARKETPLACE_IDS.get(key, default)


CURRENCIES: dict[str, str] = {
    "ATVPDKIKX0DER": "USD",
    "A2EUQ1WTGCTBG2": "CAD",
    "A1AM78C64UM0Y8": "MXN",
    "A2Q3Y263D00KWC": "BRL",
    "A1F83G8C2ARO7P": "GBP",
    "A1PA6795UKMFR9": "EUR",
    "A13V1IB3VIYZZH": "EUR",
    "APJ6JRA9NG5V4": "EUR",
    "A1RKKUPIHCS9HS": "EUR",
    "A1805IZSGTT6HS": "EUR",
    "A2NODRKZP88ZB9": "SEK",
    "A1C3SOZRARQ6R3": "PLN",
    "AMEN7PMS3EDWL": "EUR",
    "A33AVAJ2PDY3EV": "TRY",
    "A2VIGQ35RCS4UG": "AED",
    "A17E79C6D8DWNP": "SAR",
    "ARBP9OOSHTCHU": "EGP",
    "A21TJRUUN4KGV": "INR",
    "A28R8C7NBKEWEA": "EUR",
    "AE08WJ6YKNBMC": "ZAR",
    "A1VC38T7YXB528": "JPY",
    "A39IBJ37TRP1C6": "AUD",
    "A19VAU5U5O7RUS": "SGD",
}


def default_currency(ctx_currency: str, marketplace_id: str) -> str:
    """The currency of a row that names none: the context's, else the marketplace's own."""
    return ctx_currency or CURRENCIES.get(marketplace_id, "")
