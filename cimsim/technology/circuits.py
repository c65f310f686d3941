"""Gate-level building blocks at a node: areas from NeuroSim's sizing rules (``neurosim_sizing``: minimum inverter
7.6F x 28F, DFF = 12 minimum inverters, full-adder bit = 9 NAND2 of 11.4F x 28F) and switching energies as
multiples of a minimum gate's C V^2 (:attr:`cimsim.technology.nodes.Node.gate_energy_j`), with the gate counts of
those same circuits (``assume_gate_energy``: a full-adder bit switches its 9 NAND2 (2 inputs each, activity 0.5),
a DFF bit its 12 inverter loads (clock and data, activity 0.5)).
"""
from __future__ import annotations

import math

from cimsim.technology.nodes import Node

INV_F2 = 7.6 * 28.0
DFF_F2 = 12 * INV_F2
FA_F2 = 9 * 11.4 * 28.0
#: Minimum-gate loads switched per operation of one bit (assume_gate_energy).
FA_GATES = 9 * 2 * 0.5
DFF_GATES = 12 * 0.5
#: Wire switching activity of random data (assume_wire_energy).
WIRE_ACTIVITY = 0.5


def adder_energy_j(n: Node, bits: float) -> float:
    """One add of ``bits`` bits and its result register (J)."""
    return bits * (FA_GATES + DFF_GATES) * n.gate_energy_j


def adder_area_m2(n: Node, bits: float) -> float:
    """A ``bits``-bit adder with its result register (m2)."""
    return bits * (FA_F2 + DFF_F2) * n.feature_m ** 2


def adder_leakage_w(n: Node, bits: float) -> float:
    """Leakage (W) of a ``bits``-bit adder and register: 9 NAND2 (2 gates of width 2F) + 12 inverters per bit."""
    return bits * (18 + 12) * n.gate_leakage_w


def wire_energy_j(n: Node, length_m: float, bits: float = 1.0) -> float:
    """Energy (J) of moving ``bits`` random bits over ``length_m`` of wire: a C_wire L Vdd^2 per bit."""
    return bits * WIRE_ACTIVITY * n.wire_cap_f_per_m * length_m * n.vdd_v ** 2


def log2c(x: float) -> float:
    """log2 of at least 1 (0 for x <= 1)."""
    return math.log2(x) if x > 1 else 0.0
