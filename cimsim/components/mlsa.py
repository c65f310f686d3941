"""NeuroSim's current-mode multilevel sense amp (MLSA) as a model of the bits, the array and the node.

An MLSA of ``L = 2**bits`` levels compares the column current with ``L - 1`` reference currents at once: ``L - 1``
current-mode comparators, each mirroring the column and one reference column. Facts and equations from
DNN+NeuroSim V1.4 (``neurosim_mlsa``: commit ac828e6, ``MultilevelSenseAmp.cpp``, ``MultilevelSAEncoder.cpp``,
``Precharger.cpp``, ``SubArray.cpp``), re-expressed here:

Energy per conversion (:func:`mlsa_energy_j`): each comparator switches its latch and input devices once
(:data:`MLSA_GATES` minimum-gate loads at the node's C V^2) and its share of the column's wire at the read voltage
(``C_col (1 / (L - 1) + 1 / L) Vread^2``, ``C_col`` = rows x cell height x wire capacitance), and the current
mirrors draw a bias power for as long as the column is sensed. With SRAM cells the reference columns are
SRAM columns whose rows are activated at each conversion: ``rows x (cell width x wire capacitance) x Vdd^2`` per
reference column, shared by ``L`` sense amps, for each of the ``L - 1`` references (resistive reference columns
need no activation). NeuroSim characterises that power per comparator as a weak (piecewise linear, then
logarithmic) function of the sensed resistance, per node and device roadmap (:data:`MIRROR_POWER_LSTP`,
:data:`MIRROR_POWER_HP`; resistances referred to a 0.5 V read). The column being converted and the reference
ladder both draw it: the column at its own resistance, ``L - 1`` comparators; each reference column ``i = 1 ..
L - 3`` at ``R_i = R_s / (1 - i / L)`` (``R_s = Ron / parallel_rows``, the lowest reference), shared by ``L`` sense
amps. So the sensed energy is ``(L - 1) x (mirror power of the column + the ladder's share) x t_sense``: it grows
with the levels *and* with the sensing window, which itself lengthens with the levels (NeuroSim's clock follows its
sensing path). The window is the clock period over NeuroSim's 1.4 margin (:data:`MLSA_CLOCK_MARGIN`).

Area per sense amp (:func:`mlsa_area_f2`), in F^2 of the node:

* ``L - 1`` comparators of 9 minimum NMOS each (a 28 F cell-row slot of two poly pitches per device);
* the reference columns: one column of the array's own cells (``rows`` cells) per ``L`` sense amps for each of the
  ``L - 1`` references, i.e. ``(L - 1) / L`` of an array column per sense amp. NeuroSim draws the column's height
  at the metal width (its ``Param`` feature size, :data:`cimsim.technology.nodes.METAL_WIDTH_NM`), and its width
  at the metal width for resistive cells and at F for SRAM cells;
* the thermometer-to-binary encoder across the sense amp's share of the array width, :data:`ENCODER_ROW_F` tall per
  level;
* for an SRAM array, the bitline precharger that sits in NeuroSim's sense path (its ADC category): per column three
  minimum PMOS stacked (3 x 28 F) across the cell's width.

The sense path is therefore chosen by the crossbar's cell type: a 6T SRAM cell (28 F wide, 10 F tall) widens the
encoder slot and the reference columns, and adds the precharger row.
"""
from __future__ import annotations

import math

from cimsim.technology import CELL_ASPECT
from cimsim.technology.nodes import metal_width_m

#: Minimum-gate loads one comparator switches per conversion (latch, input and mirror devices, encoder interface;
#: neurosim_mlsa's switching terms): 0.707 fJ at 22 nm LSTP (its current code: 0.94 fJ per comparator, of which
#: 0.233 fJ is the column-wire term of a 128-row array), over that node's minimum-gate C V^2 of 0.0842 fJ.
MLSA_GATES = 8.4
#: NeuroSim's clock margin over its sensing path (param beta): the sensing window is the clock period / 1.4.
MLSA_CLOCK_MARGIN = 1.4
#: Fraction of a column's driven cells that conduct in a typical read (input-bit density 1/4 x half the cells on;
#: assume_mlsa_model): the converted column's resistance is Ron / (fraction x parallel rows).
MLSA_ON_FRACTION = 0.125
#: Read voltage NeuroSim's mirror characterisation refers resistances to (V).
MIRROR_REFERENCE_V = 0.5
#: Breakpoints (Ohm) of the mirror-power fits: linear below the first, logarithmic above (two branches).
MIRROR_BREAKS = (4832.0, 379269.0)
#: node (nm) -> ((a, b) linear W/Ohm, W; (a, b) per ln Ohm, W; (a, b) per ln Ohm above the second break) of one
#: comparator's mirror power, LSTP transistors (neurosim_mlsa).
MIRROR_POWER_LSTP = {
    130: ((-4.12599e-11, 1.48536e-06), (-2.6617e-07, 3.56576e-06), (-1.25872e-07, 1.81453e-06)),
    90: ((-1.67004e-11, 8.54958e-07), (-1.50719e-07, 2.0858e-06), (-8.89685e-08, 1.3007e-06)),
    65: ((-6.08647e-12, 4.82814e-07), (-8.03449e-08, 1.16437e-06), (-6.01171e-08, 8.9355e-07)),
    45: ((-3.96471e-12, 3.44344e-07), (-5.66235e-08, 8.27849e-07), (-4.32673e-08, 6.46111e-07)),
    32: ((-6.72783e-12, 4.19847e-07), (-7.28881e-08, 1.02677e-06), (-4.35333e-08, 6.4697e-07)),
    22: ((-2.85373e-11, 9.16744e-07), (-1.63133e-07, 2.1687e-06), (-5.8712e-08, 8.64648e-07)),
}
#: node (nm) -> (k uW per comparator, a W, b) of the HP characterisation (neurosim_mlsa): the comparators draw
#: ``k (L - 1)`` uW and the column ``a exp(-b log10 R)``.
MIRROR_POWER_HP = {
    130: (19.898, 0.17452, 2.367), 90: (13.09, 0.14900, 2.345), 65: (9.9579, 0.1083, 2.321),
    45: (7.7017, 0.0754, 2.296), 32: (3.9648, 0.079, 2.313), 22: (1.8939, 0.073, 2.311),
}
#: Comparator: 9 minimum NMOS, each a two-poly-pitch slot of a 28 F cell row (neurosim_mlsa).
COMPARATOR_F2 = 9 * 2 * 3.8 * 28.0
#: Encoder height per level (F) across the sense amp's share of the array width: one INV + NAND2 pair per level and
#: a wide NAND per output bit (neurosim_mlsa: 222 F for 16 levels at 22 nm).
ENCODER_ROW_F = 222.0 / 15.0
#: SRAM bitline precharger: three minimum PMOS stacked, 3 x 28 F tall, per column (neurosim_mlsa).
PRECHARGER_ROW_F = 3 * 28.0


def _lstp_power(nm: int, r: float) -> float:
    lin, mid, high = MIRROR_POWER_LSTP[nm]
    if r < MIRROR_BREAKS[0]:
        return max(0.0, lin[0] * r + lin[1])
    a, b = mid if r < MIRROR_BREAKS[1] else high
    return max(0.0, a * math.log(r) + b)


def _hp_power(nm: int, r: float) -> float:
    k, a, b = MIRROR_POWER_HP[nm]
    return k * 1e-6 + a * math.exp(-b * math.log10(r))


def mirror_power_w(technology_nm: float, roadmap: str, r_ohm: float, read_voltage_v: float) -> float:
    """Power (W) one comparator's mirror draws sensing a resistance ``r_ohm`` read at ``read_voltage_v``, at the
    node (log-linear between tabulated nodes, clamped to 22-130 nm)."""
    r = r_ohm * MIRROR_REFERENCE_V / read_voltage_v
    fit = _lstp_power if roadmap == "lstp" else _hp_power
    known = sorted(MIRROR_POWER_LSTP)
    nm = min(max(technology_nm, known[0]), known[-1])
    lo = max(k for k in known if k <= nm)
    hi = min(k for k in known if k >= nm)
    if lo == hi:
        return fit(lo, r)
    t = (math.log(nm) - math.log(lo)) / (math.log(hi) - math.log(lo))
    a, b = max(fit(lo, r), 1e-12), max(fit(hi, r), 1e-12)
    return math.exp((1 - t) * math.log(a) + t * math.log(b))


def sensed_power_w(bits: int, technology_nm: float, roadmap: str, ron_ohm: float, parallel_rows: float,
                   read_voltage_v: float) -> float:
    """Mirror power (W) of one conversion: ``L - 1`` comparators on the column plus each sense amp's share of the
    reference ladder (module docstring)."""
    levels = 2 ** bits

    def power(r: float) -> float:
        return mirror_power_w(technology_nm, roadmap, r, read_voltage_v)

    column = (levels - 1) * power(ron_ohm / (MLSA_ON_FRACTION * parallel_rows))
    r_s = ron_ohm / parallel_rows
    ladder = sum(power(r_s / (1.0 - i / levels)) for i in range(1, levels - 2))
    return column + (levels - 1) * ladder / levels


def mlsa_energy_j(bits: int, n, p) -> float:
    """Energy (J) of one conversion at point ``p`` (:class:`~cimsim.components.calibration.Point`) on node ``n``:
    comparator switching plus the sensed power over the sensing window (module docstring)."""
    levels = 2.0 ** bits
    t_sense = 1.0 / p["clock_hz"] / MLSA_CLOCK_MARGIN
    sensed = sensed_power_w(bits, p["technology_nm"], n.roadmap, p["ron_ohm"], p["crossbar_parallel_rows"],
                            p["read_voltage_v"])
    cell_h = math.sqrt(p["cell_area_f2"] / CELL_ASPECT["sram" if p["crossbar_device"] == "sram" else "1t1r"])
    c_col = p["crossbar_rows"] * cell_h * n.feature_m * n.wire_cap_f_per_m
    column = c_col * (1.0 / (levels - 1.0) + 1.0 / levels) * p["read_voltage_v"] ** 2
    if p["crossbar_device"] == "sram":  # the reference column's rows, activated per conversion, shared by L amps
        cell_w = p["cell_area_f2"] / cell_h * n.feature_m
        column += p["crossbar_rows"] * cell_w * n.wire_cap_f_per_m * n.vdd_v ** 2 / levels
    return (levels - 1.0) * (MLSA_GATES * n.gate_energy_j + column) + sensed * t_sense


def mlsa_area_f2(bits: int, n, p) -> float:
    """Area (F^2 of the node ``n``) of one sense amp with its reference columns, encoder and, for SRAM, precharger
    (module docstring), at point ``p``."""
    levels = 2 ** bits
    device = p["crossbar_device"]
    sram = device == "sram"
    aspect = CELL_ASPECT["sram" if sram else "1t1r"]
    f2 = p["cell_area_f2"]
    cell_w, cell_h = math.sqrt(f2 * aspect), math.sqrt(f2 / aspect)
    metal = metal_width_m(p["technology_nm"]) / n.feature_m
    ref_column = p["crossbar_rows"] * cell_h * metal * cell_w * (1.0 if sram else metal)
    slot = p["cols_per_adc"] * cell_w  # the sense amp's share of the array width (F)
    area = (levels - 1) * (COMPARATOR_F2 + ref_column / levels) + slot * ENCODER_ROW_F * (levels - 1)
    if sram:
        area += slot * PRECHARGER_ROW_F
    return area


__all__ = ["MLSA_CLOCK_MARGIN", "mlsa_area_f2", "mlsa_energy_j", "mirror_power_w", "sensed_power_w"]
