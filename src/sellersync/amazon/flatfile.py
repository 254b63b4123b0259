"""Streaming parser for report documents: gunzip, decode, split lines, parse TSV rows lazily.

Memory is bounded by the chunk size and the longest line, never by the document size.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Iterable, Iterator

from sellersync.amazon.errors import DocumentError

DEFAULT_CHARSET = "utf-8"
GZIP_MAGIC = b"\x1f\x8b"
# upper bound of one decompressed piece (keeps memory flat even for highly compressible files)
MAX_INFLATE_OUTPUT = 256 * 1024

# keys added to a row whose cell count does not match the header (the normalizer quarantines it)
ERROR_KEY = "_error"
EXTRA_KEY = "_extra"


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


def decode_chunks(
    chunks: Iterable[bytes], charset: str = DEFAULT_CHARSET, document_id: str | None = None
) -> Iterator[str]:
    """Incrementally decode bytes (a UTF-8 byte-order mark is dropped); bad bytes raise DocumentError."""
    name = codecs.lookup(charset).name
    if name == "utf-8":
        name = "utf-8-sig"
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    try:
        for chunk in chunks:
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise DocumentError(document_id, f"cannot decode as {charset}: {exc.reason}") from None
    if tail:
        yield tail


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


def parse_tsv(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """Rows keyed by header name (first line). Blank lines are skipped.

    A row with fewer cells than the header is padded with "" and one with more keeps the extra cells
    under ``_extra``; both carry an ``_error`` saying so, so the normalizer can quarantine them.
    """
    iterator = iter(lines)
    header: list[str] | None = None
    for line in iterator:
        if line.strip():
            header = [name.strip() for name in line.split("\t")]
            break
    if header is None:
        return
    width = len(header)
    for line in iterator:
        if not line or not line.strip():
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
) -> Iterator[dict[str, str]]:
    """Parse a (possibly gzip-compressed) tab-separated report document lazily.

    ``compressed=None`` sniffs the gzip magic bytes of the first chunk.
    """
    source: Iterable[bytes] = chunks
    if compressed is None:
        source, compressed = _sniff_gzip(chunks)
    raw = gunzip_chunks(source, document_id) if compressed else source
    return parse_tsv(split_lines(decode_chunks(raw, charset, document_id)))


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
