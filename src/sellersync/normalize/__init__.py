"""Normalise SP-API payloads and report rows into canonical records: pure functions, no I/O.

``NORMALIZERS[stream].normalize(rows, Context(...))`` yields :class:`Record` (exactly the columns of
a canonical model, bookkeeping excluded) or :class:`Quarantine` (a row that could not be read, with
the reason). See :mod:`sellersync.normalize.registry` for the streams.
"""

from sellersync.normalize.base import Context, Normalizer, OccurrenceCounter, Quarantine, Record, RowError
from sellersync.normalize.parse import parse_datetime, parse_int, parse_money
from sellersync.normalize.registry import NORMALIZERS, REPORT_TYPES

__all__ = [
    "NORMALIZERS",
    "REPORT_TYPES",
    "Context",
    "Normalizer",
    "OccurrenceCounter",
    "Quarantine",
    "Record",
    "RowError",
    "parse_datetime",
    "parse_int",
    "parse_money",
]
