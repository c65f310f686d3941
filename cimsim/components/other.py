"""Tile area not modelled by a component (``tile.other_area``); also the breakdown key of extra periphery."""
from __future__ import annotations

from cimsim.components.base import Component
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import ComponentKind, Look
from cimsim.config.quantity import Area, Quantity


class OtherKind(ComponentKind):
    name, order, label, look, level = "other", 140, "other", Look("#F5F5F5", "\\\\\\"), "tile"
    fields = {"tile.other_area": (Area, Quantity(value=0.0, source="none"))}
    model_name = "area ~ F^2"
    parameters = ("technology_nm",)

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        return Estimate(area=p.node.feature_m ** 2)

    @classmethod
    def model(cls, chip) -> Component:
        q = chip.tile.other_area
        return Component(name="other", action="-", area_m2=q.value, sources={"area": q.source})
