"""Streaming parser for report documents: gunzip, decode, split lines, parse TSV rows lazily.

Memory is bounded by the chunk size and the longest line, never by the document size.

Decoding is per row, in the charset Amazon declared: a byte the charset cannot decode does not stop
the document; it marks its row (``_error`` says which byte, ``_bytes`` holds the line's raw bytes in
base64) so the normaliser quarantines that row alone and every other row is read. A document with no
header row, a header that cannot be decoded or one without the columns its report must have is
:class:`DocumentUnreadable` (a failed read, never "no data").
"""

from __future__ import annotations

import base64
import codecs
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence

from sellersync.amazon.errors import DocumentError, DocumentUnreadable

DEFAULT_CHARSET = "utf-8"
GZIP_MAGIC = b"\x1f\x8b"
# upper bound of one decompressed piece (keeps memory flat even for highly compressible files)
MAX_INFLATE_OUTPUT = 256 * 1024

# keys added to a row whose cell count does not match the header (the normalizer quarantines it)
ERROR_KEY = "_error"
EXTRA_KEY = "_extra"
# keys of a row whose line cannot be decoded: its raw bytes (base64) and the line with them as \xNN
BYTES_KEY = "_bytes"
LINE_KEY = "_line"

# Undecodable bytes become U+DC00 + byte (like "surrogateescape", but for every byte value, so any
# charset can use it); no decoded character is ever a lone surrogate, so one in a line marks it.
UNDECODABLE = "sellersync-undecodable"
_ESCAPED = re.compile("[\udc00-\udcff]")


def _escape_undecodable(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(UNDECODABLE, _escape_undecodable)


def charset_from_content_type(content_type: str | None) -> str:
    """The codec named by a Content-Type ``charset`` parameter (UTF-8 when absent or unknown)."""
    if content_type:
        for part in content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip("\"'")
                try:
                    return codecs.lookup(charset).name
                except LookupError:
                    return DEFAULT_CHARSET
    return DEFAULT_CHARSET


def gunzip_chunks(
    chunks: Iterable[bytes],
    document_id: str | None = None,
    max_output: int = MAX_INFLATE_OUTPUT,
) -> Iterator[bytes]:
    """Incrementally decompress a gzip stream (concatenated members allowed).

    Each yielded piece is at most ``max_output`` bytes, however well the input compresses. A
    truncated or corrupt stream raises :class:`DocumentError`.
    """
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        for chunk in chunks:
            data = chunk
            while data:
                if inflater.eof:
                    # another gzip member follows the one that just ended
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out = inflater.decompress(data, max_output)
                if out:
                    yield out
                data = inflater.unconsumed_tail or inflater.unused_data
    except zlib.error as exc:
        raise DocumentError(document_id, f"corrupt gzip data: {exc}") from None
    if not inflater.eof:
        raise DocumentError(document_id, "truncated gzip stream")


def decode_chunks(chunks: Iterable[bytes], charset: str = DEFAULT_CHARSET) -> Iterator[str]:
    """Incrementally decode bytes (a UTF-8 byte-order mark is dropped).

    Bytes the charset cannot decode come out as U+DC00 + byte (see :func:`undecodable_line`).
    """
    name = codecs.lookup(charset).name
    if name == "utf-8":
        name = "utf-8-sig"
    decoder = codecs.getincrementaldecoder(name)(errors=UNDECODABLE)
    for chunk in chunks:
        text = decoder.decode(chunk)
        if text:
            yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def undecodable_line(line: str, charset: str = DEFAULT_CHARSET) -> dict[str, str] | None:
    """For a line holding bytes its charset could not decode: a row saying so, with the raw bytes."""
    found = _ESCAPED.search(line)
    if found is None:
        return None
    raw = b"".join(
        bytes([ord(c) - 0xDC00]) if _ESCAPED.match(c) else c.encode(charset, "backslashreplace") for c in line
    )
    shown = _ESCAPED.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", line)
    byte = ord(found.group()) - 0xDC00
    return {
        ERROR_KEY: f"cannot decode as {charset}: byte 0x{byte:02x} at character {found.start() + 1}",
        BYTES_KEY: base64.b64encode(raw).decode("ascii"),
        LINE_KEY: shown,
    }


def split_lines(texts: Iterable[str]) -> Iterator[str]:
    """Split a stream of text pieces into lines (``\\n`` or ``\\r\\n``), without line endings."""
    pending = ""
    for text in texts:
        if pending:
            text = pending + text
        start = 0
        while True:
            end = text.find("\n", start)
            if end < 0:
                break
            line = text[start:end]
            if line.endswith("\r"):
                line = line[:-1]
            yield line
            start = end + 1
        pending = text[start:]
    if pending:
        yield pending[:-1] if pending.endswith("\r") else pending


def header_key(name: str) -> str:
    """A header name as compared: case, spaces, ``-`` and ``_`` do not matter."""
    return re.sub(r"[\s_\-]+", "-", name.strip().lower())


def check_header(
    header: Sequence[str], required: Sequence[Sequence[str]], document_id: str | None = None
) -> None:
    """DocumentUnreadable unless ``header`` has, for each entry of ``required``, one of its names."""
    present = {header_key(name) for name in header}
    missing = [" or ".join(names) for names in required if not any(header_key(n) in present for n in names)]
    if missing:
        raise DocumentUnreadable(
            document_id, f"header lacks the report's column(s) {', '.join(repr(m) for m in missing)}"
        )


def parse_tsv(
    lines: Iterable[str],
    *,
    charset: str = DEFAULT_CHARSET,
    required: Sequence[Sequence[str]] = (),
    document_id: str | None = None,
) -> Iterator[dict[str, str]]:
    """Rows keyed by header name (first line). Blank lines are skipped.

    A row with fewer cells than the header is padded with "" and one with more keeps the extra cells
    under ``_extra``; both carry an ``_error`` saying so, so the normalizer can quarantine them. A line
    with bytes ``charset`` could not decode is one row carrying ``_error``, ``_bytes`` and ``_line``.
    No header line, an undecodable one, or one lacking a ``required`` column: DocumentUnreadable.
    """
    iterator = iter(lines)
    header: list[str] | None = None
    for line in iterator:
        if line.strip():
            if undecodable_line(line, charset) is not None:
                raise DocumentUnreadable(document_id, f"the header row cannot be decoded as {charset}")
            header = [name.strip() for name in line.split("\t")]
            break
    if header is None:
        raise DocumentUnreadable(document_id, "empty document: no header row")
    check_header(header, required, document_id)
    width = len(header)
    for line in iterator:
        if not line or not line.strip():
            continue
        bad = undecodable_line(line, charset)
        if bad is not None:
            yield bad
            continue
        cells = line.split("\t")
        if len(cells) == width:
            yield dict(zip(header, cells, strict=True))
            continue
        row = dict(zip(header, cells, strict=False))
        if len(cells) < width:
            for name in header[len(cells) :]:
                row[name] = ""
        else:
            row[EXTRA_KEY] = "\t".join(cells[width:])
        row[ERROR_KEY] = f"expected {width} cells, got {len(cells)}"
        yield row


def parse_flat_file(
    chunks: Iterable[bytes],
    *,
    compressed: bool | None = None,
    charset: str = DEFAULT_CHARSET,
    document_id: str | None = None,
    required: Sequence[Sequence[str]] = (),
) -> Iterator[dict[str, str]]:
    """Parse a (possibly gzip-compressed) tab-separated report document lazily.

    ``compressed=None`` sniffs the gzip magic bytes of the first chunk. ``required``: the columns the
    report must have (each entry lists a column's accepted names).
    """
    source: Iterable[bytes] = chunks
    if compressed is None:
        source, compressed = _sniff_gzip(chunks)
    raw = gunzip_chunks(source, document_id) if compressed else source
    lines = split_lines(decode_chunks(raw, charset))
    return parse_tsv(lines, charset=charset, required=required, document_id=document_id)


def _sniff_gzip(chunks: Iterable[bytes]) -> tuple[Iterator[bytes], bool]:
    iterator = iter(chunks)
    head = b""
    for chunk in iterator:
        head += chunk
        if len(head) >= 2:
            break

    def replay() -> Iterator[bytes]:
        if head:
            yield head
        yield from iterator

    return replay(), head.startswith(GZIP_MAGIC)
