"""Costing: the priced table (:mod:`cimsim.cost.price`), once per run; action counts
(:mod:`cimsim.cost.activity`, collected by :mod:`cimsim.cost.collect`) x table + leakage x time; area roll-up."""
from cimsim.cost.activity import LayerActivity, RunActivity, count_names
from cimsim.cost.area import AREA_COMPONENTS, area_breakdown, chip_area_m2
from cimsim.cost.collect import collect_activity
from cimsim.cost.energy import (
    CHARGES, ENERGY_COMPONENTS, breakdown_of, energy_breakdown, energy_matrix, energy_table, layer_energy,
    leakage_power_w,
)
from cimsim.cost.price import PricedRow, PricedTable, Prices, price, price_table

__all__ = [
    "AREA_COMPONENTS", "CHARGES", "ENERGY_COMPONENTS", "LayerActivity", "PricedRow", "PricedTable", "RunActivity",
    "area_breakdown", "breakdown_of", "chip_area_m2", "collect_activity", "count_names", "energy_breakdown",
    "energy_matrix", "energy_table", "layer_energy", "leakage_power_w", "price", "price_table", "Prices",
]
