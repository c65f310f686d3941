"""Costing: action counts (:mod:`cimsim.cost.activity`) x energy table + leakage x time; area roll-up."""
from cimsim.cost.activity import LayerActivity, RunActivity
from cimsim.cost.area import AREA_COMPONENTS, area_breakdown, chip_area_m2
from cimsim.cost.energy import (
    CHARGES, ENERGY_COMPONENTS, energy_breakdown, energy_matrix, energy_table, layer_energy, leakage_power_w,
)

__all__ = [
    "AREA_COMPONENTS", "CHARGES", "ENERGY_COMPONENTS", "LayerActivity", "RunActivity", "area_breakdown",
    "chip_area_m2", "energy_breakdown", "energy_matrix", "energy_table", "layer_energy", "leakage_power_w",
]
