"""A hardware component: costs per action and per instance, the citations of those numbers, and its parts.

In the style of Accelergy: a component *contains* subcomponents (``parts``: (component, instances) pairs); one
action of a component costs ``energy_j``; ``area_m2`` and ``leakage_w`` are per instance and exclude the parts.
The simulator only counts actions; :mod:`cimsim.cost` prices them with these numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping

from pydantic import Field

from cimsim.config.quantity import Costs, Strict


class PeriphConfig(Strict):
    """A peripheral priced per action: wordline driver (per row driven), mux (per selection), shift-add (per op)."""

    costs: Costs
    cycles: int = Field(default=1, ge=0)


@dataclass(frozen=True)
class Component:
    """One kind of hardware block.

    Attributes
    ----------
    name: the block's name (``crossbar``, ``adc``, ``router`` ... or a preset's periphery block).
    category: breakdown key when it differs from ``name`` (periphery blocks: ``other``, ``accumulator`` ...);
        instances of one key are summed in reports (:attr:`key`).
    action: what one action is (``read``, ``conversion``, ``flit``...).
    energy_j: energy of one action (J).
    area_m2: area of one instance, parts excluded (m2).
    leakage_w: leakage power of one instance, parts excluded (W).
    sources: bibliography key of each number: ``{"energy": key, "area": key, "leakage": key}``.
    parts: (subcomponent, instances per instance of this one).
    """

    name: str
    action: str = "access"
    category: str = ""
    energy_j: float = 0.0
    area_m2: float = 0.0
    leakage_w: float = 0.0
    sources: Mapping[str, str] = field(default_factory=dict)
    parts: tuple[tuple["Component", int], ...] = ()

    @classmethod
    def from_costs(cls, name: str, costs: Costs, action: str = "access", **extra) -> "Component":
        return cls(
            name=name,
            action=action,
            energy_j=costs.energy.value,
            area_m2=costs.area.value,
            leakage_w=costs.leakage.value,
            sources={"energy": costs.energy.source, "area": costs.area.source, "leakage": costs.leakage.source},
            **extra,
        )

    @property
    def key(self) -> str:
        """Breakdown key: ``category`` if set, else ``name``."""
        return self.category or self.name

    # ------------------------------------------------------------ roll-ups
    def walk(self, instances: int = 1) -> Iterator[tuple["Component", int]]:
        """Every component in the tree with its total instance count (this one first)."""
        yield self, instances
        for part, n in self.parts:
            yield from part.walk(instances * n)

    def total_area_m2(self) -> float:
        return sum(c.area_m2 * n for c, n in self.walk())

    def total_leakage_w(self) -> float:
        return sum(c.leakage_w * n for c, n in self.walk())

    def area_by_key(self) -> dict[str, float]:
        """Area (m2) of the tree by breakdown key (:attr:`key`)."""
        out: dict[str, float] = {}
        for c, n in self.walk():
            out[c.key] = out.get(c.key, 0.0) + c.area_m2 * n
        return out

    def count(self, name: str) -> int:
        """Instances of the named component inside this one (this one included)."""
        return sum(n for c, n in self.walk() if c.name == name)

    def find(self, name: str) -> "Component":
        for c, _ in self.walk():
            if c.name == name:
                return c
        raise KeyError(name)
