"""Calibrated ADC range (``adc.range: calibrated``): each layer's ADC LSB set to the column values that occur.

A finite ADC whose LSB is one cell level (``saturate``) clips the large column sums of many driven rows (PE-level
analog sums of 9 crossbars, offset-coded weights); one whose LSB spans the largest *possible* sum (``full``)
rounds the sums that actually occur to a few codes. Real designs set the ADC input range to the observed sums
(SpikeSim's ADC, NeuroSim's multilevel sense amplifier with reference levels). This module does that:

1. Calibration data: the ideal (exact integer) network, :func:`cimsim.functional.evaluate`, run on calibration
   inputs ``[T, N, ...]``: by default the first ``adc.calibration_samples`` samples of the run, all timesteps
   (or separate inputs passed to :func:`cimsim.simulate`). Each crossbar layer sees its ideal inputs, so the
   calibration does not depend on the ADC being calibrated (it is deterministic for given inputs). The
   histograms are streamed: each layer's reads are counted as the ideal time loop reaches it, one timestep at a
   time, and the result is cached per (graph, chip, run options, inputs) (:mod:`cimsim.engine.run_cache`).
2. Statistic: for each layer, every read the chip would perform (each bit plane, each ADC block, each row group
   with at least one driven row) gives one value per column: the ADC's input, ``sum(x * cells)`` in cell levels
   (``sum(x * (cells - ref))`` with an analog offset reference). The absolute nonzero values are histogrammed per
   *cell column of an output* (weight slice; and sign with differential weights) -- columns of different slices
   have different statistics (offset-coded high slices hold the offset), so each gets its own range.
3. LSB, a power of two ``L >= 1`` so that the digital reconstruction ``code x L`` is a shift; ``max_code`` is
   ``2**bits - 1``, or ``2**(bits-1) - 1`` for the signed ADC of an analog reference (its range is taken as the
   symmetric ``+-max_code x L``), and the conversion of a value ``v`` is ``q_L(v) = min(round(v / L), max_code) x L``
   (round half to even). ``adc.calibration_rule``:

   - ``mse`` (default): the ``L`` with the least squared conversion error ``sum (q_L(v) - v)**2`` over the
     values (rounding error against saturation), smallest ``L`` on ties; the candidates run from 1 up to the first
     ``L`` whose top code covers the largest value (larger ones only add rounding error).
   - ``quantile``: ``Q`` = the ``adc.calibration_quantile`` quantile of the values (inverted CDF: the smallest
     value ``v`` with at least ``ceil(q x count)`` values ``<= v``); the smallest ``L`` with ``max_code x L >= Q``.

   With ``calibration_granularity: layer`` one LSB serves all the layer's columns: ``mse`` sums the columns'
   errors weighted by their squared significance (``col_weights``), ``quantile`` pools their values. Values beyond
   ``max_code x L`` saturate. A layer without nonzero values keeps ``L = 1``.

   On the SpikeSim preset (PE analog sum of 9 crossbars, 4-bit ADC) and an 8-bit digits network, ``mse`` picks
   LSBs half those of ``quantile`` at q = 0.999 and changes fewer spikes; see ``hwconfigs/references.bib``
   (assume_adc_calibrated) for the measured accuracies.

Calibration is an offline step: it adds no action to the run (counts and costs are those of the other modes).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

import kernels
from cimsim.config.schema import Chip
from cimsim.engine import run_cache
from cimsim.engine.crossbar_layer import (AdcModel, bit_planes, block_cells, block_rows, input_rows,
                                          reference_levels, unit_levels, virtual_rows)
from cimsim.functional import check_inputs, evaluate, predict
from cimsim.graph import SnnGraph
from cimsim.mapping import LayerMapping, Mapping
from cimsim.nodes import Runner
from cimsim.ops import exact_matmul


@dataclass(frozen=True)
class _ReadLayout:
    """What a layer's calibration reads need at every timestep, built once per layer: the ADC blocks' rows in read
    order with their rows per read, each block's cell levels, and the analog reference levels (or None). A layer
    driving rows at up to ``levels > 1`` levels reads them as level-1 rows (:func:`unit_levels`): rows per read and
    cell rows ``levels`` times."""

    blocks: list[tuple[np.ndarray | slice, int]]
    cells: list[np.ndarray]
    refs: np.ndarray | None
    levels: int
    read_sums: bool
    """Whether the exact product comes from the reads (:func:`kernels.column_histogram_sums`) or from a matrix
    product: the reads add one multiply-add per (read, cell column), the matrix product about a tenth of that per
    (row, output), so the reads win when a read spans more than about 16 rows per cell column of an output
    (SpikeSim's 576-row PE reads of 2 slices; not NeuroSim's 64-row reads of 8 one-bit slices). Same numbers."""

    @classmethod
    def of(cls, lm: LayerMapping, chip: Chip) -> "_ReadLayout":
        refs = None
        if lm.offset and chip.crossbar.offset_reference == "analog":
            refs = np.tile(np.asarray(reference_levels(chip, lm.weight_bits), np.int64), lm.outputs)
        levels = lm.input_levels
        blocks = [(idx, per_read * levels) for idx, per_read, _ in (virtual_rows(lm, j, chip)
                                                                    for j in range(lm.adc_blocks))]
        cells = [np.ascontiguousarray(block_cells(lm, idx), dtype=np.uint8) for idx, _ in blocks]
        if levels > 1:
            cells = [np.repeat(c, levels, 0) for c in cells]
        return cls(blocks, cells, refs, levels, min(per_read for _, per_read in blocks) >= 16 * lm.cols_per_output)


def column_value_histogram(lm: LayerMapping, node: dict, x: np.ndarray, chip: Chip, sums: bool = False,
                           layout: _ReadLayout | None = None) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Histogram of the absolute nonzero per-read column values of one layer for one timestep.

    Parameters
    ----------
    lm: the layer's mapping. node: its graph attributes. x: its integer input ``[N, *in_shape]``.
    sums: also return the layer's exact integer product, from the same reads. layout: the layer's read layout
    (built here when not given; a caller that reads the layer every timestep keeps it).

    Returns
    -------
    int64 ``[cols_per_output, bound + 1]``: entry ``[c, v]`` counts the (read, column) pairs of cell column ``c``
    of an output whose ADC input has ``|value| == v`` (``v >= 1``; entry 0 is always 0). ``bound`` is the largest
    possible |value|: rows per read x (2**bits_per_cell - 1) x the layer's highest input level. With ``sums``,
    ``(hist, product)``: the product int64 ``[N, P, outputs]`` equals :func:`cimsim.ops.exact_matmul` of the
    layer's input rows and weights.
    """
    layout = layout or _ReadLayout.of(lm, chip)
    max_cell = 2**chip.crossbar.bits_per_cell - 1
    cpo = lm.cols_per_output
    hist = np.zeros((cpo, lm.sum_blocks * chip.crossbar.parallel_rows * max_cell * layout.levels + 1), np.int64)
    rows = input_rows(lm, node, x)
    n, p = rows.shape[:2]
    read_sums = sums and layout.read_sums
    product = np.zeros((n * p, lm.outputs), np.int64) if read_sums else None
    for sig, plane in bit_planes(rows, lm):
        flat = plane.reshape(n * p, lm.rows)
        for (idx, per_read), cb in zip(layout.blocks, layout.cells):
            # every read with a driven row: its column values, counted per cell column of an output; the cells
            # hold weight + offset, which the sums remove per driven (level-1) row
            xb = unit_levels(block_rows(flat, idx), layout.levels)
            if read_sums:
                _, part = kernels.column_histogram_sums(xb, cb, per_read, cpo, layout.refs, lm.col_weights,
                                                        lm.offset, max_cell, hist)
                product += sig * part
            else:
                kernels.column_histogram(xb, cb, per_read, cpo, layout.refs, max_cell, hist)
    hist[:, 0] = 0
    if not sums:
        return hist
    return hist, (product.reshape(n, p, lm.outputs) if read_sums else exact_matmul(rows, lm.wmat))


def histogram_quantile(hist: np.ndarray, q: float) -> int:
    """Inverted-CDF quantile of the values counted by ``hist`` ``[V]`` (``hist[v]`` = count of value ``v``):
    the smallest ``v`` with ``sum(hist[:v + 1]) >= ceil(q x total)``; 0 when the histogram is empty."""
    total = int(hist.sum())
    if total == 0:
        return 0
    rank = max(1, math.ceil(q * total))
    return int(np.searchsorted(np.cumsum(hist), rank, side="left"))


def lsb_covering(value: float, max_code: int) -> float:
    """The smallest power of two ``L >= 1`` with ``max_code x L >= value``."""
    lsb = 1
    while max_code * lsb < value:
        lsb *= 2
    return float(lsb)


def conversion_error(hist: np.ndarray, lsb: int, max_code: int) -> int:
    """Squared conversion error ``sum_v hist[v] x (min(round(v / lsb), max_code) x lsb - v)**2`` (exact integer)."""
    v = np.arange(hist.shape[-1], dtype=np.int64)
    q = np.minimum(np.rint(v / lsb).astype(np.int64), max_code) * lsb
    return int((hist.astype(np.int64) * (q - v) ** 2).sum())


def mse_lsb(hists: np.ndarray, max_code: int, weights: np.ndarray | None = None) -> float:
    """The power of two ``L >= 1`` minimising ``sum_c weights[c]**2 x conversion_error(hists[c], L)``.

    hists: ``[C, V]`` (or ``[V]``) value histograms; weights: ``[C]`` significances (default 1). Candidates run from
    1 to the first ``L`` with ``max_code x L >= `` the largest value; ties keep the smaller ``L``.
    """
    hists = np.atleast_2d(hists)
    weights = np.ones(len(hists), np.int64) if weights is None else np.asarray(weights, np.int64)
    nz = np.nonzero(hists.sum(0))[0]
    top = int(nz[-1]) if len(nz) else 0
    hists = hists[:, : top + 1]  # the bins above the largest value are empty: they add no error
    best, best_err, lsb = 1, None, 1
    while True:
        err = sum(int(w) ** 2 * conversion_error(h, lsb, max_code) for h, w in zip(hists, weights))
        if best_err is None or err < best_err:
            best, best_err = lsb, err
        if max_code * lsb >= top:
            return float(best)
        lsb *= 2


class _CalibrationRun(Runner):
    """The ideal network's time loop, histogramming what each crossbar layer reads on the first ``samples``
    samples as it goes (one timestep at a time: no activation of another timestep is kept). The reads of those
    samples also give the layer's exact product (one pass over the driven rows, not a histogram pass and a matrix
    product); the other samples' products are matrix products."""

    def __init__(self, mapping: Mapping, inputs: np.ndarray, samples: int):
        super().__init__(mapping.graph, inputs)
        self.mapping, self.samples = mapping, samples
        self.hists: dict[str, np.ndarray] = {}
        self.layouts = {n: _ReadLayout.of(lm, mapping.chip) for n, lm in mapping.layers.items()}

    def matmul(self, n: str, d: dict, x: np.ndarray) -> np.ndarray:
        lm = self.mapping.layers.get(n)
        if lm is None:
            return super().matmul(n, d, x)
        h, product = column_value_histogram(lm, d, x[: self.samples], self.mapping.chip, sums=True,
                                            layout=self.layouts[n])
        self.hists[n] = h if n not in self.hists else self.hists[n] + h
        if self.samples < self.N:
            product = np.concatenate([product, super().matmul(n, d, x[self.samples:])])
        return product


@dataclass(frozen=True)
class IdealReference:
    """The ideal (exact integer) network's spikes ``{node: [T, N, *shape]}`` and predictions ``[N]`` on a run's
    inputs: the fidelity section's reference."""

    spikes: dict[str, np.ndarray]
    predictions: np.ndarray


def _reference_key(graph_key: str, inputs: np.ndarray) -> str:
    return run_cache.digest("reference", graph_key, inputs)


def ideal_reference(graph: SnnGraph, inputs: np.ndarray, graph_key: str | None = None) -> IdealReference:
    """The ideal network on ``inputs`` ``[T, N, ...]``: from the cache (:mod:`cimsim.engine.run_cache`; the
    calibration pass of the same run stores it) or one :func:`cimsim.functional.evaluate`. ``graph_key``: the
    graph's :func:`~cimsim.engine.run_cache.graph_digest` when the caller has it."""
    inputs = check_inputs(graph, inputs)  # int32, as the calibration pass keys them
    key = _reference_key(graph_key or run_cache.graph_digest(graph), inputs)
    hit = run_cache.REFERENCES.get(key)
    if hit is not None:
        return IdealReference(*hit)
    ref = evaluate(graph, inputs)
    run_cache.REFERENCES.put(key, (ref.spikes, ref.predictions))
    return IdealReference(ref.spikes, ref.predictions)


def adc_for_run(mapping: Mapping, inputs: np.ndarray, calibration_inputs: np.ndarray | None = None,
                graph_key: str | None = None) -> AdcModel:
    """The calibration stage of a run (the one place a run calibrates): the ADC of ``mapping``'s chip, ideal with
    ``options.ideal_adc``; with ``adc.range: calibrated`` its LSBs set on ``calibration_inputs`` when given, else
    on the first ``adc.calibration_samples`` samples of the run's ``inputs`` ``[T, N, *input_shape]``.

    With ``options.fidelity`` and the run's own inputs, the calibration pass runs the ideal network over all of
    them (histogramming only the first samples) and stores its spikes as the fidelity reference
    (:func:`ideal_reference` then finds them): one ideal forward serves both. ``graph_key``: the graph's
    :func:`~cimsim.engine.run_cache.graph_digest` when the caller has it.

    Raises
    ------
    UserError: inputs that do not fit the graph's input node.
    """
    adc = AdcModel.for_chip(mapping.chip, force_ideal=mapping.options.ideal_adc)
    if not adc.calibrated:
        return adc
    if calibration_inputs is not None:
        return calibrate_adc(mapping, check_inputs(mapping.graph, np.asarray(calibration_inputs)), adc,
                             data="ideal-network activations of the separate calibration inputs (all timesteps)",
                             graph_key=graph_key)
    return calibrate_adc(mapping, check_inputs(mapping.graph, np.asarray(inputs)), adc,
                         keep_reference=mapping.options.fidelity, graph_key=graph_key)


def calibrate_adc(mapping: Mapping, inputs: np.ndarray, adc: AdcModel,
                  data: str = "ideal-network activations of the first calibration samples (all timesteps)",
                  keep_reference: bool = False, graph_key: str | None = None) -> AdcModel:
    """The calibrated ADC of ``mapping``'s layers (see the module docstring), cached per (graph, chip, run
    options, inputs) in :data:`cimsim.engine.run_cache.CALIBRATIONS`.

    Parameters
    ----------
    mapping: the mapped network. inputs: calibration inputs ``[T, N, *input_shape]`` (integers); only the first
    ``adc.calibration_samples`` samples are used. adc: the chip's :class:`AdcModel` (``calibrated`` set).
    data: what the inputs are (recorded in the calibration info). keep_reference: run the ideal network over all
    of ``inputs`` and cache its spikes as their :func:`ideal_reference` (no extra pass for the fidelity section).
    graph_key: the graph's :func:`~cimsim.engine.run_cache.graph_digest` when the caller has it.

    Returns
    -------
    A copy of ``adc`` with ``layer_lsb`` (layer -> ``[cols_per_output]`` LSBs) and ``calibration`` (what was
    seen: ``rule``, ``quantile``, ``samples``, ``timesteps``, ``granularity`` and per layer ``lsb``,
    ``quantile_value`` (the ``calibration_quantile`` of the values, reported with either rule) and ``values``
    (nonzero column values counted) per cell column of an output). ``adc`` itself when it is
    not calibrated.
    """
    if not adc.calibrated:
        return adc
    inputs = check_inputs(mapping.graph, inputs)
    samples = min(int(inputs.shape[1]), mapping.chip.adc.calibration_samples)
    graph_key = graph_key or run_cache.graph_digest(mapping.graph)
    # every run option but the fidelity pass (which only reads the result) may change the layers' layout
    options = mapping.options.model_dump(mode="json", exclude={"fidelity"})
    key = run_cache.digest("calibration", graph_key, mapping.chip.config_hash(), options, inputs[:, :samples],
                           adc.max_code, data)
    ref_key = _reference_key(graph_key, inputs)
    hit = run_cache.CALIBRATIONS.get(key)
    if hit is not None and (not keep_reference or ref_key in run_cache.REFERENCES):
        return dataclasses.replace(adc, layer_lsb=hit[0], calibration=hit[1])
    whole = keep_reference or samples == inputs.shape[1]
    run = _CalibrationRun(mapping, inputs if whole else inputs[:, :samples], samples)
    outputs, _ = run.run()
    if whole:
        run_cache.REFERENCES.put(ref_key, (run.spikes, predict(mapping.graph, outputs)))
    layer_lsb, info = _lsbs(mapping, run.hists, adc, samples, int(inputs.shape[0]), data)
    run_cache.CALIBRATIONS.put(key, (layer_lsb, info))
    return dataclasses.replace(adc, layer_lsb=layer_lsb, calibration=info)


def _lsbs(mapping: Mapping, hists: dict[str, np.ndarray], adc: AdcModel, samples: int, timesteps: int,
          data: str) -> tuple[dict[str, np.ndarray], dict]:
    """Per-layer LSBs from the layers' value histograms, and the calibration info (see :func:`calibrate_adc`)."""
    cfg = mapping.chip.adc
    layer_lsb: dict[str, np.ndarray] = {}
    per_layer: dict[str, dict] = {}
    for name in mapping.order:
        lm = mapping.layers[name]
        hist = hists[name]
        layer = cfg.calibration_granularity == "layer"
        if layer:
            qv = [histogram_quantile(hist.sum(0), cfg.calibration_quantile)] * lm.cols_per_output
        else:
            qv = [histogram_quantile(h, cfg.calibration_quantile) for h in hist]
        if cfg.calibration_rule == "quantile":
            lsbs = np.array([lsb_covering(v, adc.max_code) for v in qv], np.float64)
        elif layer:
            lsbs = np.full(lm.cols_per_output, mse_lsb(hist, adc.max_code, lm.col_weights))
        else:
            lsbs = np.array([mse_lsb(h, adc.max_code) for h in hist], np.float64)
        layer_lsb[name] = lsbs
        per_layer[name] = {"lsb": lsbs.tolist(), "quantile_value": qv, "values": hist.sum(1).tolist()}
    info = {"rule": cfg.calibration_rule, "quantile": cfg.calibration_quantile, "samples": samples,
            "timesteps": timesteps, "granularity": cfg.calibration_granularity, "max_code": adc.max_code,
            "data": data, "layers": per_layer}
    return layer_lsb, info
