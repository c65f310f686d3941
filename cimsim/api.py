"""``cimsim.simulate``: graph + chip + inputs -> Report (config -> mapping -> execution -> schedule -> costs)."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from cimsim.config.schema import Chip
from cimsim.cost.activity import RunActivity
from cimsim.cost.collect import collect_activity
from cimsim.engine.crossbar_layer import AdcModel
from cimsim.engine.execute import Execution, execute
from cimsim.engine.schedule import Schedule, schedule
from cimsim.errors import UserError
from cimsim.functional import evaluate
from cimsim.graph import SnnGraph
from cimsim.mapping import Mapping, map_graph
from cimsim.networks import ARCHS, build_network, random_spike_inputs
from cimsim.report import Report

#: Accounting modes (see :attr:`cimsim.config.schema.Chip.accounting`).
ACCOUNTING = ("event", "dense", "all_groups")

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


def resolve_chip(hw: Chip | str | Path, overrides: dict | None = None, accounting: str | None = None) -> Chip:
    from cimsim.config.loader import load_config

    chip = hw if isinstance(hw, Chip) else load_config(str(hw), overrides=overrides)
    if isinstance(hw, Chip) and overrides:
        chip = chip.with_changes(overrides)
    if accounting is not None:
        if accounting not in ACCOUNTING:
            raise UserError(f"accounting must be one of {', '.join(ACCOUNTING)}, got {accounting!r}")
        chip = chip.with_changes({"accounting": accounting})
    return chip


def simulate(model: SnnGraph | str | Path, hw: Chip | str | Path = DEFAULT_HW, timesteps: int = 5,
             inputs: np.ndarray | None = None, spike_rate: float = 0.1, samples: int = 1, seed: int = 0,
             labels: np.ndarray | None = None, ideal_adc: bool = False, accounting: str | None = None,
             overrides: dict | None = None, progress: bool = False, fidelity: bool = True,
             calibration_inputs: np.ndarray | None = None) -> Report:
    """Map ``model`` onto ``hw`` and simulate it cycle by cycle.

    Parameters
    ----------
    model: an :class:`SnnGraph`, a built-in network name (``vgg9``, ``vgg8``, ``tiny``) or a ``*.snn.json`` path.
    hw: a :class:`Chip`, a preset name or a YAML path.
    timesteps: T, used with random inputs (ignored when ``inputs`` are given: their first axis is T).
    inputs: integer inputs ``[T, N, *input_shape]``; default: seeded Bernoulli spikes at ``spike_rate``.
    samples: N for random inputs.
    labels: ``[N]`` class labels; when given the report has ``totals.accuracy``.
    ideal_adc: treat the ADC as ideal (functional check of mapping and dataflow).
    accounting: ``event`` (default from the chip), ``dense`` (every row group every timestep, as SpikeSim) or
        ``all_groups`` (every row group read and converted, only rows with a spike driven, as DNN+NeuroSim).
    overrides: dotted-path config overrides, e.g. ``{"adc.bits": 6}``.
    progress: show a progress bar over timesteps.
    fidelity: with a finite ADC, also evaluate the ideal network and report how many spikes the ADC changed
        (costs one extra dense forward pass).
    calibration_inputs: with ``adc.range: calibrated``, integer inputs ``[T', N', *input_shape]`` whose first
        ``adc.calibration_samples`` samples set the ADC's LSBs (default: the first samples of ``inputs``); the
        LSBs are in ``report.meta["adc_calibration"]`` (and ``report.fidelity["adc_lsb"]``).
    """
    wall = time.perf_counter()
    graph = resolve_model(model, seed=seed)
    chip = resolve_chip(hw, overrides, accounting)
    if inputs is None:
        node = graph.node(graph.input_node())
        if int(node.get("bits", 1)) != 1:
            raise UserError(f"graph {graph.name!r} takes {node['bits']}-bit inputs; pass inputs= (random spikes only fit spike inputs)")
        if timesteps < 1 or samples < 1:
            raise UserError(f"timesteps and samples must be >= 1 (got {timesteps}, {samples})")
        inputs = random_spike_inputs(graph, timesteps, samples, spike_rate, seed)
    inputs = np.asarray(inputs)
    mapping = map_graph(graph, chip)
    adc = AdcModel.for_chip(chip, force_ideal=ideal_adc)
    if adc.calibrated and calibration_inputs is not None:
        from cimsim.engine.adc_calibration import calibrate_adc
        from cimsim.functional import check_inputs

        adc = calibrate_adc(mapping, check_inputs(graph, np.asarray(calibration_inputs)), adc,
                            data="ideal-network activations of the separate calibration inputs (all timesteps)")
    T = inputs.shape[0]
    if progress:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"simulating {graph.name}", total=T)
            ex = execute(mapping, inputs, adc, progress=lambda: bar.advance(task))
    else:
        ex = execute(mapping, inputs, adc)
    sched = schedule(mapping, ex)
    run = collect_activity(mapping, ex, sched)
    report = build_report(graph, chip, mapping, ex, sched, run, seed=seed, labels=labels, ideal_adc=adc.ideal)
    if fidelity and not adc.ideal:
        ref = evaluate(graph, inputs)
        changed = sum(int((ref.spikes[n] != ex.spikes[n]).sum()) for n in ref.spikes)
        total = sum(int(ref.spikes[n].sum()) for n in ref.spikes)
        report.fidelity = {
            "reference": "ideal-ADC numpy evaluation of the same graph",
            "spikes_changed": changed,
            "spikes_total": total,
            "spike_change_rate": changed / max(1, sum(ref.spikes[n].size for n in ref.spikes)),
            "prediction_agreement": float((ref.predictions == ex.predictions).mean()),
        }
    if ex.adc is not None and ex.adc.calibration:
        report.meta["adc_calibration"] = ex.adc.calibration
        if report.fidelity:
            report.fidelity["adc_lsb"] = {k: v["lsb"] for k, v in ex.adc.calibration["layers"].items()}
    report.meta["wall_time_s"] = time.perf_counter() - wall
    return report


def build_report(graph: SnnGraph, chip: Chip, mapping: Mapping, ex: Execution, sched: Schedule, run: RunActivity,
                 seed: int, labels, ideal_adc: bool) -> Report:
    from cimsim import __version__
    from cimsim.cost import area_breakdown, breakdown_of, energy_matrix, price

    table = price(chip)
    matrix = energy_matrix(table, run)
    energy, energy_layers = breakdown_of(matrix)
    area = area_breakdown(table, run)
    total_e = float(sum(energy.values()))
    latency_s = run.cycles * chip.cycle_s
    stage_s = {k: v * chip.cycle_s for k, v in run.stage_cycles.items()}
    tot = run.total()
    N = run.n_samples
    totals = {
        "area_m2": float(sum(area.values())),
        "energy_j": total_e,
        "latency_s": latency_s,
        "cycles": run.cycles,
        "energy_per_inference_j": total_e / N,
        "latency_per_inference_s": run.cycles_per_sample * chip.cycle_s,
        "throughput_inf_per_s": chip.clock_hz / run.initiation_interval if run.initiation_interval else 0.0,
        "energy_per_sop_j": total_e / tot.sops if tot.sops else 0.0,
    }
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if labels.shape[0] != N:
            raise UserError(f"labels has {labels.shape[0]} entries for {N} samples")
        totals["accuracy"] = float((ex.predictions == labels).mean())
    layer_rows = []
    for L in run.layers:
        lm = mapping.layers[L.name]
        row = {"name": L.name, "kind": lm.kind, "crossbars": L.crossbars, "pes": L.pes, "tiles": L.tiles,
               "rows": lm.rows, "outputs": lm.outputs, "row_blocks": lm.row_blocks, "col_blocks": lm.col_blocks,
               "spikes_in": L.spikes_in, "spikes_out": L.spikes_out, "energy_j": float(energy_layers[L.name]),
               "cycles": L.busy_cycles, "latency_s": L.busy_cycles * chip.cycle_s,
               "array_cycles": L.array_cycles,
               "energy_by_component_j": {k: float(v) for k, v in matrix[L.name].items()},
               "xbar_reads": L.xbar_reads, "rows_driven": L.rows_driven, "adc_conversions": L.adc_conversions,
               "lif_updates": L.lif_updates, "sops": L.sops, "noc_flits": L.noc_flits, "noc_hops": L.noc_flit_hops}
        layer_rows.append(row)
    n_neurons = sum(int(np.prod(graph.node(n)["shape"])) for n in graph.lif_nodes())
    spike_total = sum(int(s.sum()) for s in ex.spikes.values())
    activity = {
        "sops": tot.sops, "spike_rate": spike_total / max(1, n_neurons * run.timesteps * N),
        "spikes": spike_total, "xbar_reads": tot.xbar_reads, "rows_driven": tot.rows_driven,
        "adc_conversions": tot.adc_conversions, "accumulations": tot.accumulations, "lif_updates": tot.lif_updates,
        "noc_flits": tot.noc_flits, "noc_hops": tot.noc_flit_hops,
        "crossbars_used": run.crossbars_used, "pes_used": run.pes_used, "tiles_used": run.tiles_used,
        "crossbar_utilisation": _utilisation(mapping),
    }
    meta = {"model": graph.name, "hw": chip.name, "config_hash": chip.config_hash(), "timesteps": run.timesteps,
            "samples": N, "seed": seed, "version": __version__, "accounting": chip.accounting,
            "ideal_adc": ideal_adc, "clock_hz": chip.clock_hz, "n_params": graph.n_params(),
            "weight_bits": chip.weight_bits}
    return Report(meta, totals, {"area_m2": area, "energy_j": energy, "latency_s": stage_s}, layer_rows, activity,
                  priced_table=table.as_list(), outputs=ex.outputs, predictions=ex.predictions, spikes=ex.spikes)


def _utilisation(mapping: Mapping) -> float:
    """Fraction of the mapped crossbars' cells that hold weights."""
    xb = mapping.chip.crossbar
    used = sum(lm.rows * lm.outputs * lm.cols_per_output * lm.copies for lm in mapping.layers.values())
    return used / max(1, mapping.crossbars_used * xb.rows * xb.cols)
