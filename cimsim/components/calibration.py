"""Published figures as calibration points of parametric cost models.

A preset's costs are published at one design point (its ``design_point:`` section: the node, array size, cell,
buffer sizes ... the figures were published for). Every component kind has a parametric model
(:meth:`~cimsim.components.registry.ComponentKind.estimate`: energy per action, area and leakage per instance as
functions of those parameters). The priced figure is::

    published x model(this chip) / model(design point)

so at the design point a published figure is exact (the ratio is 1), and away from it the model moves it.
Parameters the preset's ``design_point`` leaves out are pinned at load time to the loaded values (a later
:meth:`~cimsim.config.schema.Chip.with_changes` sweep is then scaled from them); a field the model reads but no
design point names is taken as unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, Optional

from cimsim.config import units as U
from cimsim.config.quantity import Strict, Unit

#: Design-point parameter -> dotted path of the chip field it pins.
PATHS = {
    "technology_nm": "technology_nm", "device_roadmap": "device_roadmap", "clock_hz": "clock_hz", "weight_bits": "weight_bits",
    "crossbar_rows": "crossbar.rows", "crossbar_cols": "crossbar.cols",
    "crossbar_parallel_rows": "crossbar.parallel_rows", "bits_per_cell": "crossbar.bits_per_cell",
    "crossbar_device": "crossbar.device",
    "cell_area_f2": "crossbar.cell_f2", "ron_ohm": "crossbar.ron_ohm", "on_off_ratio": "crossbar.on_off_ratio",
    "read_voltage_v": "crossbar.read_voltage_v", "read_pulse_s": "crossbar.read_pulse_s",
    "cols_per_adc": "adc.cols_per_adc", "pe_crossbars": "pe.crossbars", "tile_pes": "tile.pes",
    "membrane_bits": "tile.lif.membrane_bits", "flit_bits": "noc.flit_bits",
    "pe_buffer_bytes": "pe.buffer.size_bytes", "pe_buffer_width_bits": "pe.buffer.width_bits",
    "tile_buffer_bytes": "tile.buffer.size_bytes", "tile_buffer_width_bits": "tile.buffer.width_bits",
    "global_buffer_bytes": "global_buffer.size_bytes", "global_buffer_width_bits": "global_buffer.width_bits",
}


class DesignPoint(Strict):
    """The parameters the preset's published costs hold at (``design_point:``; literal numbers, SI units except
    the node in nm and buffer sizes in bytes). ``None``: not pinned (taken as unchanged)."""

    technology_nm: Annotated[Optional[float], Unit(U.LENGTH, per=1e-9)] = None
    device_roadmap: Optional[Literal["hp", "lstp"]] = None
    clock_hz: Annotated[Optional[float], Unit(U.FREQUENCY)] = None
    read_pulse_s: Annotated[Optional[float], Unit(U.TIME)] = None
    read_voltage_v: Optional[float] = None
    ron_ohm: Optional[float] = None
    on_off_ratio: Optional[float] = None
    cell_area_f2: Optional[float] = None
    weight_bits: Optional[int] = None
    crossbar_rows: Optional[int] = None
    crossbar_cols: Optional[int] = None
    crossbar_parallel_rows: Optional[int] = None
    crossbar_device: Optional[Literal["rram", "sram", "fefet", "pcm"]] = None
    bits_per_cell: Optional[int] = None
    cols_per_adc: Optional[int] = None
    pe_crossbars: Optional[int] = None
    tile_pes: Optional[int] = None
    membrane_bits: Optional[int] = None
    flit_bits: Optional[int] = None
    pe_buffer_bytes: Annotated[Optional[int], Unit(U.INFORMATION, per=8.0)] = None
    pe_buffer_width_bits: Optional[int] = None
    tile_buffer_bytes: Annotated[Optional[int], Unit(U.INFORMATION, per=8.0)] = None
    tile_buffer_width_bits: Optional[int] = None
    global_buffer_bytes: Annotated[Optional[int], Unit(U.INFORMATION, per=8.0)] = None
    global_buffer_width_bits: Optional[int] = None


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        if data is None:
            return None
        data = data.get(part) if isinstance(data, dict) else getattr(data, part, None)
    return data


def pin(chip) -> DesignPoint:
    """The design point of a validated chip with every parameter its config left out set to the chip's own value
    (the loaded chip is its own design point for those)."""
    pinned = chip.design_point.model_dump()
    for name, path in PATHS.items():
        if pinned.get(name) is None:
            value = _lookup(chip, path)
            if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                pinned[name] = value
    return DesignPoint(**pinned)


class Point:
    """The parameters a cost model reads, at the chip itself (``design=False``) or at its design point."""

    def __init__(self, chip, design: bool, floorplan=None):
        self.chip, self.design, self.floorplan = chip, design, floorplan

    def __getitem__(self, name: str):
        """Value of design-point parameter ``name`` (:data:`PATHS`) at this point."""
        if self.design:
            pinned = getattr(self.chip.design_point, name)
            if pinned is not None:
                return pinned
        return _lookup(self.chip, PATHS[name])

    @property
    def node(self):
        from cimsim.technology import node

        return node(self["technology_nm"], self["device_roadmap"] or "hp")

    @property
    def adc_bits(self) -> int:
        return self.chip.adc.costs_bits if self.design else self.chip.adc.bits


@dataclass(frozen=True)
class Estimate:
    """A model's absolute figures at one point: energy per action (J), area and leakage per instance (m2, W)."""

    energy: float = 0.0
    area: float = 0.0
    leakage: float = 0.0


@dataclass(frozen=True)
class Factors:
    """model(chip) / model(design point) of each figure (1 where the model gives 0 at the design point)."""

    energy: float = 1.0
    area: float = 1.0
    leakage: float = 1.0

    @property
    def published(self) -> bool:
        return self.energy == 1.0 and self.area == 1.0 and self.leakage == 1.0


def _ratio(now: float, ref: float) -> float:
    return now / ref if ref else 1.0


def factors(now: Optional[Estimate], ref: Optional[Estimate]) -> Factors:
    """Scale factors from the design point's estimate ``ref`` to this chip's ``now``."""
    if now is None or ref is None:
        return Factors()
    return Factors(_ratio(now.energy, ref.energy), _ratio(now.area, ref.area), _ratio(now.leakage, ref.leakage))
