from __future__ import annotations

import base64
import gzip
import itertools
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellersync.amazon import DocumentError, DocumentUnreadable, charset_from_content_type, parse_flat_file
from sellersync.amazon.flatfile import BYTES_KEY, ERROR_KEY, EXTRA_KEY, LINE_KEY, split_lines

HEADER = ["amazon-order-id", "sku", "product-name", "quantity", "item-price"]


def tsv(rows: list[list[str]], newline: str = "\n") -> str:
    return newline.join("\t".join(r) for r in [HEADER, *rows]) + newline


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_windows_1252_gzip_with_umlaut_in_one_byte_chunks() -> None:
    text = tsv([["302-1", "SKU-1", "Müsli für Kinder", "2", "12,34"]])
    data = gzip.compress(text.encode("windows-1252"))
    rows = list(parse_flat_file(chunked(data, 1), compressed=True, charset="windows-1252"))
    assert rows == [
        {
            "amazon-order-id": "302-1",
            "sku": "SKU-1",
            "product-name": "Müsli für Kinder",
            "quantity": "2",
            "item-price": "12,34",
        }
    ]


def test_utf8_multibyte_characters_split_across_chunks_and_bom() -> None:
    text = "\ufeff" + tsv([["1", "A", "Grüße 日本 ✓", "1", "1.00"]])
    data = text.encode("utf-8")
    rows = list(parse_flat_file(chunked(data, 3), compressed=False))
    assert rows[0]["amazon-order-id"] == "1"  # the BOM is not part of the first header name
    assert rows[0]["product-name"] == "Grüße 日本 ✓"


def test_shift_jis_and_iso_8859_1() -> None:
    jp = tsv([["503-1", "JP-1", "日本語の商品", "1", "1000"]]).encode("shift_jis")
    (row,) = parse_flat_file(chunked(jp, 2), compressed=None, charset="Shift_JIS")
    assert row["product-name"] == "日本語の商品"
    latin = gzip.compress(tsv([["1", "B", "Crème brûlée", "1", "2,50"]]).encode("iso-8859-1"))
    (row,) = parse_flat_file(chunked(latin, 5), compressed=None, charset="ISO-8859-1")
    assert row["product-name"] == "Crème brûlée"


def test_crlf_and_blank_lines_and_missing_final_newline() -> None:
    text = tsv([["1", "A", "x", "1", "1"], ["2", "B", "y", "2", "2"]], newline="\r\n")
    text = text.replace("\r\n2\t", "\r\n\r\n2\t").rstrip("\r\n")
    rows = list(parse_flat_file(chunked(text.encode(), 4), compressed=False))
    assert [r["amazon-order-id"] for r in rows] == ["1", "2"]
    assert rows[1]["item-price"] == "2"  # no stray \r


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(
        st.lists(
            st.text(
                alphabet=st.characters(blacklist_characters="\t\r\n", blacklist_categories=["Cs"]),
                max_size=12,
            ),
            min_size=5,
            max_size=5,
        ),
        max_size=20,
    ),
    cuts=st.lists(st.integers(min_value=1, max_value=17), min_size=1, max_size=50),
    crlf=st.booleans(),
    compress=st.booleans(),
)
def test_any_chunking_gives_the_same_rows(
    cells: list[list[str]], cuts: list[int], crlf: bool, compress: bool
) -> None:
    rows = [r for r in cells if any(c.strip() for c in r)]  # a blank line is skipped by design
    data = tsv(rows, "\r\n" if crlf else "\n").encode("utf-8")
    if compress:
        data = gzip.compress(data)
    pieces, pos = [], 0
    for cut in itertools.cycle(cuts):
        if pos >= len(data):
            break
        pieces.append(data[pos : pos + cut])
        pos += cut
    parsed = list(parse_flat_file(pieces, compressed=compress))
    assert parsed == [dict(zip(HEADER, r, strict=True)) for r in rows]


def test_split_lines_keeps_lines_across_pieces() -> None:
    assert list(split_lines(["a\tb\r", "\nc", "d\n", "e"])) == ["a\tb", "cd", "e"]


def test_truncated_gzip_raises_a_document_error() -> None:
    data = gzip.compress(tsv([[str(i), "s", "p", "1", "1"] for i in range(2000)]).encode())
    with pytest.raises(DocumentError, match="truncated"):
        list(parse_flat_file(chunked(data[: len(data) // 2], 1024), compressed=True))


def test_corrupt_gzip_raises_a_document_error() -> None:
    data = bytearray(gzip.compress(tsv([[str(i), "s", "p", "1", "1"] for i in range(500)]).encode()))
    data[len(data) // 2] ^= 0xFF
    data[len(data) // 2 + 1] ^= 0xFF
    with pytest.raises(DocumentError):
        list(parse_flat_file(chunked(bytes(data), 1024), compressed=True))


def test_an_undecodable_byte_marks_its_row_alone_with_its_raw_bytes() -> None:
    good = tsv([["1", "s", "Musli", "1", "1"]]).encode("utf-8")
    bad = "2\ts\tMüsli\t1\t1\n".encode("windows-1252")
    last = "3\ts\tMüsli\t1\t1\n".encode()
    data = good + bad + last
    for size in (1, 3, len(data)):
        first, marked, third = parse_flat_file(chunked(data, size), compressed=False, charset="utf-8")
        assert first["amazon-order-id"] == "1" and third["product-name"] == "Müsli"
        assert marked[ERROR_KEY] == "cannot decode as utf-8: byte 0xfc at character 6"
        assert base64.b64decode(marked[BYTES_KEY]) == bad.rstrip(b"\n")
        assert marked[LINE_KEY] == "2\ts\tM\\xfcsli\t1\t1"


def test_an_undecodable_shift_jis_lead_byte_marks_its_row_alone() -> None:
    data = tsv([["1", "s", "商品", "1", "1"]]).encode("shift_jis") + b"2\ts\t\x81\n" + b"3\ts\tp\t1\t1\n"
    rows = list(parse_flat_file([data], compressed=False, charset="Shift_JIS"))
    assert [r.get("amazon-order-id") for r in rows] == ["1", None, "3"]
    assert rows[0]["product-name"] == "商品" and "Shift_JIS" in rows[1][ERROR_KEY]


def test_an_empty_document_or_one_without_its_columns_is_unreadable_not_empty() -> None:
    with pytest.raises(DocumentUnreadable, match="no header row"):
        list(parse_flat_file([b""], compressed=False))
    with pytest.raises(DocumentUnreadable, match="no header row"):
        list(parse_flat_file([b"\r\n\n"], compressed=False))
    required = [["amazon-order-id"], ["purchase-date", "purchase_date"]]
    with pytest.raises(DocumentUnreadable, match="'purchase-date or purchase_date'"):
        list(parse_flat_file([tsv([]).encode()], compressed=False, required=required))
    ok = "\t".join(["Amazon Order ID", "purchase_date"]) + "\n"
    assert list(parse_flat_file([ok.encode()], compressed=False, required=required)) == []


def test_rows_with_the_wrong_cell_count_are_marked_not_dropped() -> None:
    text = "\t".join(HEADER) + "\n1\tA\n2\tB\tp\t1\t1\textra1\textra2\n"
    short, long_ = parse_flat_file([text.encode()], compressed=False)
    assert short["sku"] == "A" and short["item-price"] == "" and ERROR_KEY in short
    assert long_[EXTRA_KEY] == "extra1\textra2" and ERROR_KEY in long_


def test_empty_gzip_body_is_truncated() -> None:
    with pytest.raises(DocumentError, match="truncated"):
        list(parse_flat_file([], compressed=True))


def test_concatenated_gzip_members() -> None:
    first = gzip.compress(("\t".join(HEADER) + "\n1\ts\tp\t1\t1\n").encode())
    second = gzip.compress(b"2\ts\tp\t1\t1\n")
    rows = list(parse_flat_file(chunked(first + second, 7), compressed=True))
    assert [r["amazon-order-id"] for r in rows] == ["1", "2"]


def test_sniffs_gzip_when_not_told() -> None:
    data = gzip.compress(tsv([["1", "s", "p", "1", "1"]]).encode())
    assert len(list(parse_flat_file(chunked(data, 1), compressed=None))) == 1
    assert len(list(parse_flat_file([tsv([["1", "s", "p", "1", "1"]]).encode()]))) == 1


def test_charset_from_content_type() -> None:
    assert charset_from_content_type(None) == "utf-8"
    assert charset_from_content_type("text/plain") == "utf-8"
    assert charset_from_content_type("text/tab-separated-values; charset=windows-1252") == "cp1252"
    assert charset_from_content_type('text/plain;charset="ISO-8859-1"') == "iso8859-1"
    assert charset_from_content_type("text/plain; charset=Shift_JIS") == "shift_jis"
    assert charset_from_content_type("text/plain; charset=bogus-9") == "utf-8"


# --- bounded memory ---------------------------------------------------------------------------


def gzip_document(target_bytes: int) -> bytes:
    """A gzip-compressed windows-1252 report of about ``target_bytes`` of text (compresses ~25x)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(("\t".join(HEADER) + "\r\n").encode("windows-1252"))]
    written, i = 0, 0
    while written < target_bytes:
        block = "".join(
            f"302-{n:07d}-{n * 7919 % 10_000_000:07d}\tSKU-{n % 997}\tMüsli Größe {n % 13} "
            + "Haferflocken mit Früchten " * 12
            + f"\t{n % 5 + 1}\t{n % 10_000 / 100:.2f}\r\n"
            for n in range(i, i + 500)
        )
        i += 500
        written += len(block)
        parts.append(compressor.compress(block.encode("windows-1252")))
    parts.append(compressor.flush())
    return b"".join(parts)


def peak_while_parsing(size: int) -> tuple[int, int]:
    data = gzip_document(size)  # built before tracing: the download's bytes are not ours to hold
    view = memoryview(data)

    def download() -> Iterator[bytes]:
        for pos in range(0, len(data), 64 * 1024):
            yield bytes(view[pos : pos + 64 * 1024])

    tracemalloc.start()
    try:
        count = 0
        for row in parse_flat_file(download(), compressed=True, charset="windows-1252"):
            count += 1
            assert row["product-name"].startswith("Müsli Größe")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, count


@pytest.mark.slow
def test_memory_does_not_grow_with_document_size() -> None:
    small_peak, small_rows = peak_while_parsing(10 * 1024 * 1024)
    large_peak, large_rows = peak_while_parsing(100 * 1024 * 1024)
    assert large_rows > 9 * small_rows
    # 10x the data, the same peak: streamed row by row, never buffered
    assert large_peak / small_peak < 1.5, (small_peak, large_peak)
    assert large_peak < 4 * 1024 * 1024, large_peak
