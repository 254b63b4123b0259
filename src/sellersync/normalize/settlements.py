"""Settlement reports (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``) → Settlement + SettlementLine.

One call normalises one settlement document. Its first data row is the summary (settlement-id, the
period dates, deposit-date, total-amount, currency and nothing else) → :class:`Settlement`; a row is
read as the summary when it has a ``total-amount`` and no ``transaction-type`` / ``amount-type``.
Every other row → :class:`SettlementLine`, keyed by a digest of all its fields plus its occurrence
among identical lines of the document. A line's currency is its own, else the summary's, else the
marketplace's. Amounts follow the marketplace's decimal mark (``Context.decimal_comma``); EU files
write ``14.03.2025 08:12:45 UTC`` dates, which :func:`parse_datetime` reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sellersync.normalize.base import (
    TSV_ERROR_KEY,
    Cells,
    Context,
    OccurrenceCounter,
    Quarantine,
    Record,
    RowError,
    base_values,
    is_blank,
)
from sellersync.normalize.marketplaces import marketplace_id_for
from sellersync.store.models.canonical import Settlement, SettlementLine

_LINE_KEY_FIELDS = (
    "settlement_id",
    "transaction_type",
    "order_id",
    "merchant_order_id",
    "adjustment_id",
    "shipment_id",
    "marketplace_name",
    "amount_type",
    "amount_description",
    "amount",
    "currency",
    "fulfillment_id",
    "posted_date",
    "order_item_code",
    "merchant_order_item_id",
    "merchant_adjustment_item_id",
    "sku",
    "quantity_purchased",
    "promotion_id",
)


def is_summary(cells: Cells) -> bool:
    return bool(cells.text("total-amount")) and not (
        cells.text("transaction-type") or cells.text("amount-type") or cells.text("amount-description")
    )


def summary_record(cells: Cells) -> Record:
    return Record(
        Settlement,
        {
            **base_values(cells.ctx),
            "settlement_id": cells.key("settlement-id"),
            "settlement_start_date": cells.required_date("settlement-start-date"),
            "settlement_end_date": cells.required_date("settlement-end-date"),
            "deposit_date": cells.date("deposit-date"),
            "total_amount": cells.required_money("total-amount"),
            "currency": cells.currency("currency"),
        },
    )


def line_record(cells: Cells, counter: OccurrenceCounter, summary_currency: str) -> Record:
    ctx = cells.ctx
    posted = cells.date("posted-date-time") or cells.date("posted-date")
    marketplace_name = cells.text("marketplace-name")
    values: dict[str, Any] = {
        "settlement_id": cells.key("settlement-id"),
        "transaction_type": cells.text("transaction-type"),
        "order_id": cells.text("order-id"),
        "merchant_order_id": cells.text("merchant-order-id"),
        "adjustment_id": cells.text("adjustment-id"),
        "shipment_id": cells.text("shipment-id"),
        "marketplace_name": marketplace_name,
        "amount_type": cells.text("amount-type"),
        "amount_description": cells.text("amount-description"),
        "amount": cells.required_money("amount"),
        "currency": cells.text("currency").upper() or summary_currency or cells.currency(),
        "fulfillment_id": cells.text("fulfillment-id"),
        "posted_date": posted,
        "order_item_code": cells.text("order-item-code"),
        "merchant_order_item_id": cells.text("merchant-order-item-id"),
        "merchant_adjustment_item_id": cells.text("merchant-adjustment-item-id"),
        "sku": cells.text("sku"),
        "quantity_purchased": cells.int("quantity-purchased"),
        "promotion_id": cells.text("promotion-id"),
    }
    row_key = counter.key("settlement_line", *(values[k] for k in _LINE_KEY_FIELDS))
    marketplace = marketplace_id_for(marketplace_name, ctx.marketplace_id)
    return Record(SettlementLine, {**base_values(ctx, marketplace), "row_key": row_key, **values})


class SettlementNormalizer:
    def normalize(self, rows: Iterable[Mapping[str, Any]], ctx: Context) -> Iterator[Record | Quarantine]:
        counter = OccurrenceCounter()
        quarantine_counter = OccurrenceCounter()
        summary_currency = ""
        for row in rows:
            if is_blank(row):
                continue
            if row.get(TSV_ERROR_KEY):
                yield Quarantine.of(
                    ctx.stream, row, f"malformed row: {row[TSV_ERROR_KEY]}", quarantine_counter
                )
                continue
            cells = Cells(row, ctx)
            try:
                if is_summary(cells):
                    record = summary_record(cells)
                    summary_currency = record.values["currency"]
                else:
                    record = line_record(cells, counter, summary_currency)
            except RowError as exc:
                yield Quarantine.of(ctx.stream, row, exc.reason, quarantine_counter)
                continue
            yield record


settlements = SettlementNormalizer()
