"""LIF neuron update units and membrane storage."""
from __future__ import annotations

from cimsim.components.base import Component
from cimsim.config.schema import LifUnitConfig


def lif_unit(cfg: LifUnitConfig) -> Component:
    """One LIF update unit: an action is one neuron update (leak + charge + compare + reset)."""
    return Component.from_costs("lif_unit", cfg.costs, action="neuron update")


def membrane_storage(cfg: LifUnitConfig) -> Component:
    """Membrane-potential storage of one mapped neuron (``membrane_bits`` bits); area only.

    Counted under ``lif_unit`` in area breakdowns: the neuron's state belongs to the neuron hardware.
    """
    q = cfg.membrane_area_per_neuron
    return Component(name="lif_unit", action="(storage)", area_m2=q.value, sources={"area": q.source})
