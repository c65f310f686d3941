"""Area of the hardware a run uses, rolled up through the component hierarchy."""
from __future__ import annotations

from cimsim.components.chip import build
from cimsim.config.schema import Chip
from cimsim.cost.activity import RunActivity

#: Area breakdown keys, in report order.
AREA_COMPONENTS = ("crossbar", "adc", "mux", "wl_driver", "shift_add", "accumulator", "lif_unit", "pe_buffer",
                   "tile_buffer", "global_buffer", "htree", "router", "other")


def area_breakdown(chip: Chip, run: RunActivity) -> dict[str, float]:
    """Area (m2) by component of ``run.tiles_used`` whole tiles (all their PEs, crossbars, ADCs ..., one router
    each, the tile's H-tree and other area, their ``periphery`` blocks), the global buffer if the chip has one,
    chip-level ``periphery`` blocks, and the membrane storage of every mapped neuron (under ``lif_unit``).
    Keys: :data:`AREA_COMPONENTS`, all present.
    """
    c = build(chip)
    per_tile = c.tile.area_by_key()
    out = {k: per_tile.get(k, 0.0) * run.tiles_used for k in AREA_COMPONENTS}
    out["lif_unit"] += c.membrane.area_m2 * sum(max(0, layer.neurons) for layer in run.layers)
    if c.global_buffer is not None:
        out["global_buffer"] += c.global_buffer.area_m2
    for comp, n in c.chip_blocks:
        out[comp.key] += comp.area_m2 * n
    return out


def chip_area_m2(chip: Chip) -> float:
    """Area (m2) of the whole chip (every tile, global buffer), membrane storage excluded."""
    return build(chip).chip.total_area_m2()
