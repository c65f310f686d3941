"""``describe_chip``: a readable resolved chip (hierarchy, every component's costs with sources, areas).

Printed by ``cimsim check PRESET``. The component rows come from the registry
(:mod:`cimsim.components.registry`), in breakdown order.
"""
from __future__ import annotations

from cimsim.components.adc import adcs_per_crossbar, adcs_per_pe, scaled_conversion_cycles
from cimsim.components.chip import ChipComponents, build, pe_cycle_cycles
from cimsim.components.registry import kinds


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


# ------------------------------------------------------------------ sections
def _header(chip) -> list[str]:
    return [
        f"chip {chip.name}  (config hash {chip.config_hash()})",
        f"  {chip.description}" if chip.description else "",
        f"  technology {chip.technology_nm:g} nm, clock {chip.clock_hz / 1e6:g} MHz ({chip.cycle_s * 1e9:.4g} ns),"
        f" weights {chip.weight_bits} bit, accounting {chip.accounting}",
    ]


def _hierarchy(chip) -> list[str]:
    x, a, t = chip.crossbar, chip.adc, chip.tile
    mesh = chip.mesh_shape
    pe_cycle = pe_cycle_cycles(chip)
    adcs = (f" {adcs_per_pe(chip)} ADCs per PE shared by its {chip.pe.crossbars} crossbars (analog sum of their"
            f" bitline currents)" if chip.pe.analog_sum else f" {adcs_per_crossbar(chip)} ADCs")
    return [
        "hierarchy",
        f"  chip: {chip.tiles} tiles on a {mesh[0]}x{mesh[1]} mesh"
        + (f" + global buffer {fmt_bytes(chip.global_buffer.size_bytes)}" if chip.global_buffer else ""),
        f"  tile: {t.pes} PEs, tile buffer {fmt_bytes(t.buffer.size_bytes)}, {t.lif.units} LIF"
        f" units ({t.lif.membrane_bits}-bit membranes), {t.accumulators} accumulators, 1 router",
        f"  PE: {chip.pe.crossbars} crossbars, PE buffer {fmt_bytes(chip.pe.buffer.size_bytes)}",
        f"  crossbar: {x.rows}x{x.cols} {x.device}, {x.bits_per_cell} bit/cell, {x.parallel_rows} parallel rows,"
        f" signed {x.signed}: {chip.n_slices} slice(s) x {2 if x.signed == 'differential' else 1} per weight;"
        + adcs + f" ({a.bits} bit, {a.scaling}, {a.cols_per_adc} columns each via a mux), {x.rows} wordline drivers",
        f"  peak: {chip.crossbars_total} crossbars,"
        f" {chip.crossbars_total * x.rows * x.cols * x.bits_per_cell / 8 / 2**20:.4g} MiB of cells",
        f"  crossbar read + conversions: {x.read_cycles} + {min(a.cols_per_adc, x.cols)}"
        f" x {scaled_conversion_cycles(a)}"
        f" (+ mux {chip.mux.cycles} + shift-add {chip.shift_add.cycles}) = {pe_cycle} cycles"
        f" ({pe_cycle * chip.cycle_s * 1e9:.4g} ns)",
    ]


def _instances(chip, c: ChipComponents, kind) -> str:
    level, n = kind.placement(chip)
    if level in ("crossbar", "pe", "tile"):
        return str(c.tile.count(kind.name))
    return "-"


def _components(chip, c: ChipComponents) -> list[str]:
    lines = ["components (energy per action | area per instance | leakage per instance | instances per tile | sources)"]
    for k in kinds():
        comp = c.leaves.get(k.name)
        if comp is None or (not k.actions and comp.area_m2 == 0):  # nothing to say: no action, no area
            continue
        leak = fmt_power(comp.leakage_w) if k.level != "neuron" else "-"
        lines.append(
            f"  {k.name:13s} {k.describe_energy(chip, comp):38s} | {fmt_area(comp.area_m2):12s} | {leak:9s} |"
            f" {_instances(chip, c, k):>6} | {', '.join(sorted(set(comp.sources.values())))}"
        )
    return lines


def _param(p, name: str) -> str:
    value = p.adc_bits if name == "adc_bits" else p[name]
    if value is None:
        return "-"
    return value if isinstance(value, str) else f"{value:g}"


def _models(chip, c: ChipComponents) -> list[str]:
    """Per component: its model, the parameters it reads (this chip / design point) and the basis."""
    from cimsim.components.calibration import Point

    now, ref = Point(chip, False), Point(chip, True)
    lines = ["cost models (published at the design point; away from it scaled by model(chip) / model(design point))"]
    for k in kinds():
        f = c.factors.get(k.name)
        if f is None or (not k.actions and c.leaves[k.name].area_m2 == 0):
            continue
        params = ", ".join(f"{n}={_param(now, n)}" + ("" if _param(now, n) == _param(ref, n) else f" ({_param(ref, n)})")
                           for n in k.parameters)
        basis = "published" if f.published else (f"scaled: energy x{f.energy:.4g}, area x{f.area:.4g},"
                                                 f" leakage x{f.leakage:.4g}")
        lines += [f"  {k.name:13s} {basis}", f"    model: {k.model_name}", f"    parameters (design point): {params}"]
    return lines


def _floorplan(c: ChipComponents) -> list[str]:
    fp = c.floorplan
    um = 1e6
    return ["floorplan (bounding boxes, NeuroSim's convention)",
            f"  crossbar unit {fp.unit_w_m * um:.4g} x {fp.unit_h_m * um:.4g} um, PE {fp.pe_w_m * um:.4g} x"
            f" {fp.pe_h_m * um:.4g} um, tile {fp.tile_w_m * um:.4g} x {fp.tile_h_m * um:.4g} um",
            f"  tile box {fmt_area(fp.tile_m2)} = used {fmt_area(fp.tile_used_m2)} + empty"
            f" {fmt_area(fp.tile_m2 - fp.tile_used_m2)}; H-tree reach {fp.pe_array_side_m * um:.4g} um,"
            f" NoC link {fp.tile_side_m * um:.4g} um"]


def _periphery(chip, c: ChipComponents) -> list[str]:
    if not c.periphery:
        return []
    lines = ["periphery blocks (energy per count -> breakdown key | area per instance | leakage | instances per"
             " tile | sources)"]
    for name, comp in c.periphery.items():
        b = chip.periphery[name]
        energy = "no energy charged" if b.charged_per == "none" else f"{fmt_energy(comp.energy_j)}/{b.charged_per}"
        n = "chip" if b.level == "chip" else f"{c.tile.count(name):g}"
        basis = "published" if c.factors[name].published else f"scaled by node x{c.factors[name].energy:.4g}"
        lines.append(
            f"  {name:19s} {energy + ' -> ' + b.category:32s} | {fmt_area(comp.area_m2):12s} |"
            f" {fmt_power(comp.leakage_w):9s} | {n:>6} | {', '.join(sorted(set(comp.sources.values())))} | {basis}"
        )
    return lines


def _area(chip, c: ChipComponents) -> list[str]:
    tile = c.tile
    tile_area = tile.total_area_m2()
    shares = ", ".join(f"{k} {v / tile_area:.1%}" for k, v in sorted(tile.area_by_key().items(), key=lambda kv: -kv[1])
                       if v > 0)
    return [
        "area",
        f"  per tile {fmt_area(tile_area)}  ({shares})",
        f"  per PE {fmt_area(c.pe.total_area_m2())}",
        f"  chip (all {chip.tiles} tiles{', global buffer' if c.global_buffer else ''})"
        f" {fmt_area(c.chip.total_area_m2())}"
        f", plus membrane storage per mapped neuron",
        f"  leakage per tile {fmt_power(tile.total_leakage_w())}, chip {fmt_power(c.chip.total_leakage_w())}",
    ]


def describe_chip(chip) -> str:
    """A readable resolved chip: hierarchy, counts, every component's costs with sources, areas."""
    c = build(chip)
    lines = (_header(chip) + _hierarchy(chip) + _components(chip, c) + _models(chip, c) + _periphery(chip, c)
             + _area(chip, c) + _floorplan(c))
    if chip.sources:
        lines.append("structural sources: " + ", ".join(f"{k}: {v}" for k, v in sorted(chip.sources.items())))
    return "\n".join(line for line in lines if line != "")
