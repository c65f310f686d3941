"""Mesh network-on-chip: one router per tile (energy per flit through it) and links (energy per flit-hop).

The schedule (:mod:`cimsim.engine.schedule`) routes every layer's packets and counts its flits, their
router-to-router hops and the routers they pass (hops + 1 per flit).

Models (``orion2009``, ``assume_wire_energy``): a router of 5 ports with 4-flit input buffers: a flit is written
into and read from an input buffer (SRAM bits, one adder-bit of switching each) and crosses a 5 x 5 matrix crossbar
of ``flit_bits`` tracks at pitch 4F (its wires ``a C_wire`` over the crossbar side); area: the crossbar
``(5 x flit_bits x 4F)**2`` plus the buffers' SRAM cells. A link spans one tile side of the floorplan
(:mod:`cimsim.components.floorplan`): ``flit_bits x a C_wire x side x Vdd^2`` per flit hop.
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import PositiveInt

from cimsim.components.base import Component
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.technology import CELL_F2
from cimsim.technology import circuits as G

ROUTER_PORTS = 5
ROUTER_BUFFER_FLITS = 4
from cimsim.config.quantity import Costs, Energy, Strict


class NocConfig(Strict):
    topology: Literal["mesh"] = "mesh"
    flit_bits: PositiveInt = 64
    router_cycles: PositiveInt = 1
    link_cycles: PositiveInt = 1
    router: Costs
    """energy per flit through a router; area/leakage per router (one per tile)."""
    link_energy: Energy
    """energy per flit per link traversal (J)."""
    spike_address_bits: PositiveInt = 16
    """Bits to address one spike in a packet (address-event representation)."""


class RouterKind(ComponentKind):
    name, order, label, look, level = "router", 120, "router", Look("#888888", "///"), "tile"
    fields = {"noc": (NocConfig, ...)}
    actions = (Action("flit", "noc_router_traversals", "flit through a router"),)
    counts = {"noc_flits": lambda ctx: ctx.noc["flits"],
              "noc_router_traversals": lambda ctx: ctx.noc["router_traversals"]}
    model_name = "ORION-style: buffer write + read and a 5x5 matrix crossbar of flit_bits tracks at the node"
    parameters = ("flit_bits", "technology_nm")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n, w = p.node, p["flit_bits"]
        side = ROUTER_PORTS * w * 4.0 * n.feature_m
        buffer_bits = ROUTER_PORTS * ROUTER_BUFFER_FLITS * w
        energy = 2.0 * w * (G.FA_GATES + G.DFF_GATES) * n.gate_energy_j + G.wire_energy_j(n, 2.0 * side, w)
        area = side ** 2 + buffer_bits * CELL_F2["sram"] * n.feature_m ** 2
        return Estimate(energy=energy, area=area, leakage=6.0 * buffer_bits * n.gate_leakage_w)

    @classmethod
    def model(cls, chip) -> Component:
        return Component.from_costs("router", chip.noc.router, action=f"{chip.noc.flit_bits}-bit flit")

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.noc.router_cycles


class LinkKind(ComponentKind):
    """A router-to-router link; no area of its own (wires over the tiles), energy per flit per traversal."""

    name, order, label, look, level = "link", 130, "link", Look("#BBBBBB", "xxx"), None
    actions = (Action("flit hop", "noc_flit_hops", "flit over a link"),)
    counts = {"noc_flit_hops": lambda ctx: ctx.noc["flit_hops"]}
    wire = True
    model_name = "flit_bits x a C_wire x tile side (floorplan) x Vdd^2"
    parameters = ("flit_bits", "technology_nm", "pe_crossbars", "tile_pes")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        return Estimate(energy=G.wire_energy_j(p.node, p.floorplan.tile_side_m, p["flit_bits"]))

    @classmethod
    def placement(cls, chip) -> tuple[None, float]:
        return None, 0

    @classmethod
    def model(cls, chip) -> Component:
        q = chip.noc.link_energy
        return Component(name="link", action=f"{chip.noc.flit_bits}-bit flit hop", energy_j=q.value,
                         sources={"energy": q.source})

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.noc.link_cycles
