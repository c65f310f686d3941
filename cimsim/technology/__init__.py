"""Technology model: per-node CMOS parameters (:mod:`cimsim.technology.nodes`) and the factors that move a
published number from one node to another.

Moving a number between nodes (the form of Stillmaker & Baas 2017's scaling equations, ``stillmaker2017``, with our
own per-node figures from PTM via NeuroSim's ``Technology.cpp`` rather than their fitted polynomials):
dynamic energy ~ C V^2 with C ~ gate capacitance per width x F; area ~ F^2; leakage ~ Vdd x I_off x F; gate
delay ~ FO4 ~ C V / I_on.
"""
from __future__ import annotations

from dataclasses import dataclass

from cimsim.technology.nodes import CELL_ASPECT, CELL_F2, PTM_HP, PTM_LSTP, ROADMAPS, SOURCES, Node, node

__all__ = ["CELL_ASPECT", "CELL_F2", "NodeScale", "PTM_HP", "PTM_LSTP", "ROADMAPS", "SOURCES", "Node", "node",
           "node_scale"]


@dataclass(frozen=True)
class NodeScale:
    """Factors (new / old) that move a digital block's figures between two nodes."""

    energy: float
    area: float
    leakage: float
    delay: float


def node_scale(from_nm: float, to_nm: float, roadmap: str = "hp") -> NodeScale:
    """Factors moving a digital block's energy, area, leakage and delay from ``from_nm`` to ``to_nm`` (transistors
    of ``roadmap``)."""
    a, b = node(from_nm, roadmap), node(to_nm, roadmap)
    return NodeScale(energy=b.gate_energy_j / a.gate_energy_j, area=(b.feature_m / a.feature_m) ** 2,
                     leakage=b.gate_leakage_w / a.gate_leakage_w, delay=b.fo4_s / a.fo4_s)
