"""Stage 1 of a run: execute the mapped network timestep by timestep and count every action.

All samples of a run are computed together (vectorised over the batch); the counts are kept per sample and per
timestep so that stage 2 (:mod:`cimsim.engine.schedule`) can time each (layer, sample, timestep) job on the
chip. Values flowing between nodes are exactly those of :func:`cimsim.functional.evaluate` except where a
finite ADC distorts a crossbar layer's sums.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

import kernels
from cimsim.config.schema import Chip
from cimsim.engine.crossbar_layer import AdcModel, run_layer_step
from cimsim.functional import (F32, INTEGER_READERS, affine, as_real, check_inputs, finish_matmul, lif_init, pool, predict)
from cimsim.mapping import IO_HOST, Mapping


@dataclass
class HostCounts:
    """Per-host (crossbar layer + the nodes it hosts) counts, arrays ``[T, N]`` unless noted."""

    xbar_reads: np.ndarray
    rows_driven: np.ndarray
    adc_conversions: np.ndarray
    xbar_cycles: np.ndarray
    adc_cycles: np.ndarray
    digital_cycles: np.ndarray
    lif_cycles: np.ndarray
    accumulations: np.ndarray
    lif_updates: np.ndarray
    spikes_in: np.ndarray
    spikes_out: np.ndarray
    sops: np.ndarray
    neurons: int = 0


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


def execute(mapping: Mapping, inputs: np.ndarray, adc: AdcModel, progress=None) -> Execution:
    """Run ``inputs`` ``[T, N, *shape]`` (integers) through the mapped graph; see the module docstring.

    A calibrated ADC without LSBs yet is calibrated on the first samples of ``inputs``
    (:func:`cimsim.engine.adc_calibration.calibrate_adc`); ``Execution.adc`` is the ADC used.
    """
    graph, chip = mapping.graph, mapping.chip
    inputs = check_inputs(graph, inputs)
    if adc.calibrated and not adc.layer_lsb:
        from cimsim.engine.adc_calibration import calibrate_adc

        adc = calibrate_adc(mapping, inputs, adc)
    types = graph.value_types()
    order = graph.order()
    T, N = inputs.shape[:2]
    out_node = graph.output_node()
    lif_nodes = graph.lif_nodes()
    spikes = {n: np.zeros((T, N, *graph.node(n)["shape"]), dtype=bool) for n in lif_nodes}
    z = lambda: np.zeros((T, N), np.int64)  # noqa: E731
    hosts = {h: HostCounts(*(z() for _ in range(12))) for h in mapping.order}
    wmats = {h: mapping.layers[h].wmat for h in mapping.order}
    traffic: dict[tuple[str, str, int], np.ndarray] = {}
    for n in order:
        hn = mapping.host[n]
        if hn in hosts and graph.node(n)["kind"] == "lif":
            hosts[hn].neurons += int(np.prod(graph.node(n)["shape"]))
    units = {h: mapping.layers[h].lif_units for h in mapping.order}
    prev: dict[str, np.ndarray] = {}
    mem: dict[str, np.ndarray] = {}
    outputs = []
    for t in range(T):
        cur: dict[str, np.ndarray] = {}
        for n in order:
            d = graph.node(n)
            kind = d["kind"]
            h = mapping.host[n]
            srcs = graph.inputs_of(n)
            ins = []
            for u, delay in srcs:
                if delay == 0:
                    ins.append(cur[u])
                else:
                    ins.append(prev[u] if u in prev else np.zeros((N, *graph.node(u)["shape"]), dtype=F32))
                hu = mapping.host[u]
                if hu != h and h != IO_HOST and (delay == 0 or u in prev):
                    val = ins[-1]
                    nnz = (val.reshape(N, -1) != 0).sum(1).astype(np.int64)
                    vt = types[u]
                    bits = value_bits(vt.kind, vt.bits, int(np.prod(graph.node(u)["shape"])), nnz, chip)
                    key = (u, h, delay)
                    if key not in traffic:
                        traffic[key] = np.zeros((T, N), np.int64)
                    traffic[key][t] = bits
            if kind not in INTEGER_READERS:
                ins = [as_real(v, types[u]) for v, (u, _) in zip(ins, srcs)]
            hc = hosts.get(h)
            if kind == "input":
                y = inputs[t]
            elif kind in ("conv", "linear"):
                (src, _), = srcs
                acc, step = run_layer_step(mapping.layers[n], d, ins[0], chip, adc, wmats[n])
                y = finish_matmul(d, acc, types[src].scale, N)
                lm = mapping.layers[n]
                hc.xbar_reads[t] += step.xbar_reads
                hc.rows_driven[t] += step.rows_driven
                hc.adc_conversions[t] += step.adc_conversions
                hc.xbar_cycles[t] += step.xbar_cycles
                hc.adc_cycles[t] += step.adc_cycles
                hc.spikes_in[t] += step.spikes_in
                hc.sops[t] += step.sops
                # partial sums of ADC blocks (row blocks, or PEs with analog sum) and bit planes added in the
                # tile's accumulators (adder tree)
                n_parts = lm.adc_blocks * lm.in_planes
                adds = lm.positions * lm.outputs * max(0, n_parts - 1)
                hc.accumulations[t] += adds
                depth = math.ceil(math.log2(n_parts)) if n_parts > 1 else 0
                hc.digital_cycles[t] += lm.positions_per_copy * depth * chip.tile.accumulator.cycles
            elif kind == "pool":
                (src, _), = srcs
                y = pool(d, ins[0], types[src].is_integer)
                ops = y[0].size * int(np.prod(d["kernel"]))
                if hc is not None:
                    hc.accumulations[t] += ops
                    hc.digital_cycles[t] += math.ceil(ops / units[h]) * chip.tile.accumulator.cycles
            elif kind == "lif":
                v = mem.get(n)
                if v is None:
                    v = lif_init(d, (N, *d["shape"]))
                x = np.ascontiguousarray(ins[0], dtype=F32)
                r = 0.0 if d.get("v_reset") is None else float(d["v_reset"])
                s = kernels.lif_update(x, v, F32(1.0 / float(d["tau"])), F32(r), F32(d["v_threshold"]),
                                       d.get("v_reset") is None).view(bool)
                mem[n] = v
                spikes[n][t] = s
                y = s.view(np.uint8)
                if hc is not None:
                    numel = s[0].size
                    hc.lif_updates[t] += numel
                    hc.spikes_out[t] += s.reshape(N, -1).sum(1)
                    hc.lif_cycles[t] += math.ceil(numel / units[h]) * chip.tile.lif.cycles
            elif kind == "add":
                y = ins[0].astype(F32)
                for zz in ins[1:]:
                    y = y + zz.astype(F32)
                if hc is not None:
                    ops = y[0].size * (len(ins) - 1)
                    hc.accumulations[t] += ops
                    hc.digital_cycles[t] += math.ceil(ops / units[h]) * chip.tile.accumulator.cycles
            elif kind == "affine":
                y = affine(d, ins[0])
                if hc is not None:
                    hc.accumulations[t] += y[0].size
                    hc.digital_cycles[t] += math.ceil(y[0].size / units[h]) * chip.tile.accumulator.cycles
            elif kind == "flatten":
                y = ins[0].reshape(N, -1)
            else:  # output
                y = ins[0]
            cur[n] = y
        outputs.append(np.asarray(cur[out_node], dtype=F32).reshape(N, -1))
        key = (out_node, IO_HOST, 0)
        traffic.setdefault(key, np.zeros((T, N), np.int64))[t] = outputs[-1][0].size * chip.tile.lif.membrane_bits
        prev = cur
        if progress is not None:
            progress()
    outs = np.stack(outputs)
    return Execution(spikes, outs, predict(graph, outs), hosts, traffic, adc)
