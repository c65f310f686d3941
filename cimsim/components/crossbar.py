"""RRAM crossbar array: a read drives some rows and senses every column."""
from __future__ import annotations

from dataclasses import dataclass

from cimsim.components.base import Component
from cimsim.config.schema import CrossbarConfig


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
