"""Mesh network-on-chip: one router per tile (energy per flit through it) and links (energy per flit-hop)."""
from __future__ import annotations

from cimsim.components.base import Component
from cimsim.config.schema import NocConfig, PeConfig


def router(cfg: NocConfig) -> Component:
    return Component.from_costs("router", cfg.router, action=f"{cfg.flit_bits}-bit flit")


def link(cfg: NocConfig) -> Component:
    """A router-to-router link; no area of its own (wires over the tiles), energy per flit per traversal."""
    q = cfg.link_energy
    return Component(name="link", action=f"{cfg.flit_bits}-bit flit hop", energy_j=q.value, sources={"energy": q.source})


def htree(pe: PeConfig, area_m2: float = 0.0, area_source: str = "none") -> Component:
    """The intra-tile interconnect between the tile and its PEs: energy per bit moved, area per tile."""
    q = pe.interconnect_energy
    return Component(name="htree", action="bit moved", energy_j=q.value, area_m2=area_m2,
                     sources={"energy": q.source, "area": area_source})
