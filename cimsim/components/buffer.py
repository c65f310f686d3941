"""SRAM / eDRAM buffers: energy per access of ``width_bits``, so per bit = energy / width."""
from __future__ import annotations

from dataclasses import dataclass

from cimsim.components.base import Component
from cimsim.config.schema import BufferConfig


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
