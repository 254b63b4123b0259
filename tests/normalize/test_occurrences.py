"""Occurrence numbers: the same as counting every digest in memory, in memory that does not grow."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellersync.normalize.base import OccurrenceCounter
from sellersync.normalize.occurrences import Occurrences


def _hex(i: int) -> str:
    return hashlib.sha1(str(i).encode()).hexdigest()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=300), st.integers(0, 12))
def test_numbers_equal_plain_counting_wherever_a_digest_is_kept(values: list[int], memory_keys: int) -> None:
    reference: Counter[str] = Counter()
    occ = Occurrences(memory_keys)
    try:
        for v in values:
            d = _hex(v)
            assert occ.next(d) == reference[d]
            reference[d] += 1
    finally:
        occ.close()


def test_the_same_document_gets_the_same_keys_spilled_or_not() -> None:
    rows = [("2025-01-01", "FNSKU", i % 500, "Adjustments") for i in range(3000)]

    def keys(memory_keys: int) -> list[str]:
        counter = OccurrenceCounter(memory_keys)
        return [counter.key("ledger", *r) for r in rows]

    in_memory, spilled = keys(10_000), keys(50)
    assert in_memory == spilled
    assert len(set(in_memory)) == len(rows)  # identical rows still get distinct keys


def _peak(distinct: int) -> int:
    occ = Occurrences(memory_keys=2_000)
    tracemalloc.start()
    try:
        for i in range(distinct):
            occ.next(_hex(i))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        occ.close()
    return peak


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_distinct_rows() -> None:
    small, large = _peak(10_000), _peak(100_000)
    print(f"peak {small:,} B for 10,000 digests; {large:,} B for 100,000")
    assert large < 1.3 * small
