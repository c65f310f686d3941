"""Every stage output of a run saved on its own, and read back (SCALE-Sim style: one plain file per concern).

``simulate`` runs ``load_config -> map_graph -> adc_for_run -> execute -> schedule -> collect_activity -> price ->
build_report``; :func:`run_stages` runs the same stages and keeps every output (:class:`StageOutputs`), and
:func:`save` writes them next to each other:

=================== ================================================================================================
file                what it holds
=================== ================================================================================================
``mapping.json``    the placement: per layer its crossbar grid, PEs, tiles and tile ids, hosts, the mesh; the chip's
                    and the run options' hashes (a mapping is rebuilt from graph + chip + options, not loaded)
``execution.npz``   spikes of every neuron node ``[T, N, ...]``, outputs ``[T, N, F]``, predictions, every host's
                    counts ``[T, N]`` (``counts/<host>/<count>``) and NoC traffic ``[T, N]`` per transfer
``schedule.npz``    job start/finish cycles ``[H, T, N]``, per-sample latency, and (in ``schedule_meta``) the
                    critical-path stages, busy cycles and NoC counts per host
``activity.json``   the run's action counts per layer (:class:`~cimsim.cost.activity.RunActivity`): price them
                    again on another chip's table with :func:`cimsim.cost.price`
``prices.json``     the priced table (energy, time, area, leakage per component and action, with sources and
                    whether published or scaled), energy per layer and component, area per component
=================== ================================================================================================

:func:`load_execution`, :func:`load_schedule` and :func:`load_activity` read the data stages back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from cimsim.cost.activity import LayerActivity, RunActivity
from cimsim.cost.price import Prices
from cimsim.engine.counts import HostCounts
from cimsim.engine.execute import Execution
from cimsim.engine.schedule import Schedule
from cimsim.mapping import Mapping
from cimsim.report import Report

_SEP = "\x1f"  # joins the parts of a traffic key (node names may hold any printable character)


@dataclass(frozen=True)
class StageOutputs:
    """What each stage of one run produced."""

    mapping: Mapping
    execution: Execution
    schedule: Schedule
    activity: RunActivity
    prices: Prices
    report: Report


def run_stages(mapping: Mapping, inputs: np.ndarray, labels: np.ndarray | None = None,
               calibration_inputs: np.ndarray | None = None, seed: int = 0, progress: bool = False) -> StageOutputs:
    """The stages after the mapping: calibration -> execute -> schedule -> activity -> price -> report.

    Parameters
    ----------
    mapping: the mapped network (its chip carries the run options). inputs: integer inputs ``[T, N, *shape]``.
    labels: ``[N]`` classes (the report then has ``totals.accuracy``). calibration_inputs: inputs whose ideal
    activations set a calibrated ADC's LSBs (default: the first samples of ``inputs``). seed: the chip instance
    whose device non-idealities the reads see (``crossbar.nonideal``). progress: a bar over the timesteps.
    """
    from cimsim.assemble import build_report, fidelity_section
    from cimsim.cost.collect import collect_activity
    from cimsim.cost.price import price
    from cimsim.engine import run_cache
    from cimsim.engine.adc_calibration import adc_for_run
    from cimsim.engine.execute import execute
    from cimsim.engine.schedule import schedule
    from cimsim.progress import progress_bar

    from cimsim.nonideal import instance_for

    # the graph's content digest keys the run's caches (calibration, ideal reference): hashed once per run, and
    # only when one of them is used
    cached = mapping.options.fidelity or (mapping.chip.adc.range == "calibrated" and not mapping.options.ideal_adc)
    graph_key = run_cache.graph_digest(mapping.graph) if cached else None
    if graph_key is not None:
        run_cache.share_cells(mapping, graph_key)
    adc = replace(adc_for_run(mapping, inputs, calibration_inputs, graph_key),
                  devices=instance_for(mapping.chip, seed))
    with progress_bar(progress, transient=True) as bar:
        task = bar.add_task(f"simulating {mapping.graph.name}", total=inputs.shape[0])
        ex = execute(mapping, inputs, adc, progress=lambda: bar.advance(task))
    sched = schedule(mapping, ex)
    run = collect_activity(mapping, ex, sched, mapping.options.accounting)
    prices = price(mapping.chip, run)
    report = build_report(mapping, ex, run, prices, seed=seed, labels=labels)
    if mapping.options.fidelity and not (adc.ideal and adc.devices is None):
        report.fidelity = fidelity_section(mapping, inputs, ex, graph_key)
    return StageOutputs(mapping, ex, sched, run, prices, report)


def save(out: str | Path, stages: StageOutputs) -> list[Path]:
    """Write every stage output of ``stages`` into the directory ``out`` (see the module docstring)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = stages.report.write(out)  # report.json (+ report.csv beside it)
    return [save_mapping(stages.mapping, out / "mapping.json"), save_execution(stages.execution, out / "execution.npz"),
            save_schedule(stages.schedule, out / "schedule.npz"), save_activity(stages.activity, out / "activity.json"),
            save_prices(stages.prices, out / "prices.json"), report, report.with_suffix(".csv")]


def _write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
    return path


# ------------------------------------------------------------------------------------------------ mapping
def save_mapping(mapping: Mapping, path: str | Path) -> Path:
    """The placement as JSON (for inspection; rebuild a :class:`Mapping` with :func:`cimsim.mapping.map_graph`)."""
    layers = {h: {"kind": lm.kind, "rows": lm.rows, "outputs": lm.outputs, "positions": lm.positions,
                  "row_blocks": lm.row_blocks, "col_blocks": lm.col_blocks, "crossbars": lm.crossbars,
                  "pes": lm.pes, "tiles": lm.tiles, "tile_ids": [int(t) for t in lm.tile_ids],
                  "cols_per_output": lm.cols_per_output, "weight_bits": lm.weight_bits}
              for h, lm in mapping.layers.items()}
    return _write_json(Path(path), {
        "graph": mapping.graph.name, "chip": mapping.chip.name, "config_hash": mapping.chip.config_hash(),
        "run_options": mapping.options.model_dump(mode="json"), "run_options_hash": mapping.options.options_hash(),
        "order": list(mapping.order), "host": dict(mapping.host), "layers": layers,
        "tile_xy": {str(k): list(v) for k, v in mapping.tile_xy.items()},
        "tiles_used": mapping.tiles_used, "pes_used": mapping.pes_used, "crossbars_used": mapping.crossbars_used})


# ---------------------------------------------------------------------------------------------- execution
def save_execution(ex: Execution, path: str | Path) -> Path:
    """Spikes, outputs, predictions, host counts and traffic as one ``.npz`` (the ADC's calibration is in the
    report's ``meta.adc_calibration``)."""
    arrays = {"outputs": ex.outputs, "predictions": ex.predictions}
    arrays.update({f"spikes/{n}": s for n, s in ex.spikes.items()})
    for h, counts in ex.hosts.items():
        for name, value in vars(counts).items():
            arrays[f"counts/{h}/{name}"] = np.asarray(value)
    arrays.update({"traffic/" + _SEP.join((u, k, str(d))): bits for (u, k, d), bits in ex.traffic_bits.items()})
    path = Path(path)
    np.savez_compressed(path, **arrays)
    return path


def load_execution(path: str | Path) -> Execution:
    """An :class:`Execution` saved by :func:`save_execution` (without its ADC model)."""
    spikes, traffic, counts = {}, {}, {}
    with np.load(path, allow_pickle=False) as z:
        for key in z.files:
            group, _, rest = key.partition("/")
            if group == "spikes":
                spikes[rest] = z[key]
            elif group == "traffic":
                u, k, d = rest.split(_SEP)
                traffic[(u, k, int(d))] = z[key]
            elif group == "counts":
                host, _, name = rest.rpartition("/")
                counts.setdefault(host, {})[name] = z[key]
        outputs, predictions = z["outputs"], z["predictions"]
    hosts = {h: HostCounts(**{k: (int(v) if v.ndim == 0 else v) for k, v in c.items()}) for h, c in counts.items()}
    return Execution(spikes, outputs, predictions, hosts, traffic)


# ----------------------------------------------------------------------------------------------- schedule
def save_schedule(sched: Schedule, path: str | Path) -> Path:
    """Job timings as arrays, the rest (stages, busy cycles, NoC counts, hosts) as JSON inside the ``.npz``."""
    meta = {"cycles": sched.cycles, "stage_cycles": sched.stage_cycles, "host_busy": sched.host_busy,
            "noc": sched.noc, "hosts": list(sched.hosts)}
    path = Path(path)
    np.savez_compressed(path, sample_latency=sched.sample_latency, job_start=sched.job_start,
                        job_finish=sched.job_finish, schedule_meta=np.array(json.dumps(meta)))
    return path


def load_schedule(path: str | Path) -> Schedule:
    """A :class:`Schedule` saved by :func:`save_schedule`."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["schedule_meta"]))
        return Schedule(meta["cycles"], z["sample_latency"], meta["stage_cycles"], meta["host_busy"], meta["noc"],
                        z["job_start"], z["job_finish"], meta["hosts"])


# ------------------------------------------------------------------------------------------ activity, prices
def save_activity(run: RunActivity, path: str | Path) -> Path:
    """The run's action counts per layer and its run-level figures as JSON."""
    data = {k: getattr(run, k) for k in ("cycles", "cycles_per_sample", "initiation_interval", "tiles_used",
                                         "pes_used", "crossbars_used", "n_samples", "timesteps", "stage_cycles")}
    data["layers"] = [layer.as_dict() for layer in run.layers]
    return _write_json(Path(path), data)


def load_activity(path: str | Path) -> RunActivity:
    """A :class:`RunActivity` saved by :func:`save_activity`."""
    data = json.loads(Path(path).read_text())
    layers = [LayerActivity(**row) for row in data.pop("layers")]
    return RunActivity(layers=layers, **data)


def save_prices(prices: Prices, path: str | Path) -> Path:
    """The priced table and the run's energy and area breakdowns as JSON."""
    return _write_json(Path(path), {"priced_table": prices.table.as_list(), "energy_by_layer_j": prices.matrix,
                                    "energy_j": prices.energy_j, "area_m2": prices.area_m2})
