"""Digital and mixed-signal peripherals priced per action: wordline driver, column mux, shift-add, accumulator."""
from __future__ import annotations

from cimsim.components.base import Component
from cimsim.config.schema import PeriphConfig


def wl_driver(cfg: PeriphConfig) -> Component:
    """Wordline driver (input DAC for 1-bit spikes): one action per row driven; one instance per crossbar row."""
    return Component.from_costs("wl_driver", cfg.costs, action="row driven")


def mux(cfg: PeriphConfig) -> Component:
    """Column multiplexer (with its sample-and-hold) in front of one ADC: one action per column selected."""
    return Component.from_costs("mux", cfg.costs, action="selection")


def shift_add(cfg: PeriphConfig) -> Component:
    """Shift-and-add merging bit-slice columns after one ADC: one action per conversion result."""
    return Component.from_costs("shift_add", cfg.costs, action="op")


def accumulator(cfg: PeriphConfig) -> Component:
    """Partial-sum adder across row blocks / crossbars / PEs of a tile: one action per add."""
    return Component.from_costs("accumulator", cfg.costs, action="add")
