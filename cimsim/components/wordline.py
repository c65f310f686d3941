"""The wordline of a driven row: charged at each column-mux step of a read (optional ``wordline:`` section).

NeuroSim counts this as array energy (``readDynamicEnergyArray``, inside its ADC category): per driven row,
``C_row Vdd^2`` at each of the ``cols_per_adc`` mux steps, with ``C_row`` the row wire plus the gates of the row's
access transistors (``neurosim_code``). Its breakdown key is ``crossbar`` (the array's energy); it has no area of
its own (the wire is the array's).

Model (ratios move the published figure, :mod:`cimsim.components.calibration`): energy per driven row
``cols_per_adc x cols x (w_cell C_wire + k C_gate W_access) x Vdd^2``, with ``w_cell`` the cell width
(``sqrt(cell_area_f2 x aspect) F``) and NeuroSim's access-transistor sizing rule ``W_access = R_min(F) x 0.2 /
(0.25 Ron) x F`` (its linear-region ratio and IR-drop tolerance; ``R_min = Vdd / (I_on F)`` of a minimum NMOS):
a low-resistance cell needs a wide access transistor, so the wordline load falls as Ron rises. ``k`` (overlap and
drain capacitance of NeuroSim's gate-capacitance model over our ideal + fringe figure) is the ratio the 22 nm
NeuroSim wordline implies (53.1 fF for 128 cells of 6 kOhm with its LSTP transistors, ``device_roadmap: lstp``;
``assume_access_gate``).
"""
from __future__ import annotations

from typing import Optional

from cimsim.components.base import Component
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.config.quantity import Costs, Strict
from cimsim.technology import CELL_ASPECT

#: NeuroSim's access-transistor sizing: linear-region ratio over IR-drop tolerance (neurosim_code: 0.20 / 0.25).
ACCESS_SIZING = 0.20 / 0.25
#: Access-gate capacitance per width over the node's ideal + fringe gate capacitance (assume_access_gate): 53.1 fF
#: = 128 x (12F x 0.2 fF/um + k x 1.325 fF/um x W_access) with W_access = 0.8 x 48.8 kOhm / 6 kOhm x F, the 22 nm
#: LSTP figures (an HP node's lower C' and R_min would give k = 6.1 for the same wordline).
ACCESS_GATE_FACTOR = 1.91


class WordlineConfig(Strict):
    costs: Costs
    """Energy per driven row of one read (all its mux steps); area and leakage 0 (the wire is the array's)."""


class WordlineKind(ComponentKind):
    """One action per row driven; reported with the array (``crossbar``)."""

    name, category, order, label, look, level = "wordline", "crossbar", 12, "wordline", Look("#3B8ED0"), "crossbar"
    fields = {"wordline": (Optional[WordlineConfig], None)}
    actions = (Action("charge", "rows_driven", "row driven (its wordline charged at each mux step)"),)
    model_name = "cols_per_adc x cols x (wire + access gates sized to Ron) x Vdd^2 per driven row"
    parameters = ("crossbar_cols", "cols_per_adc", "cell_area_f2", "crossbar_device", "ron_ohm", "technology_nm")

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return "crossbar", 1 if chip.wordline is not None else 0

    @classmethod
    def model(cls, chip) -> Optional[Component]:
        if chip.wordline is None:
            return None
        return Component.from_costs("wordline", chip.wordline.costs, action="charge", category="crossbar")

    @classmethod
    def estimate(cls, chip, p: Point) -> Optional[Estimate]:
        if chip.wordline is None:
            return None
        n = p.node
        aspect = CELL_ASPECT["sram" if p["crossbar_device"] == "sram" else "1t1r"]
        w_cell = (p["cell_area_f2"] * aspect) ** 0.5 * n.feature_m
        r_min = n.vdd_v / (n.on_current_a_per_m * n.feature_m)
        w_access = ACCESS_SIZING * r_min / p["ron_ohm"] * n.feature_m
        c_cell = w_cell * n.wire_cap_f_per_m + ACCESS_GATE_FACTOR * n.gate_cap_f_per_m * w_access
        return Estimate(energy=p["cols_per_adc"] * p["crossbar_cols"] * c_cell * n.vdd_v ** 2)
