"""Per-node CMOS parameters, 22 to 130 nm, each number with its source.

Transistor figures are PTM high-performance models as tabulated in DNN+NeuroSim V1.4's ``Technology.cpp``
(``neurosim_technology``, facts only): supply ``vdd``, physical gate length, ideal gate and fringe capacitance per
metre of gate width, NMOS on-current per metre of width; off-current is 100 nA/um at every node there. Wires:
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

#: feature (nm) -> (vdd V, gate length m, ideal gate C F/m, fringe C F/m, NMOS on-current A/m); neurosim_technology
PTM_HP = {
    130: (1.3, 7.5e-8, 6.058401e-10, 6.119807e-10, 930.0),
    90: (1.2, 5.5e-8, 5.694423e-10, 5.652302e-10, 1070.0),
    65: (1.1, 3.5e-8, 4.868295e-10, 5.270361e-10, 1120.0),
    45: (1.0, 3.0e-8, 4.091305e-10, 4.957928e-10, 1270.0),
    32: (0.9, 2.8e-8, 3.767721e-10, 4.713762e-10, 1410.0),
    22: (0.85, 2.6e-8, 3.287e-10, 4.532e-10, 1500.0),
}
#: Off-current per metre of width at every tabulated node (100 nA/um; neurosim_technology).
I_OFF_A_PER_M = 0.1
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

#: Nodes the model accepts (nm): the table (22-130 nm) extrapolated (assume_node_extrapolation).
NODE_RANGE_NM = (5.0, 250.0)

SOURCES = {"vdd": "neurosim_technology", "gate_cap": "neurosim_technology", "on_current": "neurosim_technology",
           "wire_cap": "ho2001wires", "wire_res": "assume_wire_rc", "fo4": "assume_fo4",
           "cells": "neurosim_v14", "sram_cell": "neurosim_sram_cell"}


@dataclass(frozen=True)
class Node:
    """CMOS parameters of one technology node (SI units).

    Attributes
    ----------
    feature_m: feature size F (m).
    vdd_v: supply (V).
    gate_cap_f_per_m: gate capacitance per metre of gate width, ideal + fringe (F/m).
    on_current_a_per_m / off_current_a_per_m: NMOS drive and leakage current per metre of width (A/m).
    wire_cap_f_per_m / wire_res_ohm_per_m: minimum wire capacitance and resistance per metre (F/m, Ohm/m).
    fo4_s: fan-out-of-4 inverter delay (s).
    cell_f2: cell areas in F^2 (``1t1r``, ``sram``).
    """

    feature_m: float
    vdd_v: float
    gate_cap_f_per_m: float
    on_current_a_per_m: float
    off_current_a_per_m: float
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


def _tabulated(nm: int) -> tuple[float, ...]:
    vdd, lg, cg, cf, ion = PTM_HP[nm]
    return vdd, lg, cg + cf, ion  # NeuroSim's uA/um is numerically A/m


def _interp(nm: float) -> tuple[float, ...]:
    known = sorted(PTM_HP)
    if nm in PTM_HP:
        return _tabulated(int(nm))
    lo = max([k for k in known if k < nm] or known[:1])
    hi = min([k for k in known if k > nm and k != lo] or known[-1:])
    if lo == hi:  # below the table: extrapolate from the two smallest nodes; above it, from the two largest
        lo, hi = (known[0], known[1]) if nm < known[0] else (known[-2], known[-1])
    t = (math.log(nm) - math.log(lo)) / (math.log(hi) - math.log(lo))
    a, b = _tabulated(lo), _tabulated(hi)
    return tuple(math.exp((1 - t) * math.log(x) + t * math.log(y)) for x, y in zip(a, b))


def node(technology_nm: float) -> Node:
    """The :class:`Node` of a feature size in nm (module docstring: interpolation and extrapolation).

    Raises
    ------
    UserError: ``technology_nm`` outside :data:`NODE_RANGE_NM`.
    """
    if not NODE_RANGE_NM[0] <= technology_nm <= NODE_RANGE_NM[1]:
        raise UserError(f"field technology_nm: {technology_nm:g} nm is outside the modelled nodes "
                        f"{NODE_RANGE_NM[0]:g}-{NODE_RANGE_NM[1]:g} nm")
    vdd, _lg, cg, ion = _interp(float(technology_nm))
    f = technology_nm * 1e-9
    r_wire = RHO_CU_OHM_M / (f * f * WIRE_ASPECT)  # minimum wire: width F, thickness 2F
    tau = cg * vdd / ion  # C V / I per unit width: intrinsic gate delay (s)
    return Node(feature_m=f, vdd_v=vdd, gate_cap_f_per_m=cg, on_current_a_per_m=ion,
                off_current_a_per_m=I_OFF_A_PER_M, wire_cap_f_per_m=C_WIRE_F_PER_M, wire_res_ohm_per_m=r_wire,
                fo4_s=FO4_PER_TAU * tau, cell_f2=dict(CELL_F2))
