"""Generated report documents through the real parse + normalise + store path: nothing crashes, every
bad row is quarantined with a reason, every good row is kept.

Documents are built from real rows of the emulator's world, then spoiled the ways Amazon's have been:
missing and extra columns, shuffled columns, wrong types, bad dates, NUL, bytes that are not UTF-8,
huge fields, wrong cell counts, empty bodies, header only, CRLF, a byte-order mark, gzip or not.

50 documents by default; ``SELLERSYNC_CHAOS=1`` tries 1,000 and prints a summary table.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellersync.amazon import DocumentUnreadable
from sellersync.amazon.flatfile import header_key, parse_flat_file
from sellersync.normalize import NORMALIZERS, Quarantine, Record
from sellersync.normalize.registry import REPORT_TYPES, REQUIRED_COLUMNS
from sellersync.store.models import AmazonConnection, Workspace
from sellersync.store.models.canonical import CanonicalRow
from sellersync.store.upsert import upsert
from tests.conftest import Database
from tests.normalize.helpers import ctx
from tests.support.emulator import seeded_world

CHAOS = os.environ.get("SELLERSYNC_CHAOS") == "1"
EXAMPLES = 1000 if CHAOS else 50

#: a required date column per stream: garbage there always makes the row unreadable
DATE_COLUMNS = {
    "orders": "purchase-date",
    "fba_shipments": "shipment-date",
    "customer_returns": "return-date",
    "reimbursements": "approval-date",
    "removal_orders": "request-date",
    "removal_shipments": "shipment-date",
}


@dataclass(frozen=True)
class Template:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _templates() -> dict[str, Template]:
    """A few real rows of every report-backed stream, from the seeded world."""
    world = seeded_world(7, "typical", "small", "NA", None)
    market = world.marketplaces[0].marketplace_id
    out = {}
    for stream, report_type in REPORT_TYPES.items():
        if stream == "settlements":
            table = world.settlement_table(world.settlements()[-1].settlement_id)
        else:
            table = world.report_table(
                report_type, [market], world.anchor - timedelta(days=600), world.anchor
            )
        rows = []
        for row in table.rows:
            rows.append(tuple(row))
            if len(rows) == 6:
                break
        out[stream] = Template(tuple(table.header), tuple(rows))
    return out


TEMPLATES = _templates()


def _required(stream: str) -> set[str]:
    """Required columns every row of the stream reads (a settlement's summary row and its lines
    read different columns: only settlement-id is read by both)."""
    if stream == "settlements":
        return {"settlement-id"}
    return {header_key(names[0]) for names in REQUIRED_COLUMNS[stream] if len(names) == 1}


@dataclass
class Row:
    cells: list[str]
    fate: str  # "good": must be kept; "bad": must be quarantined; "any": either, but accounted for
    bad_byte_at: int | None = None  # inject 0xFF at this character offset of the encoded line


@dataclass
class Document:
    stream: str
    header: list[str]
    rows: list[Row]
    body: bytes
    unreadable: bool  # empty, or a required column is missing: the read must fail


SPOILS = ("none", "none", "none", "nul", "bad_date", "wrong_type", "huge", "undecodable", "cell_count")


@st.composite
def rows_of(draw: st.DrawFn, stream: str, header: list[str], columns: list[int], dropped: bool) -> Row:
    template = draw(st.sampled_from(TEMPLATES[stream].rows))
    cells = [template[i] for i in columns]
    spoil = draw(st.sampled_from(SPOILS))
    required = _required(stream)
    at = draw(st.integers(0, len(cells) - 1))
    column = header_key(header[at]) if at < len(header) else ""
    is_required = column in required
    fate = "any" if dropped else "good"
    if spoil == "nul":
        value = cells[at]
        k = draw(st.integers(0, len(value)))
        cells[at] = value[:k] + "\x00" + value[k:]
        fate = "bad" if is_required else "any"
    elif spoil == "bad_date":
        cells[at] = draw(st.sampled_from(["2025-13-45", "not a date", "31/02/2025 25:61", "0000-00-00"]))
        fate = "bad" if column == DATE_COLUMNS.get(stream) else "any"
    elif spoil == "wrong_type":
        cells[at] = draw(st.sampled_from(["abc", "1e999", "NaN", "--1", "12,34,56", "99999999999999999999"]))
        fate = "any"
    elif spoil == "huge":
        cells[at] = "x" * draw(st.integers(300, 200_000))
        fate = "bad" if is_required else "any"  # every required column is a bounded key or a date
    elif spoil == "undecodable":
        return Row(cells, "bad", bad_byte_at=draw(st.integers(0, len("\t".join(cells)))))
    elif spoil == "cell_count":
        if draw(st.booleans()) and len(cells) > 1:
            cells.pop(draw(st.integers(0, len(cells) - 1)))
        else:
            cells.append(draw(st.sampled_from(["", "extra", "x\x00y"])))
        fate = "bad"
    return Row(cells, fate)


_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=3, max_size=12)


@st.composite
def documents(draw: st.DrawFn) -> Document:
    stream = draw(st.sampled_from(sorted(TEMPLATES)))
    template = TEMPLATES[stream]
    shape = draw(st.sampled_from(["rows", "rows", "rows", "rows", "empty", "header_only"]))
    crlf, bom, compressed = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    newline = b"\r\n" if crlf else b"\n"
    if shape == "empty":
        body = draw(st.sampled_from([b"", b"\n", b"\r\n\r\n", b"   \n"]))
        body = (b"\xef\xbb\xbf" if bom else b"") + body
        return Document(stream, [], [], gzip.compress(body) if compressed else body, True)

    columns = list(range(len(template.header)))
    drop = draw(st.sets(st.sampled_from(columns), max_size=3))
    columns = [c for c in columns if c not in drop]
    columns = draw(st.permutations(columns))
    header = [template.header[i] for i in columns]
    taken = {header_key(h) for h in template.header}
    extras = [n for n in draw(st.lists(_NAME, max_size=2, unique=True)) if header_key(n) not in taken]
    present = {header_key(h) for h in header}
    unreadable = not all(any(header_key(n) in present for n in names) for names in REQUIRED_COLUMNS[stream])
    rows: list[Row] = []
    if shape == "rows":
        count = draw(st.integers(1, 8))
        rows = [draw(rows_of(stream, header, columns, bool(drop))) for _ in range(count)]
        for row in rows:
            row.cells += ["extra value"] * len(extras)
    lines = [("\t".join(header + extras)).encode()]
    for row in rows:
        line = "\t".join(row.cells).encode()
        if row.bad_byte_at is not None:
            text = "\t".join(row.cells)
            cut = len(text[: row.bad_byte_at].encode())
            line = line[:cut] + b"\xff" + line[cut:]
        lines.append(line)
    body = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines) + newline
    return Document(stream, header, rows, gzip.compress(body) if compressed else body, unreadable)


@dataclass
class Tally:
    documents: int = 0
    unreadable: int = 0
    rows: int = 0
    certainly_good: int = 0
    certainly_bad: int = 0
    kept: int = 0
    quarantined: int = 0
    crashes: int = 0
    good_lost: int = 0
    bad_kept: int = 0
    by_stream: dict[str, int] = field(default_factory=dict)


class Numbered:
    """The parsed rows, numbering each as the normaliser takes it (outputs follow their row)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._rows = rows
        self.current = -1

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for row in self._rows:
            self.current += 1
            yield row


def check_document(doc: Document, db: Database, tally: Tally) -> None:
    tally.documents += 1
    tally.by_stream[doc.stream] = tally.by_stream.get(doc.stream, 0) + 1
    context = ctx(doc.stream)
    required = REQUIRED_COLUMNS[doc.stream]  # as sync.extract reads a report
    parsed = Numbered(parse_flat_file([doc.body], document_id="generated", required=required))
    fates: dict[int, set[str]] = {}
    outputs: list[Record] = []
    try:
        for out in NORMALIZERS[doc.stream].normalize(parsed, context):
            record = out.to_record(context) if isinstance(out, Quarantine) else out
            if isinstance(out, Quarantine):
                assert out.reason, out
            fates.setdefault(parsed.current, set()).add(
                "quarantined" if isinstance(out, Quarantine) else "kept"
            )
            outputs.append(record)
    except DocumentUnreadable:
        assert doc.unreadable, "a readable document was refused"
        tally.unreadable += 1
        return
    except Exception:
        tally.crashes += 1
        raise
    assert not doc.unreadable, "an unreadable document was read as rows"
    assert parsed.current + 1 == len(doc.rows)  # every line came out as one row
    for i, row in enumerate(doc.rows):
        tally.rows += 1
        tally.certainly_good += row.fate == "good"
        tally.certainly_bad += row.fate == "bad"
        fate = fates.get(i, set())
        assert fate, f"row {i} vanished: {row.cells!r}"
        if "quarantined" in fate:
            tally.quarantined += 1
            if row.fate == "good":
                tally.good_lost += 1
        else:
            tally.kept += 1
            if row.fate == "bad":
                tally.bad_kept += 1
        assert not (row.fate == "good" and fate != {"kept"}), f"good row {i} lost: {row.cells!r}"
        assert not (row.fate == "bad" and fate != {"quarantined"}), f"bad row {i} kept: {row.cells!r}"
    _store(outputs, db)


def _store(records: list[Record], db: Database) -> None:
    """Everything the normaliser produced goes through the real upsert; the store must take it all."""
    by_model: dict[type[CanonicalRow], list[dict[str, Any]]] = {}
    for record in records:
        by_model.setdefault(record.model, []).append(record.values)
    with db.sessions() as session:
        try:
            for model, rows in by_model.items():
                upsert(session, model, rows, sync_id="generated")
            session.flush()
        finally:
            session.rollback()


def _summary(tally: Tally) -> str:
    lines = [
        "generated report documents (parse + normalise + store)",
        f"  {'documents tried':<22}{tally.documents:>8}",
        f"  {'  of them unreadable':<22}{tally.unreadable:>8}   (empty or missing a required column)",
        f"  {'rows':<22}{tally.rows:>8}",
        f"  {'  certainly good':<22}{tally.certainly_good:>8}   (untouched rows of a whole header)",
        f"  {'  certainly bad':<22}{tally.certainly_bad:>8}   (spoiled where every row is read)",
        f"  {'rows kept':<22}{tally.kept:>8}",
        f"  {'rows quarantined':<22}{tally.quarantined:>8}",
        f"  {'crashes':<22}{tally.crashes:>8}",
        f"  {'good rows lost':<22}{tally.good_lost:>8}",
        f"  {'bad rows kept':<22}{tally.bad_kept:>8}",
        "  by stream: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.by_stream.items())),
    ]
    return "\n".join(lines)


@pytest.mark.chaos
def test_generated_documents_never_crash_and_lose_no_good_row(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = Tally()
    with db.uow() as session:  # the connection the rows belong to
        session.add(Workspace(id=1, name="w"))
        session.flush()
        session.add(
            AmazonConnection(
                id=ctx("orders").connection_id, workspace_id=1, selling_partner_id="A1", region="NA"
            )
        )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(documents())
    def one(doc: Document) -> None:
        check_document(doc, db, tally)

    one()
    assert tally.crashes == 0 and tally.good_lost == 0 and tally.bad_kept == 0
    assert tally.documents >= EXAMPLES
    if CHAOS:
        with capsys.disabled():
            print("\n" + _summary(tally) + f"\n  database: {db.dialect}")
