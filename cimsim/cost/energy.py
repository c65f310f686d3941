"""Energy = action counts x energy table + leakage x time.

:func:`energy_table` prices one action of every component; :func:`layer_energy` multiplies a layer's counts
(:class:`~cimsim.cost.activity.LayerActivity`) by it; :func:`energy_breakdown` adds the leakage of the hardware the
run used over its duration and splits it over layers by the crossbars they occupy.
"""
from __future__ import annotations

import math

from cimsim.components.chip import ChipComponents, build
from cimsim.config.schema import Chip
from cimsim.cost.activity import LayerActivity, RunActivity

#: Energy breakdown keys, in report order.
ENERGY_COMPONENTS = ("crossbar", "adc", "mux", "wl_driver", "shift_add", "accumulator", "lif_unit", "pe_buffer",
                     "tile_buffer", "global_buffer", "htree", "router", "link", "other", "leakage")
"""``other``: the preset's extra ``periphery`` blocks reported under that category (switch matrices ...)."""

#: (component, LayerActivity count it is charged per, what one unit of that count is)
CHARGES = (
    ("crossbar", "rows_driven", "row driven in a read (read energy scales with the rows driven)"),
    ("adc", "adc_conversions", "conversion"),
    ("mux", "mux_selects", "column selection"),
    ("wl_driver", "rows_driven", "row driven"),
    ("shift_add", "shift_adds", "shift-add op"),
    ("accumulator", "accumulations", "add"),
    ("lif_unit", "lif_updates", "neuron update"),
    ("pe_buffer", "pe_buffer_bits", "bit accessed"),
    ("tile_buffer", "tile_buffer_bits", "bit accessed"),
    ("global_buffer", "global_buffer_bits", "bit accessed"),
    ("htree", "htree_bits", "bit moved"),
    ("router", "noc_router_traversals", "flit through a router"),
    ("link", "noc_flit_hops", "flit over a link"),
)


def energy_table(chip: Chip, components: ChipComponents | None = None) -> dict[str, float]:
    """Energy (J) per unit of the count each component is charged for (see :data:`CHARGES`)."""
    c = components or build(chip)
    return {
        "crossbar": c.crossbar.energy_per_row_j,
        "adc": c.adc.energy_j,
        "mux": c.mux.energy_j,
        "wl_driver": c.wl_driver.energy_j,
        "shift_add": c.shift_add.energy_j,
        "accumulator": c.accumulator.energy_j,
        "lif_unit": c.lif_unit.energy_j,
        "pe_buffer": c.pe_buffer.energy_per_bit_j,
        "tile_buffer": c.tile_buffer.energy_per_bit_j,
        # no global buffer configured: nothing to charge (the engine should count none)
        "global_buffer": c.global_buffer.energy_per_bit_j if c.global_buffer is not None else 0.0,
        "htree": c.htree.energy_j,
        "router": c.router.energy_j,
        "link": c.link.energy_j,
    }


def periphery_table(chip: Chip, components: ChipComponents | None = None) -> list[tuple[str, str, float]]:
    """(category, count, J per unit) of every extra ``periphery`` block whose energy is modelled."""
    c = components or build(chip)
    return [(b.category, b.charged_per, c.periphery[name].energy_j) for name, b in chip.periphery.items()
            if b.charged_per != "none"]


def layer_energy(table: dict[str, float], layer: LayerActivity,
                 periphery: list[tuple[str, str, float]] = ()) -> dict[str, float]:
    """Dynamic energy (J) of one layer by breakdown key (no leakage); ``periphery`` from :func:`periphery_table`."""
    out = {name: table[name] * getattr(layer, count, 0) for name, count, _ in CHARGES}
    out.setdefault("other", 0.0)
    for category, count, joules in periphery:
        out[category] = out.get(category, 0.0) + joules * getattr(layer, count)
    return out


def leakage_power_w(chip: Chip, run: RunActivity, components: ChipComponents | None = None) -> float:
    """Leakage (W) of the hardware the run used: ``tiles_used`` whole tiles (with their router), the global buffer
    and chip-level periphery blocks."""
    c = components or build(chip)
    power = c.tile.total_leakage_w() * run.tiles_used
    if c.global_buffer is not None:
        power += c.global_buffer.leakage_w
    power += sum(comp.leakage_w * n for comp, n in c.chip_blocks)
    return power


def energy_matrix(chip: Chip, run: RunActivity) -> dict[str, dict[str, float]]:
    """Energy (J) per layer and component, leakage included (split by crossbars occupied, else evenly).

    Runs without layers but with leakage get one row named ``"(unassigned)"``.
    """
    c = build(chip)
    table = energy_table(chip, c)
    extra = periphery_table(chip, c)
    leak_j = leakage_power_w(chip, run, c) * run.cycles * chip.cycle_s
    rows = {layer.name: layer_energy(table, layer, extra) for layer in run.layers}
    xbars = [max(0, layer.crossbars) for layer in run.layers]
    total_xbars = sum(xbars)
    for layer, n in zip(run.layers, xbars):
        share = n / total_xbars if total_xbars else 1.0 / len(run.layers)
        rows[layer.name]["leakage"] = leak_j * share
    if not run.layers and leak_j:
        rows["(unassigned)"] = {**{k: 0.0 for k in ENERGY_COMPONENTS}, "leakage": leak_j}
    return rows


def energy_breakdown(chip: Chip, run: RunActivity) -> tuple[dict[str, float], dict[str, float]]:
    """Energy of a run by component and by layer.

    Returns
    -------
    (by_component, by_layer): J; keys of ``by_component`` are :data:`ENERGY_COMPONENTS` (all present);
    ``by_layer`` maps each layer name to its energy, its share of leakage included. Both sum to the same total
    (up to float rounding; each is an exactly rounded sum, :func:`math.fsum`, of the same per-layer terms).
    """
    return breakdown_of(energy_matrix(chip, run))


def breakdown_of(rows: dict[str, dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """``(by_component, by_layer)`` of an :func:`energy_matrix` (see :func:`energy_breakdown`)."""
    by_component = {k: math.fsum(r.get(k, 0.0) for r in rows.values()) for k in ENERGY_COMPONENTS}
    by_layer = {name: math.fsum(r.values()) for name, r in rows.items()}
    return by_component, by_layer
