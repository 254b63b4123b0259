"""The text a seller pastes into a Seller Central case, per claim type, in English or German.

Pure functions: a claim's facts (``CaseClaim``) and its evidence rows (``evidence_row`` turns a canonical
row into the identifiers Amazon asks for) in, a subject and a body out. The body states the facts with
their identifiers and dates, the quantity, the amount asked and how it was valued, and the policy
window, then lists every evidence row with all its identifiers, so nothing Amazon asks for is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sellersync.detect.kinds import ClaimType

#: marketplaces whose sellers get German case text (DE, AT, CH); every other one English
GERMAN_MARKETPLACES = frozenset({"A1PA6795UKMFR9"})
LANGUAGES = ("en", "de")

#: canonical table -> (column -> evidence field) of the identifiers a case names
_ROW_FIELDS: dict[str, dict[str, str]] = {
    "inventory_ledger": {
        "event_date": "date",
        "event_type": "eventType",
        "reason": "reason",
        "fnsku": "fnsku",
        "sku": "msku",
        "asin": "asin",
        "reference_id": "referenceId",
        "fulfillment_center": "fulfillmentCenter",
        "disposition": "disposition",
        "quantity": "quantity",
    },
    "reimbursements": {
        "approval_date": "date",
        "reimbursement_id": "reimbursementId",
        "case_id": "caseId",
        "reason": "reason",
        "amazon_order_id": "orderId",
        "fnsku": "fnsku",
        "sku": "msku",
        "asin": "asin",
        "quantity_reimbursed_total": "quantity",
        "amount_total": "amount",
        "currency": "currency",
    },
    "financial_events": {
        "posted_date": "date",
        "event_type": "eventType",
        "charge_type": "reason",
        "amazon_order_id": "orderId",
        "order_item_id": "orderItemId",
        "fnsku": "fnsku",
        "sku": "msku",
        "asin": "asin",
        "quantity": "quantity",
        "amount": "amount",
        "currency": "currency",
    },
    "customer_returns": {
        "return_date": "date",
        "order_id": "orderId",
        "license_plate_number": "lpn",
        "fnsku": "fnsku",
        "sku": "msku",
        "asin": "asin",
        "fulfillment_center_id": "fulfillmentCenter",
        "detailed_disposition": "disposition",
        "reason": "reason",
        "quantity": "quantity",
    },
    "fba_shipments": {
        "shipment_date": "date",
        "shipment_id": "shipmentId",
        "amazon_order_id": "orderId",
        "sku": "msku",
        "fulfillment_center_id": "fulfillmentCenter",
        "quantity_shipped": "quantity",
        "item_price": "amount",
        "currency": "currency",
    },
    "inbound_shipments": {
        "created_date": "date",
        "shipment_id": "shipmentId",
        "shipment_status": "reason",
        "destination_fulfillment_center_id": "fulfillmentCenter",
    },
    "inbound_shipment_items": {
        "shipment_id": "shipmentId",
        "fnsku": "fnsku",
        "sku": "msku",
        "quantity_shipped": "quantity",
        "quantity_received": "quantityReceived",
    },
    "removal_orders": {
        "request_date": "date",
        "order_id": "orderId",
        "order_type": "eventType",
        "order_status": "reason",
        "fnsku": "fnsku",
        "sku": "msku",
        "shipped_quantity": "quantity",
    },
    "removal_shipments": {
        "shipment_date": "date",
        "order_id": "orderId",
        "fnsku": "fnsku",
        "sku": "msku",
        "carrier": "carrier",
        "tracking_number": "trackingNumber",
        "quantity_shipped": "quantity",
    },
}

#: evidence fields that identify something (a case must name each of them)
IDENTIFIER_FIELDS = (
    "date",
    "fnsku",
    "msku",
    "asin",
    "referenceId",
    "fulfillmentCenter",
    "orderId",
    "orderItemId",
    "shipmentId",
    "lpn",
    "reimbursementId",
    "caseId",
    "trackingNumber",
    "quantity",
    "quantityReceived",
    "amount",
)


def _text(value: Any) -> str | int | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01'))}"
    if isinstance(value, int):
        return value
    return str(value)


def evidence_row(table: str, row_id: int, columns: Mapping[str, Any]) -> dict[str, Any]:
    """One evidence row as the identifiers Amazon asks for (table, date, FNSKU, MSKU, ...)."""
    out: dict[str, Any] = {"table": table, "id": row_id}
    for column, name in _ROW_FIELDS.get(table, {}).items():
        value = _text(columns.get(column))
        if value is not None:
            out[name] = value
    return out


def evidence_columns(table: str) -> tuple[str, ...]:
    return tuple(_ROW_FIELDS.get(table, {}))


@dataclass(frozen=True)
class CaseClaim:
    """What the case text needs of a claim."""

    type: str
    marketplace_id: str
    sku: str
    fnsku: str
    asin: str
    quantity: int
    amount: Decimal | None
    currency: str
    event_date: date
    window_opens: date | None
    deadline: date | None
    unit_value: str | None = None
    valuation_label: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseText:
    language: str
    subject: str
    body: str

    def as_json(self) -> dict[str, str]:
        return {"language": self.language, "subject": self.subject, "body": self.body}


def language_for(marketplace_id: str) -> str:
    return "de" if marketplace_id in GERMAN_MARKETPLACES else "en"


def _join(values: Any) -> str:
    if isinstance(values, list | tuple):
        return ", ".join(str(v) for v in values if v not in (None, ""))
    return "" if values in (None, "") else str(values)


def _day(value: Any) -> str:
    text = _join(values=value)
    return text[:10] if len(text) >= 10 and text[4:5] == "-" else text


# (subject, facts) per language and type; {placeholders} come from _fields()
_EN: dict[str, tuple[str, str]] = {
    ClaimType.LOST_IN_WAREHOUSE: (
        "Reimbursement request: {quantity} unit(s) of {sku} (FNSKU {fnsku}) lost in the fulfillment center",
        "On {event_date} the inventory ledger reports {quantityAdjusted} unit(s) of MSKU {sku} / FNSKU "
        "{fnsku} / ASIN {asin} as lost (reason {reason}, reference ID {refs}, fulfillment center {fc}). "
        "{quantitySettled} unit(s) have been found or reimbursed since; {quantity} unit(s) have been "
        "neither found nor reimbursed.",
    ),
    ClaimType.DAMAGED_IN_WAREHOUSE: (
        "Reimbursement request: {quantity} unit(s) of {sku} (FNSKU {fnsku}) damaged in the fulfillment "
        "center",
        "On {event_date} the inventory ledger reports {quantityAdjusted} unit(s) of MSKU {sku} / FNSKU "
        "{fnsku} / ASIN {asin} as damaged by Amazon (reason {reason}, reference ID {refs}, fulfillment "
        "center {fc}). {quantitySettled} unit(s) have been reimbursed or returned to sellable since; "
        "{quantity} unit(s) have not been reimbursed.",
    ),
    ClaimType.REFUND_WITHOUT_RETURN: (
        "Reimbursement request: order {orderId}, refunded but not returned ({quantity} unit(s) of {sku})",
        "Order {orderId} (order item {orderItemId}): the customer was refunded {quantityRefunded} unit(s) "
        "of MSKU {sku} on {refundDates}. {quantityReturned} unit(s) were returned and {quantityReimbursed} "
        "reimbursed; {quantity} unit(s) were never returned to the fulfillment center.",
    ),
    ClaimType.RETURN_NOT_RESTOCKED: (
        "Reimbursement request: order {orderId}, return {licensePlateNumber} not restocked "
        "({quantity} unit(s) of {sku})",
        "Order {orderId}: the customer was refunded on {refundDates} and returned {quantityInReturn} "
        "unit(s) of MSKU {sku} / FNSKU {fnsku} on {returnDate} (license plate number "
        "{licensePlateNumber}, disposition {returnDisposition}). The inventory ledger shows "
        "{quantityRestocked} unit(s) of this return "
        "received into inventory; {quantity} unit(s) were neither restocked nor reimbursed.",
    ),
    ClaimType.INBOUND_SHORTAGE: (
        "Reimbursement request: shipment {shipmentId}, {quantity} unit(s) of {sku} not received",
        "Shipment {shipmentId} ({shipmentStatus}) was delivered on {deliveryDate}. We shipped "
        "{quantityShipped} unit(s) of MSKU {sku} / FNSKU {fnsku}; {quantityReceived} were received. "
        "{quantity} unit(s) are missing and have not been reimbursed.",
    ),
    ClaimType.REMOVAL_LOST: (
        "Reimbursement request: removal order {removalOrderId}, {quantity} unit(s) of {sku} lost",
        "Removal order {removalOrderId}: {shippedQuantity} unit(s) of MSKU {sku} / FNSKU {fnsku} left the "
        "fulfillment center on {shipmentDate}, but the removal shipments account for "
        "{quantityInShipmentRows}. {quantity} unit(s) were lost in the removal and have not been "
        "reimbursed.",
    ),
    ClaimType.FEE_OVERCHARGE: (
        "Fee correction request: order {orderId}, FBA fulfillment fee overcharged for {sku}",
        "Order {orderId} (order item {orderItemId}), posted {postedDate}: the FBA fulfillment fee charged "
        "was {chargedFeePerUnit} {currency} per unit for MSKU {sku}; for its size tier ({sizeTier}) the fee "
        "table valid from {feeTableVersion} sets {expectedFeePerUnit} {currency}. {quantity} unit(s) "
        "were overcharged.",
    ),
    ClaimType.UNDER_REIMBURSEMENT: (
        "Reimbursement correction request: reimbursement {reimbursementIds} for {sku} paid below value",
        "Reimbursement {reimbursementIds} (reason {reason}, case {caseId}, order {orderId}) paid "
        "{amountPerUnitPaid} {currency} per unit for {quantity} unit(s) of MSKU {sku} / FNSKU {fnsku}; "
        "the unit's value is {unitValue} {currency}.",
    ),
}
_DE: dict[str, tuple[str, str]] = {
    ClaimType.LOST_IN_WAREHOUSE: (
        "Erstattungsantrag: {quantity} Einheit(en) von {sku} (FNSKU {fnsku}) im Logistikzentrum verloren",
        "Am {event_date} meldet der Bestandsbericht {quantityAdjusted} Einheit(en) von MSKU {sku} / FNSKU "
        "{fnsku} / ASIN {asin} als verloren (Grund {reason}, Referenz-ID {refs}, Logistikzentrum {fc}). "
        "Seitdem wurden {quantitySettled} Einheit(en) gefunden oder erstattet; {quantity} Einheit(en) "
        "wurden weder gefunden noch erstattet.",
    ),
    ClaimType.DAMAGED_IN_WAREHOUSE: (
        "Erstattungsantrag: {quantity} Einheit(en) von {sku} (FNSKU {fnsku}) im Logistikzentrum beschädigt",
        "Am {event_date} meldet der Bestandsbericht {quantityAdjusted} Einheit(en) von MSKU {sku} / FNSKU "
        "{fnsku} / ASIN {asin} als von Amazon beschädigt (Grund {reason}, Referenz-ID {refs}, "
        "Logistikzentrum {fc}). Seitdem wurden {quantitySettled} Einheit(en) erstattet oder wieder "
        "verkaufsfähig; {quantity} Einheit(en) wurden nicht erstattet.",
    ),
    ClaimType.REFUND_WITHOUT_RETURN: (
        "Erstattungsantrag: Bestellung {orderId}, erstattet aber nicht zurückgesandt ({quantity} Einheit(en) "
        "von {sku})",
        "Bestellung {orderId} (Artikel {orderItemId}): Dem Kunden wurden am {refundDates} "
        "{quantityRefunded} Einheit(en) von MSKU {sku} erstattet. {quantityReturned} Einheit(en) wurden "
        "zurückgesandt und {quantityReimbursed} erstattet; {quantity} Einheit(en) kamen nie im "
        "Logistikzentrum an.",
    ),
    ClaimType.RETURN_NOT_RESTOCKED: (
        "Erstattungsantrag: Bestellung {orderId}, Rücksendung {licensePlateNumber} nicht eingelagert "
        "({quantity} Einheit(en) von {sku})",
        "Bestellung {orderId}: Dem Kunden wurde am {refundDates} erstattet; er sandte am {returnDate} "
        "{quantityInReturn} Einheit(en) von MSKU {sku} / FNSKU {fnsku} zurück (LPN {licensePlateNumber}, "
        "Zustand {returnDisposition}). Laut Bestandsbericht wurden {quantityRestocked} Einheit(en) dieser "
        "Rücksendung eingelagert; {quantity} Einheit(en) wurden weder eingelagert noch erstattet.",
    ),
    ClaimType.INBOUND_SHORTAGE: (
        "Erstattungsantrag: Sendung {shipmentId}, {quantity} Einheit(en) von {sku} nicht erhalten",
        "Die Sendung {shipmentId} ({shipmentStatus}) wurde am {deliveryDate} zugestellt. Wir haben "
        "{quantityShipped} Einheit(en) von MSKU {sku} / FNSKU {fnsku} versandt; {quantityReceived} wurden "
        "erfasst. {quantity} Einheit(en) fehlen und wurden nicht erstattet.",
    ),
    ClaimType.REMOVAL_LOST: (
        "Erstattungsantrag: Remissionsauftrag {removalOrderId}, {quantity} Einheit(en) von {sku} verloren",
        "Remissionsauftrag {removalOrderId}: {shippedQuantity} Einheit(en) von MSKU {sku} / FNSKU {fnsku} "
        "verließen am {shipmentDate} das Logistikzentrum, die Remissionssendungen enthalten aber "
        "{quantityInShipmentRows}. {quantity} Einheit(en) gingen bei der Remission verloren und wurden "
        "nicht erstattet.",
    ),
    ClaimType.FEE_OVERCHARGE: (
        "Antrag auf Gebührenkorrektur: Bestellung {orderId}, Versandgebühr für {sku} zu hoch",
        "Bestellung {orderId} (Artikel {orderItemId}), gebucht am {postedDate}: Die FBA-Versandgebühr betrug "
        "{chargedFeePerUnit} {currency} pro Einheit für MSKU {sku}; für die Größenklasse ({sizeTier}) sieht "
        "die ab {feeTableVersion} gültige Gebührentabelle {expectedFeePerUnit} {currency} vor. Für "
        "{quantity} Einheit(en) wurde zu viel berechnet.",
    ),
    ClaimType.UNDER_REIMBURSEMENT: (
        "Antrag auf Korrektur der Erstattung {reimbursementIds} für {sku}: unter Wert erstattet",
        "Die Erstattung {reimbursementIds} (Grund {reason}, Fall {caseId}, Bestellung {orderId}) zahlte "
        "{amountPerUnitPaid} {currency} pro Einheit für {quantity} Einheit(en) von MSKU {sku} / FNSKU "
        "{fnsku}; der Wert der Einheit beträgt {unitValue} {currency}.",
    ),
}

_WORDS = {
    "en": {
        "quantity": "Quantity claimed: {quantity} unit(s).",
        "amount": "Amount requested: {amount} {currency} ({quantity} × {unit} {currency}; {how}).",
        "no_amount": "Amount requested: {quantity} unit(s) at the unit's manufacturing cost ({how}).",
        "window": "Policy window: this claim can be filed from {opens} until {deadline}.",
        "evidence": "Evidence (report rows):",
        "ask": "Please investigate and reimburse the units (or the amount) above.",
        "needs_cost": "not yet known: to be valued at manufacturing cost",
    },
    "de": {
        "quantity": "Beantragte Menge: {quantity} Einheit(en).",
        "amount": "Beantragter Betrag: {amount} {currency} ({quantity} × {unit} {currency}; {how}).",
        "no_amount": "Beantragter Betrag: {quantity} Einheit(en) zu den Herstellungskosten ({how}).",
        "window": "Antragsfrist: Dieser Antrag kann vom {opens} bis zum {deadline} gestellt werden.",
        "evidence": "Nachweise (Berichtszeilen):",
        "ask": "Bitte prüfen Sie den Vorgang und erstatten Sie die oben genannten Einheiten bzw. den Betrag.",
        "needs_cost": "noch unbekannt: zu Herstellungskosten zu bewerten",
    },
}

#: how a value was obtained, per ``evidence["valuation"]``
_VALUATION = {
    "en": {
        "seller_cost": "valued at our unit cost",
        "reimbursement_history": "valued at what Amazon paid for this SKU before",
        "amazon_paid_other_marketplace": "valued at what Amazon paid for this SKU in another marketplace",
        "sale_price_less_fees": "valued at the sale price less fees",
        "fee_difference": "the fee charged minus the fee due",
        "unknown": "value unknown",
    },
    "de": {
        "seller_cost": "bewertet zu unseren Stückkosten",
        "reimbursement_history": "bewertet zu Amazons früherer Erstattung für diese SKU",
        "amazon_paid_other_marketplace": "bewertet zu Amazons Erstattung für diese SKU auf einem anderen "
        "Marktplatz",
        "sale_price_less_fees": "bewertet zum Verkaufspreis abzüglich Gebühren",
        "fee_difference": "berechnete minus geschuldete Gebühr",
        "unknown": "Wert unbekannt",
    },
}

_ROW_LABELS = {
    "date": ("date", "Datum"),
    "eventType": ("event", "Vorgang"),
    "reason": ("reason", "Grund"),
    "fnsku": ("FNSKU", "FNSKU"),
    "msku": ("MSKU", "MSKU"),
    "asin": ("ASIN", "ASIN"),
    "referenceId": ("reference ID", "Referenz-ID"),
    "fulfillmentCenter": ("fulfillment center", "Logistikzentrum"),
    "orderId": ("order", "Bestellung"),
    "orderItemId": ("order item", "Bestellposition"),
    "shipmentId": ("shipment", "Sendung"),
    "lpn": ("LPN", "LPN"),
    "reimbursementId": ("reimbursement ID", "Erstattungs-ID"),
    "caseId": ("case", "Fall"),
    "disposition": ("disposition", "Zustand"),
    "carrier": ("carrier", "Spediteur"),
    "trackingNumber": ("tracking number", "Sendungsnummer"),
    "quantity": ("quantity", "Menge"),
    "quantityReceived": ("received", "erhalten"),
    "amount": ("amount", "Betrag"),
    "currency": ("currency", "Währung"),
}


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "–"


def _fields(claim: CaseClaim) -> dict[str, str]:
    ev = claim.evidence
    out = _Missing({k: _join(v) for k, v in ev.items() if not isinstance(v, dict)})
    for key in ("refundDates", "returnDate", "deliveryDate", "shipmentDate", "postedDate"):
        if key in ev:
            value = ev[key]
            out[key] = ", ".join(_day(v) for v in value) if isinstance(value, list) else _day(value)
    out = _Missing({k: v for k, v in out.items() if v != ""})
    out.update(
        quantity=str(claim.quantity),
        sku=claim.sku or "–",
        fnsku=claim.fnsku or ev.get("fnsku") or "–",
        asin=claim.asin or "–",
        currency=claim.currency,
        event_date=claim.event_date.isoformat(),
        refs=_join(ev.get("ledgerReferenceIds")) or "–",
        fc=_join(ev.get("fulfillmentCenter")) or "–",
    )
    return out


def _row_line(row: Mapping[str, Any], lang: str) -> str:
    idx = 0 if lang == "en" else 1
    parts = [f"{_ROW_LABELS[k][idx]} {row[k]}" for k in _ROW_LABELS if k in row and row[k] not in (None, "")]
    return f"- {row.get('table', '')}: " + "; ".join(parts)


def case_text(claim: CaseClaim, rows: Sequence[Mapping[str, Any]], lang: str | None = None) -> CaseText:
    """The subject and body of the Seller Central case for ``claim`` in ``lang`` (default: by marketplace)."""
    lang = lang if lang in LANGUAGES else language_for(claim.marketplace_id)
    assert lang is not None
    templates = (_DE if lang == "de" else _EN).get(claim.type)
    fields = _fields(claim)
    subject, facts = templates if templates else (f"{claim.type}: {claim.sku}", "")
    words = _WORDS[lang]
    method = str(
        claim.evidence.get("valuation") or ("fee_difference" if claim.type == "fee_overcharge" else "unknown")
    )
    how = _VALUATION[lang].get(method, method)
    if claim.valuation_label:
        how = f"{how}: {claim.valuation_label}"
    lines = [facts.format_map(fields), "", words["quantity"].format(quantity=claim.quantity)]
    if claim.amount is None:
        lines.append(words["no_amount"].format(quantity=claim.quantity, how=words["needs_cost"]))
    else:
        unit = claim.unit_value or f"{(claim.amount / max(claim.quantity, 1)).quantize(Decimal('0.01'))}"
        lines.append(
            words["amount"].format(
                amount=f"{claim.amount.quantize(Decimal('0.01'))}",
                currency=claim.currency,
                quantity=claim.quantity,
                unit=unit,
                how=how,
            )
        )
    if claim.window_opens and claim.deadline:
        lines.append(
            words["window"].format(opens=claim.window_opens.isoformat(), deadline=claim.deadline.isoformat())
        )
    if rows:
        lines += ["", words["evidence"], *(_row_line(r, lang) for r in rows)]
    lines += ["", words["ask"]]
    return CaseText(lang, subject.format_map(fields), "\n".join(lines))
