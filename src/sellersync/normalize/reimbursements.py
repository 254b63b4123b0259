"""FBA reimbursements (``GET_FBA_REIMBURSEMENTS_DATA``) → Reimbursement.

A reversal is its own row with negative amounts and ``original-reimbursement-id`` / ``-type`` naming
the reimbursement it reverses; both are kept as Amazon writes them.
"""

from __future__ import annotations

from sellersync.normalize.base import Cells, OccurrenceCounter, Record, RowNormalizer, base_values
from sellersync.store.models.canonical import Reimbursement


def reimbursement_row(cells: Cells, counter: OccurrenceCounter) -> list[Record]:
    amount_total = cells.required_money(
        "amount-total"
    )  # read first: the reason names the amount that matters
    return [
        Record(
            Reimbursement,
            {
                **base_values(cells.ctx),
                "reimbursement_id": cells.key("reimbursement-id"),
                "approval_date": cells.required_date("approval-date"),
                "case_id": cells.text("case-id"),
                "amazon_order_id": cells.text("amazon-order-id"),
                "reason": cells.text("reason"),
                "sku": cells.text("sku"),
                "fnsku": cells.text("fnsku"),
                "asin": cells.text("asin"),
                "product_name": cells.text("product-name"),
                "condition": cells.text("condition"),
                "currency": cells.currency("currency-unit", "currency"),
                "amount_per_unit": cells.money("amount-per-unit"),
                "amount_total": amount_total,
                "quantity_reimbursed_cash": cells.int("quantity-reimbursed-cash"),
                "quantity_reimbursed_inventory": cells.int("quantity-reimbursed-inventory"),
                "quantity_reimbursed_total": cells.int("quantity-reimbursed-total"),
                "original_reimbursement_id": cells.text("original-reimbursement-id"),
                "original_reimbursement_type": cells.text("original-reimbursement-type"),
            },
        )
    ]


reimbursements = RowNormalizer(reimbursement_row, "reimbursements")
