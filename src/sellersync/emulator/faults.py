"""Fault injection: 5xx, 429 bursts, latency, truncated downloads, FATAL/CANCELLED reports,
revoked refresh tokens, denied consent.

Probabilities are drawn from RNGs seeded from the world seed, one stream per (fault kind, operation),
so the same sequence of calls meets the same faults on every run.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class FaultConfig:
    error_5xx_rate: float = 0.0  # probability that an SP-API call answers 500 or 503
    throttle_bursts: dict[str, int] = field(default_factory=dict)  # op (or "*") -> next N calls 429
    throttle_rate: float = 0.0  # probability that an SP-API call answers 429 (besides its bucket)
    latency_ms: int = 0  # added to every SP-API call
    truncate_documents_rate: float = 0.0  # probability that a document download is cut short
    fatal_reports_rate: float = 0.0  # probability that a created report ends FATAL
    cancelled_reports_rate: float = 0.0  # probability that a created report ends CANCELLED
    revoke_refresh_tokens: bool = False  # the seller's refresh tokens answer invalid_grant
    deny_consent: bool = False  # the consent page redirects with error=access_denied

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: FaultConfig | None = None) -> FaultConfig:
        """A config from a (partial) JSON object; unknown keys raise ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        merged = asdict(base) if base is not None else asdict(cls())
        merged.update(data)
        cfg = cls(**merged)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        for name in (
            "error_5xx_rate",
            "throttle_rate",
            "truncate_documents_rate",
            "fatal_reports_rate",
            "cancelled_reports_rate",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1]")
        if not isinstance(self.latency_ms, int) or self.latency_ms < 0:
            raise ValueError("latency_ms must be a non-negative integer")
        if not isinstance(self.throttle_bursts, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and v >= 0 for k, v in self.throttle_bursts.items()
        ):
            raise ValueError("throttle_bursts must map operation names (or '*') to counts")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    """The live fault state of one emulator."""

    def __init__(self, seed: int, config: FaultConfig | None = None) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._rngs: dict[tuple[str, str], random.Random] = {}
        self._remaining: dict[str, int] = {}
        self._star = 0
        self._star_seen: set[str] = set()
        self.config = FaultConfig()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        config.validate()
        with self._lock:
            self.config = config
            self._remaining = {k: v for k, v in config.throttle_bursts.items() if k != "*"}
            self._star = config.throttle_bursts.get("*", 0)
            self._star_seen = set()

    def _draw(self, kind: str, key: str, rate: float) -> bool:
        if rate <= 0.0:
            return False
        with self._lock:
            rng = self._rngs.get((kind, key))
            if rng is None:
                rng = self._rngs[(kind, key)] = random.Random(f"{self.seed}:{kind}:{key}")
            return rng.random() < rate

    def server_error(self, operation: str) -> int | None:
        """500 or 503 when a 5xx fault hits this call, else None."""
        if not self._draw("5xx", operation, self.config.error_5xx_rate):
            return None
        return 503 if self._draw("5xx-kind", operation, 0.5) else 500

    def throttle(self, operation: str) -> bool:
        if self._draw("429", operation, self.config.throttle_rate):
            return True
        with self._lock:
            left = self._remaining.get(operation, 0)
            if left > 0:
                self._remaining[operation] = left - 1
                return True
            if self._star > 0 and operation not in self._star_seen:
                self._star_seen.add(operation)
                self._remaining[operation] = self._star - 1
                return True
            return False

    def truncate_document(self, document_id: str) -> bool:
        return self._draw("truncate", "documents", self.config.truncate_documents_rate)

    def report_outcome(self) -> str | None:
        """ "FATAL", "CANCELLED" or None (the report follows its data) for a new report."""
        if self._draw("report", "fatal", self.config.fatal_reports_rate):
            return "FATAL"
        if self._draw("report", "cancelled", self.config.cancelled_reports_rate):
            return "CANCELLED"
        return None
