"""Shared helpers of the normaliser tests: load case files, run a normaliser, split its output."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sellersync.amazon.flatfile import parse_flat_file
from sellersync.normalize import NORMALIZERS, Context, Quarantine, Record
from sellersync.store.models.canonical import CanonicalRow

CASES = Path(__file__).parent / "cases"
MODELS = Path("/work/shared/spapi/models")

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"


def tsv(name: str, charset: str = "utf-8") -> list[dict[str, str]]:
    """Rows of a case file, through the product's own streaming flat-file parser."""
    return list(parse_flat_file([(CASES / name).read_bytes()], charset=charset))


def load_json(name: str) -> Any:
    return json.loads((CASES / name).read_text())


def ctx(stream: str, marketplace_id: str = US, **kwargs: Any) -> Context:
    kwargs.setdefault("currency", "EUR" if marketplace_id == DE else "USD")
    kwargs.setdefault("connection_id", 7)
    return Context(marketplace_id=marketplace_id, stream=stream, **kwargs)


def run(
    stream: str, rows: Iterable[Mapping[str, Any]], context: Context | None = None
) -> list[Record | Quarantine]:
    return list(NORMALIZERS[stream].normalize(rows, context or ctx(stream)))


def records(out: Iterable[Record | Quarantine], model: type[CanonicalRow] | None = None) -> list[Record]:
    return [r for r in out if isinstance(r, Record) and (model is None or r.model is model)]


def quarantines(out: Iterable[Record | Quarantine]) -> list[Quarantine]:
    return [r for r in out if isinstance(r, Quarantine)]
