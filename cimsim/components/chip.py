"""The hardware hierarchy as component trees: crossbar group -> PE -> tile -> chip, and a readable description.

Instances (composition, never inheritance):

* per crossbar: ``rows`` wordline drivers, ``ceil(cols / cols_per_adc)`` ADCs, each with one column mux and
  one shift-add unit;
* per PE: ``pe.crossbars`` crossbars (with the above) and one PE buffer; with ``pe.analog_sum`` the ADCs (with
  their mux and shift-add) belong to the PE instead, ``ceil(cols / cols_per_adc)`` per PE, shared by its
  crossbars (their bitline currents are summed);
* per tile: ``tile.pes`` PEs, one tile buffer, ``tile.lif.units`` LIF units, ``tile.accumulators``
  accumulators, the H-tree (area ``tile.htree_area``), one mesh router and ``tile.other_area``;
* per chip: ``tiles`` tiles and the optional global buffer;
* at any of these levels, the preset's extra ``periphery`` blocks (:class:`cimsim.config.schema.PeripheryBlock`),
  each reported under its ``category``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from cimsim.components.adc import Adc, scaled_conversion_cycles
from cimsim.components.base import Component
from cimsim.components.buffer import Buffer
from cimsim.components.crossbar import Crossbar
from cimsim.components.lif import lif_unit, membrane_storage
from cimsim.components.noc import htree, link, router
from cimsim.components.periph import accumulator, mux, shift_add, wl_driver
from cimsim.config.schema import Chip


def adcs_per_crossbar(chip: Chip) -> int:
    """ADCs of one crossbar (0 with ``pe.analog_sum``: the PE's shared ADCs convert the summed columns)."""
    return 0 if chip.pe.analog_sum else math.ceil(chip.crossbar.cols / chip.adc.cols_per_adc)


def adcs_per_pe(chip: Chip) -> int:
    """ADCs of one PE: its crossbars' own, or ``ceil(cols / cols_per_adc)`` shared ones with ``pe.analog_sum``."""
    if chip.pe.analog_sum:
        return math.ceil(chip.crossbar.cols / chip.adc.cols_per_adc)
    return adcs_per_crossbar(chip) * chip.pe.crossbars


def pe_cycle_cycles(chip: Chip) -> int:
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
    """Every leaf component of a chip, priced, plus the tile and chip trees."""

    crossbar: Crossbar
    adc: Adc
    mux: Component
    wl_driver: Component
    shift_add: Component
    accumulator: Component
    lif_unit: Component
    membrane: Component
    pe_buffer: Buffer
    tile_buffer: Buffer
    global_buffer: Buffer | None
    htree: Component
    router: Component
    link: Component
    other: Component
    periphery: dict[str, Component]
    """The preset's extra blocks by name (breakdown key: their category)."""
    chip_blocks: tuple[tuple[Component, float], ...]
    """Chip-level extra blocks and their instances (counted once per chip, not per tile used)."""
    pe: Component
    tile: Component
    chip: Component


def periphery_components(chip: Chip) -> dict[str, Component]:
    """The preset's ``periphery`` blocks as components (energy per ``charged_per`` unit, area per instance)."""
    return {name: Component.from_costs(name, b.costs, action=b.charged_per, category=b.category)
            for name, b in chip.periphery.items()}


def _extra(chip: Chip, blocks: dict[str, Component], level: str) -> tuple[tuple[Component, float], ...]:
    return tuple((blocks[name], b.count) for name, b in chip.periphery.items() if b.level == level)


def build(chip: Chip) -> ChipComponents:
    """Component models of a chip (energies per action, areas and leakage per instance, with sources)."""
    blocks = periphery_components(chip)
    xbar = Crossbar.from_config(chip.crossbar)
    adc = Adc.from_config(chip.adc)
    mx, sa, wl = mux(chip.mux), shift_add(chip.shift_add), wl_driver(chip.wl_driver)
    n_adc = adcs_per_crossbar(chip)
    adc_group = Component(name="adc_group", action="-", parts=((adc, 1), (mx, 1), (sa, 1)))
    xbar_parts = ((xbar, 1), (wl, chip.crossbar.rows)) + (((adc_group, n_adc),) if n_adc else ()) + _extra(
        chip, blocks, "crossbar")
    xbar_unit = Component(name="crossbar_unit", action="-", parts=xbar_parts)
    pe_buf = Buffer.from_config("pe_buffer", chip.pe.buffer)
    shared = ((adc_group, adcs_per_pe(chip)),) if chip.pe.analog_sum else ()
    pe = Component(name="pe", action="-", parts=((xbar_unit, chip.pe.crossbars),) + shared + ((pe_buf, 1),)
                   + _extra(chip, blocks, "pe"))
    t = chip.tile
    tile_buf = Buffer.from_config("tile_buffer", t.buffer)
    lif = lif_unit(t.lif)
    acc = accumulator(t.accumulator)
    ht = htree(chip.pe, t.htree_area.value, t.htree_area.source)
    rt = router(chip.noc)
    other = Component(name="other", action="-", area_m2=t.other_area.value, sources={"area": t.other_area.source})
    tile = Component(
        name="tile",
        action="-",
        parts=((pe, t.pes), (tile_buf, 1), (lif, t.lif.units), (acc, t.accumulators), (ht, 1), (rt, 1), (other, 1))
        + _extra(chip, blocks, "tile"),
    )
    gb = Buffer.from_config("global_buffer", chip.global_buffer) if chip.global_buffer is not None else None
    chip_blocks = _extra(chip, blocks, "chip")
    chip_parts = ((tile, chip.tiles),) + (((gb, 1),) if gb is not None else ()) + chip_blocks
    return ChipComponents(
        crossbar=xbar, adc=adc, mux=mx, wl_driver=wl, shift_add=sa, accumulator=acc, lif_unit=lif,
        membrane=membrane_storage(t.lif), pe_buffer=pe_buf, tile_buffer=tile_buf, global_buffer=gb, htree=ht,
        router=rt, link=link(chip.noc), other=other, periphery=blocks, chip_blocks=chip_blocks, pe=pe, tile=tile,
        chip=Component(name="chip", action="-", parts=chip_parts),
    )


# ------------------------------------------------------------------ human units
def _fmt(value: float, unit: str, scales: list[tuple[float, str]]) -> str:
    if value == 0:
        return f"0 {unit}"
    for scale, prefix in scales:
        if abs(value) >= scale * 0.9999:
            return f"{value / scale:.4g} {prefix}{unit}"
    scale, prefix = scales[-1]
    return f"{value / scale:.4g} {prefix}{unit}"


def fmt_energy(j: float) -> str:
    return _fmt(j, "J", [(1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"), (1e-18, "a")])


def fmt_power(w: float) -> str:
    return _fmt(w, "W", [(1.0, ""), (1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p")])


def fmt_area(m2: float) -> str:
    return f"{m2 * 1e6:.4g} mm2" if m2 >= 1e-8 else f"{m2 * 1e12:.4g} um2"


def fmt_bytes(n: int) -> str:
    for scale, unit in ((1024**2, "MiB"), (1024, "KiB")):
        if n >= scale and n % (scale // 1024 or 1) == 0:
            return f"{n / scale:g} {unit}"
    return f"{n} B"


def describe_chip(chip: Chip) -> str:
    """A readable resolved chip: hierarchy, counts, every component's costs with sources, areas."""
    c = build(chip)
    x, a = chip.crossbar, chip.adc
    mesh = chip.mesh_shape
    n_adc = adcs_per_crossbar(chip)
    pe_cycle = pe_cycle_cycles(chip)
    tile = c.tile
    per_tile = {name: tile.count(name) for name in ("crossbar", "adc", "mux", "wl_driver", "shift_add", "pe_buffer",
                                                     "tile_buffer", "lif_unit", "accumulator", "htree", "router")}
    lines = [
        f"chip {chip.name}  (config hash {chip.config_hash()})",
        f"  {chip.description}" if chip.description else "",
        f"  technology {chip.technology_nm:g} nm, clock {chip.clock_hz / 1e6:g} MHz ({chip.cycle_s * 1e9:.4g} ns),"
        f" weights {chip.weight_bits} bit, accounting {chip.accounting}",
        "hierarchy",
        f"  chip: {chip.tiles} tiles on a {mesh[0]}x{mesh[1]} mesh"
        + (f" + global buffer {fmt_bytes(chip.global_buffer.size_bytes)}" if chip.global_buffer else ""),
        f"  tile: {chip.tile.pes} PEs, tile buffer {fmt_bytes(chip.tile.buffer.size_bytes)}, {chip.tile.lif.units} LIF"
        f" units ({chip.tile.lif.membrane_bits}-bit membranes), {chip.tile.accumulators} accumulators, 1 router",
        f"  PE: {chip.pe.crossbars} crossbars, PE buffer {fmt_bytes(chip.pe.buffer.size_bytes)}",
        f"  crossbar: {x.rows}x{x.cols} {x.device}, {x.bits_per_cell} bit/cell, {x.parallel_rows} parallel rows,"
        f" signed {x.signed}: {chip.n_slices} slice(s) x {2 if x.signed == 'differential' else 1} per weight;"
        + (f" {adcs_per_pe(chip)} ADCs per PE shared by its {chip.pe.crossbars} crossbars (analog sum of their"
           f" bitline currents)" if chip.pe.analog_sum else f" {n_adc} ADCs")
        + f" ({a.bits} bit, {a.scaling}, {a.cols_per_adc} columns each via a mux), {x.rows} wordline drivers",
        f"  peak: {chip.crossbars_total} crossbars, {chip.crossbars_total * x.rows * x.cols * x.bits_per_cell / 8 / 2**20:.4g} MiB of cells",
        f"  crossbar read + conversions: {x.read_cycles} + {min(a.cols_per_adc, x.cols)} x {scaled_conversion_cycles(a)}"
        f" (+ mux {chip.mux.cycles} + shift-add {chip.shift_add.cycles}) = {pe_cycle} cycles"
        f" ({pe_cycle * chip.cycle_s * 1e9:.4g} ns)",
        "components (energy per action | area per instance | leakage per instance | instances per tile | sources)",
    ]
    rows = [
        (c.crossbar, f"{fmt_energy(c.crossbar.energy_j)}/read of {x.rows} rows ({fmt_energy(c.crossbar.energy_per_row_j)}/row)"),
        (c.adc, f"{fmt_energy(c.adc.energy_j)}/conversion"
                + (f" (scaled from {a.costs_bits} bit)" if a.costs_bits != a.bits else "")),
        (c.mux, f"{fmt_energy(c.mux.energy_j)}/selection"),
        (c.wl_driver, f"{fmt_energy(c.wl_driver.energy_j)}/row driven"),
        (c.shift_add, f"{fmt_energy(c.shift_add.energy_j)}/op"),
        (c.accumulator, f"{fmt_energy(c.accumulator.energy_j)}/add"),
        (c.lif_unit, f"{fmt_energy(c.lif_unit.energy_j)}/neuron update"),
        (c.pe_buffer, f"{fmt_energy(c.pe_buffer.energy_j)}/{c.pe_buffer.width_bits}-bit access"),
        (c.tile_buffer, f"{fmt_energy(c.tile_buffer.energy_j)}/{c.tile_buffer.width_bits}-bit access"),
        (c.htree, f"{fmt_energy(c.htree.energy_j)}/bit"),
        (c.router, f"{fmt_energy(c.router.energy_j)}/{chip.noc.flit_bits}-bit flit"),
        (c.link, f"{fmt_energy(c.link.energy_j)}/flit-hop"),
    ]
    if c.global_buffer is not None:
        rows.append((c.global_buffer, f"{fmt_energy(c.global_buffer.energy_j)}/{c.global_buffer.width_bits}-bit access"))
    for comp, energy in rows:
        n = per_tile.get(comp.name, "-")
        srcs = sorted(set(v for v in comp.sources.values()))
        lines.append(
            f"  {comp.name:13s} {energy:38s} | {fmt_area(comp.area_m2):12s} | {fmt_power(comp.leakage_w):9s} |"
            f" {n!s:>6} | {', '.join(srcs)}"
        )
    lines.append(
        f"  {'membrane':13s} {'(storage per mapped neuron)':38s} | {fmt_area(c.membrane.area_m2):12s} |"
        f" {'-':9s} |      - | {c.membrane.sources['area']}"
    )
    if c.periphery:
        lines.append("periphery blocks (energy per count -> breakdown key | area per instance | leakage | instances per"
                     " tile | sources)")
    for name, comp in c.periphery.items():
        b = chip.periphery[name]
        energy = "no energy charged" if b.charged_per == "none" else f"{fmt_energy(comp.energy_j)}/{b.charged_per}"
        n = "chip" if b.level == "chip" else f"{tile.count(name):g}"
        lines.append(
            f"  {name:19s} {energy + ' -> ' + b.category:32s} | {fmt_area(comp.area_m2):12s} |"
            f" {fmt_power(comp.leakage_w):9s} | {n:>6} | {', '.join(sorted(set(comp.sources.values())))}"
        )
    if chip.tile.other_area.value:
        lines.append(f"  {'other':13s} {'(tile area not modelled by a component)':38s} |"
                     f" {fmt_area(chip.tile.other_area.value):12s} | {'-':9s} |      1 | {chip.tile.other_area.source}")
    by_name = tile.area_by_key()
    tile_area = tile.total_area_m2()
    shares = ", ".join(f"{k} {v / tile_area:.1%}" for k, v in sorted(by_name.items(), key=lambda kv: -kv[1]) if v > 0)
    lines += [
        "area",
        f"  per tile {fmt_area(tile_area)}  ({shares})",
        f"  per PE {fmt_area(c.pe.total_area_m2())}",
        f"  chip (all {chip.tiles} tiles{', global buffer' if c.global_buffer else ''}) {fmt_area(c.chip.total_area_m2())}"
        f", plus membrane storage per mapped neuron",
        f"  leakage per tile {fmt_power(tile.total_leakage_w())}, chip {fmt_power(c.chip.total_leakage_w())}",
    ]
    if chip.sources:
        lines.append("structural sources: " + ", ".join(f"{k}: {v}" for k, v in sorted(chip.sources.items())))
    return "\n".join(line for line in lines if line != "")
