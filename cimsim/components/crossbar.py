"""RRAM crossbar array (a read drives some rows and senses every column) and its wordline drivers.

Models (ratios move the published figures, :mod:`cimsim.components.calibration`):

* array read energy, one read with all ``rows`` driven: every driven row conducts through all ``cols`` cells for
  the read pulse, ``Vread^2 x G x t_pulse`` per cell with G the mean of ``1/Ron`` and ``1/(Ron x on/off)`` (half
  the cells on), plus charging the driven wordlines and the bitlines (``C_wire`` over the cell pitch,
  ``sqrt(cell_area_f2) x F``) to ``Vread``; area ``rows x cols x cell_area_f2 x F^2`` (``neurosim_v14``);
* wordline driver, per row driven: the wordline's wire load plus its own gate at ``Vdd``; sized by the
  fan-out-of-4 rule to that load (area and leakage in minimum inverters, ``neurosim_sizing``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Optional

from pydantic import Field, PositiveInt, model_validator

from cimsim.components.base import Component, PeriphConfig
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.config import units as U
from cimsim.config.quantity import Costs, Strict, Unit
from cimsim.technology import CELL_F2
from cimsim.technology import circuits as G


class NonidealConfig(Strict):
    """Device non-idealities of the arrays' analog reads (values only: no count or cost depends on them).

    Every field defaults to off; a preset may document its device's published figures here with ``enabled:
    false`` so that its results stay those of ideal devices until a run turns them on
    (``--set crossbar.nonideal.enabled=true``). The model is in :mod:`cimsim.nonideal`.
    """

    enabled: bool = False
    """Apply the non-idealities below (off: every field below is ignored and reads are ideal)."""
    off_current: bool = False
    """Finite off state: a cell at level 0 still conducts ``1/crossbar.on_off_ratio`` of the on conductance
    (``neurosim_v14``); a reference (dummy) column of off cells per slice is subtracted before the ADC."""
    d2d_sigma: float = Field(default=0.0, ge=0, le=5)
    """Device-to-device variation: each cell's conductance times ``exp(N(0, d2d_sigma^2))`` (lognormal), drawn
    once per chip instance (``neurosim_v2_variation``)."""
    c2c_sigma: float = Field(default=0.0, ge=0, le=5)
    """Cycle-to-cycle read noise: each cell's conductance times ``1 + N(0, c2c_sigma^2)``, drawn per read
    (``neurosim_v2_variation``)."""
    stuck_at_0: float = Field(default=0.0, ge=0, le=1)
    """Fraction of cells stuck at the lowest conductance level (``chen2015rram_faults``)."""
    stuck_at_1: float = Field(default=0.0, ge=0, le=1)
    """Fraction of cells stuck at the highest conductance level (``chen2015rram_faults``)."""
    drift_nu: float = Field(default=0.0, ge=0, le=1)
    """Retention drift exponent: ``G(t) = G0 (t / t0)^-nu`` for ``t > t0`` (``ielmini2007drift``)."""
    drift_time_s: Annotated[float, Unit(U.TIME)] = Field(default=1.0, gt=0, le=1e10)
    """Time since programming at which the chip is read (s)."""
    drift_t0_s: Annotated[float, Unit(U.TIME)] = Field(default=1.0, gt=0, le=1e10)
    """Reference time of the drift law (s; ``ielmini2007drift``)."""
    ir_drop: bool = False
    """First-order IR drop: each cell's current flows through the wordline and bitline segments between its
    driver and the sense amplifier, ``G_eff = G / (1 + G R_wire)``, with the technology's wire resistance per
    metre over the cell pitch (``neurosim2018``, ``spikesim2023``)."""

    @model_validator(mode="after")
    def _check(self):
        if self.stuck_at_0 + self.stuck_at_1 > 1:
            raise ValueError(f"stuck_at_0 + stuck_at_1 = {self.stuck_at_0 + self.stuck_at_1:g} exceeds 1 "
                             "(fractions of the cells)")
        return self

    @property
    def active(self) -> bool:
        """Whether any non-ideality changes a read (enabled and at least one effect on)."""
        return self.enabled and bool(self.off_current or self.d2d_sigma or self.c2c_sigma or self.stuck_at_0
                                     or self.stuck_at_1 or (self.drift_nu and self.drift_time_s > self.drift_t0_s)
                                     or self.ir_drop)


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
    cell_area_f2: Optional[float] = Field(default=None, gt=0, le=1e4)
    """Cell area in F^2 (default: 1T1R 4F x 12F = 48 for resistive devices, 6T SRAM 280; ``neurosim_v14``)."""
    ron_ohm: float = Field(default=100e3, gt=0, le=1e12)
    """On-state resistance (Ohm; ``neurosim_v14`` default)."""
    on_off_ratio: float = Field(default=17.0, ge=1, le=1e9)
    """Roff / Ron (``neurosim_v14`` default)."""
    read_voltage_v: float = Field(default=0.55, gt=0, le=10)
    """Read voltage on a driven wordline (V; ``neurosim_v14``)."""
    read_pulse_s: Annotated[float, Unit(U.TIME)] = Field(default=10e-9, gt=0, le=1e-3)
    """Read pulse width (s; ``neurosim_v14`` default)."""
    nonideal: NonidealConfig = NonidealConfig()
    """Device non-idealities of the reads (all off by default; see :class:`NonidealConfig`)."""

    @property
    def cell_f2(self) -> float:
        """Cell area in F^2 (``cell_area_f2`` or the device's default)."""
        if self.cell_area_f2 is not None:
            return self.cell_area_f2
        return CELL_F2["sram" if self.device == "sram" else "1t1r"]

    @model_validator(mode="after")
    def _check(self):
        if self.parallel_rows > self.rows:
            raise ValueError(f"parallel_rows ({self.parallel_rows}) exceeds rows ({self.rows})")
        if self.nonideal.enabled and self.nonideal.off_current and self.on_off_ratio <= 1:
            raise ValueError(f"on_off_ratio ({self.on_off_ratio:g}) must exceed 1 with nonideal.off_current "
                             "(an off state as conductive as the on state stores nothing)")
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
    model_name = "rows x cols cells: Vread^2 G t_pulse per driven cell + word/bitline C V^2; area cells x F^2"
    parameters = ("crossbar_rows", "crossbar_cols", "cell_area_f2", "ron_ohm", "on_off_ratio", "read_voltage_v",
                  "read_pulse_s", "technology_nm")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n, rows, cols = p.node, p["crossbar_rows"], p["crossbar_cols"]
        f2 = p["cell_area_f2"]
        pitch = f2 ** 0.5 * n.feature_m
        g = (1.0 + 1.0 / p["on_off_ratio"]) / (2.0 * p["ron_ohm"])
        v = p["read_voltage_v"]
        cells = rows * cols * v * v * g * p["read_pulse_s"]
        lines = (rows * cols * pitch + cols * rows * pitch) * n.wire_cap_f_per_m * v * v  # wordlines + bitlines
        return Estimate(energy=cells + lines, area=rows * cols * f2 * n.feature_m ** 2)

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
    model_name = ("energy: wordline C_wire x cols x pitch + FO4-sized driver at Vdd; area: switch-matrix DFF + "
                  "transmission gate per row (neurosim_sizing)")
    parameters = ("crossbar_cols", "cell_area_f2", "technology_nm")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n = p.node
        pitch = p["cell_area_f2"] ** 0.5 * n.feature_m
        load = p["crossbar_cols"] * pitch * n.wire_cap_f_per_m
        size = max(1.0, load / (4.0 * n.gate_cap_f))  # minimum inverters driving the load at fan-out 4
        # NeuroSim's row switch matrix (a DFF and a transmission gate per row) is not sized to the wire load: a
        # minimum gate for 1T1R rows, one sized to the row's wire resistance (at least minimum) for SRAM rows, so
        # its footprint is a fixed number of F^2 per row (neurosim_code: NewSwitchMatrix.cpp, SwitchMatrix.cpp)
        return Estimate(energy=(load + size * n.gate_cap_f) * n.vdd_v ** 2,
                        area=(G.DFF_F2 + 2.0 * G.INV_F2) * n.feature_m ** 2, leakage=size * n.gate_leakage_w)

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return "crossbar", chip.crossbar.rows

    @classmethod
    def model(cls, chip) -> Component:
        return Component.from_costs("wl_driver", chip.wl_driver.costs, action="row driven")

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.wl_driver.cycles
