"""Energy = action counts x priced table + leakage x time.

The priced table (:func:`cimsim.cost.price.price`) gives the energy per unit of the count every action is charged
per; :func:`layer_energy` multiplies a layer's counts (:class:`~cimsim.cost.activity.LayerActivity`) by it;
:func:`energy_breakdown` adds the leakage of the hardware the run used over its duration and splits it over
layers by the crossbars they occupy. Functions taking a ``table`` also take a chip (priced on the spot).
"""
from __future__ import annotations

import math

from cimsim.components.registry import energy_keys, kinds
from cimsim.cost.activity import LayerActivity, RunActivity
from cimsim.cost.price import PricedTable, as_priced

#: Energy breakdown keys, in report order (``other``: also the preset's extra ``periphery`` blocks reported under
#: that category, switch matrices ...).
ENERGY_COMPONENTS = energy_keys() + ("leakage",)

#: (component, LayerActivity count it is charged per, what one unit of that count is), from the registry.
CHARGES = tuple((k.name, a.charged_per, a.unit) for k in kinds() for a in k.actions)


def energy_table(table: PricedTable) -> dict[str, float]:
    """Energy (J) per unit of the count each registered component is charged for (see :data:`CHARGES`); 0 for a
    component the chip does not have (no global buffer: nothing to charge, the engine should count none)."""
    rows = as_priced(table).rows
    out = {name: 0.0 for name, _, _ in CHARGES}
    out.update({r.component: r.energy_j for r in rows if r.charged_per is not None and r.component in out})
    return out


def layer_energy(table: PricedTable, layer: LayerActivity) -> dict[str, float]:
    """Dynamic energy (J) of one layer by breakdown key (no leakage)."""
    out = {k: 0.0 for k in ENERGY_COMPONENTS if k != "leakage"}
    for r in as_priced(table).charges():
        out[r.key] += r.energy_j * getattr(layer, r.charged_per)
    return out


def leakage_power_w(table: PricedTable, run: RunActivity) -> float:
    """Leakage (W) of the hardware the run used: ``tiles_used`` whole tiles (with their router) and the chip-level
    instances (global buffer, chip-level periphery blocks)."""
    c = as_priced(table).components
    power = c.tile.total_leakage_w() * run.tiles_used
    power += sum(comp.leakage_w * n for comp, n in c.chip_parts)
    return power


def energy_matrix(table: PricedTable, run: RunActivity) -> dict[str, dict[str, float]]:
    """Energy (J) per layer and component, leakage included (split by crossbars occupied, else evenly).

    Runs without layers but with leakage get one row named ``"(unassigned)"``.
    """
    table = as_priced(table)
    leak_j = leakage_power_w(table, run) * run.cycles * table.cycle_s
    rows = {layer.name: layer_energy(table, layer) for layer in run.layers}
    xbars = [max(0, layer.crossbars) for layer in run.layers]
    total_xbars = sum(xbars)
    for layer, n in zip(run.layers, xbars):
        share = n / total_xbars if total_xbars else 1.0 / len(run.layers)
        rows[layer.name]["leakage"] = leak_j * share
    if not run.layers and leak_j:
        rows["(unassigned)"] = {**{k: 0.0 for k in ENERGY_COMPONENTS}, "leakage": leak_j}
    return rows


def energy_breakdown(table: PricedTable, run: RunActivity) -> tuple[dict[str, float], dict[str, float]]:
    """Energy of a run by component and by layer.

    Returns
    -------
    (by_component, by_layer): J; keys of ``by_component`` are :data:`ENERGY_COMPONENTS` (all present);
    ``by_layer`` maps each layer name to its energy, its share of leakage included. Both sum to the same total
    (up to float rounding; each is an exactly rounded sum, :func:`math.fsum`, of the same per-layer terms).
    """
    return breakdown_of(energy_matrix(table, run))


def breakdown_of(rows: dict[str, dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """``(by_component, by_layer)`` of an :func:`energy_matrix` (see :func:`energy_breakdown`)."""
    by_component = {k: math.fsum(r.get(k, 0.0) for r in rows.values()) for k in ENERGY_COMPONENTS}
    by_layer = {name: math.fsum(r.values()) for name, r in rows.items()}
    return by_component, by_layer
