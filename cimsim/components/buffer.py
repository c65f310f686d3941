"""SRAM / eDRAM buffers (PE, tile and global): energy per access of ``width_bits``, so per bit = energy / width.

Traffic model (the counts the buffers are charged per, in bits, derived from the engine's counts and the mapping):

* PE buffer: every driven row's input bit is read, and every conversion result (``adc.bits``) is written;
* tile buffer: the inputs a layer receives are written and read back, and partial sums of outputs whose row
  blocks span several PEs are accumulated through it (written and read back). With ``dense`` accounting
  (SpikeSim's), every read fetches its whole input vector from the tile buffer (written and read) and its partial
  sums pass the tile buffer once: no reuse of inputs between positions;
* global buffer: the chip's inputs a layer fetches.

Model (CACTI-like, ``assume_buffer_model``): ``size`` bits of 6T SRAM cells (``neurosim_sram_cell``, 280 F^2) in
a square array of side ``L = sqrt(size x 280) x F`` with 30% periphery area; one access of ``width`` bits charges a
wordline over ``L``, swings ``width`` bitlines of length ``L`` by 20% of Vdd, and switches a ``log2(size /
width)``-stage decoder (4 gates a stage) and ``width`` sense amps (10 gates each); leakage is 6 minimum gates per
cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Optional

from pydantic import PositiveInt

from cimsim.components.base import Component
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.config import units as U
from cimsim.config.quantity import Costs, Strict, Unit
from cimsim.technology import CELL_F2
from cimsim.technology import circuits as G
from cimsim.technology.nodes import Node

#: Periphery area of an SRAM macro as a fraction of its cells (assume_buffer_model).
BUFFER_PERIPHERY = 0.3
#: Bitline swing as a fraction of Vdd (assume_buffer_model).
BITLINE_SWING = 0.2


def sram_estimate(n: Node, size_bits: float, width_bits: float) -> Estimate:
    """Energy per ``width_bits`` access (J), area (m2) and leakage (W) of a ``size_bits`` SRAM buffer."""
    f2 = CELL_F2["sram"]
    side = (size_bits * f2) ** 0.5 * n.feature_m
    line = side * n.wire_cap_f_per_m * n.vdd_v ** 2
    energy = line + width_bits * line * BITLINE_SWING
    energy += (4.0 * G.log2c(size_bits / width_bits) + 10.0 * width_bits) * n.gate_energy_j
    return Estimate(energy=energy, area=size_bits * f2 * n.feature_m ** 2 * (1.0 + BUFFER_PERIPHERY),
                    leakage=6.0 * size_bits * n.gate_leakage_w)


class BufferConfig(Strict):
    size_bytes: Annotated[PositiveInt, Unit(U.INFORMATION, per=8.0)]
    width_bits: PositiveInt
    """Bits per access; energy is per access of this width."""
    costs: Costs


@dataclass(frozen=True)
class Buffer(Component):
    size_bytes: int = 0
    width_bits: int = 1

    @classmethod
    def from_config(cls, name: str, cfg: BufferConfig) -> "Buffer":
        return cls.from_costs(name, cfg.costs, action=f"{cfg.width_bits}-bit access",
                              size_bytes=cfg.size_bytes, width_bits=cfg.width_bits)

    @property
    def energy_per_bit_j(self) -> float:
        """Energy (J) per bit read or written (partial-width accesses priced pro rata)."""
        return self.energy_j / self.width_bits


class _BufferKind(ComponentKind):
    """A buffer whose section is its one declared field; charged per bit accessed."""

    model_name = "SRAM macro: wordline + width bitlines over sqrt(size) cells, decoder, sense amps"
    prefix = ""

    @classmethod
    def estimate(cls, chip, p: Point) -> Optional[Estimate]:
        if cls.config(chip) is None:
            return None
        return sram_estimate(p.node, 8.0 * p[f"{cls.prefix}_bytes"], p[f"{cls.prefix}_width_bits"])

    @classmethod
    def config(cls, chip) -> Optional[BufferConfig]:
        node = chip
        for part in next(iter(cls.fields)).split("."):
            node = getattr(node, part)
        return node

    @classmethod
    def model(cls, chip) -> Optional[Buffer]:
        cfg = cls.config(chip)
        return Buffer.from_config(cls.name, cfg) if cfg is not None else None

    @classmethod
    def energy_per_unit_j(cls, comp: Buffer, action: Action) -> float:
        return comp.energy_per_bit_j


def _tile_buffer_bits(ctx) -> int:
    if ctx.accounting == "dense":
        return 2 * ctx.counts["rows_driven"] + ctx.psum_bits
    return 2 * ctx.received_bits + 2 * ctx.buffered_psum_bits


class PeBufferKind(_BufferKind):
    name, order, label, look, level = "pe_buffer", 80, "PE buffer", Look("#56B4E9"), "pe"
    prefix = "pe_buffer"
    parameters = ("pe_buffer_bytes", "pe_buffer_width_bits", "technology_nm")
    fields = {"pe.buffer": (BufferConfig, ...)}
    actions = (Action("access", "pe_buffer_bits", "bit accessed"),)
    counts = {"pe_buffer_bits": lambda ctx: (ctx.counts["rows_driven"]
                                             + ctx.counts["adc_conversions"] * ctx.chip.adc.bits)}


class TileBufferKind(_BufferKind):
    name, order, label, look, level = "tile_buffer", 90, "tile buffer", Look("#A9D8F3", "///"), "tile"
    prefix = "tile_buffer"
    parameters = ("tile_buffer_bytes", "tile_buffer_width_bits", "technology_nm")
    fields = {"tile.buffer": (BufferConfig, ...)}
    actions = (Action("access", "tile_buffer_bits", "bit accessed"),)
    counts = {"tile_buffer_bits": _tile_buffer_bits}


class GlobalBufferKind(_BufferKind):
    """Optional chip-level buffer (``global_buffer:``); chip inputs are fetched from it."""

    name, order, label, look, level = "global_buffer", 100, "global buffer", Look("#D7ECF9", "xxx"), "chip"
    prefix = "global_buffer"
    parameters = ("global_buffer_bytes", "global_buffer_width_bits", "technology_nm")
    fields = {"global_buffer": (Optional[BufferConfig], None)}
    actions = (Action("access", "global_buffer_bits", "bit accessed"),)
    counts = {"global_buffer_bits": lambda ctx: ctx.io_bits}

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return "chip", 1 if chip.global_buffer is not None else 0
