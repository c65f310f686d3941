"""Column ADC with a resolution scaling law.

The config gives the ADC's costs at ``reference_bits`` (a published design); other resolutions are scaled:

* energy per conversion ~ 2**bits. The Walden figure of merit FoM = P / (2**ENOB * fs) = E_conv / 2**ENOB is
  roughly constant across resolutions for SAR and flash converters in their efficient range (Murmann's ADC
  survey), so energy doubles per bit;
* area ~ 2**bits: the binary-weighted capacitor DAC of a SAR ADC (unit capacitors), or the comparator ladder of
  a flash ADC, doubles per bit;
* leakage ~ area;
* latency: a SAR ADC resolves one bit per cycle plus sampling, ``cycles ~ bits + 1`` (NeuroSim's (bits+1) ns
  SAR latency); a flash ADC converts in constant time.

Bibliography: ``waldenfom1999`` (figure of merit), ``murmann_adc_survey`` (survey), ``neurosim_v14``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from cimsim.components.base import Component
from cimsim.config.schema import AdcConfig


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
