"""``cimsim.simulate``: graph + chip + inputs -> Report, through the explicit stages of a run.

``load_config`` (:mod:`cimsim.config.loader`) -> :func:`~cimsim.mapping.map_graph` -> ADC calibration
(:func:`~cimsim.engine.adc_calibration.adc_for_run`) -> :func:`~cimsim.engine.execute.execute` ->
:func:`~cimsim.engine.schedule.schedule` -> :func:`~cimsim.cost.collect_activity` -> :func:`~cimsim.cost.price` ->
:func:`~cimsim.assemble.build_report` (:func:`cimsim.stages.run_stages` keeps every output; :func:`cimsim.stages.save`
writes them). Each takes the previous stage's output and can be called on its own;
:func:`run_mapping` runs the stages after the mapping, :func:`simulate` all of them (and accepts a ready
:class:`Mapping`).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from cimsim.config.schema import Chip
from cimsim.errors import UserError
from cimsim.graph import SnnGraph
from cimsim.mapping import Mapping, map_graph
from cimsim.networks import ARCHS, build_network, random_spike_inputs
from cimsim.options import RunOptions, split_overrides
from cimsim.report import Report
from cimsim.stages import run_stages

DEFAULT_HW = "spikesim_rram_65nm"


def resolve_model(model: SnnGraph | str | Path, seed: int = 0) -> SnnGraph:
    """A graph, a built-in network name, or a saved ``*.snn.json`` path -> :class:`SnnGraph`."""
    if isinstance(model, SnnGraph):
        return model
    text = str(model)
    if text in ARCHS:
        return build_network(text, seed=seed)
    if text.endswith(".snn.json") or Path(text).is_file():
        return SnnGraph.load(text)
    raise UserError(f"unknown model {text!r}: give a built-in network ({', '.join(ARCHS)}) or a saved *.snn.json graph")


def resolve_chip(hw: Chip | str | Path, overrides: dict | None = None) -> Chip:
    """A :class:`Chip`, a preset name or a YAML path, with dotted-path ``overrides`` (hardware fields and run
    options, e.g. ``{"adc.bits": 6, "accounting": "dense"}``); the chip's ``run`` holds its run options."""
    from cimsim.config.loader import load_config

    if isinstance(hw, Chip):
        return hw.with_changes(overrides) if overrides else hw
    return load_config(str(hw), overrides=overrides)


def resolve_options(base: RunOptions, options: RunOptions | None = None, overrides: dict | None = None,
                    **changes) -> RunOptions:
    """The run's options: ``options`` (default: ``base``, the preset's defaults), then the dotted-path
    ``overrides`` (``{"mapping.share_tiles": True}``), then the fields given in ``changes``
    (``accounting="dense"``, ``ideal_adc=True`` ...; None keeps a field)."""
    changes = {**(overrides or {}), **{k: v for k, v in changes.items() if v is not None}}
    chosen = base if options is None else options
    return chosen.with_changes(changes) if changes else chosen


def run_inputs(graph: SnnGraph, inputs: np.ndarray | None, timesteps: int, samples: int, spike_rate: float,
               seed: int) -> np.ndarray:
    """``inputs`` as an array, or seeded Bernoulli spikes ``[timesteps, samples, *input_shape]`` at ``spike_rate``."""
    if inputs is not None:
        return np.asarray(inputs)
    node = graph.node(graph.input_node())
    if int(node.get("bits", 1)) != 1:
        raise UserError(f"graph {graph.name!r} takes {node['bits']}-bit inputs; pass inputs= (random spikes only fit spike inputs)")
    if timesteps < 1 or samples < 1:
        raise UserError(f"timesteps and samples must be >= 1 (got {timesteps}, {samples})")
    return random_spike_inputs(graph, timesteps, samples, spike_rate, seed)


def simulate(model: SnnGraph | Mapping | str | Path, hw: Chip | str | Path | None = None, *, timesteps: int = 5,
             inputs: np.ndarray | None = None, spike_rate: float = 0.1, samples: int = 1, seed: int = 0,
             labels: np.ndarray | None = None, calibration_inputs: np.ndarray | None = None,
             options: RunOptions | None = None, overrides: dict | None = None, progress: bool = False,
             **option_changes) -> Report:
    """Map ``model`` onto ``hw`` (or take a ready mapping) and simulate it cycle by cycle.

    Parameters
    ----------
    model: an :class:`SnnGraph`, a built-in network name (``vgg9``, ``vgg8``, ``tiny``), a ``*.snn.json`` path,
        or a :class:`Mapping` from :func:`~cimsim.mapping.map_graph` (it carries its graph and chip: no ``hw``).
    hw: a :class:`Chip`, a preset name or a YAML path (default ``spikesim_rram_65nm``).
    timesteps, samples, spike_rate: T, N and the rate of the seeded random input spikes used without ``inputs``.
    inputs: integer inputs ``[T, N, *input_shape]``.
    seed: seeds the random inputs and a built-in network's weights; recorded in the report.
    labels: ``[N]`` class labels; when given the report has ``totals.accuracy``.
    calibration_inputs: with ``adc.range: calibrated``, integer inputs ``[T', N', *input_shape]`` whose first
        ``adc.calibration_samples`` samples set the ADC's LSBs (default: the first samples of ``inputs``); the
        LSBs are in ``report.meta["adc_calibration"]`` (and ``report.fidelity["adc_lsb"]``).
    options: the :class:`RunOptions` (default: the preset's, ``hw.run``).
    overrides: dotted-path changes of hardware fields and run options, e.g. ``{"adc.bits": 6}``.
    progress: show a progress bar over timesteps.
    option_changes: fields of :class:`RunOptions` to change: ``accounting`` (``event``, ``dense`` as SpikeSim,
        ``all_groups`` as DNN+NeuroSim), ``ideal_adc``, ``fidelity``, ``mapping``.
    """
    wall = time.perf_counter()
    hw_changes, run_changes = split_overrides(overrides)
    if isinstance(model, Mapping):
        if hw is not None or hw_changes:
            raise UserError("a Mapping carries its chip: pass no hw and no hardware overrides with it")
        mapping = model
        opts = resolve_options(mapping.options, options, run_changes, **option_changes)
        mapping = mapping.with_options(opts)
    else:
        graph = resolve_model(model, seed=seed)
        chip = resolve_chip(DEFAULT_HW if hw is None else hw, hw_changes)
        opts = resolve_options(chip.run, options, run_changes, **option_changes)
        mapping = map_graph(graph, chip, opts)
    x = run_inputs(mapping.graph, inputs, timesteps, samples, spike_rate, seed)
    report = run_mapping(mapping, x, labels=labels, calibration_inputs=calibration_inputs, seed=seed,
                         progress=progress)
    report.meta["wall_time_s"] = time.perf_counter() - wall
    return report


def run_mapping(mapping: Mapping, inputs: np.ndarray, labels: np.ndarray | None = None,
                calibration_inputs: np.ndarray | None = None, seed: int = 0, progress: bool = False) -> Report:
    """The stages after the mapping (:func:`cimsim.stages.run_stages`), returning the report only."""
    return run_stages(mapping, inputs, labels=labels, calibration_inputs=calibration_inputs, seed=seed,
                      progress=progress).report


