"""The hardware hierarchy as component trees: crossbar unit -> PE -> tile -> chip, built from the registry.

Every registered component (:mod:`cimsim.components.registry`) says where it sits and how many instances it has
per unit of that level (:meth:`~cimsim.components.registry.ComponentKind.placement`); the preset's extra
``periphery`` blocks (:class:`cimsim.config.schema.PeripheryBlock`) follow at their levels, each reported under its
``category``. Composition, never inheritance: a crossbar unit has the array and its peripherals, a PE has
``pe.crossbars`` crossbar units, a tile ``tile.pes`` PEs, the chip ``tiles`` tiles. Components at the level
``neuron`` (membrane storage) are instantiated per mapped neuron, outside the trees.
"""
from __future__ import annotations

from dataclasses import dataclass

from cimsim.components.adc import adcs_per_crossbar, adcs_per_pe, scaled_conversion_cycles
from cimsim.components.base import Component
from cimsim.components.registry import LEVELS, kinds

__all__ = ["ChipComponents", "adcs_per_crossbar", "adcs_per_pe", "build", "pe_cycle_cycles", "periphery_components"]


def pe_cycle_cycles(chip) -> int:
    """Clock cycles to read one row group of a crossbar and convert all its columns through the shared ADCs.

    ``read_cycles + cols_per_adc * conversion_cycles + mux.cycles + shift_add.cycles`` (mux and shift-add are
    pipelined behind the conversions in the presets: 0 cycles). SpikeSim's "PE cycle" (26 clocks) is this figure
    for its preset.
    """
    return (
        chip.crossbar.read_cycles
        + min(chip.adc.cols_per_adc, chip.crossbar.cols) * scaled_conversion_cycles(chip.adc)
        + chip.mux.cycles
        + chip.shift_add.cycles
    )


@dataclass(frozen=True)
class ChipComponents:
    """Every component of a chip, priced, plus the PE, tile and chip trees.

    A registered component is an attribute by its name (``c.adc``, ``c.pe_buffer``); ``None`` when the chip has
    none (no ``global_buffer``).
    """

    leaves: dict[str, Component]
    """Registered components by name, in registry order (absent ones left out)."""
    periphery: dict[str, Component]
    """The preset's extra blocks by name (breakdown key: their category)."""
    chip_parts: tuple[tuple[Component, float], ...]
    """Chip-level instances besides the tiles (global buffer, chip-level extra blocks): counted once per chip."""
    per_neuron: tuple[tuple[Component, float], ...]
    """Instances per mapped neuron (membrane storage)."""
    pe: Component
    tile: Component
    chip: Component

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "leaves":
            raise AttributeError(name)
        try:
            return self.leaves[name]
        except KeyError:
            if any(k.name == name for k in kinds()):
                return None
            raise AttributeError(name) from None


def periphery_components(chip) -> dict[str, Component]:
    """The preset's ``periphery`` blocks as components (energy per ``charged_per`` unit, area per instance)."""
    return {name: Component.from_costs(name, b.costs, action=b.charged_per, category=b.category)
            for name, b in chip.periphery.items()}


def _parts_by_level(chip, leaves: dict[str, Component], blocks: dict[str, Component]) -> dict:
    """(component, instances per level unit) of every level: registered components first, then extra blocks."""
    parts: dict[str, list] = {level: [] for level in LEVELS + ("neuron",)}
    for k in kinds():
        level, n = k.placement(chip)
        if level is not None and n and k.name in leaves:
            parts[level].append((leaves[k.name], n))
    for name, b in chip.periphery.items():
        parts[b.level].append((blocks[name], b.count))
    return parts


def build(chip) -> ChipComponents:
    """Component models of a chip (energies per action, areas and leakage per instance, with sources)."""
    leaves = {k.name: comp for k in kinds() if (comp := k.model(chip)) is not None}
    blocks = periphery_components(chip)
    parts = _parts_by_level(chip, leaves, blocks)
    unit = Component(name="crossbar_unit", action="-", parts=tuple(parts["crossbar"]))
    pe = Component(name="pe", action="-", parts=((unit, chip.pe.crossbars),) + tuple(parts["pe"]))
    tile = Component(name="tile", action="-", parts=((pe, chip.tile.pes),) + tuple(parts["tile"]))
    whole = Component(name="chip", action="-", parts=((tile, chip.tiles),) + tuple(parts["chip"]))
    return ChipComponents(leaves=leaves, periphery=blocks, chip_parts=tuple(parts["chip"]),
                          per_neuron=tuple(parts["neuron"]), pe=pe, tile=tile, chip=whole)
