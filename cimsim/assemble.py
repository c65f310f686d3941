"""The last stage of a run: :class:`Report` assembly.

:func:`build_report` turns a mapping, its execution, the activity and the prices into
a :class:`~cimsim.report.Report`; :func:`fidelity_section` compares the run's spikes with the ideal network's.
"""
from __future__ import annotations

import numpy as np

from cimsim.cost.activity import RunActivity
from cimsim.cost.area import floorplan_area
from cimsim.cost.price import Prices
from cimsim.engine.adc_calibration import ideal_reference
from cimsim.engine.execute import Execution
from cimsim.errors import UserError
from cimsim.mapping import Mapping
from cimsim.report import Report


def build_report(mapping: Mapping, ex: Execution, run: RunActivity, prices: Prices, seed: int,
                 labels: np.ndarray | None = None) -> Report:
    """Assemble the :class:`Report` of a run: totals, breakdowns, layers, activity and meta (both hashes)."""
    from cimsim import __version__

    graph, chip = mapping.graph, mapping.chip
    totals = _totals(chip, run, prices)
    plan = floorplan_area(prices.table, run)
    totals["floorplan_area_m2"] = float(plan["area_m2"])
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if labels.shape[0] != run.n_samples:
            raise UserError(f"labels has {labels.shape[0]} entries for {run.n_samples} samples")
        totals["accuracy"] = float((ex.predictions == labels).mean())
    layer_rows = [_layer_row(mapping, L, prices) for L in run.layers]
    meta = {"model": graph.name, "hw": chip.name, "config_hash": chip.config_hash(),
            "run_options_hash": mapping.options.options_hash(), "timesteps": run.timesteps,
            "samples": run.n_samples, "seed": seed, "version": __version__, "accounting": chip.accounting,
            "ideal_adc": bool(ex.adc is None or ex.adc.ideal), "clock_hz": chip.clock_hz,
            "n_params": graph.n_params(), "weight_bits": chip.weight_bits,
            # chip area as the floorplan: tile bounding boxes (used + empty area) and their dimensions
            "floorplan": plan}
    stage_s = {k: v * chip.cycle_s for k, v in run.stage_cycles.items()}
    report = Report(meta, totals, {"area_m2": prices.area_m2, "energy_j": prices.energy_j, "latency_s": stage_s},
                    layer_rows, _activity(mapping, ex, run), priced_table=prices.table.as_list(), outputs=ex.outputs,
                    predictions=ex.predictions, spikes=ex.spikes)
    if ex.adc is not None and ex.adc.calibration:
        report.meta["adc_calibration"] = ex.adc.calibration
    return report


def _totals(chip, run: RunActivity, prices: Prices) -> dict:
    total_e = float(sum(prices.energy_j.values()))
    tot = run.total()
    return {
        "area_m2": float(sum(prices.area_m2.values())),
        "energy_j": total_e,
        "latency_s": run.cycles * chip.cycle_s,
        "cycles": run.cycles,
        "energy_per_inference_j": total_e / run.n_samples,
        "latency_per_inference_s": run.cycles_per_sample * chip.cycle_s,
        "throughput_inf_per_s": chip.clock_hz / run.initiation_interval if run.initiation_interval else 0.0,
        "energy_per_sop_j": total_e / tot.sops if tot.sops else 0.0,
    }


def _layer_row(mapping: Mapping, L, prices: Prices) -> dict:
    lm, cycle_s = mapping.layers[L.name], mapping.chip.cycle_s
    return {"name": L.name, "kind": lm.kind, "crossbars": L.crossbars, "pes": L.pes, "tiles": L.tiles,
            "rows": lm.rows, "outputs": lm.outputs, "row_blocks": lm.row_blocks, "col_blocks": lm.col_blocks,
            "spikes_in": L.spikes_in, "spikes_out": L.spikes_out, "energy_j": float(prices.layer_energy_j[L.name]),
            "cycles": L.busy_cycles, "latency_s": L.busy_cycles * cycle_s, "array_cycles": L.array_cycles,
            "energy_by_component_j": {k: float(v) for k, v in prices.matrix[L.name].items()},
            "xbar_reads": L.xbar_reads, "rows_driven": L.rows_driven, "adc_conversions": L.adc_conversions,
            "lif_updates": L.lif_updates, "sops": L.sops, "noc_flits": L.noc_flits, "noc_hops": L.noc_flit_hops}


def _activity(mapping: Mapping, ex: Execution, run: RunActivity) -> dict:
    graph, tot = mapping.graph, run.total()
    n_neurons = sum(int(np.prod(graph.node(n)["shape"])) for n in graph.lif_nodes())
    spike_total = sum(int(s.sum()) for s in ex.spikes.values())
    return {
        "sops": tot.sops, "spike_rate": spike_total / max(1, n_neurons * run.timesteps * run.n_samples),
        "spikes": spike_total, "xbar_reads": tot.xbar_reads, "rows_driven": tot.rows_driven,
        "adc_conversions": tot.adc_conversions, "accumulations": tot.accumulations, "lif_updates": tot.lif_updates,
        "noc_flits": tot.noc_flits, "noc_hops": tot.noc_flit_hops,
        "crossbars_used": run.crossbars_used, "pes_used": run.pes_used, "tiles_used": run.tiles_used,
        "crossbar_utilisation": _utilisation(mapping),
    }


def _utilisation(mapping: Mapping) -> float:
    """Fraction of the mapped crossbars' cells that hold weights."""
    xb = mapping.chip.crossbar
    used = sum(lm.rows * lm.outputs * lm.cols_per_output * lm.copies for lm in mapping.layers.values())
    return used / max(1, mapping.crossbars_used * xb.rows * xb.cols)


def fidelity_section(mapping: Mapping, inputs: np.ndarray, ex: Execution, graph_key: str | None = None) -> dict:
    """How many spike events the finite ADC changed against the ideal (exact integer) network on the same inputs,
    and how often the predictions agree; with a calibrated ADC, its LSBs per layer. The ideal run comes from
    :func:`~cimsim.engine.adc_calibration.ideal_reference` (the calibration pass of the same run already made it)."""
    ref = ideal_reference(mapping.graph, inputs, graph_key)
    changed = sum(int((ref.spikes[n] != ex.spikes[n]).sum()) for n in ref.spikes)
    section = {
        "reference": "ideal-ADC numpy evaluation of the same graph",
        "spikes_changed": changed,
        "spikes_total": sum(int(ref.spikes[n].sum()) for n in ref.spikes),
        "spike_change_rate": changed / max(1, sum(ref.spikes[n].size for n in ref.spikes)),
        "prediction_agreement": float((ref.predictions == ex.predictions).mean()),
    }
    if ex.adc is not None and ex.adc.calibration:
        section["adc_lsb"] = {k: v["lsb"] for k, v in ex.adc.calibration["layers"].items()}
    return section
