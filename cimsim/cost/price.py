"""The priced table (Accelergy's ERT and ART): every component's actions and instances, priced once per run.

:func:`price` evaluates every registered component's cost model (:mod:`cimsim.components.registry`) and the
preset's extra ``periphery`` blocks for a chip: per component and action, the energy per unit of the count the
action is charged per and its time; per instance, area and leakage; the sources of these numbers, and whether
they are published at this design point or scaled by a model away from it (:mod:`cimsim.components.calibration`). The energy
and area breakdowns (:mod:`cimsim.cost.energy`, :mod:`cimsim.cost.area`) are computed from it, and it is written
to ``report.json`` (``priced_table``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional

from cimsim.components.chip import ChipComponents, block_instances, build
from cimsim.components.registry import kinds

#: The model of an extra periphery block, by how its instances are counted (``PeripheryBlock.per``).
BLOCK_MODEL = {"unit": "node scaling (stillmaker2017 form)",
               "row": "per crossbar row; node scaling (stillmaker2017 form)",
               "column": "per crossbar column; node scaling (stillmaker2017 form)"}


@dataclass(frozen=True)
class PricedRow:
    """One (component, action) of the table; an area-only component has one row without an action.

    Attributes
    ----------
    component: component name (``adc``) or the preset's periphery block name.
    key: breakdown key its energy and area are reported under.
    level: hierarchy level of its instances (``crossbar`` / ``pe`` / ``tile`` / ``chip`` / ``neuron``; ``None``:
        no instances, e.g. NoC links).
    instances: instances per unit of ``level``.
    action: the action's name (``conversion``), ``None`` for area-only components.
    charged_per: the :class:`~cimsim.cost.activity.LayerActivity` count one energy unit is charged per.
    unit: what one unit of that count is.
    energy_j: energy per unit of ``charged_per`` (J).
    cycles / time_s: clock cycles and time (s) of one action (``None`` when not modelled).
    area_m2 / leakage_w: area (m2) and leakage power (W) of one instance.
    sources: bibliography key of each number (``energy``, ``area``, ``leakage``).
    basis: ``published`` (the figures hold at this design point) or ``scaled`` (a model scaled them).
    model: the parametric model that scales the published figures (:attr:`ComponentKind.model_name`).
    factors: model(chip) / model(design point) of energy, area and leakage (all 1 when published).
    """

    component: str
    key: str
    level: Optional[str]
    instances: float
    action: Optional[str]
    charged_per: Optional[str]
    unit: str
    energy_j: float
    cycles: Optional[int]
    time_s: Optional[float]
    area_m2: float
    leakage_w: float
    sources: dict
    basis: str
    model: str = "published"
    factors: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PricedTable:
    """The priced table of a chip and its component trees (the ART rolled up the hierarchy)."""

    rows: tuple[PricedRow, ...]
    components: ChipComponents
    cycle_s: float
    """Clock period (s) the times are in."""

    def charges(self) -> tuple[PricedRow, ...]:
        """Rows whose energy is charged per a count, registered components first, then periphery blocks."""
        return tuple(r for r in self.rows if r.charged_per is not None)

    def as_list(self) -> list[dict]:
        """JSON-ready rows (``report.json``'s ``priced_table``)."""
        return [asdict(r) for r in self.rows]


def _component_rows(chip, c: ChipComponents) -> list[PricedRow]:
    rows = []
    for k in kinds():
        comp = c.leaves.get(k.name)
        if comp is None:
            continue
        level, n = k.placement(chip)
        f = c.factors[k.name]
        base = dict(component=k.name, key=k.key(), level=level, instances=n, area_m2=comp.area_m2,
                    leakage_w=comp.leakage_w, sources=dict(comp.sources),
                    basis="published" if f.published else "scaled", model=k.model_name, factors=asdict(f))
        for a in k.actions:
            cycles = k.action_cycles(chip, a)
            rows.append(PricedRow(action=a.name, charged_per=a.charged_per, unit=a.unit,
                                  energy_j=k.energy_per_unit_j(comp, a), cycles=cycles,
                                  time_s=None if cycles is None else cycles * chip.cycle_s, **base))
        if not k.actions:
            rows.append(PricedRow(action=None, charged_per=None, unit="-", energy_j=0.0, cycles=None, time_s=None,
                                  **base))
    return rows


def _periphery_rows(chip, c: ChipComponents) -> list[PricedRow]:
    rows = []
    for name, b in chip.periphery.items():
        comp, f = c.periphery[name], c.factors[name]
        charged = b.charged_per if b.charged_per != "none" else None
        rows.append(PricedRow(component=name, key=b.category, level=b.level, instances=block_instances(chip, b),
                              action=charged,
                              charged_per=charged, unit=charged or "-", energy_j=comp.energy_j if charged else 0.0,
                              cycles=None, time_s=None, area_m2=comp.area_m2, leakage_w=comp.leakage_w,
                              sources=dict(comp.sources), basis="published" if f.published else "scaled",
                              model=BLOCK_MODEL[b.per], factors=asdict(f)))
    return rows


def price_table(chip) -> PricedTable:
    """The priced table of ``chip`` (module docstring)."""
    c = build(chip)
    return PricedTable(rows=tuple(_component_rows(chip, c) + _periphery_rows(chip, c)), components=c,
                       cycle_s=chip.cycle_s)


def as_priced(table_or_chip) -> PricedTable:
    """A :class:`PricedTable` as is; a chip priced."""
    return table_or_chip if isinstance(table_or_chip, PricedTable) else price_table(table_or_chip)


@dataclass(frozen=True)
class Prices:
    """Stage output of :func:`price`: the priced table, energy by layer and component (J), its breakdowns, and
    area by component (m2)."""

    table: PricedTable
    matrix: dict[str, dict[str, float]]
    """layer -> component -> energy (J), leakage included."""
    energy_j: dict[str, float]
    """component -> energy (J)."""
    layer_energy_j: dict[str, float]
    """layer -> energy (J)."""
    area_m2: dict[str, float]
    """component -> area (m2)."""


def price(chip, run) -> Prices:
    """The pricing stage: ``chip``'s priced table (evaluated once), then the run's action counts
    (:class:`~cimsim.cost.activity.RunActivity`) x the table + leakage x time, and the area the run uses."""
    from cimsim.cost.area import area_breakdown
    from cimsim.cost.energy import breakdown_of, energy_matrix

    table = price_table(chip)
    matrix = energy_matrix(table, run)
    energy, layer_energy = breakdown_of(matrix)
    return Prices(table, matrix, energy, layer_energy, area_breakdown(table, run))
