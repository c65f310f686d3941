"""Stage 1 of a run: execute the mapped network timestep by timestep and count every action.

All samples of a run are computed together (vectorised over the batch); the counts are kept per sample and per
timestep so that stage 2 (:mod:`cimsim.engine.schedule`) can time each (layer, sample, timestep) job on the
chip. The node operations are those of the functional oracle (:class:`cimsim.nodes.Runner`, shared with
:func:`cimsim.functional.evaluate`); :class:`EngineRun` only replaces a conv/linear's exact product by the crossbar
reads through the ADC (:func:`cimsim.engine.crossbar_layer.run_layer_step`) and counts what every node costs, so
values equal the oracle's except where a finite ADC distorts a crossbar layer's sums.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cimsim.config.schema import Chip
from cimsim.engine.counts import HostCounts
from cimsim.engine.crossbar_layer import AdcModel, run_layer_step
from cimsim.functional import check_inputs, predict
from cimsim.mapping import IO_HOST, Mapping
from cimsim.nodes import NodeKind, Runner


@dataclass
class Execution:
    """What stage 1 produced: values, spikes, and counts."""

    spikes: dict[str, np.ndarray]
    outputs: np.ndarray
    predictions: np.ndarray
    hosts: dict[str, HostCounts]
    traffic_bits: dict[tuple[str, str, int], np.ndarray] = field(default_factory=dict)
    """(source node, destination host, delay) -> bits to move per (t, n), ``[T, N]``, indexed by the timestep of
    the consumer; the destination :data:`IO_HOST` is the network output leaving the chip."""
    adc: AdcModel | None = None


def value_bits(kind: str, bits: int, numel: int, nnz: np.ndarray, chip: Chip) -> np.ndarray:
    """Bits to send a tensor over the NoC: spikes as address events or a bitmap (whichever is smaller),
    integers at their width, real values at the membrane width (fixed-point partial sums)."""
    if kind == "spike":
        return np.minimum(nnz * chip.noc.spike_address_bits, numel)
    if kind == "int":
        return np.full_like(nnz, numel * bits)
    return np.full_like(nnz, numel * chip.tile.lif.membrane_bits)


class EngineRun(Runner):
    """The oracle's time loop on the chip: crossbar products through the ADC, and every action counted."""

    def __init__(self, mapping: Mapping, inputs: np.ndarray, adc: AdcModel, progress=None):
        super().__init__(mapping.graph, inputs)
        self.mapping, self.chip, self.adc, self.progress = mapping, mapping.chip, adc, progress
        self.hosts = {h: HostCounts.zeros(self.T, self.N) for h in mapping.order}
        for n, model in self.models.items():
            if mapping.host[n] in self.hosts:  # membrane storage: one word per neuron and state variable
                self.hosts[mapping.host[n]].neurons += int(np.prod(self.nodes[n]["shape"])) * len(model.states)
        self.traffic: dict[tuple[str, str, int], np.ndarray] = {}
        self.out_node = self.graph.output_node()

    def matmul(self, n: str, d: dict, x: np.ndarray) -> np.ndarray:
        lm = self.mapping.layers[n]
        return run_layer_step(lm, d, x, self.chip, self.adc, lm.wmat, self.hosts[n], self.t)

    def edge(self, src: str, dst: str, delay: int, value: np.ndarray) -> None:
        """Values crossing from one host's tiles to another's travel over the NoC."""
        h = self.mapping.host[dst]
        if self.mapping.host[src] == h or h == IO_HOST:
            return
        nnz = (value.reshape(self.N, -1) != 0).sum(1).astype(np.int64)
        vt = self.types[src]
        bits = value_bits(vt.kind, vt.bits, int(np.prod(self.nodes[src]["shape"])), nnz, self.chip)
        self.traffic.setdefault((src, h, delay), np.zeros((self.T, self.N), np.int64))[self.t] = bits

    def counted(self, n: str, kind: NodeKind, d: dict, ins: list[np.ndarray], y: np.ndarray) -> None:
        """Digital additions on the host tile's accumulators, neuron updates on its LIF units."""
        hc = self.hosts.get(self.mapping.host[n])
        if hc is None:
            return
        t, tile = self.t, self.chip.tile
        units = self.mapping.layers[self.mapping.host[n]].lif_units
        ops = kind.accumulations(d, ins, y)
        if ops:
            hc.accumulations[t] += ops
            hc.digital_cycles[t] += math.ceil(ops / units) * tile.accumulator.cycles
        updates = kind.neuron_updates(y)
        if updates:
            hc.lif_updates[t] += updates
            hc.spikes_out[t] += y.reshape(self.N, -1).sum(1, dtype=np.int64)
            hc.lif_cycles[t] += math.ceil(updates / units) * tile.lif.cycles

    def timestep_done(self, output: np.ndarray) -> None:
        key = (self.out_node, IO_HOST, 0)
        bits = output[0].size * self.chip.tile.lif.membrane_bits
        self.traffic.setdefault(key, np.zeros((self.T, self.N), np.int64))[self.t] = bits
        if self.progress is not None:
            self.progress()


def execute(mapping: Mapping, inputs: np.ndarray, adc: AdcModel, progress=None) -> Execution:
    """Run ``inputs`` ``[T, N, *shape]`` (integers) through the mapped graph; see the module docstring.

    Parameters
    ----------
    mapping: the mapped network. inputs: integer inputs. adc: the ADC transfer function; a calibrated-range ADC
    must already hold its LSBs (:func:`cimsim.engine.adc_calibration.calibrate_adc`). progress: called after every
    timestep.

    Raises
    ------
    ValueError: a calibrated-range ADC without LSBs (a programming error: calibrate before executing).
    """
    if adc.calibrated and not adc.layer_lsb:
        raise ValueError("execute: the ADC has a calibrated range but no LSBs yet; "
                         "call cimsim.engine.adc_calibration.calibrate_adc(mapping, inputs, adc) first")
    run = EngineRun(mapping, check_inputs(mapping.graph, inputs), adc, progress)
    outputs, _ = run.run()
    return Execution(run.spikes, outputs, predict(mapping.graph, outputs), run.hosts, run.traffic, adc)
