"""Column ADC with a resolution scaling law, and the column mux and shift-add that go with each ADC.

The config gives the ADC's costs at ``reference_bits`` (a published design); other resolutions are scaled:

* energy per conversion ~ 2**bits. The Walden figure of merit FoM = P / (2**ENOB * fs) = E_conv / 2**ENOB is
  roughly constant across resolutions for SAR and flash converters in their efficient range (Murmann's ADC
  survey), so energy doubles per bit;
* area ~ 2**bits: the binary-weighted capacitor DAC of a SAR ADC (unit capacitors), or the comparator ladder of
  a flash ADC, doubles per bit;
* leakage ~ area;
* latency: a SAR ADC resolves one bit per cycle plus sampling, ``cycles ~ bits + 1`` (NeuroSim's (bits+1) ns
  SAR latency); a flash ADC converts in constant time.

Instances: ``ceil(cols / cols_per_adc)`` ADCs per crossbar, each with one column mux and one shift-add unit;
with ``pe.analog_sum`` that many per PE instead, shared by its crossbars (their bitline currents are summed).

Bibliography: ``waldenfom1999`` (figure of merit), ``murmann_adc_survey`` (survey), ``neurosim_v14``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Optional

from pydantic import Field, PositiveInt, model_validator

from cimsim.components.base import Component, PeriphConfig
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.config.quantity import Costs, Strict


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
    scaling: Literal["sar", "flash"] = "sar"
    """sar: energy, area ~ 2**bits, latency ~ bits + 1; flash: energy, area ~ 2**bits, latency constant."""

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
    """Energy/area/leakage factor of a ``bits`` ADC relative to a ``reference_bits`` one: 2**(bits - reference)."""
    return 2.0 ** (bits - reference_bits)


def scaled_conversion_cycles(cfg: AdcConfig, bits: int | None = None) -> int:
    """Cycles of one conversion at ``bits`` (default ``cfg.bits``), scaled from ``cfg.conversion_cycles``, which
    holds at the reference resolution ``cfg.costs_bits`` like the costs: a SAR ADC takes one step per bit plus
    sampling, so time ~ bits + 1; a flash ADC converts in constant time."""
    bits = cfg.bits if bits is None else bits
    if cfg.scaling == "flash":
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


@dataclass(frozen=True)
class Adc(Component):
    """An ADC at the configured resolution, costs scaled from the reference design."""

    bits: int = 4
    reference_bits: int = 4
    conversion_cycles: int = 1
    cols_per_adc: int = 8

    @classmethod
    def from_config(cls, cfg: AdcConfig) -> "Adc":
        s = resolution_scale(cfg.bits, cfg.costs_bits)
        src = {"energy": cfg.costs.energy.source, "area": cfg.costs.area.source, "leakage": cfg.costs.leakage.source}
        return cls(
            name="adc",
            action="conversion",
            energy_j=cfg.costs.energy.value * s,
            area_m2=cfg.costs.area.value * s,
            leakage_w=cfg.costs.leakage.value * s,
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
    def scaled(cls, chip) -> bool:
        return chip.adc.costs_bits != chip.adc.bits

    @classmethod
    def describe_energy(cls, chip, comp: Adc) -> str:
        from cimsim.components.describe import fmt_energy

        scaled = f" (scaled from {comp.reference_bits} bit)" if cls.scaled(chip) else ""
        return f"{fmt_energy(comp.energy_j)}/conversion{scaled}"


class MuxKind(ComponentKind):
    """Column multiplexer (with its sample-and-hold) in front of one ADC: one action per column selected."""

    name, order, label, look, level = "mux", 30, "mux", Look("#E69F00"), "crossbar"
    fields = {"mux": (PeriphConfig, ...)}
    actions = (Action("selection", "mux_selects", "column selection"),)
    counts = {"mux_selects": lambda ctx: ctx.counts["adc_conversions"]}  # one selection per conversion

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

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return adc_placement(chip)

    @classmethod
    def model(cls, chip) -> Component:
        return Component.from_costs("shift_add", chip.shift_add.costs, action="op")

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.shift_add.cycles
