"""The emulator's seeded seller world (see docs/emulator.md).

``build_world(seed, scenario, size, anchor, region)`` returns a :class:`World` implementing
``sellersync.emulator.contract.WorldView``; everything it answers is a pure function of its inputs.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .world import REPORT_TYPES, World

if TYPE_CHECKING:
    from ..contract import WorldView

    def _conforms(world: World) -> WorldView:  # mypy proves World implements WorldView
        return world


__all__ = ["REPORT_TYPES", "World", "build_world"]


def build_world(
    seed: int = 1,
    scenario: str = "typical",
    size: str | int = "small",
    anchor: datetime | None = None,
    region: str = "NA",
) -> World:
    """A deterministic world: scenario clean|typical|messy, size small|medium|large or an order count,
    anchor = the world's "today" (default: today's UTC midnight), region NA (US, CA) or EU (UK, DE)."""
    return World(seed=seed, scenario=scenario, size=size, anchor=anchor, region=region)
