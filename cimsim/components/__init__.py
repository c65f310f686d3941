"""Component models (Accelergy style): energy per action, area and leakage per instance, citations attached.

Every component kind is declared once, in its own module of this package (:mod:`cimsim.components.registry`).
:func:`cimsim.components.chip.build` turns a :class:`~cimsim.config.schema.Chip` into priced component trees;
:func:`cimsim.components.describe.describe_chip` prints them.
"""
from cimsim.components.adc import Adc, adcs_per_crossbar, adcs_per_pe, resolution_scale, scaled_conversion_cycles
from cimsim.components.base import Component
from cimsim.components.buffer import Buffer
from cimsim.components.chip import ChipComponents, build, pe_cycle_cycles
from cimsim.components.crossbar import Crossbar
from cimsim.components.describe import describe_chip

__all__ = [
    "Adc", "Buffer", "ChipComponents", "Component", "Crossbar", "adcs_per_crossbar", "adcs_per_pe", "build", "describe_chip",
    "pe_cycle_cycles", "resolution_scale", "scaled_conversion_cycles",
]
