"""Action counts: what the engine measured, before any pricing.

The engine (:mod:`cimsim.engine`) only counts actions and cycles; :mod:`cimsim.cost` prices them with the chip's
priced table (energy = counts x table + leakage x time) and rolls areas up the hierarchy. Counts are totals over
all samples and timesteps of a run.

The counts of a layer are one record, :class:`LayerActivity`, whose count names are

* every per-host count of the engine (:class:`cimsim.engine.execute.HostCounts`: ``xbar_reads``,
  ``rows_driven``, ``adc_conversions``, ``accumulations``, ``lif_updates``, ``spikes_in``, ``sops``, the cycles
  of each stage ...), summed over timesteps and samples;
* ``busy_cycles`` (cycles the layer's hardware computed, from the schedule) and ``array_cycles`` (of those, the
  crossbar reads and ADC conversions);
* the counts the components derive from these (:attr:`cimsim.components.registry.ComponentKind.counts`:
  ``mux_selects``, ``shift_adds``, buffer and H-tree bits, NoC flits, hops and router traversals ...).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields

#: Fields of a layer record that describe its mapping, not actions.
MAPPING_FIELDS = ("crossbars", "pes", "tiles", "neurons")
#: Counts the cost stage adds from the schedule and the engine's cycles.
SCHEDULE_COUNTS = ("busy_cycles", "array_cycles")


@functools.cache
def count_names() -> tuple[str, ...]:
    """Every count of a :class:`LayerActivity`, in record order (see the module docstring)."""
    from cimsim.components.registry import derived_counts
    from cimsim.engine.counts import HostCounts

    engine = tuple(f.name for f in fields(HostCounts) if f.name not in MAPPING_FIELDS)
    return engine + SCHEDULE_COUNTS + tuple(derived_counts())


class LayerActivity:
    """Actions of one mapped layer (a conv/linear node and the neurons/pool/add work attached to it).

    Attributes
    ----------
    name: graph node name.
    crossbars / pes / tiles: hardware the layer occupies (from the mapping).
    neurons: output neurons of the layer (membranes stored in its tiles).
    counts: count name -> total (:func:`count_names`); each count is also an attribute (0 when not set).
    """

    def __init__(self, name: str, crossbars: int = 0, pes: int = 0, tiles: int = 0, neurons: int = 0,
                 **counts: int):
        object.__setattr__(self, "counts", {})
        self.name, self.crossbars, self.pes, self.tiles, self.neurons = name, crossbars, pes, tiles, neurons
        for key, value in counts.items():
            setattr(self, key, value)

    def __getattr__(self, key: str):
        if not key.startswith("_") and key != "counts" and key in count_names():
            return self.counts.get(key, 0)
        raise AttributeError(f"LayerActivity has no count {key!r}")

    def __setattr__(self, key: str, value) -> None:
        if key == "name" or key in MAPPING_FIELDS:
            object.__setattr__(self, key, value)
        elif key in count_names():
            self.counts[key] = value
        else:
            raise AttributeError(f"LayerActivity has no count {key!r}; counts: {', '.join(count_names())}")

    def __repr__(self) -> str:
        return f"LayerActivity({self.as_dict()!r})"

    def add(self, other: "LayerActivity") -> None:
        """Accumulate another record's counts (not the mapping fields)."""
        for key, value in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + value

    def as_dict(self) -> dict:
        return {"name": self.name, **{k: getattr(self, k) for k in MAPPING_FIELDS},
                **{k: self.counts.get(k, 0) for k in count_names()}}


@dataclass
class RunActivity:
    """Everything the engine measured in one run.

    Attributes
    ----------
    layers: per mapped layer, in graph order.
    cycles: total cycles of the run (all samples), from first input to last output.
    cycles_per_sample: latency of one inference (cycles), averaged over samples.
    initiation_interval: cycles between successive samples in the layer pipeline (throughput = clock / ii).
    tiles_used / pes_used / crossbars_used: hardware occupied by the mapping.
    n_samples / timesteps: run size.
    stage_cycles: critical-path cycles split by stage (crossbar, adc, digital, lif, noc).
    """

    layers: list[LayerActivity] = field(default_factory=list)
    cycles: int = 0
    cycles_per_sample: float = 0.0
    initiation_interval: float = 0.0
    tiles_used: int = 0
    pes_used: int = 0
    crossbars_used: int = 0
    n_samples: int = 0
    timesteps: int = 0
    stage_cycles: dict = field(default_factory=dict)

    def total(self) -> LayerActivity:
        t = LayerActivity("total")
        for layer in self.layers:
            t.add(layer)
        return t
