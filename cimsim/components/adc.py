"""Column ADC priced by the envelope of Murmann's ADC survey, and the column mux and shift-add after each ADC.

The config gives the ADC's costs at ``reference_bits`` (a published design, at the preset's design point); the
model moves them to other resolutions, nodes and sample rates (``murmann_adc_survey``, ``assume_adc_envelope``):

* energy per conversion: the survey's low-energy envelope, the larger of a constant Walden figure of merit
  ``FoM_W x 2**bits`` (SAR and flash designs at low resolution; FoM_W ~ 1 fJ/step at 32 nm, scaled with the
  node's C V^2) and the thermal-noise bound of a constant Schreier figure of merit (185 dB:
  ``E = 0.5 x 10**((6.02 bits + 1.76 - 185) / 10)``, node-independent); above the envelope's speed corner
  (100 MS/s) energy per conversion grows in proportion to the sample rate (clock / conversion cycles). At the
  resolutions of CIM ADCs the Walden term dominates: energy doubles per bit (``walden1999``);
* area ~ 2**bits x F^2 (binary-weighted capacitor DAC of a SAR, comparator ladder of a flash); leakage likewise;
* latency: a SAR ADC resolves one bit per cycle plus sampling, ``cycles ~ bits + 1`` (NeuroSim's (bits+1) ns
  SAR latency); a flash ADC converts in constant time;
* NeuroSim's current-mode multilevel sense amp (``scaling: mlsa``; :mod:`cimsim.components.mlsa`): ``2**bits - 1``
  comparators, each switching once and drawing its current mirrors' bias (NeuroSim's characterisation per node) for
  the column and the reference ladder over the sensing window (the clock period over NeuroSim's 1.4 margin), so its
  energy follows the levels, the node, Ron, the parallel rows and the clock; its area holds the comparators, the
  reference columns (array cells), the encoder across the array width and, for SRAM arrays, the bitline precharger:
  the sense path follows the crossbar's cell type. No survey rate penalty.

Instances: ``ceil(cols / cols_per_adc)`` ADCs per crossbar, each with one column mux and one shift-add unit;
with ``pe.analog_sum`` that many per PE instead, shared by its crossbars (their bitline currents are summed).
The mux (decoder + transmission gates, NeuroSim's sizing) and the shift-add (an adder of ``adc.bits +
weight_bits`` bits with its register) are priced by gate models at the node (:mod:`cimsim.technology.circuits`).

Bibliography: ``walden1999``, ``murmann_adc_survey``, ``assume_adc_envelope``, ``assume_mlsa_model``,
``neurosim_mlsa``, ``neurosim_v14``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Optional

from pydantic import Field, PositiveInt, model_validator

from cimsim.components.base import Component, PeriphConfig
from cimsim.components.calibration import Estimate, Point
from cimsim.components.mlsa import mlsa_area_f2, mlsa_energy_j
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.config.quantity import Costs, Strict
from cimsim.technology import CELL_ASPECT
from cimsim.technology import circuits as G
from cimsim.technology import node as tech_node

#: Walden FoM of the survey's envelope at 32 nm (J per conversion step; assume_adc_envelope).
FOM_WALDEN_32NM_J = 1e-15
#: Schreier FoM of the survey's thermal-noise envelope (dB; assume_adc_envelope).
FOM_SCHREIER_DB = 185.0
#: Sample rate above which the envelope's energy per conversion grows with the rate (Hz; assume_adc_envelope).
ENVELOPE_CORNER_HZ = 100e6
#: Column-mux transmission gate on-resistance as a fraction of the parallel cells' resistance (NeuroSim's IR-drop
#: tolerance, neurosim_code; assume_mux_sizing).
MUX_IR_DROP = 0.25
#: Area of one unit (capacitor or comparator) of the 2**bits array, in F^2 (assume_adc_envelope: a minimum
#: inverter's footprint per unit).
ADC_UNIT_F2 = G.INV_F2


class AdcConfig(Strict):
    bits: int = Field(ge=1, le=16)
    cols_per_adc: PositiveInt = 8
    """Columns sharing one ADC through a column mux (conversions serialised)."""
    range: Literal["saturate", "full", "calibrated"] = "saturate"
    """saturate: LSB = one cell level, clipped at 2**bits - 1; full: LSB = max column sum / (2**bits - 1);
    calibrated: per layer (and cell column of an output), a power-of-two LSB (>= one cell level) fitted to the
    nonzero per-read column values seen on calibration inputs by ``calibration_rule``
    (:mod:`cimsim.engine.adc_calibration`); larger values saturate."""
    calibration_rule: Literal["mse", "quantile"] = "mse"
    """``calibrated`` range: how the power-of-two LSB is chosen from the calibration column values: ``mse``, the one
    with the least squared conversion error (rounding + saturation); ``quantile``, the smallest whose top code
    covers ``calibration_quantile`` of them."""
    calibration_quantile: float = Field(default=0.999, gt=0.0, le=1.0)
    """``calibrated`` range, ``quantile`` rule: quantile of the |nonzero per-read column values| the top code must
    reach (0 < q <= 1)."""
    calibration_samples: PositiveInt = 8
    """``calibrated`` range: samples of the run (its first ones) whose ideal-network activations calibrate the
    LSBs, unless separate calibration inputs are given to :func:`cimsim.simulate`."""
    calibration_granularity: Literal["slice", "layer"] = "slice"
    """``calibrated`` range: one LSB per cell column of an output (weight slice, and sign with ``differential``)
    of each layer, the ADC reference switched with the column mux; or one LSB per layer."""
    conversion_cycles: PositiveInt = 1
    """Clock cycles of one conversion at ``bits`` (write it as an expression of the bits to sweep it)."""
    costs: Costs
    """Energy per conversion, area and leakage per ADC, all at ``reference_bits``."""
    reference_bits: Optional[int] = Field(default=None, ge=1, le=16)
    """Resolution the ``costs`` were published for (default: ``bits``); :mod:`cimsim.components.adc` scales
    energy, area and leakage from it to ``bits`` with the ``scaling`` law."""
    scaling: Literal["sar", "flash", "mlsa"] = "sar"
    """sar: energy, area ~ 2**bits, latency ~ bits + 1; flash: energy, area ~ 2**bits, latency constant; mlsa:
    NeuroSim's current-mode multilevel sense amp, ``2**bits - 1`` comparators that switch once and sense the
    column and reference cell currents over the sensing window (energy ~ levels x (C V^2 + k Vread^2 / Ron x
    t_sense)), latency constant."""

    @model_validator(mode="before")
    @classmethod
    def _pin_reference_bits(cls, data):
        # Pinned at load time so that a later sweep over ``bits`` (Chip.with_changes) scales the costs.
        if isinstance(data, dict) and data.get("reference_bits") is None and "bits" in data:
            data = {**data, "reference_bits": data["bits"]}
        return data

    @property
    def costs_bits(self) -> int:
        return self.reference_bits if self.reference_bits is not None else self.bits


def resolution_scale(bits: int, reference_bits: int) -> float:
    """Energy/area/leakage factor of a ``bits`` ADC relative to a ``reference_bits`` one where the Walden term of
    the envelope dominates (same node and rate): 2**(bits - reference)."""
    return 2.0 ** (bits - reference_bits)


def scaled_conversion_cycles(cfg: AdcConfig, bits: int | None = None) -> int:
    """Cycles of one conversion at ``bits`` (default ``cfg.bits``), scaled from ``cfg.conversion_cycles``, which
    holds at the reference resolution ``cfg.costs_bits`` like the costs: a SAR ADC takes one step per bit plus
    sampling, so time ~ bits + 1; a flash ADC converts in constant time."""
    bits = cfg.bits if bits is None else bits
    if cfg.scaling != "sar":
        return cfg.conversion_cycles
    return max(1, math.ceil(cfg.conversion_cycles * (bits + 1) / (cfg.costs_bits + 1) - 1e-9))


def adcs_per_crossbar(chip) -> int:
    """ADCs of one crossbar (0 with ``pe.analog_sum``: the PE's shared ADCs convert the summed columns)."""
    return 0 if chip.pe.analog_sum else math.ceil(chip.crossbar.cols / chip.adc.cols_per_adc)


def adcs_per_pe(chip) -> int:
    """ADCs of one PE: its crossbars' own, or ``ceil(cols / cols_per_adc)`` shared ones with ``pe.analog_sum``."""
    if chip.pe.analog_sum:
        return math.ceil(chip.crossbar.cols / chip.adc.cols_per_adc)
    return adcs_per_crossbar(chip) * chip.pe.crossbars


def adc_placement(chip) -> tuple[str, float]:
    """Where the ADCs (and their mux and shift-add) sit: per crossbar, or per PE with ``pe.analog_sum``."""
    return ("pe", adcs_per_pe(chip)) if chip.pe.analog_sum else ("crossbar", adcs_per_crossbar(chip))


def conversion_energy_j(bits: int, technology_nm: float, sample_rate_hz: float) -> float:
    """Energy (J) per conversion on the survey envelope (module docstring)."""
    n, ref = tech_node(technology_nm), tech_node(32)
    walden = FOM_WALDEN_32NM_J * n.gate_energy_j / ref.gate_energy_j * 2.0 ** bits
    walden *= max(1.0, sample_rate_hz / ENVELOPE_CORNER_HZ)
    thermal = 0.5 * 10.0 ** ((6.02 * bits + 1.76 - FOM_SCHREIER_DB) / 10.0)
    return max(walden, thermal)


def adc_sample_rate_hz(chip, p: Point) -> float:
    """Conversions per second of one ADC at the design-point timing: clock / conversion cycles at the reference
    resolution (the bit-cycle rate, which sets the envelope's speed penalty; independent of ``bits``)."""
    return p["clock_hz"] / max(1, chip.adc.conversion_cycles)


@dataclass(frozen=True)
class Adc(Component):
    """An ADC with its published costs (at ``reference_bits``; the calibration moves them to ``bits``)."""

    bits: int = 4
    reference_bits: int = 4
    conversion_cycles: int = 1
    cols_per_adc: int = 8

    @classmethod
    def from_config(cls, cfg: AdcConfig) -> "Adc":
        src = {"energy": cfg.costs.energy.source, "area": cfg.costs.area.source, "leakage": cfg.costs.leakage.source}
        return cls(
            name="adc",
            action="conversion",
            energy_j=cfg.costs.energy.value,
            area_m2=cfg.costs.area.value,
            leakage_w=cfg.costs.leakage.value,
            sources=src,
            bits=cfg.bits,
            reference_bits=cfg.costs_bits,
            conversion_cycles=cfg.conversion_cycles,
            cols_per_adc=cfg.cols_per_adc,
        )


class AdcKind(ComponentKind):
    """The column ADC: one action per conversion; costs scaled from ``reference_bits`` (module docstring)."""

    name, order, label, look, level = "adc", 20, "ADC", Look("#D55E00"), "crossbar"
    fields = {"adc": (AdcConfig, ...)}
    actions = (Action("conversion", "adc_conversions", "conversion"),)
    model_name = ("Murmann survey envelope: max(FoM_W 2^b, Schreier 185 dB) x rate penalty; area ~ 2^b F^2 (mlsa: "
                  "(2^b - 1) x (C V^2 + mirror power(R, node) x t_sense); comparators + reference columns + encoder "
                  "(+ SRAM precharger))")
    parameters = ("adc_bits", "technology_nm", "device_roadmap", "clock_hz", "ron_ohm", "read_voltage_v",
                  "crossbar_parallel_rows", "crossbar_rows", "crossbar_device", "cell_area_f2", "cols_per_adc")

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return adc_placement(chip)

    @classmethod
    def model(cls, chip) -> Adc:
        return Adc.from_config(chip.adc)

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return scaled_conversion_cycles(chip.adc)

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n, bits = p.node, p.adc_bits
        units = 2.0 ** bits
        leakage = units * n.gate_leakage_w
        if chip.adc.scaling == "mlsa":
            return Estimate(energy=mlsa_energy_j(bits, n, p), area=mlsa_area_f2(bits, n, p) * n.feature_m ** 2,
                            leakage=leakage)
        energy = conversion_energy_j(bits, p["technology_nm"], adc_sample_rate_hz(chip, p))
        return Estimate(energy=energy, area=units * ADC_UNIT_F2 * n.feature_m ** 2, leakage=leakage)

    @classmethod
    def describe_energy(cls, chip, comp: Adc) -> str:
        from cimsim.components.describe import fmt_energy

        return f"{fmt_energy(comp.energy_j)}/conversion at {chip.adc.bits} bit"


class MuxConfig(PeriphConfig):
    min_height_f: Optional[float] = Field(default=None, gt=0, le=1e4)
    """Least height (F) of the mux row across the array: its share of the array width is never smaller than
    ``cols_per_adc`` cell widths x this (NeuroSim draws the mux row as tall as its decoder, 224 F for 3 bits,
    ``neurosim_code``); unset: the area is the model-scaled transmission gates only."""


class MuxKind(ComponentKind):
    """Column multiplexer (with its sample-and-hold) in front of one ADC: one action per column selected."""

    name, order, label, look, level = "mux", 30, "mux", Look("#E69F00"), "crossbar"
    fields = {"mux": (MuxConfig, ...)}
    actions = (Action("selection", "mux_selects", "column selection"),)
    counts = {"mux_selects": lambda ctx: ctx.counts["adc_conversions"]}  # one selection per conversion
    model_name = ("decoder log2(m) + m transmission gates sized to the current of parallel_rows cells of Ron "
                  "(neurosim_sizing)")
    parameters = ("cols_per_adc", "crossbar_parallel_rows", "ron_ohm", "technology_nm")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        # a selection switches the decoder's log2(m) stages and two transmission gates (off one, on the next);
        # NeuroSim sizes each gate's on-resistance to a quarter of Ron / (parallel_rows / 2) (the column's cells
        # in parallel), so its width, in minimum gates (2F), grows with the rows read together and falls with Ron
        n, m = p.node, p["cols_per_adc"]
        r_min = n.vdd_v / (n.on_current_a_per_m * n.feature_m)
        target = MUX_IR_DROP * p["ron_ohm"] / (p["crossbar_parallel_rows"] / 2.0)
        tg = max(1.0, r_min / target / 2.0)
        gates = 2.0 * m * tg + 2.0 * G.log2c(m)
        return Estimate(energy=(G.log2c(m) + 2.0 * tg) * n.gate_energy_j, area=gates * G.INV_F2 * n.feature_m ** 2,
                        leakage=gates * n.gate_leakage_w)

    @classmethod
    def area_floor(cls, chip, p: Point) -> Optional[float]:
        """The mux's share of a row ``min_height_f`` tall across the array (m2), or ``None``."""
        if chip.mux.min_height_f is None:
            return None
        device = "sram" if p["crossbar_device"] == "sram" else "1t1r"
        cell_w = (p["cell_area_f2"] * CELL_ASPECT[device]) ** 0.5
        return p["cols_per_adc"] * cell_w * chip.mux.min_height_f * p.node.feature_m ** 2

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return adc_placement(chip)

    @classmethod
    def model(cls, chip) -> Component:
        return Component.from_costs("mux", chip.mux.costs, action="selection")

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.mux.cycles


class ShiftAddKind(ComponentKind):
    """Shift-and-add merging bit-slice columns after one ADC: one action per conversion result."""

    name, order, label, look, level = "shift_add", 50, "shift-add", Look("#009E73"), "crossbar"
    fields = {"shift_add": (PeriphConfig, ...)}
    actions = (Action("op", "shift_adds", "shift-add op"),)
    counts = {"shift_adds": lambda ctx: ctx.counts["adc_conversions"]}  # one op per conversion result
    model_name = "adder + register of (adc bits + weight bits) bits at the node (neurosim_sizing)"
    parameters = ("adc_bits", "weight_bits", "technology_nm")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n, bits = p.node, p.adc_bits + p["weight_bits"]
        return Estimate(G.adder_energy_j(n, bits), G.adder_area_m2(n, bits), G.adder_leakage_w(n, bits))

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return adc_placement(chip)

    @classmethod
    def model(cls, chip) -> Component:
        return Component.from_costs("shift_add", chip.shift_add.costs, action="op")

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.shift_add.cycles
