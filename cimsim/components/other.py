"""Tile area not modelled by a component (``tile.other_area``); also the breakdown key of extra periphery."""
from __future__ import annotations

from cimsim.components.base import Component
from cimsim.components.registry import ComponentKind, Look
from cimsim.config.quantity import Area, Quantity


class OtherKind(ComponentKind):
    name, order, label, look, level = "other", 140, "other", Look("#F5F5F5", "\\\\\\"), "tile"
    fields = {"tile.other_area": (Area, Quantity(value=0.0, source="none"))}

    @classmethod
    def model(cls, chip) -> Component:
        q = chip.tile.other_area
        return Component(name="other", action="-", area_m2=q.value, sources={"area": q.source})
