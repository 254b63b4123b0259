"""Report documents: built lazily from the world, gzipped, served behind signed URLs that expire
after 5 minutes (403 AccessDenied afterwards, as S3 answers).

The first download of a flat-file document streams while it is generated: rows are encoded and
compressed in batches (in a worker thread) and each compressed batch is sent at once (chunked, no
``Content-Length``), so the first byte leaves within a batch at any size. The same bytes are
written to a per-emulator cache file, which later downloads stream back with a ``Content-Length``.
Memory stays bounded either way. The bytes equal :func:`write_gzip_table`'s for the same table.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import hashlib
import os
import tempfile
import threading
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from .contract import ReportTable
from .tokens import InvalidToken

URL_TTL = 300.0
BATCH_ROWS = 2000
CHUNK = 64 * 1024

TableSource = Callable[[], ReportTable]

# How a cell becomes bytes: a character the charset cannot encode becomes "?" (as Amazon's exports
# do), except U+DC80..U+DCFF, which stands for the raw byte 0x80..0xFF ("surrogateescape"): the way
# a world (or a test) puts a byte the declared charset cannot decode into a document.
RAW_OR_REPLACE = "emulator-raw-or-replace"


def _raw_or_replace(exc: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = bytearray()
    for ch in exc.object[exc.start : exc.end]:
        code = ord(ch)
        out += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else b"?"
    return bytes(out), exc.end


codecs.register_error(RAW_OR_REPLACE, _raw_or_replace)


@dataclass
class _Entry:
    source: TableSource | None  # a flat-file report
    text: str | None  # or a plain-text body (the explanation of a FATAL report)
    charset: str = "UTF-8"
    path: str | None = None
    size: int = 0


def write_gzip_table(table: ReportTable, out_path: str) -> int:
    """Write ``table`` as gzipped TSV (header first) in its charset; return the compressed size.

    The gzip header carries no timestamp or name, so equal tables give equal bytes.
    """
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    size = 0
    with open(out_path, "wb") as fh:

        def emit(lines: list[str]) -> None:
            nonlocal size
            data = comp.compress("".join(lines).encode(table.charset, errors=RAW_OR_REPLACE))
            if data:
                fh.write(data)
                size += len(data)

        batch = ["\t".join(table.header) + "\n"]
        for row in table.rows:
            batch.append("\t".join(row) + "\n")
            if len(batch) >= BATCH_ROWS:
                emit(batch)
                batch = []
        emit(batch)
        tail = comp.flush()
        fh.write(tail)
        size += len(tail)
    return size


def iter_gzip_table(table: ReportTable, progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """``table`` as gzipped TSV, one compressed piece per batch of rows, byte for byte what
    :func:`write_gzip_table` writes (same batches, same compressor calls). ``progress(n)`` is told
    after each batch the ``n`` rows it generated (the emulator's ``documents.rows_generated``)."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)

    def compress(lines: list[str]) -> bytes:
        return comp.compress("".join(lines).encode(table.charset, errors=RAW_OR_REPLACE))

    batch = ["\t".join(table.header) + "\n"]
    rows = 0  # data rows in ``batch``
    for row in table.rows:
        batch.append("\t".join(row) + "\n")
        rows += 1
        if len(batch) >= BATCH_ROWS:
            data = compress(batch)
            batch = []
            if progress is not None:
                progress(rows)
            rows = 0
            if data:
                yield data
    data = compress(batch) + comp.flush()
    if progress is not None:
        progress(rows)
    yield data


def write_gzip_text(text: str, charset: str, out_path: str) -> int:
    data = zlib.compressobj(6, zlib.DEFLATED, 31)
    blob = data.compress(text.encode(charset, errors="replace")) + data.flush()
    with open(out_path, "wb") as fh:
        fh.write(blob)
    return len(blob)


class DocumentStore:
    def __init__(self, seed: int, region: str) -> None:
        self._seed = seed
        self._region = region.lower()
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._guard = threading.Lock()
        self._dir = tempfile.TemporaryDirectory(prefix="sellersync-emulator-docs-")

    def document_id(self, key: str) -> str:
        digest = hashlib.sha256(f"{self._seed}:{key}".encode()).hexdigest()
        uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return f"amzn1.spdoc.1.4.{self._region}.{uuid}.T{digest[32:44].upper()}.1"

    def register_table(self, document_id: str, source: TableSource) -> None:
        with self._guard:
            self._entries.setdefault(document_id, _Entry(source=source, text=None))

    def register_text(self, document_id: str, text: str) -> None:
        with self._guard:
            self._entries.setdefault(document_id, _Entry(source=None, text=text))

    def exists(self, document_id: str) -> bool:
        return document_id in self._entries

    async def materialize(self, document_id: str) -> _Entry:
        entry = self._entries[document_id]
        if entry.path is not None:
            return entry
        with self._guard:
            lock = self._locks.setdefault(document_id, asyncio.Lock())
        async with lock:
            if entry.path is None:
                path = self.cache_path(document_id)
                if entry.source is not None:
                    table = await anyio.to_thread.run_sync(entry.source)
                    entry.charset = table.charset
                    entry.size = await anyio.to_thread.run_sync(write_gzip_table, table, path)
                else:
                    entry.size = write_gzip_text(entry.text or "", entry.charset, path)
                entry.path = path
        return entry

    def cache_path(self, document_id: str) -> str:
        return os.path.join(self._dir.name, hashlib.sha256(document_id.encode()).hexdigest() + ".gz")

    async def stream_new(
        self, document_id: str, on_rows: Callable[[int], None] | None = None
    ) -> tuple[str, AsyncIterator[bytes]] | None:
        """(charset, gzip pieces) of a flat-file document not yet cached, generated while it is
        sent; the pieces also go to a private file that becomes the cache once complete (a download
        cut short leaves no cache). None for a cached or plain-text document."""
        entry = self._entries[document_id]
        if entry.path is not None or entry.source is None:
            return None
        table = await anyio.to_thread.run_sync(entry.source)
        entry.charset = table.charset
        return table.charset, self._tee(entry, document_id, iter_gzip_table(table, on_rows))

    async def _tee(self, entry: _Entry, document_id: str, pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
        final = self.cache_path(document_id)
        fd, partial = tempfile.mkstemp(dir=self._dir.name, suffix=".part")
        done = False
        try:
            with os.fdopen(fd, "wb") as fh:
                size = 0
                while True:
                    piece = await anyio.to_thread.run_sync(next, pieces, None)
                    if piece is None:
                        break
                    fh.write(piece)
                    size += len(piece)
                    if piece:
                        yield piece
            if entry.path is None:
                os.replace(partial, final)  # equal tables give equal bytes: any finisher may win
                entry.size = size
                entry.path = final
                done = True
        finally:
            if not done:
                with contextlib.suppress(OSError):
                    os.unlink(partial)

    def close(self) -> None:
        self._dir.cleanup()


def access_denied(message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>AccessDenied</Code><Message>{message}</Message>"
        "<RequestId>EMULATOR</RequestId><HostId>sellersync-emulator</HostId></Error>"
    )
    return Response(body, status_code=403, media_type="application/xml")


async def _file_chunks(path: str, limit: int) -> AsyncIterator[bytes]:
    sent = 0
    with open(path, "rb") as fh:  # noqa: ASYNC230 - small local reads
        while sent < limit:
            chunk = fh.read(min(CHUNK, limit - sent))
            if not chunk:
                break
            sent += len(chunk)
            yield chunk


async def download(request: Request) -> Response:
    """``GET /_emulator/documents/{token}``: the pre-signed document URL (no SP-API headers)."""
    emu = request.app.state.emu
    emu.stats.count("documents.downloads")
    try:
        data = emu.signer.loads(request.path_params["token"])
    except InvalidToken:
        return access_denied("Request signature does not match.")
    doc_id = data.get("d")
    expires = data.get("x")
    if not isinstance(doc_id, str) or not isinstance(expires, int | float):
        return access_denied("Request signature does not match.")
    if emu.clock() > expires:
        emu.stats.count("documents.expired")
        return access_denied("Request has expired")
    store: DocumentStore = emu.documents
    if not store.exists(doc_id):
        return access_denied("The specified key does not exist.")
    truncate = emu.faults.truncate_document(doc_id)
    if not truncate:  # a truncated download needs the size first, so it is built whole below
        streamed = await store.stream_new(doc_id, lambda n: emu.stats.add("documents.rows_generated", n))
        if streamed is not None:
            emu.stats.count("documents.streamed")
            charset, pieces = streamed
            return StreamingResponse(pieces, media_type=f"text/plain; charset={charset}")
    entry = await store.materialize(doc_id)
    assert entry.path is not None
    length = entry.size
    if truncate:
        emu.stats.count("documents.truncated")
        length = max(1, entry.size // 2)
    headers = {"content-length": str(length)}
    return StreamingResponse(
        _file_chunks(entry.path, length),
        media_type=f"text/plain; charset={entry.charset}",
        headers=headers,
    )


routes = [Route("/_emulator/documents/{token}", download, methods=["GET"])]
