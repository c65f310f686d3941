"""RRAM crossbar array (a read drives some rows and senses every column) and its wordline drivers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from pydantic import Field, PositiveInt, model_validator

from cimsim.components.base import Component, PeriphConfig
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.config.quantity import Costs, Strict


class CrossbarConfig(Strict):
    rows: PositiveInt
    cols: PositiveInt
    bits_per_cell: PositiveInt = 1
    parallel_rows: PositiveInt
    """Rows driven together in one read (row group); <= rows."""
    read_cycles: int = Field(default=1, ge=0)
    """Clock cycles of one row-group read (wordline pulse + settling) before its conversions; 0 when sensing is
    part of each conversion cycle (NeuroSim's current-mode sense amps)."""
    device: Literal["rram", "sram", "fefet", "pcm"] = "rram"
    signed: Literal["differential", "offset"] = "differential"
    """Signed weights: a positive and a negative array (differential) or one array with an offset column."""
    offset_reference: Literal["digital", "analog"] = "digital"
    """``offset`` weights: remove the offset digitally after the ADC (the ADC sees the unsigned sum), or in the
    analog domain with a reference column per slice before the ADC (NeuroSim's dummy column): the ADC then sees
    the signed sum ``sum(x * (cell - ref))`` and converts it with a signed range ``[-2**(bits-1), 2**(bits-1)-1]``."""
    costs: Costs
    """energy = one read with all ``rows`` driven (scaled by rows actually driven); area/leakage per array."""

    @model_validator(mode="after")
    def _check(self):
        if self.parallel_rows > self.rows:
            raise ValueError(f"parallel_rows ({self.parallel_rows}) exceeds rows ({self.rows})")
        return self


@dataclass(frozen=True)
class Crossbar(Component):
    """A ``rows x cols`` array. ``energy_j`` is one read with all ``rows`` driven.

    The bitline current, hence the read energy, is proportional to the number of rows driven (the cells of an
    undriven row carry no current), so ``read_energy_j(r) = energy_j * r / rows``.
    """

    rows: int = 1
    cols: int = 1

    @classmethod
    def from_config(cls, cfg: CrossbarConfig) -> "Crossbar":
        return cls.from_costs("crossbar", cfg.costs, action="read", rows=cfg.rows, cols=cfg.cols)

    def read_energy_j(self, rows_driven: float) -> float:
        """Energy (J) of one read of this array with ``rows_driven`` wordlines active."""
        return self.energy_j * rows_driven / self.rows

    @property
    def energy_per_row_j(self) -> float:
        return self.energy_j / self.rows


class CrossbarKind(ComponentKind):
    """The array: one per crossbar unit; charged per row driven (its read energy scales with the rows driven)."""

    name, order, label, look, level = "crossbar", 10, "crossbar", Look("#0072B2"), "crossbar"
    fields = {"crossbar": (CrossbarConfig, ...)}
    actions = (Action("read", "rows_driven", "row driven in a read (read energy scales with the rows driven)"),)

    @classmethod
    def model(cls, chip) -> Crossbar:
        return Crossbar.from_config(chip.crossbar)

    @classmethod
    def energy_per_unit_j(cls, comp: Crossbar, action: Action) -> float:
        return comp.energy_per_row_j

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.crossbar.read_cycles

    @classmethod
    def describe_energy(cls, chip, comp: Crossbar) -> str:
        from cimsim.components.describe import fmt_energy

        return f"{fmt_energy(comp.energy_j)}/read of {comp.rows} rows ({fmt_energy(comp.energy_per_row_j)}/row)"


class WlDriverKind(ComponentKind):
    """Wordline driver (input DAC for 1-bit spikes): one per crossbar row, one action per row driven."""

    name, order, label, look, level = "wl_driver", 40, "WL driver", Look("#F0E442"), "crossbar"
    fields = {"wl_driver": (PeriphConfig, ...)}
    actions = (Action("row driven", "rows_driven", "row driven"),)

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return "crossbar", chip.crossbar.rows

    @classmethod
    def model(cls, chip) -> Component:
        return Component.from_costs("wl_driver", chip.wl_driver.costs, action="row driven")

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.wl_driver.cycles
