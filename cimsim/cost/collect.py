"""Collect one count record per layer: the engine's per-host counts, the schedule's, and the derived counts.

:func:`collect_activity` folds the per-(t, n) counts of :class:`cimsim.engine.execute.Execution` into one
:class:`~cimsim.cost.activity.LayerActivity` per mapped layer, generically: every count array of the engine's
per-host record is summed under its own name, and the counts the components derive
(:attr:`cimsim.components.registry.ComponentKind.counts`) are evaluated on a :class:`CountContext`.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Optional

import numpy as np

from cimsim.components.registry import derived_counts
from cimsim.cost.activity import LayerActivity, RunActivity
from cimsim.mapping import IO_HOST, Mapping


@dataclass(frozen=True)
class CountContext:
    """What a derived-count rule may read for one layer (all totals over the run).

    Attributes
    ----------
    chip: the hardware.
    layer: the layer's mapping (:class:`cimsim.mapping.LayerMapping`).
    accounting: ``event`` | ``dense`` | ``all_groups`` (see :attr:`cimsim.config.schema.Chip.accounting`).
    counts: the engine's counts summed over the run, plus ``busy_cycles`` and ``array_cycles``.
    noc: the schedule's NoC counts of the layer: ``flits``, ``flit_hops``, ``router_traversals``.
    received_bits: bits the layer receives from other layers and the chip's input.
    io_bits: of those, the bits of the chip's input (fetched from the global buffer).
    psum_bits: partial sums (membrane width) leaving PEs for their tile, one per (PE, output).
    buffered_psum_bits: partial sums accumulated through the tile buffer (outputs whose row blocks span PEs).
    """

    chip: object
    layer: object
    accounting: str
    counts: dict
    noc: dict
    received_bits: int
    io_bits: int
    psum_bits: int
    buffered_psum_bits: int


def _traffic(mapping: Mapping, ex) -> tuple[dict[str, int], dict[str, int]]:
    """Bits each host receives, and of those the bits of the chip's input."""
    received = {h: 0 for h in mapping.order}
    from_io = {h: 0 for h in mapping.order}  # chip inputs are fetched from the global buffer
    for (u, k, _), bits in ex.traffic_bits.items():
        if k != IO_HOST:
            received[k] += int(bits.sum())
            if mapping.host[u] == IO_HOST:
                from_io[k] += int(bits.sum())
    return received, from_io


def _engine_counts(host) -> dict[str, int]:
    """Every per-(t, n) count array of the engine's per-host record, summed, under its own name."""
    return {f.name: int(getattr(host, f.name).sum()) for f in fields(host)
            if isinstance(getattr(host, f.name), np.ndarray)}


def layer_activity(mapping: Mapping, ex, sched, host: str, received: int, io_bits: int,
                   accounting: str) -> LayerActivity:
    """The count record of one mapped layer (see the module docstring)."""
    chip, lm, c = mapping.chip, mapping.layers[host], ex.hosts[host]
    T, N = c.xbar_cycles.shape
    counts = _engine_counts(c)
    counts["busy_cycles"] = int(sched.host_busy[host])
    counts["array_cycles"] = counts["xbar_cycles"] + counts["adc_cycles"]
    per_run = lm.positions * lm.in_planes * chip.tile.lif.membrane_bits * T * N
    ctx = CountContext(chip=chip, layer=lm, accounting=accounting, counts=counts, noc=sched.noc[host],
                       received_bits=received, io_bits=io_bits, psum_bits=lm.placement.pe_psum_words * per_run,
                       buffered_psum_bits=lm.placement.buffered_psum_words * per_run)
    derived = {name: int(rule(ctx)) for name, rule in derived_counts().items()}
    return LayerActivity(host, crossbars=lm.crossbars, pes=lm.pes, tiles=lm.tiles, neurons=c.neurons,
                         **counts, **derived)


def collect_activity(mapping: Mapping, ex, sched, accounting: Optional[str] = None) -> RunActivity:
    """Fold the per-(t, n) counts of the execution and the schedule's counts into :class:`RunActivity`.

    Parameters
    ----------
    mapping, ex, sched: the outputs of :func:`cimsim.mapping.map_graph`, :func:`cimsim.engine.execute.execute`
        and :func:`cimsim.engine.schedule.schedule`.
    accounting: how reads were counted (default: the chip's); the buffer and H-tree traffic follow it.
    """
    accounting = accounting or mapping.chip.accounting
    T, N = next(iter(ex.hosts.values())).xbar_cycles.shape
    received, from_io = _traffic(mapping, ex)
    layers = [layer_activity(mapping, ex, sched, h, received[h], from_io[h], accounting) for h in mapping.order]
    ii = max(sched.host_busy.values()) / N if N else 0.0
    return RunActivity(layers=layers, cycles=sched.cycles, cycles_per_sample=float(sched.sample_latency.mean()),
                       initiation_interval=ii, tiles_used=mapping.tiles_used, pes_used=mapping.pes_used,
                       crossbars_used=mapping.crossbars_used, n_samples=N, timesteps=T,
                       stage_cycles=dict(sched.stage_cycles))
