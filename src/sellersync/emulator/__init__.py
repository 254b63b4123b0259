"""A local Selling Partner API: the seeded world (``world/``) served over HTTP (``app``)."""

from __future__ import annotations

from .app import create_app
from .faults import FaultConfig

__all__ = ["FaultConfig", "create_app"]
