"""The hardware hierarchy as component trees: crossbar unit -> PE -> tile -> chip, built from the registry.

Every registered component (:mod:`cimsim.components.registry`) says where it sits and how many instances it has
per unit of that level (:meth:`~cimsim.components.registry.ComponentKind.placement`); the preset's extra
``periphery`` blocks (:class:`cimsim.config.schema.PeripheryBlock`) follow at their levels, each reported under its
``category`` (a block ``per`` row or column has that many instances per crossbar line). Composition, never
inheritance: a crossbar unit has the array and its peripherals, a PE has ``pe.crossbars`` crossbar units, a tile
``tile.pes`` PEs, the chip ``tiles`` tiles. Components at the level ``neuron`` (membrane storage) are instantiated
per mapped neuron, outside the trees.

Each component's published figures are moved from the preset's design point by its parametric model
(:mod:`cimsim.components.calibration`); extra periphery blocks by the node (C V^2, F^2 or their named gate layout, :mod:`cimsim.technology.layout`)
and, per row or column, by the array's rows or columns.
Wires (H-tree, NoC links) take their lengths from the floorplan (:mod:`cimsim.components.floorplan`) of the other
components, at the design point and at this chip.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from cimsim.components.adc import adcs_per_crossbar, adcs_per_pe, scaled_conversion_cycles
from cimsim.components.base import Component
from cimsim.components.calibration import Factors, Point, factors
from cimsim.components.floorplan import Floorplan, floorplan
from cimsim.components.registry import LEVELS, kinds
from cimsim.technology.layout import LAYOUTS

__all__ = ["ChipComponents", "adcs_per_crossbar", "adcs_per_pe", "block_instances", "build", "pe_cycle_cycles",
           "periphery_components"]


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
    factors: dict[str, Factors]
    """Component (and periphery block) name -> model(chip) / model(design point) of its figures."""
    floorplan: Floorplan

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
    """The preset's ``periphery`` blocks as published (energy per ``charged_per`` unit, area per instance)."""
    return {name: Component.from_costs(name, b.costs, action=b.charged_per, category=b.category)
            for name, b in chip.periphery.items()}


def _scaled(comp: Component, f: Factors) -> Component:
    if f.published:
        return comp
    return replace(comp, energy_j=comp.energy_j * f.energy, area_m2=comp.area_m2 * f.area,
                   leakage_w=comp.leakage_w * f.leakage)


def _floored(comp: Component, floor) -> Component:
    """``comp`` with at least the area ``floor`` (m2; ``None``: as it is)."""
    return comp if floor is None or comp.area_m2 >= floor else replace(comp, area_m2=floor)


def block_instances(chip, block) -> float:
    """Instances of a periphery block per unit of its level (``per: row`` / ``column``: per crossbar line)."""
    lines = {"unit": 1, "row": chip.crossbar.rows, "column": chip.crossbar.cols}[block.per]
    return block.count * lines


def _block_factors(chip, block) -> Factors:
    """Extra periphery blocks follow the node (digital C V^2, Vdd I_off F; area F^2, or the footprint of the
    block's ``layout`` at the node, :mod:`cimsim.technology.layout`) from the design point's; a block per row or
    column also the array's rows or columns in the energy of one action (its instances are counted by
    :func:`block_instances`)."""
    now, at = Point(chip, False), Point(chip, True)
    lines = 1.0
    if block.per != "unit":
        name = "crossbar_rows" if block.per == "row" else "crossbar_cols"
        lines = now[name] / at[name]
    if at["technology_nm"] == now["technology_nm"] and at["device_roadmap"] == now["device_roadmap"]:
        return Factors(energy=lines)
    a, b = at.node, now.node
    area = (b.feature_m / a.feature_m) ** 2
    if block.layout is not None:
        shape = LAYOUTS[block.layout]
        area *= shape(b) / shape(a)
    return Factors(b.gate_energy_j / a.gate_energy_j * lines, area, b.gate_leakage_w / a.gate_leakage_w)


def _plan(chip, comps, blocks, point: Point) -> Floorplan:
    return floorplan(chip, _parts_by_level(chip, comps, blocks), comps["crossbar"], point["pe_crossbars"],
                     point["tile_pes"])


def _priced(chip) -> tuple[dict, dict, dict]:
    """(leaves, periphery blocks, factors): every component's published figures moved by its model.

    Wires come last, in registry order, each with the floorplan of everything priced before it (the H-tree's reach
    does not depend on its own area; a NoC link spans the tile with its H-tree); the design point's floorplan is
    that of the published figures.
    """
    published = {k.name: comp for k in kinds() if (comp := k.model(chip)) is not None}
    published_blocks = periphery_components(chip)
    out = {name: _block_factors(chip, chip.periphery[name]) for name in published_blocks}
    blocks = {name: _scaled(c, out[name]) for name, c in published_blocks.items()}
    now, ref = Point(chip, False), Point(chip, True)
    leaves = dict(published)
    for k in kinds():
        if k.name in published and not k.wire:
            out[k.name] = factors(k.estimate(chip, now), k.estimate(chip, ref))
            leaves[k.name] = _floored(_scaled(published[k.name], out[k.name]), k.area_floor(chip, now))
    fp_ref = _plan(chip, published, published_blocks, ref)
    for k in kinds():
        if k.name in published and k.wire:
            fp_now = _plan(chip, leaves, blocks, now)
            out[k.name] = factors(k.estimate(chip, Point(chip, False, fp_now)), k.estimate(chip, Point(chip, True, fp_ref)))
            leaves[k.name] = _scaled(published[k.name], out[k.name])
    return leaves, blocks, out


def _parts_by_level(chip, leaves: dict[str, Component], blocks: dict[str, Component]) -> dict:
    """(component, instances per level unit) of every level: registered components first, then extra blocks."""
    parts: dict[str, list] = {level: [] for level in LEVELS + ("neuron",)}
    for k in kinds():
        level, n = k.placement(chip)
        if level is not None and n and k.name in leaves:
            parts[level].append((leaves[k.name], n))
    for name, b in chip.periphery.items():
        parts[b.level].append((blocks[name], block_instances(chip, b)))
    return parts


def build(chip) -> ChipComponents:
    """Component models of a chip (energies per action, areas and leakage per instance, with sources)."""
    leaves, blocks, facs = _priced(chip)
    parts = _parts_by_level(chip, leaves, blocks)
    unit = Component(name="crossbar_unit", action="-", parts=tuple(parts["crossbar"]))
    pe = Component(name="pe", action="-", parts=((unit, chip.pe.crossbars),) + tuple(parts["pe"]))
    tile = Component(name="tile", action="-", parts=((pe, chip.tile.pes),) + tuple(parts["tile"]))
    whole = Component(name="chip", action="-", parts=((tile, chip.tiles),) + tuple(parts["chip"]))
    plan = _plan(chip, leaves, blocks, Point(chip, False))
    return ChipComponents(leaves=leaves, periphery=blocks, chip_parts=tuple(parts["chip"]),
                          per_neuron=tuple(parts["neuron"]), pe=pe, tile=tile, chip=whole, factors=facs,
                          floorplan=plan)
