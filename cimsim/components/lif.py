"""LIF neuron update units (per tile) and membrane storage (per mapped neuron).

Models at the node (:mod:`cimsim.technology.circuits`): an update is two ``membrane_bits`` adds (leak, charge)
and a compare (a third adder) into the membrane register; a unit is that datapath. Membrane storage is
``membrane_bits`` 6T SRAM cells (280 F^2 each, ``neurosim_sram_cell``).
"""
from __future__ import annotations

from typing import Optional

from pydantic import PositiveInt

from cimsim.components.base import Component
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.config.quantity import Area, Costs, Strict
from cimsim.technology import CELL_F2
from cimsim.technology import circuits as G


class LifUnitConfig(Strict):
    units: PositiveInt
    """LIF update units per tile; each updates one neuron per ``cycles``."""
    cycles: PositiveInt = 1
    membrane_bits: PositiveInt = 16
    costs: Costs
    """energy per neuron update (charge + compare + reset); area/leakage per unit."""
    membrane_area_per_neuron: Area
    """Membrane storage area per mapped neuron (m2)."""


class LifUnitKind(ComponentKind):
    """One LIF update unit: an action is one neuron update (leak + charge + compare + reset)."""

    name, order, label, look, level = "lif_unit", 70, "LIF unit", Look("#CC79A7"), "tile"
    fields = {"tile.lif": (LifUnitConfig, ...)}
    actions = (Action("neuron update", "lif_updates", "neuron update"),)
    model_name = "3 adders (leak, charge, compare) of membrane_bits with register at the node"
    parameters = ("membrane_bits", "technology_nm")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n, bits = p.node, 3.0 * p["membrane_bits"]
        return Estimate(G.adder_energy_j(n, bits), G.adder_area_m2(n, bits), G.adder_leakage_w(n, bits))

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return "tile", chip.tile.lif.units

    @classmethod
    def model(cls, chip) -> Component:
        return Component.from_costs("lif_unit", chip.tile.lif.costs, action="neuron update")

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.tile.lif.cycles


class MembraneKind(ComponentKind):
    """Membrane-potential storage of one mapped neuron (``membrane_bits`` bits); area only.

    Reported under ``lif_unit``: the neuron's state belongs to the neuron hardware. Its instances are the neurons
    a run maps, so it sits at the level ``neuron`` (outside the chip -> tile -> PE -> crossbar trees).
    """

    name, category, order, label, look, level = "membrane", "lif_unit", 71, "LIF unit", Look("#CC79A7"), "neuron"
    model_name = "membrane_bits SRAM cells (280 F^2)"
    parameters = ("membrane_bits", "technology_nm")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        return Estimate(area=p["membrane_bits"] * CELL_F2["sram"] * p.node.feature_m ** 2)

    @classmethod
    def model(cls, chip) -> Component:
        q = chip.tile.lif.membrane_area_per_neuron
        return Component(name="membrane", category="lif_unit", action="(storage)", area_m2=q.value,
                         sources={"area": q.source})

    @classmethod
    def describe_energy(cls, chip, comp) -> str:
        return "(storage per mapped neuron)"
