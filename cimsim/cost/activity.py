"""Action counts: what the engine measured, before any pricing.

The engine (:mod:`cimsim.engine`) only counts actions and cycles; :mod:`cimsim.cost` prices them with the chip's
energy table (energy = counts x table + leakage x time) and rolls areas up the hierarchy. Counts are totals over
all samples and timesteps of a run.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass
class LayerActivity:
    """Actions of one mapped layer (a conv/linear node and the neurons/pool/add work attached to it).

    Attributes
    ----------
    name: graph node name.
    crossbars / pes / tiles: hardware the layer occupies (from the mapping).
    neurons: output neurons of the layer (membranes stored in its tiles).
    xbar_reads: row-group reads, each of one crossbar (all its columns).
    rows_driven: wordline activations summed over reads (rows with a spike, or every row in dense accounting).
    adc_conversions: ADC conversions (columns read through the mux, per read).
    mux_selects: column-mux selections (one per conversion).
    shift_adds: shift-add operations (one per conversion).
    accumulations: partial-sum adds across row blocks / crossbars and digital adds (residual, pool).
    lif_updates: neuron updates (charge + compare + reset), one per neuron per timestep.
    pe_buffer_bits / tile_buffer_bits / global_buffer_bits: bits read or written in PE / tile / global buffers.
    htree_bits: bits moved between PEs and their tile (inputs broadcast + partial sums).
    noc_flits / noc_flit_hops: flits injected into the mesh by this layer, and their router-to-router hops.
    noc_router_traversals: flits passing a router (hops + 1 per flit).
    busy_cycles: cycles the layer's hardware was computing (summed over timesteps and samples).
    array_cycles: of those, the crossbar reads and ADC conversions (the array side, before digital work).
    """

    name: str
    crossbars: int = 0
    pes: int = 0
    tiles: int = 0
    neurons: int = 0
    xbar_reads: int = 0
    rows_driven: int = 0
    adc_conversions: int = 0
    mux_selects: int = 0
    shift_adds: int = 0
    accumulations: int = 0
    lif_updates: int = 0
    pe_buffer_bits: int = 0
    tile_buffer_bits: int = 0
    global_buffer_bits: int = 0
    htree_bits: int = 0
    noc_flits: int = 0
    noc_flit_hops: int = 0
    noc_router_traversals: int = 0
    spikes_in: int = 0
    spikes_out: int = 0
    sops: int = 0
    busy_cycles: int = 0
    array_cycles: int = 0

    def add(self, other: "LayerActivity") -> None:
        """Accumulate another record's counts (not the mapping fields)."""
        for f in fields(self):
            if f.name in ("name", "crossbars", "pes", "tiles", "neurons"):
                continue
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict:
        return asdict(self)


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
