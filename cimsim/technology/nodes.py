"""Per-node CMOS parameters, 22 to 130 nm, each number with its source.

Transistor figures are PTM models as tabulated in DNN+NeuroSim V1.4's ``Technology.cpp`` (``neurosim_technology``,
facts only), for two device roadmaps: high performance (``hp``, :data:`PTM_HP`) and low standby power (``lstp``,
:data:`PTM_LSTP`, NeuroSim's default, ``Param.cpp`` ``deviceroadmap = 2``): supply ``vdd``, physical gate length,
ideal gate and fringe capacitance per metre of gate width, NMOS and PMOS on-current per metre of width; off-current
is 100 nA/um (HP) or 100 pA/um (LSTP) at every node there. The LSTP gate is thicker-oxide and slower: 1.7-3x the
HP gate capacitance per width at the same supply and half the drive, so digital energy per operation grows faster
with the node (C V^2 ~ F x C' x V^2) and the PMOS/NMOS width ratio of a balanced gate (``pn_ratio`` = I_on,n /
I_on,p) rises from 1.32 at 22 nm to 2.0 at 130 nm, which widens folded transistor layouts
(:mod:`cimsim.technology.layout`). Wires:
capacitance 0.2 fF/um at every node (``ho2001wires``); resistance of a minimum wire of width and spacing F and
aspect ratio 2 in copper with size-effect resistivity ``rho_cu`` (``assume_wire_rc``). Cell areas in F^2 are
node-independent (``neurosim_v14``: 1T1R 4F x 12F; ``neurosim_sram_cell``: 6T SRAM 10F x 28F).

A node between two tabulated ones is interpolated log-linearly in the feature size, and a node outside 22-130 nm
extrapolated from the two nearest (``assume_node_extrapolation``) down to 5 nm and up to 250 nm; beyond, refused.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from cimsim.errors import UserError

#: feature (nm) -> (vdd V, gate length m, ideal gate C F/m, fringe C F/m, NMOS on-current A/m, PMOS on-current
#: A/m) at 300 K; neurosim_technology (Technology.cpp, HP branch)
PTM_HP = {
    130: (1.3, 7.5e-8, 6.058401e-10, 6.119807e-10, 930.0, 430.0),
    90: (1.2, 5.5e-8, 5.694423e-10, 5.652302e-10, 1070.0, 540.0),
    65: (1.1, 3.5e-8, 4.868295e-10, 5.270361e-10, 1120.0, 700.0),
    45: (1.0, 3.0e-8, 4.091305e-10, 4.957928e-10, 1270.0, 1080.0),
    32: (0.9, 2.8e-8, 3.767721e-10, 4.713762e-10, 1410.0, 1220.0),
    22: (0.85, 2.6e-8, 3.287e-10, 4.532e-10, 1500.0, 1320.0),
}
#: The same for the low-standby-power roadmap (Technology.cpp, LSTP branch; neurosim_technology).
PTM_LSTP = {
    130: (1.3, 7.5e-8, 1.8574e-9, 9.530642e-10, 300.70, 150.70),
    90: (1.2, 5.5e-8, 1.5413e-9, 9.601334e-10, 346.30, 200.30),
    65: (1.1, 3.5e-8, 1.1926e-9, 9.62148e-10, 400.00, 238.70),
    45: (1.0, 3.0e-8, 8.930709e-10, 8.849901e-10, 500.20, 300.00),
    32: (0.9, 2.8e-8, 8.375279e-10, 6.856677e-10, 600.20, 400.00),
    22: (0.85, 2.6e-8, 5.245e-10, 8.004e-10, 791.90, 600.20),
}
#: Device roadmap -> (table, NMOS off-current per metre of width at every node: 100 nA/um HP, 100 pA/um LSTP).
ROADMAPS = {"hp": (PTM_HP, 0.1), "lstp": (PTM_LSTP, 1e-4)}
#: Wire capacitance per metre (0.2 fF/um; ho2001wires).
C_WIRE_F_PER_M = 0.2e-15 / 1e-6
#: Copper resistivity with surface and grain-boundary scattering at minimum width (assume_wire_rc).
RHO_CU_OHM_M = 4.0e-8
#: Wire aspect ratio (thickness / width) of minimum local wires (assume_wire_rc).
WIRE_ASPECT = 2.0
#: 1T1R cell (4F x 12F; neurosim_v14) and 6T SRAM cell (10F x 28F; neurosim_sram_cell) areas in F^2.
CELL_F2 = {"1t1r": 48.0, "sram": 280.0}
#: Cell width / height along a row (1T1R 12F wide x 4F tall; SRAM 28F x 10F; neurosim_v14, neurosim_sram_cell).
CELL_ASPECT = {"1t1r": 3.0, "sram": 2.8}
#: FO4 delay in units of the intrinsic gate delay C_gate Vdd / I_on (assume_fo4): a fan-out-of-4 inverter drives
#: four gates plus its own drain (about one gate), and the average current over the swing is about half I_on.
FO4_PER_TAU = 10.0

#: Metal width per node (nm): the wire width NeuroSim uses as its ``Param`` feature size (Param.cpp wireWidth;
#: neurosim_technology), e.g. 40 nm at 22 nm. It draws some array-pitched blocks (the sense amps' reference
#: columns) with it.
METAL_WIDTH_NM = {130: 175.0, 90: 110.0, 65: 105.0, 45: 80.0, 32: 56.0, 22: 40.0}

#: Nodes the model accepts (nm): the table (22-130 nm) extrapolated (assume_node_extrapolation).
NODE_RANGE_NM = (5.0, 250.0)

SOURCES = {"vdd": "neurosim_technology", "gate_cap": "neurosim_technology", "on_current": "neurosim_technology",
           "pn_ratio": "neurosim_technology", "roadmap": "neurosim_technology",
           "wire_cap": "ho2001wires", "wire_res": "assume_wire_rc", "fo4": "assume_fo4",
           "cells": "neurosim_v14", "sram_cell": "neurosim_sram_cell"}


@dataclass(frozen=True)
class Node:
    """CMOS parameters of one technology node (SI units).

    Attributes
    ----------
    feature_m: feature size F (m).
    roadmap: device roadmap of the transistor figures (``hp`` or ``lstp``).
    vdd_v: supply (V).
    gate_cap_f_per_m: gate capacitance per metre of gate width, ideal + fringe (F/m).
    on_current_a_per_m / off_current_a_per_m: NMOS drive and leakage current per metre of width (A/m).
    pn_ratio: PMOS / NMOS width of a gate with balanced drive, I_on,n / I_on,p.
    wire_cap_f_per_m / wire_res_ohm_per_m: minimum wire capacitance and resistance per metre (F/m, Ohm/m).
    fo4_s: fan-out-of-4 inverter delay (s).
    cell_f2: cell areas in F^2 (``1t1r``, ``sram``).
    """

    feature_m: float
    roadmap: str
    vdd_v: float
    gate_cap_f_per_m: float
    on_current_a_per_m: float
    off_current_a_per_m: float
    pn_ratio: float
    wire_cap_f_per_m: float
    wire_res_ohm_per_m: float
    fo4_s: float
    cell_f2: dict

    @property
    def gate_cap_f(self) -> float:
        """Input capacitance (F) of a minimum gate (width 2F, NMOS + PMOS ~ 2 x 2F)."""
        return self.gate_cap_f_per_m * 4.0 * self.feature_m

    @property
    def gate_energy_j(self) -> float:
        """Switching energy C V^2 (J) of a minimum gate's input: the unit of digital energy at this node."""
        return self.gate_cap_f * self.vdd_v ** 2

    @property
    def gate_leakage_w(self) -> float:
        """Leakage power (W) of a minimum gate (width 2F off): Vdd x I_off x W."""
        return self.vdd_v * self.off_current_a_per_m * 2.0 * self.feature_m

    def cell_area_m2(self, f2: float) -> float:
        """Area (m2) of ``f2`` squares of F."""
        return f2 * self.feature_m ** 2


def _tabulated(table: dict, nm: int) -> tuple[float, ...]:
    vdd, lg, cg, cf, ion, iop = table[nm]
    return vdd, lg, cg + cf, ion, iop  # NeuroSim's uA/um is numerically A/m


def _interp(table: dict, nm: float) -> tuple[float, ...]:
    known = sorted(table)
    if nm in table:
        return _tabulated(table, int(nm))
    lo = max([k for k in known if k < nm] or known[:1])
    hi = min([k for k in known if k > nm and k != lo] or known[-1:])
    if lo == hi:  # below the table: extrapolate from the two smallest nodes; above it, from the two largest
        lo, hi = (known[0], known[1]) if nm < known[0] else (known[-2], known[-1])
    t = (math.log(nm) - math.log(lo)) / (math.log(hi) - math.log(lo))
    a, b = _tabulated(table, lo), _tabulated(table, hi)
    return tuple(math.exp((1 - t) * math.log(x) + t * math.log(y)) for x, y in zip(a, b))


def metal_width_m(technology_nm: float) -> float:
    """Metal width (m) at a node: :data:`METAL_WIDTH_NM`, log-linear between and beyond tabulated nodes."""
    known = sorted(METAL_WIDTH_NM)
    lo = max([k for k in known if k <= technology_nm] or known[:1])
    hi = min([k for k in known if k > technology_nm] or known[-1:])
    if lo == hi:
        lo, hi = (known[0], known[1]) if technology_nm <= known[0] else (known[-2], known[-1])
    t = (math.log(technology_nm) - math.log(lo)) / (math.log(hi) - math.log(lo))
    w = math.exp((1 - t) * math.log(METAL_WIDTH_NM[lo]) + t * math.log(METAL_WIDTH_NM[hi]))
    return w * 1e-9


def node(technology_nm: float, roadmap: str = "hp") -> Node:
    """The :class:`Node` of a feature size in nm with the transistors of ``roadmap`` (``hp`` or ``lstp``; module
    docstring: interpolation and extrapolation).

    Raises
    ------
    UserError: ``technology_nm`` outside :data:`NODE_RANGE_NM`, or an unknown ``roadmap``.
    """
    if roadmap not in ROADMAPS:
        raise UserError(f"field device_roadmap: {roadmap!r} is not one of {', '.join(ROADMAPS)}")
    if not NODE_RANGE_NM[0] <= technology_nm <= NODE_RANGE_NM[1]:
        raise UserError(f"field technology_nm: {technology_nm:g} nm is outside the modelled nodes "
                        f"{NODE_RANGE_NM[0]:g}-{NODE_RANGE_NM[1]:g} nm")
    table, i_off = ROADMAPS[roadmap]
    vdd, _lg, cg, ion, iop = _interp(table, float(technology_nm))
    f = technology_nm * 1e-9
    r_wire = RHO_CU_OHM_M / (f * f * WIRE_ASPECT)  # minimum wire: width F, thickness 2F
    tau = cg * vdd / ion  # C V / I per unit width: intrinsic gate delay (s)
    return Node(feature_m=f, roadmap=roadmap, vdd_v=vdd, gate_cap_f_per_m=cg, on_current_a_per_m=ion,
                off_current_a_per_m=i_off, pn_ratio=ion / iop, wire_cap_f_per_m=C_WIRE_F_PER_M, wire_res_ohm_per_m=r_wire,
                fo4_s=FO4_PER_TAU * tau, cell_f2=dict(CELL_F2))
