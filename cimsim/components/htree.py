"""The intra-tile interconnect (H-tree) between a tile and its PEs: energy per bit moved, area per tile.

Bits moved (derived from the engine's counts and the mapping): the inputs a layer receives, broadcast to its PEs,
and one partial sum (membrane width) per (PE, output) sent to the tile. With ``dense`` accounting (SpikeSim's)
every read broadcasts its whole input vector (every driven row) instead.

Model: a bit travels from the tile's root to a PE over about the side of the tile's PE array (the H-tree's
halving segments sum to one side), taken from the floorplan (:mod:`cimsim.components.floorplan`): energy per bit
``a C_wire L Vdd^2`` (``assume_wire_energy``); its area is wire tracks of pitch 2F over that length, ~ L x F.
"""
from __future__ import annotations

from cimsim.components.base import Component
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.technology import circuits as G
from cimsim.config.quantity import Area, EnergyPerBit, Quantity


def _htree_bits(ctx) -> int:
    if ctx.accounting == "dense":
        return ctx.counts["rows_driven"] + ctx.psum_bits
    return ctx.received_bits + ctx.psum_bits


class HtreeKind(ComponentKind):
    name, order, label, look, level = "htree", 110, "H-tree", Look("#555555"), "tile"
    fields = {
        # Intra-tile H-tree energy per bit moved between a PE and the tile (J/bit).
        "pe.interconnect_energy": (EnergyPerBit, ...),
        # Area of the intra-tile interconnect between the PEs and the tile.
        "tile.htree_area": (Area, Quantity(value=0.0, source="none")),
    }
    actions = (Action("bit moved", "htree_bits", "bit moved"),)
    counts = {"htree_bits": _htree_bits}
    wire = True
    model_name = "wire a C_wire L Vdd^2 per bit, L = side of the tile's PE array (floorplan); area ~ L F"
    parameters = ("technology_nm", "pe_crossbars", "tile_pes")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n, length = p.node, p.floorplan.pe_array_side_m
        return Estimate(energy=G.wire_energy_j(n, length), area=length * n.feature_m)

    @classmethod
    def model(cls, chip) -> Component:
        q, a = chip.pe.interconnect_energy, chip.tile.htree_area
        return Component(name="htree", action="bit moved", energy_j=q.value, area_m2=a.value,
                         sources={"energy": q.source, "area": a.source})
