"""Partial-sum adders across row blocks / crossbars / PEs of a tile (and the digital adds of residual, pool)."""
from __future__ import annotations

from typing import Optional

from pydantic import PositiveInt

from cimsim.components.base import Component, PeriphConfig
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.technology import circuits as G


class AccumulatorKind(ComponentKind):
    """``tile.accumulators`` instances per tile (area and leakage); one action per add."""

    name, order, label, look, level = "accumulator", 60, "accumulator", Look("#7FCEB9", "///"), "tile"
    fields = {"tile.accumulator": (PeriphConfig, ...), "tile.accumulators": (PositiveInt, 1)}
    actions = (Action("add", "accumulations", "add"),)
    model_name = "adder + register of membrane_bits at the node (neurosim_sizing)"
    parameters = ("membrane_bits", "technology_nm")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n, bits = p.node, p["membrane_bits"]
        return Estimate(G.adder_energy_j(n, bits), G.adder_area_m2(n, bits), G.adder_leakage_w(n, bits))

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return "tile", chip.tile.accumulators

    @classmethod
    def model(cls, chip) -> Component:
        return Component.from_costs("accumulator", chip.tile.accumulator.costs, action="add")

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.tile.accumulator.cycles
