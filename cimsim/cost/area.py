"""Area of the hardware a run uses, rolled up through the component hierarchy of the priced table."""
from __future__ import annotations

from cimsim.components.chip import build
from cimsim.components.registry import area_keys
from cimsim.cost.activity import RunActivity
from cimsim.cost.price import PricedTable, as_priced

#: Area breakdown keys, in report order.
AREA_COMPONENTS = area_keys()


def area_breakdown(table: PricedTable, run: RunActivity) -> dict[str, float]:
    """Area (m2) by component of ``run.tiles_used`` whole tiles (all their PEs, crossbars, ADCs ..., one router
    each, the tile's H-tree and other area, their ``periphery`` blocks), the chip-level instances once (global
    buffer, chip-level ``periphery`` blocks), and the per-neuron storage of every mapped neuron (membranes, under
    ``lif_unit``). ``table``: a :class:`~cimsim.cost.price.PricedTable` (or a chip, priced here). Keys:
    :data:`AREA_COMPONENTS`, all present.
    """
    c = as_priced(table).components
    per_tile = c.tile.area_by_key()
    out = {k: per_tile.get(k, 0.0) * run.tiles_used for k in AREA_COMPONENTS}
    neurons = sum(max(0, layer.neurons) for layer in run.layers)
    for comp, n in c.per_neuron:
        out[comp.key] += comp.area_m2 * n * neurons
    for comp, n in c.chip_parts:
        out[comp.key] += comp.area_m2 * n
    return out


def floorplan_area(table: PricedTable, run: RunActivity) -> dict:
    """Floorplan area of the hardware a run uses (:mod:`cimsim.components.floorplan`): the bounding boxes of
    ``run.tiles_used`` tiles, plus the chip-level instances and membrane storage at their component area.

    Returns
    -------
    ``{"area_m2", "used_m2", "empty_m2", "boxes": {...}}``: floorplan area, the sum of component areas it holds
    (``totals.area_m2``), their difference (empty area in the boxes), and the boxes' dimensions (m, m2).
    """
    c = as_priced(table).components
    plan = c.floorplan
    used = sum(area_breakdown(table, run).values())
    outside = used - plan.tile_used_m2 * run.tiles_used  # chip-level blocks and membranes, as they are
    area = plan.tile_m2 * run.tiles_used + outside
    return {"area_m2": area, "used_m2": used, "empty_m2": area - used, "boxes": plan.as_dict()}


def chip_area_m2(chip) -> float:
    """Area (m2) of the whole chip (every tile, global buffer), membrane storage excluded."""
    return build(chip).chip.total_area_m2()
