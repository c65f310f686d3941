"""Mesh network-on-chip: one router per tile (energy per flit through it) and links (energy per flit-hop).

The schedule (:mod:`cimsim.engine.schedule`) routes every layer's packets and counts its flits, their
router-to-router hops and the routers they pass (hops + 1 per flit).
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import PositiveInt

from cimsim.components.base import Component
from cimsim.components.registry import Action, ComponentKind, Look
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
